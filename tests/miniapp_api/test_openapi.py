"""The OpenAPI 3 document: valid, generated from the schemas, every route under /api/v1
in it with every response it can give, errors included; and the reference page."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from miniapp_api.openapi import openapi_path

API = "/api/v1"


@pytest.fixture
def spec(client):
    resp = client.get(f"{API}/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield openapi_path(rule.rule), method.lower(), app.view_functions[rule.endpoint]


def test_the_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "阳光办理 市民端 API"


def test_every_route_is_described_with_its_error_responses(app, spec):
    routes = list(_routes(app))
    assert len(routes) >= 15
    for path, method, view in routes:
        op = spec["paths"][path][method]
        codes = set(op["responses"])
        assert {"429", "500"} <= codes, (path, method)
        assert any(c.startswith("2") for c in codes), (path, method)
        needs_login = getattr(view, "citizen_auth", False)
        assert ("security" in op) == needs_login, (path, method)
        if needs_login:
            assert "401" in codes, (path, method)
            assert op["security"] == [{"bearer": []}]
        if "requestBody" in op:
            assert {"400", "422"} <= codes, (path, method)
        for name in re.findall(r"{(\w+)}", path):
            assert any(p["name"] == name and p["in"] == "path" for p in op["parameters"])
    assert len(spec["paths"]) == len({p for p, _, _ in routes})


def test_errors_share_one_schema_and_429_says_retry_after(spec):
    responses = spec["components"]["responses"]
    for response in responses.values():
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}
    assert "Retry-After" in responses["TooManyRequests"]["headers"]
    error = spec["components"]["schemas"]["ErrorDetailOut"]
    assert set(error["properties"]) == {"code", "message", "details"}


def test_schemas_come_from_marshmallow(spec):
    schemas = spec["components"]["schemas"]
    rating = schemas["RatingIn"]
    assert rating["properties"]["comment"]["maxLength"] == 500
    assert rating["properties"]["satisfaction"]["enum"] == [
        "satisfied",
        "basically",
        "dissatisfied",
    ]
    assert set(rating["required"]) == {"resolution", "satisfaction"}
    detail = schemas["OrderDetailOut"]["properties"]
    assert detail["timeline"]["items"] == {"$ref": "#/components/schemas/TimelineOut"}
    assert "internal_note" not in str(schemas)
    lookup = spec["paths"]["/api/v1/orders/{order_no}"]["get"]
    assert set(lookup["responses"]) == {"200", "401", "404", "429", "500"}
    submit = spec["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"200", "201"} <= set(submit)


def test_the_reference_page_renders_without_external_assets(client):
    resp = client.get(f"{API}/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "阳光办理 市民端 API" in html
    assert "/api/v1/orders/{order_no}/rating" in html
    assert "Retry-After" in html
    assert "请求过于频繁" in html
    assert "<script" not in html
    assert "style=" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
