"""What /o/register/ registers (RFC 7591), how often, for how long, and how unused clients go away."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from accounts.models import Application, ClientRegistrationPolicy
from accounts.services import authorization_code_redeem
from tests.factories import ConnectionFactory, UserFactory

AccessToken = get_access_token_model()
CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"
pytestmark = pytest.mark.django_db


def register(client, *, ip="198.51.100.1", **metadata):
    body = {
        "client_name": "Claude",
        "redirect_uris": [CLAUDE_CALLBACK],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        **metadata,
    }
    return client.post("/o/register/", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


# ---------------------------------------------------------------- what may register (finding 5)


@pytest.mark.parametrize(
    "grant_types",
    [
        ["client_credentials"],
        ["password"],
        ["implicit"],
        ["urn:ietf:params:oauth:grant-type:device_code"],
        ["authorization_code", "client_credentials"],
        ["refresh_token"],
        "authorization_code",
        [1],
    ],
)
def test_only_the_authorization_code_grant_can_be_registered(client, grant_types):
    response = register(client, grant_types=grant_types)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"
    assert not Application.objects.exists()


@pytest.mark.parametrize("response_types", [["token"], ["code", "token"], ["code id_token"], []])
def test_only_the_code_response_type_can_be_registered(client, response_types):
    assert register(client, response_types=response_types).json()["error"] == "invalid_client_metadata"


def test_a_confidential_client_is_registered_only_when_the_policy_allows_it(client):
    refused = register(client, token_endpoint_auth_method="client_secret_basic")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client_metadata"
    assert register(client, token_endpoint_auth_method=None).status_code == 400  # RFC 7591's default: a secret

    ClientRegistrationPolicy.objects.update_or_create(pk=1, defaults={"allow_confidential_clients": True})
    allowed = register(client, token_endpoint_auth_method="client_secret_post")

    assert allowed.status_code == 201
    connection = Application.objects.get(client_id=allowed.json()["client_id"])
    assert connection.client_type == Application.CLIENT_CONFIDENTIAL and connection.pkce_required()


@pytest.mark.parametrize("redirect_uris", [[], None, CLAUDE_CALLBACK, ["https://evil.example/cb"]])
def test_a_bad_redirect_uri_gets_invalid_redirect_uri(client, redirect_uris):
    assert register(client, redirect_uris=redirect_uris).json()["error"] == "invalid_redirect_uri"


def test_a_deeply_nested_body_is_a_400_not_a_500(client):
    body = '{"client_name": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = client.post("/o/register/", body, content_type="application/json")

    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata"


def test_a_registered_client_is_public_and_must_use_pkce(client):
    response = register(client)

    assert response.status_code == 201
    connection = Application.objects.get(client_id=response.json()["client_id"])
    assert connection.client_type == Application.CLIENT_PUBLIC and connection.pkce_required()


@pytest.mark.parametrize(
    ("registered_grant", "form"),
    [
        ("client-credentials", {"grant_type": "client_credentials"}),
        ("password", {"grant_type": "password", "username": "holder", "password": "correct horse battery"}),
    ],
)
def test_an_existing_client_credentials_or_password_client_gets_unauthorized_client(client, registered_grant, form):
    """The review: a client_credentials client made the token endpoint answer 500 (a token without a user)."""
    UserFactory(username="holder")
    ConnectionFactory(client_id="machine", client_secret="machine-secret", authorization_grant_type=registered_grant)

    response = client.post("/o/token/", {**form, "client_id": "machine", "client_secret": "machine-secret"})

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert not AccessToken.objects.exists()


# ---------------------------------------------------------------- how often and for how long (finding 6)


def test_registrations_are_limited_per_address_with_retry_after(client, rolegate):
    rolegate(CLIENT_REGISTRATION_RATE_PER_ADDRESS="3/hour")
    for _ in range(3):
        assert register(client, ip="203.0.113.5").status_code == 201

    refused = register(client, ip="203.0.113.5")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"] == "too_many_requests"
    assert Application.objects.count() == 3
    assert register(client, ip="203.0.113.6").status_code == 201  # another address is not affected


def test_registrations_are_limited_for_the_whole_deployment(client, rolegate):
    rolegate(CLIENT_REGISTRATION_RATE_GLOBAL="4/hour")
    for n in range(4):
        assert register(client, ip=f"203.0.113.{n + 10}").status_code == 201

    refused = register(client, ip="203.0.113.99")

    assert refused.status_code == 429 and "Retry-After" in refused


def test_a_forwarded_for_header_does_not_dodge_the_address_limit(client, rolegate):
    rolegate(CLIENT_REGISTRATION_RATE_PER_ADDRESS="1/hour")
    assert register(client, ip="203.0.113.5", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 201

    assert register(client, ip="203.0.113.5", HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 429


def test_the_registration_access_token_expires(client, settings):
    response = register(client)

    token = AccessToken.objects.get(application__client_id=response.json()["client_id"])
    ttl = settings.OAUTH2_PROVIDER["DCR_REGISTRATION_TOKEN_EXPIRE_SECONDS"]
    assert token.expires <= timezone.now() + dt.timedelta(seconds=ttl)
    assert token.expires < timezone.now() + dt.timedelta(days=365)


@pytest.fixture
def clients_of_all_kinds(client):
    """An unused self-registered client, one used once, a fresh unused one and an admin-made one."""
    long_ago = timezone.now() - dt.timedelta(days=30)
    unused, used, fresh = (
        Application.objects.get(client_id=register(client, ip=f"203.0.113.{n}").json()["client_id"]) for n in range(3)
    )
    Application.objects.filter(pk__in=[unused.pk, used.pk]).update(created=long_ago)
    authorization_code_redeem(code="a-code", connection=used, token_family=None)
    manual = ConnectionFactory()
    Application.objects.filter(pk=manual.pk).update(created=long_ago)
    return unused, used, fresh, manual


def test_the_purge_command_deletes_only_old_self_registered_clients_never_signed_in_through(clients_of_all_kinds):
    unused, used, fresh, manual = clients_of_all_kinds

    call_command("purge_unused_clients", "--older-than-days", "7")

    assert set(Application.objects.values_list("pk", flat=True)) == {used.pk, fresh.pk, manual.pk}


def test_the_admin_lists_and_purges_clients_never_signed_in_through(admin_client, clients_of_all_kinds):
    unused, used, fresh, manual = clients_of_all_kinds
    changelist = "/admin/accounts/application/"

    listed = admin_client.get(changelist, {"signed_in": "never"}).context["cl"].result_list
    assert {connection.pk for connection in listed} == {unused.pk, fresh.pk}

    admin_client.post(changelist, {"action": "purge_unused", "_selected_action": [unused.pk, used.pk, manual.pk]})
    assert set(Application.objects.values_list("pk", flat=True)) == {used.pk, fresh.pk, manual.pk}
