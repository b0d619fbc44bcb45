"""The OpenAPI contract: valid, complete, with the one error component on every operation."""

import io
import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from akiruno.api_docs import redoc_policy


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_schema_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")


def api_routes() -> set[str]:
    """Every route under /api/v1/ that is an API operation (not the schema or its pages)."""
    routes = set()

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                routes.add((prefix + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns, "/")
    out = set()
    for route, callback in routes:
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if not route.startswith("/api/v1/") or getattr(cls, "schema", True) is None:
            continue
        if route.rstrip("$").endswith(("schema/", "docs/", "docs/swagger/")):
            continue
        out.add(route)
    return out


def test_every_api_route_is_in_the_schema(schema):
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in schema["paths"]}
    routes = api_routes()
    assert len(routes) >= 12
    for route in routes:
        normalised = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", route.replace("^", "").replace("$", ""))
        normalised = re.sub(r"<[^>]+>", "{}", normalised)
        assert normalised in documented, f"{route} is not documented"


def test_every_operation_documents_its_errors_with_the_error_component(schema):
    error_ref = "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {
        "code",
        "message",
        "details",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = {int(c) for c in operation["responses"]}
            assert {400, 406} <= codes, (method, path)  # 400: the input edge, for any URL
            if operation.get("security") != [{}] and operation.get("security") is not None:
                assert {401, 403} <= codes, (method, path)
            if method in {"post", "patch", "put"}:
                assert {400, 413, 415} <= codes, (method, path)
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == error_ref, (method, path, code)


def test_writes_under_if_match_document_the_header_and_its_errors(schema):
    patch = schema["paths"]["/api/v1/departments/{code}/"]["patch"]
    header = [p for p in patch["parameters"] if p["name"] == "If-Match"]
    assert header and header[0]["required"] is True and header[0]["in"] == "header"
    assert {"412", "428"} <= set(patch["responses"])
    get = schema["paths"]["/api/v1/sections/{id}/"]["get"]
    assert "ETag" in get["responses"]["200"]["headers"]


def test_the_token_request_is_anonymous_and_the_rest_need_credentials(schema):
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security", [{}]) in ([], [{}])
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/sections/"]["get"]["security"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_the_section_tree_is_recursive_in_the_schema(schema):
    item = schema["components"]["schemas"]["SectionItem"]
    assert item["properties"]["children"]["items"]["$ref"] == "#/components/schemas/SectionItem"


def test_the_schema_endpoint_and_the_docs_pages_are_served(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content
    swagger = client.get("/api/v1/docs/swagger/")
    assert swagger.status_code == 200
    html = swagger.content.decode()
    assert "<script>" not in html and "<style>" not in html and "cdn." not in html
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get("/api/v1/docs/swagger/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    redoc = client.get("/api/v1/docs/")
    assert redoc.status_code == 200
    assert "<script>" not in redoc.content.decode()
    assert redoc["Content-Security-Policy"] == redoc_policy()


def test_the_redoc_policy_only_widens_styles_and_workers():
    policy = dict((d.split()[0], d.split()[1:]) for d in redoc_policy().split("; ") if d.strip())
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert all(s.startswith("'sha256-") for s in policy["style-src"][1:])
    assert policy["worker-src"] == ["blob:"]
