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


def _a_revocation():
    from django.utils import timezone

    from accounts.models import User
    from roles.models import AccessRevocation

    return AccessRevocation.objects.create(user=User.objects.get(username="alice"), revoked_before=timezone.now())


def _a_signing_key():
    from accounts.models import SigningKey

    return SigningKey.objects.generate()


@pytest.mark.parametrize("make", [_a_revocation, _a_signing_key], ids=["access revocation", "signing key"])
def test_a_security_record_can_be_viewed_but_never_deleted_edited_or_added_through_the_admin(admin_client, make):
    """Deleting a revocation would silently undo it; deleting a signing key would break every token it signed."""
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    record = make()
    opts = record._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200 and "delete_selected" not in page.content.decode()

    refused = admin_client.post(
        changelist, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(record.pk)], "post": "yes", "index": "0"}
    )
    delete_page = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])
    assert refused.status_code in (200, 302) and admin_client.post(delete_page, {"post": "yes"}).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()

    change_page = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
    assert admin_client.get(change_page).status_code == 200
    assert admin_client.post(change_page, {}).status_code == 403
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
