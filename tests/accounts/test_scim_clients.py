"""SCIM clients: the command and the admin issue the token once, store it hashed, rotate and disable it."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ScimClient
from roles.conf import rolegate_settings
from tests.scim import ScimCaller

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "root-password"))
    return client


def test_the_command_prints_the_base_url_and_a_working_token_once(client, capsys):
    call_command("scim_client", "--name", "Okta", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["base_url"] == f"{rolegate_settings.PORTAL_BASE_URL}/scim/v2"
    assert ScimCaller(client, printed["token"]).get("/Users").status_code == 200
    assert not ScimClient.objects.filter(token_digest=printed["token"]).exists()


def test_the_command_refuses_a_name_taken(capsys):
    call_command("scim_client", "--name", "Okta")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not created"):
        call_command("scim_client", "--name", "Okta")


def test_an_admin_creates_a_client_sees_its_token_once_then_rotates_and_disables_it(admin, client):
    response = admin.post(
        reverse("admin:accounts_scimclient_add"), {"name": "Entra ID", "is_active": "on"}, follow=True
    )
    shown = [str(message) for message in response.context["messages"]]
    token = next(word for message in shown for word in message.split() if word.startswith("scim_"))
    scim_client = ScimClient.objects.get(name="Entra ID")
    assert ScimCaller(client, token).get("/Users").status_code == 200
    assert token not in admin.get(reverse("admin:accounts_scimclient_change", args=[scim_client.pk])).content.decode()

    changelist = reverse("admin:accounts_scimclient_changelist")
    admin.post(changelist, {"action": "rotate_token", "_selected_action": [scim_client.pk]})
    assert ScimCaller(client, token).get("/Users").status_code == 401
    admin.post(changelist, {"action": "disable", "_selected_action": [scim_client.pk]})
    assert ScimClient.objects.get(pk=scim_client.pk).is_active is False
