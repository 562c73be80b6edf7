"""The Connections page lists and revokes every connection, including MCP clients whose client_id is a URL (CIMD)."""

import pytest
from django.test import Client
from oauth2_provider.models import get_refresh_token_model

from accounts.models import Application
from tests.factories import ConnectionFactory, UserFactory

RefreshToken = get_refresh_token_model()
CIMD_URL = "https://claude.ai/oauth/mcp-oauth-client-metadata"
pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client):
    user = UserFactory(username="alice")
    client.force_login(user)
    return user


def signed_into(user, connection) -> RefreshToken:
    return RefreshToken.objects.create(user=user, application=connection, token=f"rt-{user.pk}-{connection.pk}")


@pytest.fixture
def claude(alice):
    """A Client ID Metadata Document client, as Claude registers: its client_id is an https URL."""
    connection = ConnectionFactory(
        name="Claude",
        client_id=CIMD_URL,
        client_type="public",
        registration_source=Application.RegistrationSource.CIMD,
        redirect_uris="https://claude.ai/api/mcp/auth_callback",
    )
    signed_into(alice, connection)
    return connection


def test_a_connection_whose_client_id_is_a_url_is_listed_and_revocable(client, alice, claude):
    """The review: such a client made the page answer 500 (its revoke URL could not be built)."""
    page = client.get("/accounts/apps/")

    assert page.status_code == 200
    assert "Claude" in page.content.decode() and f"/accounts/apps/{claude.pk}/revoke/" in page.content.decode()

    assert client.post(f"/accounts/apps/{claude.pk}/revoke/").status_code == 302
    assert not RefreshToken.objects.filter(application=claude, revoked__isnull=True).exists()
    assert "Claude" not in client.get("/accounts/apps/").content.decode()


def test_a_connection_the_user_never_signed_into_cannot_be_named(client, alice):
    elsewhere = ConnectionFactory()
    other_user_token = signed_into(UserFactory(), elsewhere)

    assert client.post(f"/accounts/apps/{elsewhere.pk}/revoke/").status_code == 404
    other_user_token.refresh_from_db()
    assert other_user_token.revoked is None


def test_revoking_needs_a_post_with_its_csrf_token(alice, claude):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)

    assert browser.get(f"/accounts/apps/{claude.pk}/revoke/").status_code == 405
    assert browser.post(f"/accounts/apps/{claude.pk}/revoke/").status_code == 403
    assert RefreshToken.objects.filter(application=claude, revoked__isnull=True).exists()
