"""
SCIM on the real server (live HTTP): a directory provisions a user into a group mapped to a team
with a role; the user signs in through the GPT flow and sees the role's rows; the directory's
deactivation ends their token within seconds. Then a maintained compliance checker (scim2-tester)
runs its checks against /scim/v2/.
"""

import httpx2
import pytest
import requests
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from accounts.models import User
from accounts.scim.services import scim_client_create
from actions_api.models import Order
from roles.models import Role, Team
from roles.services import role_assign
from tests.roles.test_access_through_chatgpt import wait_until_refused
from tests.scim import GROUP, SCIM_JSON, patch_body, user_body

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live_server, pytest.mark.slow]  # scim2-tester


@pytest.fixture
def directory(live_demo):
    """The directory's HTTP client, with its bearer token, against the live server."""
    session = requests.Session()
    session.headers.update(
        {"Authorization": f"Bearer {scim_client_create(name='Entra ID').token}", "Content-Type": SCIM_JSON}
    )
    session.base = f"{live_demo.url}/scim/v2"
    return session


def test_a_provisioned_user_signs_in_gets_the_groups_role_and_is_cut_off_by_deactivation(chatgpt, directory, rolegate):
    rolegate(ACCESS_REVOCATION_REFRESH_SECONDS=1)
    # The admin prepared a team with a role; the directory's group of the same name lands on it.
    role_assign(role=Role.objects.get(slug="sales-emea"), team=Team.objects.create(slug="emea-sales", name="EMEA"))
    maria = directory.post(f"{directory.base}/Users", json=user_body("maria.rossi@example.com")).json()
    group = directory.post(
        f"{directory.base}/Groups",
        json={"schemas": [GROUP], "displayName": "EMEA Sales", "members": [{"value": maria["id"]}]},
    )
    assert group.status_code == 201
    user = User.objects.get(pk=maria["id"])
    user.set_password("maria-password")  # as an admin would (or an invitation)
    user.save()

    chatgpt.sign_in("maria.rossi@example.com", "maria-password")
    me = chatgpt.call("/api/v1/me").json()
    assert me["roles"] == ["sales-emea"] and me["data_scopes"] == {"region": ["EMEA"]}
    orders = chatgpt.all_rows("/api/v1/orders")
    assert orders and {order["region"] for order in orders} == {"EMEA"}
    assert len(orders) == Order.objects.filter(region="EMEA").count()

    deactivated = directory.patch(
        f"{directory.base}/Users/{maria['id']}", json=patch_body({"op": "Replace", "path": "active", "value": "False"})
    )
    assert deactivated.status_code == 200
    wait_until_refused(chatgpt, within=10)
    assert chatgpt.refresh().json()["error"] == "invalid_grant"


def test_the_scim2_tester_discovery_crud_and_error_checks_pass(live_demo):
    """
    Its per-attribute PATCH round trips are left out: Rolegate keeps only the mapped attributes
    (docs/PROVISIONING.md), so e.g. a patched ``nickName`` is not read back.
    """
    token = scim_client_create(name="Compliance").token
    http = httpx2.Client(base_url=f"{live_demo.url}/scim/v2", headers={"Authorization": f"Bearer {token}"})
    results = check_server(SyncSCIMClient(http), include_tags={"discovery", "crud", "misc"})
    failures = [
        (result.title, result.status.name, result.reason)
        for result in results
        if result.status in (Status.ERROR, Status.CRITICAL)
    ]
    assert len([result for result in results if result.status == Status.SUCCESS]) >= 30
    assert not failures
