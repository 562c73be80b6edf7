"""The OpenAPI document is what the GPT editor imports as is: valid, and within every ChatGPT limit."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from accounts.discovery import authorization_server_metadata
from roles.conf import rolegate_settings

# ChatGPT's limits for GPT Actions (OpenAI's GPT Actions documentation and the editor's errors).
OPERATION_DESCRIPTION_MAX = 300
PARAMETER_DESCRIPTION_MAX = 700
OPERATION_ID = re.compile(r"[a-z][a-zA-Z0-9]{0,63}")  # camelCase, and within the editor's ^[a-zA-Z0-9_-]{1,64}$
MAX_OPERATIONS = 30
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
EXPECTED_OPERATIONS = {
    "getMe",
    "listCustomers",
    "getCustomer",
    "listOrders",
    "getOrder",
    "listDocuments",
    "getDocument",
}


@pytest.fixture
def schema(client):
    """The document exactly as the GPT editor fetches it: no token, no cookie, JSON."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_schema_is_a_valid_openapi_3_1_document(schema):
    validate(schema)  # raises with the first violation
    assert schema["openapi"].startswith("3.1.")


def test_schema_uses_3_1_null_types_not_the_3_0_nullable_keyword(schema):
    assert '"nullable"' not in json.dumps(schema)
    page = schema["components"]["schemas"]["PaginatedOrderList"]["properties"]
    assert page["next"]["type"] == ["string", "null"]


def test_schema_names_the_portal_as_its_only_server(schema):
    assert schema["servers"] == [{"url": rolegate_settings.PORTAL_BASE_URL}]


def test_schema_has_one_oauth2_authorization_code_scheme_with_the_portals_real_urls(schema, db):
    schemes = schema["components"]["securitySchemes"]
    assert list(schemes) == ["oauth2"], "ChatGPT accepts exactly one security scheme"
    metadata = authorization_server_metadata()
    flow = schemes["oauth2"]["flows"]["authorizationCode"]
    assert schemes["oauth2"]["type"] == "oauth2"
    assert flow["authorizationUrl"] == metadata["authorization_endpoint"]
    assert flow["tokenUrl"] == metadata["token_endpoint"]
    assert {"openid", "profile", "api"} <= set(flow["scopes"])


def test_every_operation_has_a_unique_camel_case_operation_id(schema):
    ids = [operation.get("operationId") for _, _, operation in operations(schema)]
    assert all(ids), "every operation needs an operationId"
    assert len(ids) == len(set(ids))
    assert all(OPERATION_ID.fullmatch(operation_id) for operation_id in ids), ids
    assert set(ids) == EXPECTED_OPERATIONS
    assert len(ids) <= MAX_OPERATIONS


def test_every_operation_and_parameter_stays_within_chatgpts_description_limits(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (path, method)
        description = operation.get("description", "")
        assert 0 < len(description) <= OPERATION_DESCRIPTION_MAX, (path, method, len(description))
        for parameter in operation.get("parameters", []):
            assert len(parameter.get("description", "")) <= PARAMETER_DESCRIPTION_MAX, (path, parameter["name"])


def test_read_only_operations_are_marked_not_consequential(schema):
    for path, method, operation in operations(schema):
        assert method == "get", "the API is read-only"
        assert operation["x-openai-isConsequential"] is False, path


def test_every_operation_requires_the_oauth2_scheme_and_documents_its_problem_responses(schema):
    for path, _, operation in operations(schema):
        assert operation["security"] == [{"oauth2": ["api"]}], path
        for status in ("401", "403"):
            content = operation["responses"][status]["content"]
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
        if "{id}" in path:
            assert "application/problem+json" in operation["responses"]["404"]["content"]
            assert operation["parameters"][0]["schema"]["type"] == "integer"


def test_get_me_carries_an_example_the_model_can_learn_from(schema):
    me = schema["paths"]["/api/v1/me"]["get"]
    example = next(iter(me["responses"]["200"]["content"]["application/json"]["examples"].values()))
    assert example["value"]["data_scopes"] == {"region": ["EMEA"]}


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.urls += [attributes[name] for name in ("src", "href") if attributes.get(name)]


def test_api_docs_render_the_schema_with_assets_served_by_the_portal(client):
    response = client.get("/api/docs/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    page = _Assets()
    page.feed(response.content.decode())
    assert page.urls, "the docs page loads Redoc"
    for url in page.urls:
        assert url.startswith(settings.STATIC_URL) or url.startswith("/" + settings.STATIC_URL), url
        assert finders.find(url.split(settings.STATIC_URL, 1)[1]), f"{url} is not served by the portal"
    assert "/api/schema/" in response.content.decode()
