"""
A business admin's add, change and delete pages with inline rows, in a real browser (issue 20):
a related row filled on an add page is saved in the same save, and deleting a holder of role
assignments works and leaves the audit entries of everything the delete removed.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from accounts.models import User
from roles.audit.models import AuditEvent
from roles.audit.services import ERASED, erased_person_label
from roles.audit.tracking import TRACKED
from roles.models import Role, RoleAssignment, Team
from roles.services import role_assign
from tests.browser.admin_pages import (
    changed_object_id,
    choose,
    delete,
    fill_first_new_row,
    fill_required_fields,
    inline_group,
    save,
)
from tests.browser.conftest import admin_sign_in
from tests.factories import TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_page(page, live_demo):
    admin_sign_in(page, live_demo.url)
    return page


def events(action: str, target_type: str, **lookups) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_type=target_type, **lookups).order_by("id"))


def test_a_team_added_with_a_role_row_holds_the_role_after_one_save(admin_page, live_demo):
    admin_page.goto(f"{live_demo.url}/admin/roles/team/add/")
    admin_page.fill("#id_name", "Night shift")  # the slug follows the name
    choose(admin_page, inline_group(admin_page, "Give this team a role"), text="Sales EMEA")
    save(admin_page)

    team = Team.objects.get(slug="night-shift")
    assignment = RoleAssignment.objects.get(team=team)
    assert assignment.role.slug == "sales-emea" and assignment.granted_by.username == "admin"
    [created] = events("created", "roles.roleassignment", target_id=str(assignment.pk))
    assert created.actor_label == "admin" and created.target_label == "team night-shift → sales-emea"
    assert created.changes["team"] == [None, team.pk]
    assert events("created", "roles.team", target_id=str(team.pk))[0].actor_label == "admin"


def test_a_user_added_with_a_role_and_a_team_row_holds_both_after_one_save(admin_page, live_demo):
    TeamFactory(slug="ops", name="Operations")
    admin_page.goto(f"{live_demo.url}/admin/accounts/user/add/")
    admin_page.fill("#id_username", "frank")
    admin_page.fill("#id_password1", "Frank-has-a-long-passphrase-7")
    admin_page.fill("#id_password2", "Frank-has-a-long-passphrase-7")
    choose(admin_page, inline_group(admin_page, "Give a role"), text="Finance")
    choose(admin_page, inline_group(admin_page, "Join a team"), text="ops")
    save(admin_page)

    frank = User.objects.get(username="frank")
    assert [(a.role.slug, a.granted_by.username) for a in frank.role_assignments.all()] == [("finance", "admin")]
    assert [team.slug for team in frank.teams.all()] == ["ops"]
    [created] = events("created", "roles.roleassignment", target_label="frank → finance")
    assert created.actor_label == "admin"
    assert events("created", "roles.teammembership", target_label="frank in ops")[0].actor_label == "admin"


def test_deleting_a_team_that_holds_a_role_deletes_it_and_audits_the_cascade(admin_page, live_demo):
    team = TeamFactory(slug="ops", members=[User.objects.get(username="dave")])
    assignment = role_assign(role=Role.objects.get(slug="finance"), team=team)

    delete(admin_page, live_demo.url, f"/admin/roles/team/{team.pk}/change/")

    assert not Team.objects.filter(pk=team.pk).exists()
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    [gone] = events("deleted", "roles.roleassignment", target_id=str(assignment.pk))
    assert gone.target_label == "team ops → finance" and gone.actor_label == "admin"
    assert gone.changes["team"] == [team.pk, None] and gone.changes["role"][0] == assignment.role_id
    assert events("deleted", "roles.team", target_id=str(team.pk))[0].changes["slug"] == ["ops", None]
    assert events("deleted", "roles.teammembership", target_label="dave in ops")


def test_deleting_a_user_who_holds_a_role_deletes_them_and_audits_the_cascade(admin_page, live_demo):
    alice = User.objects.get(username="alice")
    assignment = alice.role_assignments.get()

    delete(admin_page, live_demo.url, f"/admin/accounts/user/{alice.pk}/change/")

    assert not User.objects.filter(username="alice").exists()
    [gone] = events("deleted", "roles.roleassignment", target_id=str(assignment.pk))
    # Offboarding erases the person from the log (right to erasure): the event keeps their id, not their name.
    assert gone.target_label == f"{erased_person_label(alice.pk)} → sales-emea" and gone.actor_label == "admin"
    assert gone.changes["user"] == [alice.pk, None]
    assert events("deleted", "accounts.user", target_id=str(alice.pk))[0].changes["username"] == [ERASED, None]


# ---------------------------------------------------------------- every admin page with inlines
def _inlines_on_the_add_page(model_admin) -> list:
    return list(model_admin.get_inlines(RequestFactory().get("/"), None)) or list(model_admin.inlines)


OUR_APPS = {"accounts", "roles", "actions_api"}
ADMINS_WITH_INLINES = sorted(
    (
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        # Rolegate's own admins; a library's (django-otp's devices) are that library's to test.
        if model._meta.app_label in OUR_APPS and _inlines_on_the_add_page(model_admin)
    )
)


def test_the_walk_finds_the_admins_with_inlines_it_must_cover():
    assert {"roles.role", "roles.team", "accounts.user"} <= set(ADMINS_WITH_INLINES)


def _addable_inlines(model, obj) -> list:
    """(inline model, foreign key name) of every inline of `model`'s admin that adds rows."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="admin")
    return [
        (inline.model, inline.get_formset(request, obj).fk.name)
        for inline in model_admin.get_inline_instances(request, obj)
        if inline.has_add_permission(request, obj)
    ]


def _rows_of(inlines, obj) -> dict[str, int]:
    return {
        f"{model._meta.label_lower}.{fk}": model._default_manager.filter(**{fk: obj}).count() for model, fk in inlines
    }


#: Values a word cannot stand in for: formats and fields a model's clean() requires conditionally.
KNOWN_VALUES = {
    "roles.role": {"value": "*"},  # a data-scope value must match the data (or be every value)
    "accounts.identityprovider": {
        "issuer": "https://{word}.example.test/",
        "client_id": "{word}",
        "domain": "{word}.example.test",
    },
}


def _fill_every_inline(page, word: str, *, choice: int, known: dict[str, str]) -> int:
    groups = page.locator(".inline-group").all()
    return sum(
        fill_first_new_row(page, group, f"{word}_{number}", choice=choice, known=known)
        for number, group in enumerate(groups)
    )


@pytest.mark.parametrize("label", ADMINS_WITH_INLINES)
def test_every_admin_page_with_inlines_saves_one_new_row_per_inline_on_add_and_change_then_deletes(
    admin_page, live_demo, label
):
    """Add with one row in each inline, change adding another row each, delete: each in one save, audited."""
    for slug in ("ops", "sales"):  # something for team autocompletes to offer
        TeamFactory(slug=slug)
    app_label, model_name = label.split(".")
    model = apps.get_model(label)
    word = f"walk_{model_name}"
    known = KNOWN_VALUES.get(label, {})

    admin_page.goto(f"{live_demo.url}/admin/{app_label}/{model_name}/add/")
    assert _fill_every_inline(admin_page, word, choice=0, known=known) > 0, "no inline row to fill on the add page"
    fill_required_fields(admin_page, admin_page.locator(f"#{model_name}_form"), word, known)
    save(admin_page, "_continue")
    obj = model._default_manager.get(pk=changed_object_id(admin_page))
    inlines = _addable_inlines(model, None)
    after_add = _rows_of(inlines, obj)
    assert all(count == 1 for count in after_add.values()), after_add

    _fill_every_inline(admin_page, f"{word}_more", choice=1, known=known)
    save(admin_page, "_continue")
    assert _rows_of(_addable_inlines(model, obj), obj) == {name: 2 for name in after_add}

    related = {
        model: list(model._default_manager.filter(**{fk: obj}).values_list("pk", flat=True)) for model, fk in inlines
    }
    delete(admin_page, live_demo.url, f"/admin/{app_label}/{model_name}/{obj.pk}/change/")
    assert not model._default_manager.filter(pk=obj.pk).exists()
    for inline_model, pks in related.items():
        inline_label = inline_model._meta.label_lower
        if inline_label in TRACKED:
            created = {e.target_id for e in events("created", inline_label, target_id__in=map(str, pks))}
            deleted = {e.target_id for e in events("deleted", inline_label, target_id__in=map(str, pks))}
            assert created == deleted == {str(pk) for pk in pks}, inline_label
    if label in TRACKED:
        assert events("created", label, target_id=str(obj.pk)) and events("deleted", label, target_id=str(obj.pk))
