"""
What Entra ID and Okta actually send, as their provisioning documentation shows it (bodies copied
in shape; only identifiers changed), including Entra's known deviations from RFC 7644.
"""

import pytest

from accounts.models import User
from roles.models import AccessRevocation, Team
from tests.scim import PATCH

pytestmark = pytest.mark.django_db

ENTRA_GROUP_EXTENSION = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


def ops(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def filtered(scim, endpoint, **params):
    return scim.http.get(f"/scim/v2{endpoint}", params, HTTP_AUTHORIZATION=f"Bearer {scim.token}")


# ------------------------------------------------------------------------------------------ Entra ID

ENTRA_USER = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Test_User_fd0ea19b@contoso.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
}


@pytest.fixture
def entra_user(scim):
    response = scim.post("/Users", ENTRA_USER)
    assert response.status_code == 201, response.content
    return response.json()


def test_entra_checks_whether_a_user_exists_before_creating_it(scim, entra_user):
    found = filtered(scim, "/Users", filter=f'userName eq "{ENTRA_USER["userName"]}"').json()
    assert [resource["id"] for resource in found["Resources"]] == [entra_user["id"]]
    missing = filtered(scim, "/Users", filter='userName eq "non-existent user"').json()
    assert missing["totalResults"] == 0


def test_entra_updates_a_work_email_by_filter_path_and_a_name(scim, entra_user):
    response = scim.patch(
        f"/Users/{entra_user['id']}",
        ops(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        ),
    )
    assert response.status_code == 200, response.content
    user = User.objects.get(pk=entra_user["id"])
    assert (user.email, user.last_name) == ("updatedEmail@contoso.com", "updatedFamilyName")


def test_entra_renames_a_user_with_a_single_valued_replace(scim, entra_user):
    scim.patch(f"/Users/{entra_user['id']}", ops({"op": "Replace", "path": "userName", "value": "renamed@contoso.com"}))
    assert User.objects.get(pk=entra_user["id"]).username == "renamed@contoso.com"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "active", "value": False},
        {"op": "Replace", "path": "active", "value": "False"},  # Entra's string boolean
        {"op": "Replace", "value": {"active": False}},  # replace without a path
        {"op": "replace", "value": {"active": "False"}},
        {"op": "Replace", "path": "ACTIVE", "value": "false"},  # attribute names are case-insensitive
    ],
)
def test_entra_disables_a_user_in_every_shape_it_uses_and_access_ends(scim, entra_user, operation):
    response = scim.patch(f"/Users/{entra_user['id']}", ops(operation))
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=entra_user["id"]).is_active is False
    assert AccessRevocation.objects.filter(user_id=entra_user["id"]).exists()


def test_entra_sets_the_department_and_the_manager_with_full_urn_paths(scim, entra_user):
    enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    response = scim.patch(
        f"/Users/{entra_user['id']}",
        ops(
            {"op": "Add", "path": f"{enterprise}:department", "value": "Sales"},
            {"op": "Add", "path": f"{enterprise}:manager", "value": {"value": "2819c223"}},
        ),
    )
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=entra_user["id"]).scim_link.department == "Sales"


def test_entra_deletes_a_user(scim, entra_user):
    assert scim.delete(f"/Users/{entra_user['id']}").status_code == 204
    assert User.objects.get(pk=entra_user["id"]).is_active is False


def test_entra_group_lifecycle_with_its_own_schema_and_member_removal_by_value(scim, entra_user):
    created = scim.post(
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ENTRA_GROUP_EXTENSION],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201, created.content
    group_id = created.json()["id"]
    found = filtered(scim, "/Groups", excludedAttributes="members", filter='displayName eq "displayName"').json()
    assert [resource["id"] for resource in found["Resources"]] == [group_id]

    path = f"/Groups/{group_id}"
    renamed = scim.patch(path, ops({"op": "Replace", "path": "displayName", "value": "updatedDisplayName"}))
    assert renamed.status_code == 200, renamed.content
    member = {"$ref": None, "value": entra_user["id"]}
    assert scim.patch(path, ops({"op": "Add", "path": "members", "value": [member]})).status_code == 200
    team = Team.objects.get(pk=group_id)
    assert team.name == "updatedDisplayName" and team.members.filter(pk=entra_user["id"]).exists()

    is_member = filtered(
        scim, "/Groups", excludedAttributes="members", filter=f'id eq "{group_id}" and members eq "{entra_user["id"]}"'
    ).json()
    assert is_member["totalResults"] == 1

    removed = scim.patch(path, ops({"op": "Remove", "path": "members", "value": [member]}))
    assert removed.status_code == 200, removed.content
    assert not team.members.exists()
    assert scim.delete(path).status_code == 204


# ---------------------------------------------------------------------------------------------- Okta

OKTA_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


@pytest.fixture
def okta_user(scim):
    exists = filtered(scim, "/Users", filter='userName eq "test.user@okta.local"', startIndex="1", count="100")
    assert exists.json()["totalResults"] == 0
    response = scim.post("/Users", OKTA_USER)
    assert response.status_code == 201, response.content
    return response.json()


def test_okta_creates_a_user_whose_password_is_not_taken(okta_user):
    user = User.objects.get(pk=okta_user["id"])
    assert user.username == "test.user@okta.local" and user.first_name == "Test"
    assert not user.has_usable_password()
    assert "password" not in okta_user


def test_okta_deactivates_with_patch_replace_without_path(scim, okta_user):
    response = scim.patch(f"/Users/{okta_user['id']}", ops({"op": "replace", "value": {"active": False}}))
    assert response.status_code == 200 and response.json()["active"] is False
    assert AccessRevocation.objects.filter(user_id=okta_user["id"]).exists()


def test_okta_deactivates_with_put_active_false_and_reactivates(scim, okta_user):
    body = {**OKTA_USER, "id": okta_user["id"], "active": False}
    response = scim.put(f"/Users/{okta_user['id']}", body)
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=okta_user["id"]).is_active is False
    assert scim.put(f"/Users/{okta_user['id']}", {**body, "active": True}).json()["active"] is True


def test_okta_group_push_creates_renames_and_changes_members(scim, okta_user):
    created = scim.post(
        "/Groups",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Test SCIMv2", "members": []},
    )
    assert created.status_code == 201, created.content
    group_id = created.json()["id"]
    listed = filtered(scim, "/Groups", startIndex="1", count="100").json()
    assert [resource["id"] for resource in listed["Resources"]] == [group_id]

    path = f"/Groups/{group_id}"
    renamed = scim.patch(path, ops({"op": "replace", "value": {"id": group_id, "displayName": "Sales (renamed)"}}))
    assert renamed.status_code == 200, renamed.content
    added = scim.patch(
        path,
        ops({"op": "add", "path": "members", "value": [{"value": okta_user["id"], "display": "test.user@okta.local"}]}),
    )
    assert added.status_code == 200, added.content
    team = Team.objects.get(pk=group_id)
    assert team.name == "Sales (renamed)" and list(team.members.values_list("pk", flat=True)) == [int(okta_user["id"])]

    removed = scim.patch(path, ops({"op": "remove", "path": f'members[value eq "{okta_user["id"]}"]'}))
    assert removed.status_code == 200 and not team.members.exists()
    pushed = scim.put(
        path,
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": group_id,
            "displayName": "Sales",
            "members": [{"value": okta_user["id"]}],
        },
    )
    assert pushed.status_code == 200 and team.members.count() == 1
    assert scim.delete(path).status_code == 204
