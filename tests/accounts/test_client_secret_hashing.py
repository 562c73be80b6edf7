"""Client secrets are stored hashed with the client-secret hasher."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher

from accounts.hashers import ClientSecretHasher
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_new_connection_secret_is_stored_with_the_client_secret_hasher_not_in_clear():
    connection = ConnectionFactory(client_secret="a-long-random-client-secret")

    connection.refresh_from_db()
    assert connection.client_secret != "a-long-random-client-secret"
    assert identify_hasher(connection.client_secret).algorithm == ClientSecretHasher.algorithm
    assert check_password("a-long-random-client-secret", connection.client_secret)
    assert not check_password("another-secret", connection.client_secret)
