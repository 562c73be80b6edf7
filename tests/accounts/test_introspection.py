"""RFC 7662 introspection: only resource servers an admin designated, only tokens of their audience, POST only."""

import pytest
import requests

from accounts.services import gpt_connection_create
from roles.conf import rolegate_settings

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def resource_server(live_demo):
    """A connection an admin marked as the REST API's resource server; returns its (client_id, secret)."""
    issued = gpt_connection_create(name="Orders API gateway")
    issued.connection.is_resource_server = True
    issued.connection.resource_server_audience = rolegate_settings.API_AUDIENCE
    issued.connection.save()
    return issued.connection.client_id, issued.client_secret


def introspect(live_demo, token, auth, **kwargs):
    return requests.post(f"{live_demo.url}/o/introspect/", data={"token": token}, auth=auth, **kwargs)


def test_a_resource_server_learns_about_a_token_of_its_audience(chatgpt, live_demo, resource_server):
    access_token = chatgpt.sign_in("alice")["access_token"]

    body = introspect(live_demo, access_token, resource_server).json()

    assert body["active"] is True and body["client_id"] == "demo-gpt" and body["username"] == "alice"


def test_a_client_that_is_no_resource_server_may_not_introspect(chatgpt, live_demo):
    """The review: any confidential client (here demo-gpt, or a self-registered one) read any token's user."""
    access_token = chatgpt.sign_in("alice")["access_token"]

    response = introspect(live_demo, access_token, ("demo-gpt", "demo-gpt-secret"))

    assert response.status_code == 403
    assert response.json()["error"] == "unauthorized_client"
    assert "alice" not in response.text and "active" not in response.json()


def test_a_token_of_another_audience_is_inactive_to_a_resource_server(chatgpt, live_demo, resource_server):
    from accounts.models import Application

    Application.objects.filter(client_id=resource_server[0]).update(
        resource_server_audience=rolegate_settings.MCP_RESOURCE
    )
    access_token = chatgpt.sign_in("alice")["access_token"]  # audience: the REST API

    assert introspect(live_demo, access_token, resource_server).json() == {"active": False}


def test_introspection_needs_client_credentials(chatgpt, live_demo, resource_server):
    access_token = chatgpt.sign_in("alice")["access_token"]

    anonymous = requests.post(f"{live_demo.url}/o/introspect/", data={"token": access_token})
    wrong_secret = introspect(live_demo, access_token, (resource_server[0], "wrong"))

    for response in (anonymous, wrong_secret):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert response.json()["error"] == "invalid_client" and "active" not in response.json()


def test_introspection_is_post_only(chatgpt, live_demo, resource_server):
    access_token = chatgpt.sign_in("alice")["access_token"]

    response = requests.get(f"{live_demo.url}/o/introspect/", params={"token": access_token}, auth=resource_server)

    assert response.status_code == 405
    assert "alice" not in response.text
