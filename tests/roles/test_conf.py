"""Rolegate's settings object: defaults, derived values, overrides in tests, and typos refused."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from roles.conf import DEFAULTS, absolute_url, rolegate_settings


def test_an_unset_name_reads_its_documented_default():
    with override_settings(ROLEGATE={}):
        assert rolegate_settings.LIST_COUNT_CACHE_SECONDS == DEFAULTS["LIST_COUNT_CACHE_SECONDS"]


def test_the_audiences_follow_the_portal_url_unless_set():
    with override_settings(ROLEGATE={"PORTAL_BASE_URL": "https://portal.example.com"}):
        assert rolegate_settings.API_AUDIENCE == "https://portal.example.com/api"
        assert rolegate_settings.MCP_RESOURCE == "https://portal.example.com/mcp"
    with override_settings(ROLEGATE={"API_AUDIENCE": "https://api.example.com"}):
        assert rolegate_settings.API_AUDIENCE == "https://api.example.com"


def test_absolute_urls_are_on_the_portal_url_whatever_the_request_host(rolegate):
    rolegate(PORTAL_BASE_URL="https://portal.example.com")
    assert absolute_url("oauth2_provider:token") == "https://portal.example.com/o/token/"
    assert absolute_url("saml_acs", organization_slug="acme") == "https://portal.example.com/auth/saml/acme/acs/"
    assert absolute_url("invitation-accept", 7, "t0k") == "https://portal.example.com/accounts/invitations/7/t0k/"


def test_an_override_is_read_at_once_and_undone_after():
    before = rolegate_settings.API_RATE_PER_USER
    with override_settings(ROLEGATE={"API_RATE_PER_USER": "3/min"}):
        assert rolegate_settings.API_RATE_PER_USER == "3/min"
    assert rolegate_settings.API_RATE_PER_USER == before


def test_a_misspelt_setting_is_an_error_not_a_silent_default():
    with override_settings(ROLEGATE={"API_RATE_PER_USR": "3/min"}):
        with pytest.raises(ImproperlyConfigured, match="API_RATE_PER_USR"):
            rolegate_settings.API_RATE_PER_USER  # noqa: B018
    with pytest.raises(AttributeError):
        rolegate_settings.NOT_A_SETTING  # noqa: B018
