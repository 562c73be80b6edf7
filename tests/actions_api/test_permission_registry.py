"""Permissions exist because the API exists: registered after migrate, described, flagged when unused."""

import pytest
from django.urls import include, path, reverse
from rest_framework.views import APIView

from actions_api.permission_registry import register_api_permissions, required_permissions
from roles.models import ApiPermission
from tests.factories import RoleFactory

pytestmark = pytest.mark.django_db


class ReportView(APIView):
    """A view some later version of the API adds."""

    required_permission = "reports.read"


urlpatterns = [path("", include("portal.urls")), path("reports", ReportView.as_view())]


def test_after_migrate_every_permission_the_api_and_mcp_tools_check_exists_with_a_plain_description():
    # The test database was built by migrate: nothing here creates the permissions.
    registered = {permission.code: permission for permission in ApiPermission.objects.all()}

    assert {"customers.read", "orders.read", "documents.read"} <= set(registered)
    assert all(registered[code].in_use for code in ("customers.read", "orders.read", "documents.read"))
    assert registered["orders.read"].description.startswith("Lets a GPT list and read orders")
    assert "region" in registered["orders.read"].description


def test_a_permission_no_view_checks_any_more_is_flagged_and_kept_with_its_roles():
    role = RoleFactory(slug="old-invoicing", permissions=["invoices.read"])

    register_api_permissions()

    invoices = ApiPermission.objects.get(code="invoices.read")
    assert invoices.in_use is False
    assert list(role.permissions.values_list("code", flat=True)) == ["invoices.read"]


def test_a_flagged_permission_that_a_view_checks_again_is_unflagged():
    ApiPermission.objects.filter(code="orders.read").update(in_use=False)

    register_api_permissions()

    assert ApiPermission.objects.get(code="orders.read").in_use is True


def test_a_description_an_admin_wrote_is_kept():
    ApiPermission.objects.filter(code="customers.read").update(description="Customer master data")

    register_api_permissions()

    assert ApiPermission.objects.get(code="customers.read").description == "Customer master data"


@pytest.mark.urls(__name__)
def test_a_view_added_to_the_api_gets_its_permission_registered():
    assert required_permissions()["reports.read"] == "Lets a GPT read reports."

    registration = register_api_permissions()

    assert registration.created == ["reports.read"]
    assert ApiPermission.objects.get(code="reports.read").in_use is True


def test_the_admin_lists_and_filters_permissions_no_view_checks(admin_client):
    ApiPermission.objects.create(code="invoices.read", in_use=False)
    changelist = reverse("admin:roles_apipermission_changelist")

    unused = admin_client.get(changelist, {"in_use__exact": "0"})

    assert unused.status_code == 200
    assert [row.code for row in unused.context["cl"].result_list] == ["invoices.read"]
    assert "checked by the API" in admin_client.get(changelist).content.decode()
