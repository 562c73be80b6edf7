import pytest

from accounts.scim.services import scim_client_create
from tests.scim import ScimCaller


@pytest.fixture
def scim_client(db):
    """A SCIM client (a directory) and its token."""
    return scim_client_create(name="Entra ID")


@pytest.fixture
def scim(client, scim_client) -> ScimCaller:
    """The directory, calling /scim/v2/ with its bearer token."""
    return ScimCaller(client, scim_client.token)
