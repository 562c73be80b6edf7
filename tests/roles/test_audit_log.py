"""The audit log: who changed what (before/after), sign-ins, token issuance; read-only, CSV, no secrets."""

import csv
import io
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from roles.audit.models import AuditEvent
from roles.models import Role
from tests.admin_forms import admin_form
from tests.chatgpt import ChatGPT
from tests.factories import ConnectionFactory, CustomerFactory, RoleFactory, TeamFactory, UserFactory


def everything_logged() -> str:
    return json.dumps(list(AuditEvent.objects.values()), default=str)


@pytest.mark.django_db
def test_an_admin_change_to_a_role_is_recorded_with_the_admin_as_actor_and_before_after(admin):
    role = RoleFactory(slug="sales", name="Sales", permissions=["orders.read"])
    RoleFactory(slug="unused", permissions=["customers.read"])
    CustomerFactory(region="EMEA")  # the data scope's value must be present in the data
    customers = role.permissions.model.objects.get(code="customers.read")
    AuditEvent.objects.all().delete()
    url = reverse("admin:roles_role_change", args=[role.pk])
    data = admin_form(admin.get(url).content.decode(), "role_form")
    data["name"] = ["Sales team"]
    data["permissions"] = [*data["permissions"], str(customers.pk)]
    scope_prefix = "data_scopes"
    data[f"{scope_prefix}-0-attribute"], data[f"{scope_prefix}-0-value"] = ["region"], ["EMEA"]

    assert admin.post(url, data).status_code == 302

    events = {event.target_type + ":" + ",".join(sorted(event.changes)): event for event in AuditEvent.objects.all()}
    renamed = events["roles.role:name"]
    assert renamed.action == "updated" and renamed.actor_label == "root"
    assert renamed.changes["name"] == ["Sales", "Sales team"]
    granted = events["roles.role:permissions"]
    assert granted.changes["permissions"] == [["orders.read"], ["customers.read", "orders.read"]]
    assert granted.actor_label == "root"
    scope = events["roles.roledatascope:attribute,role,value"]
    assert scope.action == "created" and scope.changes["value"] == [None, "EMEA"]


@pytest.mark.django_db
def test_team_membership_and_assignment_changes_and_deletions_are_recorded(admin_user):
    from roles.audit.context import acting_as

    user, role = UserFactory(username="member"), RoleFactory(slug="r")
    team = TeamFactory(slug="ops")
    with acting_as(admin_user):
        team.members.add(user)
        assignment = role.assignments.create(team=team)
        assignment.delete()
        user.teams.remove(team)

    logged = list(AuditEvent.objects.filter(target_type__in=["roles.team", "roles.roleassignment"]).order_by("id"))
    assert [(event.target_type, event.action) for event in logged][-4:] == [
        ("roles.team", "updated"),
        ("roles.roleassignment", "created"),
        ("roles.roleassignment", "deleted"),
        ("roles.team", "updated"),
    ]
    assert logged[-4].changes == {"members": {"added": ["member"]}}
    assert logged[-1].changes == {"members": {"removed": ["member"]}}
    assert {event.actor_label for event in logged[-4:]} == {"root"}


@pytest.mark.django_db
def test_a_connection_change_records_that_the_secret_changed_never_the_secret(admin):
    connection = ConnectionFactory(name="Sales GPT", client_secret="first-secret-value-long-enough-to-type-in")
    url = reverse("admin:accounts_application_change", args=[connection.pk])
    data = admin_form(admin.get(url).content.decode(), "application_form")
    data["name"], data["client_secret"] = ["Sales GPT v2"], ["second-secret-value-long-enough-to-type-in"]

    assert admin.post(url, data).status_code == 302

    event = AuditEvent.objects.filter(target_type="accounts.application", action="updated").get()
    assert event.actor_label == "root"
    assert event.changes["name"] == ["Sales GPT", "Sales GPT v2"]
    assert event.changes["client_secret"] == ["(changed)", "(changed)"]
    logged = everything_logged()
    assert (
        "first-secret-value-long-enough-to-type-in" not in logged
        and "second-secret-value-long-enough-to-type-in" not in logged
    )
    assert connection.client_secret[:20] not in logged  # nor its hash


@pytest.mark.django_db(transaction=True)
def test_sign_ins_failures_and_token_issuance_are_recorded_without_passwords_or_tokens(live_demo):
    chatgpt = ChatGPT(live_demo.url)
    browser = __import__("requests").Session()
    page = browser.get(f"{live_demo.url}/accounts/login/")
    ChatGPT.submit_login(browser, page, "alice", "wrong-password-123")
    tokens = chatgpt.sign_in("alice")
    refreshed = chatgpt.refresh().json()

    failed = AuditEvent.objects.get(action="sign_in_failed")
    assert failed.target_label == "alice" and failed.actor is None and failed.details["ip"] == "127.0.0.1"
    signed_in = AuditEvent.objects.get(action="sign_in")
    assert signed_in.actor_label == "alice" and signed_in.target_label == "alice"
    issued = list(AuditEvent.objects.filter(action="token_issued").order_by("id"))
    assert [event.details["grant_type"] for event in issued] == ["authorization_code", "refresh_token"]
    assert {event.actor_label for event in issued} == {"alice"}
    assert {event.target_label for event in issued} == {"Demo GPT"}
    logged = everything_logged()
    for secret in (
        "wrong-password-123",
        "rolegate-demo",
        "demo-gpt-secret",
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
    ):
        assert secret not in logged


@pytest.mark.django_db
def test_the_audit_log_is_read_only_filterable_and_exports_csv(admin, admin_user):
    from roles.audit.context import acting_as

    with acting_as(admin_user):
        role = Role.objects.create(slug="exported", name="Exported")
        role.name = "Renamed"
        role.save()
    changelist = reverse("admin:roles_auditevent_changelist")
    event = AuditEvent.objects.filter(target_label="Renamed").get()

    assert admin.get(reverse("admin:roles_auditevent_add")).status_code == 403
    assert admin.post(reverse("admin:roles_auditevent_change", args=[event.pk]), {}).status_code == 403
    assert admin.post(reverse("admin:roles_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    filtered = admin.get(changelist, {"action__exact": "updated", "target_type": "roles.role"}).content.decode()
    assert "Renamed" in filtered and "Exported</td>" not in filtered

    response = admin.post(
        changelist + "?target_type=roles.role",
        {"action": "export_csv", "select_across": "1", "index": "0", ACTION_CHECKBOX_NAME: [str(event.pk)]},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["action"], row["target_label"]) for row in rows] == [("created", "Exported"), ("updated", "Renamed")]
    assert json.loads(rows[1]["changes"]) == {"name": ["Exported", "Renamed"]}
    assert rows[1]["actor_label"] == "root"


@pytest.mark.django_db
def test_deleting_a_team_or_user_holding_roles_records_each_cascaded_assignment_as_it_was(admin_user):
    """The rows an assignment's entry names may be gone when it is deleted: it is described beforehand."""
    from roles.audit.context import acting_as

    user, team, role = UserFactory(username="gone"), TeamFactory(slug="gone-team"), RoleFactory(slug="r")
    by_user, by_team = role.assignments.create(user=user), role.assignments.create(team=team)
    user_id, team_id = user.pk, team.pk
    with acting_as(admin_user):
        team.delete()
        user.delete()

    deleted = {
        event.target_id: event
        for event in AuditEvent.objects.filter(action="deleted", target_type="roles.roleassignment")
    }
    assert deleted[str(by_team.pk)].target_label == "team gone-team → r"
    assert deleted[str(by_user.pk)].target_label == "gone → r"
    assert deleted[str(by_user.pk)].changes["user"] == [user_id, None]
    assert deleted[str(by_team.pk)].changes["team"] == [team_id, None]
    assert {event.actor_label for event in deleted.values()} == {"root"}
