"""The API reference explains each path's own errors and shows one request and one
response example per endpoint, generated from the schemas and valid against them."""

from __future__ import annotations

import json
import re

import pytest
from openapi_schema_validator import OAS30Validator

from miniapp_api.openapi import openapi_path
from miniapp_api.schemas import instance

API = "/api/v1"


@pytest.fixture
def spec(client):
    return client.get(f"{API}/openapi.json").get_json()


def _response(spec: dict, path: str, method: str, status: str) -> dict:
    response = spec["paths"][API + path][method]["responses"][status]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def _errors_of(spec: dict, value, schema: dict) -> list[str]:
    root = {**schema, "components": spec["components"]}
    return [e.message for e in OAS30Validator(root).iter_errors(value)]


@pytest.mark.parametrize(
    ("path", "method", "status", "says"),
    [
        ("/places/streets", "get", "404", "区编码不存在"),
        ("/places/communities", "get", "404", "街道乡镇编码不存在"),
        ("/categories", "get", "404", "上级分类编码不存在"),
        ("/places/streets", "get", "422", "缺少上级编码 parent"),
        ("/lookup", "post", "404", "工单编号与查询码不匹配"),
        ("/orders/{order_no}", "get", "404", "不属于当前手机号"),
        ("/orders/{order_no}/rating", "post", "409", "已超过评价期限"),
        ("/auth/token", "post", "403", "验证码错误次数过多"),
    ],
)
def test_each_path_describes_its_own_errors(spec, path, method, status, says):
    response = _response(spec, path, method, status)
    assert says in response["description"]
    schema = response["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorOut"}  # still the one error shape


@pytest.mark.parametrize("path", ["/places/streets", "/places/communities", "/categories"])
def test_reference_lookups_never_speak_of_orders(spec, path):
    for status in ("404", "422"):
        assert "工单" not in _response(spec, path, "get", status)["description"]


def test_shared_descriptions_stay_for_routes_without_their_own(spec):
    own = _response(spec, "/orders/{order_no}", "get", "429")
    assert own == spec["components"]["responses"]["TooManyRequests"]
    assert "Retry-After" in own["headers"]


def test_the_reference_page_answers_its_own_errors_as_a_page(make_citizen_app):
    app = make_citizen_app(limits={"docs_client": "1/minute"})
    client = app.test_client()
    assert client.get(f"{API}/docs").status_code == 200
    limited = client.get(f"{API}/docs")
    assert limited.status_code == 429
    assert limited.mimetype == "text/html"
    page = limited.get_data(as_text=True)
    assert "操作过于频繁" in page
    assert re.search(r"请约 \d+ 秒后再试", page)
    client.get(f"{API}/openapi.json")
    other = client.get(f"{API}/openapi.json")  # the JSON document keeps the JSON error
    assert other.status_code == 429
    assert other.get_json()["error"]["code"] == "rate_limited"


def _operations(app, spec):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield spec["paths"][openapi_path(rule.rule)][method.lower()], view.apidoc


def test_request_examples_are_accepted_by_the_input_schemas(app, spec):
    seen = 0
    for op, info in _operations(app, spec):
        if info.body is not None:
            content = op["requestBody"]["content"][info.body_type]
            assert "example" in content, op["summary"]
            if info.body_type == "application/json":
                instance(info.body).load(content["example"])  # raises if it is not valid
                seen += 1
        if info.query is not None:
            query = {}
            for param in op["parameters"]:
                if param["in"] == "query" and "example" in param:
                    query[param["name"]] = param["example"]
            instance(info.query).load(query)
            seen += 1
        for param in op.get("parameters", []):
            if param["in"] == "path":
                pattern = param["schema"].get("pattern")
                assert pattern is None or re.fullmatch(pattern.strip("^$"), param["example"])
    assert seen >= 15


def test_response_examples_fit_their_schemas(app, spec):
    checked = 0
    for op, info in _operations(app, spec):
        status = str(info.status)
        content = op["responses"][status].get("content", {})
        if info.out is not None:
            example = content[info.content_type]["example"]
            schema = content[info.content_type]["schema"]
            assert _errors_of(spec, example, schema) == [], op["summary"]
            checked += 1
    assert checked >= 20
    # The check is a real one: a wrong type is caught.
    detail = spec["paths"][f"{API}/orders/{{order_no}}"]["get"]["responses"]["200"]
    broken = {**detail["content"]["application/json"]["example"], "round": "一"}
    assert _errors_of(spec, broken, detail["content"]["application/json"]["schema"])


def test_examples_read_like_the_real_thing(spec):
    submit = spec["paths"][f"{API}/orders"]["post"]
    body = submit["requestBody"]["content"]["application/json"]["example"]
    assert body["kind"] in {"consultation", "suggestion", "tip_off", "complaint", "help", "praise"}
    assert len(body["content"]) >= 5
    answer = submit["responses"]["201"]["content"]["application/json"]["example"]
    assert answer["status_label"] == "已受理"
    assert re.fullmatch(r"\d{14}", answer["order_no"])
    detail = spec["paths"][f"{API}/orders/{{order_no}}"]["get"]["responses"]["200"]
    shown = detail["content"]["application/json"]["example"]
    assert shown["requester"]["phone"] == "138****5678"  # masked, as the API answers
    assert shown["timeline"][0]["label"]
    streets = spec["paths"][f"{API}/places/streets"]["get"]
    assert streets["parameters"][0]["example"] == "110105"
    assert "示例文字" not in json.dumps(spec, ensure_ascii=False)  # no filler text left


def test_the_reference_page_shows_both_examples_for_every_endpoint(client, spec):
    html = client.get(f"{API}/docs").get_data(as_text=True)
    operations = sum(len(item) for item in spec["paths"].values())
    assert html.count("<summary>请求示例</summary>") == operations
    assert html.count("<summary>响应示例</summary>") == operations
    assert "POST /api/v1/orders/20261122000123/rating" in html
    assert "Authorization: Bearer &lt;登录令牌&gt;" in html
    assert "GET /api/v1/places/streets?parent=110105" in html
    assert "&#34;status_label&#34;: &#34;已受理&#34;" in html or '"status_label": "已受理"' in html
    assert "区编码不存在（parent_not_found）" in html
