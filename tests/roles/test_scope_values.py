"""Data scopes are chosen from the data, not typed: offered values, `*`, and a warning for a value no row has."""

import pytest
from django.urls import reverse

from roles.forms import RoleDataScopeForm
from roles.models import RoleDataScope
from roles.scope_values import scope_attributes, scope_values
from tests.admin_forms import admin_form
from tests.factories import RoleFactory

pytestmark = pytest.mark.django_db


def test_the_attributes_and_values_offered_are_those_present_in_the_data(demo):
    assert scope_attributes() == ["department", "region"]
    assert scope_values("region") == ["AMER", "APAC", "EMEA"]
    assert scope_values("department") == ["Engineering", "Finance", "HR", "Sales"]


def test_the_role_page_offers_every_value_of_the_data_and_all_values_in_its_suggestions(demo, admin):
    page = admin.get(reverse("admin:roles_role_add")).content.decode()

    assert '<option value="EMEA" label="region">' in page
    assert '<option value="HR" label="department">' in page
    assert '<option value="*" label="every value">' in page
    assert '<option value="department">department</option>' in page


def scope_post(admin, role, *, attribute: str, value: str, keep: bool = False):
    url = reverse("admin:roles_role_change", args=[role.pk])
    data = admin_form(admin.get(url).content.decode(), "role_form")
    data.update({"data_scopes-0-attribute": [attribute], "data_scopes-0-value": [value]})
    if keep:
        data["data_scopes-0-keep_unmatched"] = ["on"]
    return admin.post(url, data)


def test_a_value_no_row_has_is_refused_with_the_values_that_exist(demo, admin):
    role = RoleFactory(slug="nordics", permissions=["customers.read"])

    response = scope_post(admin, role, attribute="region", value="NORDICS")

    assert response.status_code == 200
    page = response.content.decode()
    assert "No row has region = NORDICS" in page and "AMER, APAC, EMEA" in page and "keep anyway" in page
    assert not RoleDataScope.objects.filter(role=role).exists()


def test_a_value_no_row_has_is_kept_when_the_admin_says_so(demo, admin):
    role = RoleFactory(slug="nordics", permissions=["customers.read"])

    assert scope_post(admin, role, attribute="region", value="NORDICS", keep=True).status_code == 302
    assert list(role.data_scopes.values_list("attribute", "value")) == [("region", "NORDICS")]


@pytest.mark.parametrize("value", ["EMEA", "*"])
def test_a_value_of_the_data_or_all_values_is_accepted_without_a_warning(demo, admin, value):
    role = RoleFactory(slug="sales-x", permissions=["customers.read"])

    assert scope_post(admin, role, attribute="region", value=value).status_code == 302
    assert list(role.data_scopes.values_list("value", flat=True)) == [value]


def test_an_attribute_no_model_is_scoped_by_cannot_be_chosen(demo):
    form = RoleDataScopeForm(data={"attribute": "regoin", "value": "EMEA"})

    assert not form.is_valid() and "attribute" in form.errors


def test_the_role_page_shows_how_many_rows_of_each_collection_the_role_lets_a_gpt_read(demo, admin):
    from roles.models import Role

    role = Role.objects.get(slug="sales-emea")

    page = admin.get(reverse("admin:roles_role_change", args=[role.pk])).content.decode()

    assert "customers: 5, orders: 20, documents: no permission" in page
    assert reverse("role-sees", args=[role.pk]) in page
