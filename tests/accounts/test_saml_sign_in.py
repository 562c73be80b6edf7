"""
Federated sign-in through a SAML 2.0 IdP (a real pysaml2 IdP signing real assertions, see
tests.saml_idp): the full GPT chain, and the refusal of tampered, unsigned, expired and replayed
responses (a page that explains, an audit event, nobody created).
"""

from __future__ import annotations

import base64

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from accounts.federation.models import EmailDomain, GroupMapping, IdentityProvider
from roles.audit.models import AuditEvent
from roles.models import Role, RoleAssignment, Team
from tests.chatgpt import ChatGPT
from tests.federation import consent, follow, post_form
from tests.saml_idp import GROUPS_ATTRIBUTE, SSO_URL, SamlIdP

pytestmark = pytest.mark.live_server
User = get_user_model()
EMAIL = "sam@saml-contoso.test"
IDENTITY = {"mail": [EMAIL], "givenName": ["Sam"], "sn": ["Saml"], "eduPersonAffiliation": ["contoso-sales-emea"]}


@pytest.fixture
def saml_idp(live_demo, tmp_path):
    idp = SamlIdP(tmp_path)
    provider = IdentityProvider.objects.create(
        name="Contoso SAML",
        slug="contoso-saml",
        protocol=IdentityProvider.Protocol.SAML,
        saml_metadata_xml=idp.metadata(),
        groups_claim=GROUPS_ATTRIBUTE,
    )
    EmailDomain.objects.create(identity_provider=provider, domain="saml-contoso.test")
    team = Team.objects.create(slug="emea-sales", name="EMEA sales")
    RoleAssignment.objects.create(team=team, role=Role.objects.get(slug="sales-emea"))
    GroupMapping.objects.create(identity_provider=provider, group="contoso-sales-emea", team=team)
    idp.sp_metadata = requests.get(f"{live_demo.url}/auth/saml/contoso-saml/metadata/").text
    return idp


def to_the_idp(chatgpt: ChatGPT, browser: requests.Session) -> str:
    """GPT authorize → sign-in page → work email → the redirect to the IdP's SSO URL."""
    login_page = follow(browser, browser.get(chatgpt.authorization_url(state="saml"), allow_redirects=False))
    redirect = post_form(browser, login_page, username=EMAIL)
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(SSO_URL)
    return redirect.headers["Location"]


def post_to_acs(browser, acs_url: str, form: dict) -> requests.Response:
    return follow(browser, browser.post(acs_url, data=form, allow_redirects=False))


def test_a_signed_saml_assertion_signs_in_and_its_groups_decide_the_rows(chatgpt, saml_idp):
    browser = requests.Session()
    acs_url, form = saml_idp.answer(to_the_idp(chatgpt, browser), identity=IDENTITY, subject="sam-42")
    params = consent(browser, post_to_acs(browser, acs_url, form))

    response = chatgpt.token_request(
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": chatgpt.callback}
    )
    chatgpt.tokens = response.json()
    assert chatgpt.call("/api/v1/me").json()["roles"] == ["sales-emea"]
    assert {row["region"] for row in chatgpt.all_rows("/api/v1/orders")} == {"EMEA"}
    assert SocialAccount.objects.get(provider="contoso-saml").uid == "sam-42"


def refused(page, reason: str) -> None:
    assert page.status_code in (401, 403), (page.status_code, page.url, page.text[:500])
    assert "could not" in page.text
    assert not User.objects.filter(email=EMAIL).exists()
    assert AuditEvent.objects.filter(action="sign_in_failed", details__reason=reason).exists()


def test_a_tampered_assertion_is_refused(chatgpt, saml_idp):
    browser = requests.Session()
    acs_url, form = saml_idp.answer(to_the_idp(chatgpt, browser), identity=IDENTITY, subject="sam-42")
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert "contoso-sales-emea" in xml
    form["SAMLResponse"] = base64.b64encode(xml.replace("contoso-sales-emea", "contoso-admins").encode()).decode()
    refused(post_to_acs(browser, acs_url, form), "invalid_assertion")


def test_an_unsigned_assertion_is_refused(chatgpt, saml_idp):
    browser = requests.Session()
    acs_url, form = saml_idp.answer(to_the_idp(chatgpt, browser), identity=IDENTITY, subject="sam-42", signed=False)
    refused(post_to_acs(browser, acs_url, form), "invalid_assertion")


def test_an_expired_assertion_is_refused(chatgpt, saml_idp):
    browser = requests.Session()
    acs_url, form = saml_idp.answer(
        to_the_idp(chatgpt, browser), identity=IDENTITY, subject="sam-42", lifetime_minutes=-30
    )
    refused(post_to_acs(browser, acs_url, form), "invalid_assertion")


def test_a_replayed_response_is_refused(chatgpt, saml_idp):
    browser = requests.Session()
    acs_url, form = saml_idp.answer(to_the_idp(chatgpt, browser), identity=IDENTITY, subject="sam-42")
    consent(browser, post_to_acs(browser, acs_url, form))
    User.objects.filter(email=EMAIL).delete()

    for replaying_browser in (browser, requests.Session()):
        refused(post_to_acs(replaying_browser, acs_url, form), "state_mismatch")
