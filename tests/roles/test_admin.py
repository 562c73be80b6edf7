"""The roles admin as an administrator uses it: forms, bulk actions, member lists, the access preview."""

import json
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from roles.audit.models import AuditEvent
from roles.claims import effective_claims
from roles.models import AccessRevocation, Role, RoleAssignment, RoleInclusion
from roles.services import role_assign, role_include
from tests.admin_forms import admin_form
from tests.factories import ConnectionFactory, RoleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_admin_refuses_an_inclusion_that_closes_a_cycle_with_a_clear_error(admin):
    top, middle, bottom = (RoleFactory(slug=slug) for slug in ("top", "middle", "bottom"))
    role_include(role=top, included=[middle])
    role_include(role=middle, included=[bottom])
    url = reverse("admin:roles_role_change", args=[bottom.pk])
    data = admin_form(admin.get(url).content.decode(), "role_form")
    prefix = next(
        name[: -len("-TOTAL_FORMS")]
        for name in data
        if name.endswith("-TOTAL_FORMS") and data[name] == ["1"] and "inclusions" in name
    )
    data[f"{prefix}-0-included_role"] = [str(top.pk)]

    response = admin.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot include itself" in page and "bottom → top → middle → bottom" in page
    assert not RoleInclusion.objects.filter(role=bottom).exists()


def test_the_admin_adds_an_inclusion_that_closes_no_cycle(admin):
    parent, child = RoleFactory(slug="parent"), RoleFactory(slug="child")
    url = reverse("admin:roles_role_change", args=[parent.pk])
    data = admin_form(admin.get(url).content.decode(), "role_form")
    prefix = next(
        name[: -len("-TOTAL_FORMS")]
        for name in data
        if name.endswith("-TOTAL_FORMS") and data[name] == ["1"] and "inclusions" in name
    )
    data[f"{prefix}-0-included_role"] = [str(child.pk)]

    assert admin.post(url, data).status_code == 302
    assert list(parent.includes.all()) == [child]


def bulk_action(admin, action: str, users, **fields):
    url = reverse("admin:accounts_user_changelist")
    selection = {"action": action, ACTION_CHECKBOX_NAME: [str(user.pk) for user in users], "index": "0"}
    page = admin.post(url, selection)
    assert page.status_code == 200 and b'name="apply"' in page.content
    data = admin_form(page.content.decode(), "bulk-role-form")
    data.update({name: [value] for name, value in fields.items()})
    return admin.post(url, {**data, "apply": "yes"})


def test_bulk_assign_role_asks_for_the_role_then_assigns_it_to_every_selected_user(admin, admin_user):
    role = RoleFactory(slug="analyst", permissions=["orders.read"])
    chosen, other = [UserFactory(), UserFactory()], UserFactory()

    response = bulk_action(admin, "assign_role", chosen, role=str(role.pk))

    assert response.status_code == 302
    assert set(RoleAssignment.objects.filter(role=role).values_list("user_id", flat=True)) == {u.pk for u in chosen}
    assert not RoleAssignment.objects.filter(user=other).exists()
    assert all(a.granted_by == admin_user for a in RoleAssignment.objects.filter(role=role))
    events = AuditEvent.objects.filter(target_type="roles.roleassignment", action="created")
    assert events.count() == 2 and {event.actor_label for event in events} == {"root"}


def test_bulk_remove_role_with_the_box_ticked_also_revokes_their_access(admin, mint_token, bearer, settings):
    role = RoleFactory(slug="analyst", permissions=["orders.read"])
    keep, lose = UserFactory(), UserFactory()
    for user in (keep, lose):
        role_assign(role=role, user=user)
    token = mint_token(lose)

    response = bulk_action(admin, "remove_role", [lose], role=str(role.pk), revoke_access="on")

    assert response.status_code == 302
    assert list(RoleAssignment.objects.filter(role=role).values_list("user_id", flat=True)) == [keep.pk]
    assert AccessRevocation.objects.filter(user=lose).exists()
    assert not AccessRevocation.objects.filter(user=keep).exists()
    from actions_api.revocation_list import revocations

    revocations.clear()
    assert bearer(token).get("/api/v1/me").status_code == 401


def test_revoke_access_now_action_ends_the_selected_users_tokens(admin, mint_token, bearer):
    user = UserFactory()
    token = mint_token(user)
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_access_now", ACTION_CHECKBOX_NAME: [str(user.pk)], "index": "0"},
    )
    assert response.status_code == 302
    from actions_api.revocation_list import revocations

    revocations.clear()
    assert bearer(token).get("/api/v1/me").status_code == 401
    event = AuditEvent.objects.get(action="access_revoked")
    assert event.actor_label == "root" and event.target_label == user.username


def test_the_user_page_previews_exactly_the_next_tokens_claims_and_why(admin):
    gpt = ConnectionFactory(client_id="reports-gpt")
    user = UserFactory(username="dana")
    lead = RoleFactory(slug="lead", permissions=["customers.read"])
    emea = RoleFactory(slug="emea", permissions=["orders.read"], scopes={"region": ["EMEA"]})
    bound = RoleFactory(slug="bound", scopes={"region": ["APAC"]})
    bound.connections.add(gpt)
    role_include(role=lead, included=[emea])
    role_assign(role=lead, team=TeamFactory(slug="analysts", members=[user]))
    role_assign(role=bound, user=user)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    for client_id, connection in (("", None), ("reports-gpt", gpt)):
        page = admin.get(url, {"connection": client_id} if client_id else {}).content.decode()
        preview = json.loads(
            re.search(r'<pre id="effective-access-json">(.*?)</pre>', page, re.S).group(1).replace("&quot;", '"')
        )
        assert preview == effective_claims(user=user, connection=connection).as_token_claims()

    assert preview["roles"] == ["bound", "emea", "lead"]
    assert "team analysts → lead (composite)" in page  # why emea
    assert "assigned directly" in page
    without = admin.get(url).content.decode()
    assert "bound: limited to other connections" in without


def test_a_roles_member_list_shows_direct_team_and_composite_holders(admin):
    base = RoleFactory(slug="base")
    composite = RoleFactory(slug="composite")
    role_include(role=composite, included=[base])
    direct, through_composite = UserFactory(username="direct-holder"), UserFactory(username="composite-holder")
    role_assign(role=base, user=direct)
    role_assign(role=composite, user=through_composite)
    role_assign(role=base, team=TeamFactory(slug="the-team"))

    page = admin.get(reverse("admin:roles_role_members", args=[base.pk])).content.decode()

    assert "direct-holder" in page and "composite-holder" in page and "team the-team" in page
    assert "3 assignments" in page


def test_ticking_end_sessions_on_the_user_page_revokes_their_access(admin):
    user = UserFactory()
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = admin_form(admin.get(url).content.decode(), "user_form")
    data["end_sessions"] = ["on"]

    assert admin.post(url, data).status_code == 302
    assert AccessRevocation.objects.filter(user=user).exists()


def test_an_assignment_to_both_a_user_and_a_team_is_refused_by_the_admin_form(admin):
    role, user, team = Role.objects.create(slug="r", name="R"), UserFactory(), TeamFactory()
    url = reverse("admin:roles_roleassignment_add")
    data = admin_form(admin.get(url).content.decode(), "roleassignment_form")
    data.update({"role": [str(role.pk)], "user": [str(user.pk)], "team": [str(team.pk)]})
    response = admin.post(url, data)
    assert response.status_code == 200 and b"exactly one of them" in response.content


def test_bulk_assign_to_all_users_matching_a_filter_reaches_exactly_them(admin):
    role = RoleFactory(slug="night-shift")
    team = TeamFactory(slug="ops", members=[UserFactory() for _ in range(3)])
    outsiders = [UserFactory() for _ in range(2)]
    url = reverse("admin:accounts_user_changelist") + "?team_slug=ops"
    selection = {
        "action": "assign_role",
        "select_across": "1",
        "index": "0",
        ACTION_CHECKBOX_NAME: [str(team.members.first().pk)],
    }
    page = admin.post(url, selection)
    assert b"for <strong>3</strong> users" in page.content
    data = admin_form(page.content.decode(), "bulk-role-form")

    assert admin.post(url, {**data, "role": [str(role.pk)], "apply": "yes"}).status_code == 302

    assert set(RoleAssignment.objects.filter(role=role).values_list("user_id", flat=True)) == set(
        team.members.values_list("pk", flat=True)
    )
    assert not RoleAssignment.objects.filter(user__in=outsiders).exists()


def test_bulk_assign_without_a_role_shows_the_form_again_with_an_error(admin):
    user = UserFactory()
    response = bulk_action(admin, "assign_role", [user])
    assert response.status_code == 200 and b"This field is required" in response.content
    assert not RoleAssignment.objects.exists()


def test_bulk_assign_ending_before_it_starts_shows_the_form_again_with_the_period_error(admin):
    role, user = RoleFactory(slug="temp"), UserFactory()
    period = {"starts_at_0": "2026-12-10", "starts_at_1": "09:00", "ends_at_0": "2026-12-01", "ends_at_1": "09:00"}
    response = bulk_action(admin, "assign_role", [user], role=str(role.pk), **period)
    assert response.status_code == 200 and b"The end must be after the start." in response.content
    assert not RoleAssignment.objects.exists()
