"""An admin adds an identity provider by command or in the admin, and reads what to register at the IdP."""

import html
import json
import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.federation import services
from accounts.federation.models import EmailDomain, IdentityProvider
from accounts.federation.selectors import identity_provider_for_email

pytestmark = pytest.mark.django_db
User = get_user_model()


def add_contoso(*extra) -> dict:
    out = StringIO()
    call_command(
        "add_identity_provider",
        "--name",
        "Contoso",
        "--issuer",
        "https://login.contoso.test/tenant/v2.0",
        "--client-id",
        "abc-123",
        "--client-secret",
        "s3cret-value",
        "--domains",
        "contoso.test,Fabrikam.test",
        *extra,
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_add_identity_provider_prints_the_redirect_uri_to_register_and_stores_the_domains():
    printed = add_contoso("--groups-claim", "roles")

    provider = IdentityProvider.objects.get(pk=printed["id"])
    assert printed["name"] == "Contoso"
    assert printed["redirect_uri"] == "http://127.0.0.1:8000/auth/oidc/contoso/login/callback/"
    assert provider.groups_claim == "roles" and provider.client_secret == "s3cret-value"
    assert sorted(provider.domains.values_list("domain", flat=True)) == ["contoso.test", "fabrikam.test"]
    assert "s3cret-value" not in json.dumps(printed)


def test_add_identity_provider_refuses_a_domain_that_is_not_one_and_adds_nothing():
    with pytest.raises(CommandError, match="domain"):
        call_command(
            "add_identity_provider",
            "--name",
            "Bad",
            "--issuer",
            "https://idp.test",
            "--client-id",
            "x",
            "--client-secret",
            "y",
            "--domains",
            "not a domain",
        )
    assert not IdentityProvider.objects.exists()


def test_a_domain_belongs_to_one_identity_provider_only():
    add_contoso()
    with pytest.raises(CommandError):
        add_contoso()
    assert IdentityProvider.objects.count() == 1


def test_home_realm_discovery_matches_the_email_domain_whatever_its_case():
    add_contoso()
    assert identity_provider_for_email("Uma@CONTOSO.test").name == "Contoso"
    assert identity_provider_for_email("uma@example.test") is None
    assert identity_provider_for_email("contoso.test") is None
    IdentityProvider.objects.update(is_active=False)
    assert identity_provider_for_email("uma@contoso.test") is None


def registration_values(page_html: str) -> dict[str, str]:
    return {key: html.unescape(value) for key, value in re.findall(r'<code id="idp-(\w+)">([^<]*)</code>', page_html)}


def test_the_admin_page_shows_what_to_register_with_copy_buttons_and_never_the_secret(admin_client):
    provider = IdentityProvider.objects.get(pk=add_contoso()["id"])
    page = admin_client.get(f"/admin/accounts/identityprovider/{provider.pk}/change/").content.decode()

    values = registration_values(page)
    assert values["redirect_uri"] == "http://127.0.0.1:8000/auth/oidc/contoso/login/callback/"
    assert values["scopes"] == "openid profile email" and "groups" in values["claims"]
    assert 'data-copy="idp-redirect_uri"' in page
    assert "s3cret-value" not in page


def test_saving_the_admin_form_without_a_secret_keeps_the_stored_one(admin_client):
    provider = IdentityProvider.objects.get(pk=add_contoso()["id"])
    form = {
        "name": "Contoso",
        "slug": "contoso",
        "protocol": "openid_connect",
        "is_active": "on",
        "issuer": provider.issuer,
        "client_id": "abc-123",
        "client_secret": "",
        "scopes": "openid profile email",
        "groups_claim": "groups",
        "sign_in_max_age": "12:00:00",
        "domains-TOTAL_FORMS": "0",
        "domains-INITIAL_FORMS": "0",
        "group_mappings-TOTAL_FORMS": "0",
        "group_mappings-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/admin/accounts/identityprovider/{provider.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    provider.refresh_from_db()
    assert provider.client_secret == "s3cret-value"


def sociallogin_for(email: str, *, verified: bool) -> SocialLogin:
    claims = {"sub": "upstream-42", "email": email, "email_verified": verified, "preferred_username": "uma"}
    return SocialLogin(
        user=User(email=email, first_name="Uma"),
        account=SocialAccount(provider="contoso", uid="upstream-42", extra_data={"id_token": claims}),
        email_addresses=[EmailAddress(email=email, verified=verified, primary=True)],
    )


@pytest.fixture
def contoso_provider():
    return IdentityProvider.objects.get(pk=add_contoso()["id"])


@pytest.mark.parametrize("allow_linking, verified", [(False, True), (True, False)])
def test_an_existing_account_is_linked_only_when_allowed_and_the_email_is_verified(
    contoso_provider, allow_linking, verified
):
    IdentityProvider.objects.update(allow_email_linking=allow_linking)
    contoso_provider.refresh_from_db()
    User.objects.create_user("uma-local", email="uma@contoso.test")
    with pytest.raises(services.SignInRefused) as refusal:
        services.federated_user_resolve(
            identity_provider=contoso_provider,
            request=RequestFactory().get("/"),
            sociallogin=sociallogin_for("uma@contoso.test", verified=verified),
        )
    assert refusal.value.reason == ("email_unverified" if allow_linking else "email_in_use")
    assert not SocialAccount.objects.exists()


def test_an_allowed_link_by_verified_email_keeps_the_existing_account(contoso_provider):
    IdentityProvider.objects.update(allow_email_linking=True)
    contoso_provider.refresh_from_db()
    local = User.objects.create_user("uma-local", email="uma@contoso.test")
    user = services.federated_user_resolve(
        identity_provider=contoso_provider,
        request=RequestFactory().get("/"),
        sociallogin=sociallogin_for("uma@contoso.test", verified=True),
    )
    assert user == local
    assert SocialAccount.objects.get(provider="contoso", uid="upstream-42").user == local


def test_unmapped_groups_grant_nothing(contoso_provider):
    user = User.objects.create_user("uma")
    sync = services.team_memberships_sync(
        user=user, identity_provider=contoso_provider, groups=["Domain Admins", "everyone"]
    )
    assert sync.added == [] and not user.teams.exists()


def test_email_domains_are_unique_whatever_their_case(contoso_provider):
    other = IdentityProvider.objects.create(
        name="Other", slug="other", issuer="https://o.test", client_id="o", client_secret="o"
    )
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        EmailDomain.objects.create(identity_provider=other, domain="CONTOSO.TEST")


def test_a_saml_identity_providers_page_shows_the_acs_url_entity_id_and_metadata_url(admin_client):
    provider = IdentityProvider.objects.create(
        name="Fabrikam", slug="fabrikam", protocol="saml", saml_metadata_url="https://idp.fabrikam.test/metadata"
    )
    values = registration_values(
        admin_client.get(f"/admin/accounts/identityprovider/{provider.pk}/change/").content.decode()
    )
    assert values["acs_url"] == "http://127.0.0.1:8000/auth/saml/fabrikam/acs/"
    assert values["sp_entity_id"] == values["metadata_url"] == "http://127.0.0.1:8000/auth/saml/fabrikam/metadata/"


# Our own review (docs/SECURITY.md §10): what an IdP may claim by email.


def _linking_contoso(provider: IdentityProvider) -> IdentityProvider:
    IdentityProvider.objects.filter(pk=provider.pk).update(allow_email_linking=True)
    provider.refresh_from_db()
    return provider


def test_an_idp_cannot_take_over_an_account_of_a_domain_it_does_not_own_by_calling_its_email_verified(
    contoso_provider,
):
    provider = _linking_contoso(contoso_provider)
    victim = User.objects.create_user("vic", email="vic@elsewhere.test")
    with pytest.raises(services.SignInRefused) as refusal:
        services.federated_user_resolve(
            identity_provider=provider,
            request=RequestFactory().get("/"),
            sociallogin=sociallogin_for("vic@elsewhere.test", verified=True),
        )
    assert refusal.value.reason == "email_in_use"
    assert not SocialAccount.objects.filter(user=victim).exists()


def test_an_idp_never_links_onto_a_staff_account_even_in_its_own_domain(contoso_provider):
    provider = _linking_contoso(contoso_provider)
    User.objects.create_user("it-admin", email="uma@contoso.test", is_staff=True)
    with pytest.raises(services.SignInRefused) as refusal:
        services.federated_user_resolve(
            identity_provider=provider,
            request=RequestFactory().get("/"),
            sociallogin=sociallogin_for("uma@contoso.test", verified=True),
        )
    assert refusal.value.reason == "email_in_use"
    assert not SocialAccount.objects.exists()


def test_an_idp_cannot_create_an_account_with_an_email_another_idp_owns(contoso_provider):
    other = IdentityProvider.objects.create(
        name="Other", slug="other", issuer="https://o.test", client_id="o", client_secret="o"
    )
    with pytest.raises(services.SignInRefused) as refusal:
        services.federated_user_resolve(
            identity_provider=other,
            request=RequestFactory().get("/"),
            sociallogin=sociallogin_for("ceo@contoso.test", verified=True),
        )
    assert refusal.value.reason == "foreign_domain"
    assert not User.objects.filter(email="ceo@contoso.test").exists()
