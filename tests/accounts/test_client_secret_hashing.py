"""Client secrets are stored hashed with the client-secret hasher, and earlier hashes upgraded at their next use."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse
from oauth2_provider.models import get_application_model

from accounts.hashers import ClientSecretHasher
from actions_api.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.accounts.conftest import CALLBACK
from tests.admin_forms import admin_form
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_new_connection_secret_is_stored_with_the_client_secret_hasher_not_in_clear():
    connection = ConnectionFactory(client_secret="a-long-random-client-secret")

    connection.refresh_from_db()
    assert connection.client_secret != "a-long-random-client-secret"
    assert identify_hasher(connection.client_secret).algorithm == ClientSecretHasher.algorithm
    assert check_password("a-long-random-client-secret", connection.client_secret)
    assert not check_password("another-secret", connection.client_secret)


def test_an_admin_cannot_type_in_a_client_secret_short_enough_to_guess_from_its_fast_hash(admin_client):
    """The hash is one salted HMAC (accounts.hashers): only a secret's length protects it once the hash leaks."""
    connection = ConnectionFactory(name="Sales GPT")
    stored = connection.client_secret
    url = reverse("admin:accounts_application_change", args=[connection.pk])
    data = admin_form(admin_client.get(url).content.decode(), "application_form")

    data["client_secret"] = ["s3cret-but-short"]
    refused = admin_client.post(url, data)
    data["client_secret"], data["name"] = ["x" * 32], ["Sales GPT v2"]
    accepted = admin_client.post(url, data)

    assert refused.status_code == 200 and "at least 32 characters" in refused.content.decode()
    assert accepted.status_code == 302
    connection.refresh_from_db()
    assert connection.name == "Sales GPT v2" and connection.client_secret != stored
    assert check_password("x" * 32, connection.client_secret)


def test_a_connection_kept_with_an_earlier_short_secret_stays_editable_in_both_admin_pages(admin_client):
    """The rule is on what an admin types, not on what is stored: an old connection still saves, never a 500."""
    connection = ConnectionFactory(name="Old GPT", client_secret="short-old", hash_client_secret=False)
    pages = [
        (reverse("admin:accounts_application_change", args=[connection.pk]), "application_form"),
        (reverse("admin:accounts_gptconnection_change", args=[connection.pk]), "gptconnection_form"),
    ]
    for number, (url, form_id) in enumerate(pages):
        data = admin_form(admin_client.get(url).content.decode(), form_id)
        data["name"] = [f"Old GPT {number}"]
        assert admin_client.post(url, data).status_code == 302

    connection.refresh_from_db()
    assert connection.name == "Old GPT 1" and connection.client_secret == "short-old"


class _ClientSecretHasherBefore(ClientSecretHasher):
    """The client-secret hasher as it was: 1,000 iterations under the same algorithm name."""

    iterations = 1_000


def _stored_secret_before() -> str:
    """The demo connection's secret stored as before (after any re-seeding: `new_code` seeds it)."""
    stored = make_password(DEMO_CLIENT_SECRET, hasher=_ClientSecretHasherBefore())
    get_application_model().objects.filter(client_id=DEMO_CLIENT_ID).update(client_secret=stored)
    return stored


def _stored_secret() -> str:
    return get_application_model().objects.get(client_id=DEMO_CLIENT_ID).client_secret


def test_a_client_secret_is_hashed_once_salted_as_high_entropy_secrets_need():
    hashed = make_password("a-long-random-client-secret", hasher="pbkdf2_sha256_client_secret")

    algorithm, iterations, salt, _ = hashed.split("$")
    assert (algorithm, iterations) == (ClientSecretHasher.algorithm, "1")
    assert salt and hashed != make_password("a-long-random-client-secret", hasher="pbkdf2_sha256_client_secret")


def test_a_secret_stored_with_the_earlier_iterations_is_rehashed_at_its_next_grant(token_client):
    code = token_client.new_code()
    stored = _stored_secret_before()

    refresh_token = token_client.exchange(code)["refresh_token"]

    rehashed = _stored_secret()
    assert rehashed != stored
    assert rehashed.split("$")[:2] == [ClientSecretHasher.algorithm, "1"]
    assert check_password(DEMO_CLIENT_SECRET, rehashed)
    token_client.refresh(refresh_token)  # the rehashed secret authenticates the next grant, and stays
    assert _stored_secret() == rehashed


def test_a_wrong_secret_neither_authenticates_nor_rehashes(token_client):
    code = token_client.new_code()
    stored = _stored_secret_before()

    response = token_client.http.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": "not-the-secret",
        },
    )

    assert response.status_code == 401
    assert _stored_secret() == stored
