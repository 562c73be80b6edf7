"""`/` leads somewhere useful: sign-in, your own access, and for staff the first steps."""

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_a_user_sees_their_roles_permissions_and_rows_and_their_connections(client, demo):
    client.force_login(User.objects.get(username="alice"))

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Sales EMEA" in page and "Region: EMEA" in page
    assert "List and read orders, amounts included" in page
    assert reverse("connections") in page
    assert "Set up Rolegate" not in page


def test_a_user_without_roles_is_told_what_that_means(client, demo):
    client.force_login(User.objects.get(username="dave"))

    assert "No role yet" in client.get("/").content.decode()


def test_staff_also_see_the_first_run_checklist_and_the_dashboard_link(client, demo):
    client.force_login(User.objects.create_user("root", is_staff=True, is_superuser=True))

    response = client.get("/")

    assert [step.done for step in response.context["checklist"]] == [True, True, True, False]
    assert reverse("dashboard") in response.content.decode()
