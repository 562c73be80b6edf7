"""Business data in and out through the admin: CSV and Excel import with a preview, per-row errors, export."""

import csv
import io

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export import fields

from actions_api.models import Customer, Order
from actions_api.resources import BusinessRowResource, ExistingRowWidget
from tests.factories import CustomerFactory, UserFactory
from tests.roles.test_generic_data_scopes import Invoice, invoices  # noqa: F401  (the guide's model and table)

pytestmark = pytest.mark.django_db

CSV, XLSX = "0", "1"  # the admin's format choices, in the order BusinessDataAdmin.formats lists them
CUSTOMERS_CSV = (
    "name,region,country,email\nAurora Logistics,EMEA,Germany,ops@aurora.example\nFairview Energy,AMER,United States,\n"
)
ORDERS_CSV = (
    "reference,customer,amount,currency,status,placed_at\n"
    "EMEA-1,Aurora Logistics,1250.75,EUR,open,2026-02-03 14:00:00\n"
    "AMER-1,Fairview Energy,99.00,USD,paid,2026-02-04 09:30:00\n"
)


def upload(admin_client, model: str, content: bytes, *, name="rows.csv", file_format=CSV):
    """The admin's import page: the file is read and previewed as a dry run."""
    return admin_client.post(
        reverse(f"admin:actions_api_{model}_import"),
        {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"},
    )


def confirm(admin_client, model: str, preview):
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return admin_client.post(reverse(f"admin:actions_api_{model}_process_import"), data)


def test_an_admin_imports_customers_from_csv_after_a_preview_that_writes_nothing(admin_client):
    preview = upload(admin_client, "customer", CUSTOMERS_CSV.encode())

    assert preview.status_code == 200
    assert not preview.context["result"].has_errors()
    assert preview.context["result"].totals["new"] == 2
    assert Customer.objects.count() == 0  # the preview is a dry run

    done = confirm(admin_client, "customer", preview)

    assert done.status_code == 302
    assert sorted(Customer.objects.values_list("name", "region")) == [
        ("Aurora Logistics", "EMEA"),
        ("Fairview Energy", "AMER"),
    ]


def test_a_region_that_does_not_exist_is_an_error_on_its_row_and_nothing_can_be_confirmed(admin_client):
    content = CUSTOMERS_CSV + "Nordlys Fisk,NORDICS,Norway,\n"

    preview = upload(admin_client, "customer", content.encode())

    result = preview.context["result"]
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert "NORDICS" in str(invalid.error_dict["region"])
    assert "confirm_form" not in preview.context
    assert "NORDICS" in preview.content.decode()
    assert Customer.objects.count() == 0


def test_imported_orders_take_the_region_of_their_customer(admin_client):
    confirm(admin_client, "customer", upload(admin_client, "customer", CUSTOMERS_CSV.encode()))

    confirm(admin_client, "order", upload(admin_client, "order", ORDERS_CSV.encode()))

    assert sorted(Order.objects.values_list("reference", "region", "customer__name")) == [
        ("AMER-1", "AMER", "Fairview Energy"),
        ("EMEA-1", "EMEA", "Aurora Logistics"),
    ]


def test_an_order_of_an_unknown_customer_is_reported_with_that_reason_only(admin_client):
    content = ORDERS_CSV.replace("Fairview Energy", "Nobody Inc")
    CustomerFactory(name="Aurora Logistics", region="EMEA")

    result = upload(admin_client, "order", content.encode()).context["result"]

    [invalid] = result.invalid_rows
    assert set(invalid.error_dict) == {"customer"}
    assert not Order.objects.exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(admin_client):
    confirm(admin_client, "customer", upload(admin_client, "customer", CUSTOMERS_CSV.encode()))

    again = upload(admin_client, "customer", CUSTOMERS_CSV.encode()).context["result"]

    assert again.totals["skip"] == 2 and again.totals["new"] == 0 and again.totals["update"] == 0


def test_customers_import_from_an_excel_workbook(admin_client):
    workbook = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(CUSTOMERS_CSV)):
        workbook.active.append(row)
    content = io.BytesIO()
    workbook.save(content)

    preview = upload(admin_client, "customer", content.getvalue(), name="customers.xlsx", file_format=XLSX)
    confirm(admin_client, "customer", preview)

    assert Customer.objects.filter(name="Aurora Logistics", region="EMEA").exists()


def export_csv(admin_client, model: str) -> list[list[str]]:
    url = reverse(f"admin:actions_api_{model}_export")
    form = admin_client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}
    response = admin_client.post(url, {**data, "format": CSV, "resource": "0"})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_export_neutralises_spreadsheet_formulas(admin_client):
    CustomerFactory(name='=HYPERLINK("https://evil.example","Click")', region="EMEA", country="Germany")

    header, row = export_csv(admin_client, "customer")

    assert header[:2] == ["name", "region"]
    assert row[0] == 'HYPERLINK("https://evil.example","Click")'


def test_orders_export_with_their_customer_and_region(admin_client):
    confirm(admin_client, "customer", upload(admin_client, "customer", CUSTOMERS_CSV.encode()))
    confirm(admin_client, "order", upload(admin_client, "order", ORDERS_CSV.encode()))

    header, *rows = export_csv(admin_client, "order")

    columns = [dict(zip(header, row, strict=True)) for row in rows]
    assert {(row["reference"], row["customer"], row["region"]) for row in columns} == {
        ("EMEA-1", "Aurora Logistics", "EMEA"),
        ("AMER-1", "Fairview Energy", "AMER"),
    }


def test_a_staff_user_who_may_only_view_customers_may_export_them_but_not_import(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)

    assert client.get(reverse("admin:actions_api_customer_import")).status_code == 403
    assert upload(client, "customer", CUSTOMERS_CSV.encode()).status_code == 403
    assert client.get(reverse("admin:actions_api_customer_export")).status_code == 200
    assert not Customer.objects.exists()


class InvoiceResource(BusinessRowResource):
    """What docs/ROLES.md tells a company to write to import its own model."""

    customer = fields.Field(
        attribute="customer", column_name="customer", widget=ExistingRowWidget(Customer, field="name")
    )

    class Meta(BusinessRowResource.Meta):
        model = Invoice
        import_id_fields = ["number"]
        fields = ["number", "customer"]
        skip_diff = True  # only for this test: the preview's diff copies rows, which needs an installed app


def test_a_companys_own_model_imports_with_the_same_preview_and_row_errors(invoices):  # noqa: F811
    aurora = Customer.objects.filter(region="EMEA").first()
    dataset = tablib.Dataset(headers=["number", "customer"])
    dataset.append(["INV-NEW", aurora.name])
    dataset.append(["INV-BAD", "Nobody Inc"])

    preview = InvoiceResource().import_data(dataset, dry_run=True)
    [invalid] = preview.invalid_rows
    assert invalid.number == 2 and "No customer with the name 'Nobody Inc'" in str(invalid.error_dict["customer"])
    assert not Invoice.objects.filter(number="INV-NEW").exists()
    dataset.pop()
    InvoiceResource().import_data(dataset, dry_run=False)
    assert Invoice.objects.get(number="INV-NEW").customer == aurora
