import pytest

from accounts.models import User


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root", "root@example.test", "root-password")


@pytest.fixture
def admin(client, admin_user):
    """The test client, signed in as a superuser."""
    client.force_login(admin_user)
    return client
