import datetime as dt
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_grant_model

from accounts.scim.services import scim_client_create
from actions_api.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed_demo_connection
from roles.models import Role
from roles.services import role_assign
from tests.scim import ScimCaller

CALLBACK = "https://chatgpt.com/aip/g-Demo1234/oauth/callback"


@pytest.fixture
def scim_client(db):
    """A SCIM client (a directory) and its token."""
    return scim_client_create(name="Entra ID")


@pytest.fixture
def scim(client, scim_client) -> ScimCaller:
    """The directory, calling /scim/v2/ with its bearer token."""
    return ScimCaller(client, scim_client.token)


@pytest.fixture
def token_client():
    """Grants for a user holding `sales-emea`, through the demo connection, counted in this thread."""
    seed_demo_connection()
    user = get_user_model().objects.create_user("query-counter", email="counter@example.test")
    role = Role.objects.create(slug="sales-emea", name="Sales EMEA")
    role_assign(role=role, user=user)
    return TokenClient(user)


class TokenClient:
    """Code exchanges and refresh grants through Django's full stack, in this thread (queries are counted)."""

    def __init__(self, user):
        self.user, self.http = user, Client()

    def new_code(self) -> str:
        """An authorization code as the consent page would have issued it."""
        code = secrets.token_urlsafe(30)
        get_grant_model().objects.create(
            user=self.user,
            application=seed_demo_connection(),
            code=code,
            redirect_uri=CALLBACK,
            expires=timezone.now() + dt.timedelta(minutes=5),
            scope="openid profile api",
        )
        return code

    def exchange(self, code: str | None = None) -> dict:
        code = code or self.new_code()
        return self.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK})

    def refresh(self, refresh_token: str) -> dict:
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def token(self, form: dict) -> dict:
        response = self.post(form)
        assert response.status_code == 200, response.content
        return response.json()

    def post(self, form: dict):
        credentials = {"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
        return self.http.post("/o/token/", {**form, **credentials})
