"""Every admin page a business admin can reach renders (no 500), for every registered model."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


MODELS = [f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_first_change_page_render(admin_client, model):
    app_label, model_name = model.split(".")
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200

    first = response.context["cl"].result_list[:1]
    if first:
        change_url = reverse(f"admin:{app_label}_{model_name}_change", args=[first[0].pk])
        assert admin_client.get(change_url).status_code == 200


def test_a_business_admin_can_open_the_role_add_form(admin_client):
    response = admin_client.get(reverse("admin:roles_role_add"))
    assert response.status_code == 200
    assert b"Data scopes" in response.content
