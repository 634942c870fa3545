"""Every HTTP error on a page for people is a Chinese page in its front door's look: the
console, the H5 page /m/, the API reference page and everything else; the JSON APIs keep
their error shape. 429 and 503 say when to try again."""

from __future__ import annotations

import re

import pytest

from tests.a11y import faults

# Each front door: the stylesheet that gives its look, and a link back into it.
LOOKS = {
    "console": ("/static/console/console.css", "/privacy/console/login"),
    "h5": ("/static/m/app.css", "/m/"),
    "site": ("/static/error.css", "/reports/"),
}
HEADINGS = {
    404: "页面不存在",
    405: "不支持这种访问方式",
    413: "提交的内容过大",
    429: "操作过于频繁",
    500: "服务器出错了",
    503: "服务暂时不可用",
}
ENGLISH = re.compile(r"Not Found|Method Not Allowed|Internal Server Error|Too Many|Payload")


@pytest.fixture
def client(make_app):
    app = make_app(MAX_BODY_BYTES=1024)
    faults.install(app)
    return app.test_client()


def _visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


def _is_page(resp, status: int, door: str) -> str:
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    stylesheet, home = LOOKS[door]
    assert f'href="{stylesheet}"' in html, door
    assert f'href="{home}"' in html, door
    assert f'<h1 id="error-title">{HEADINGS[status]}</h1>' in html
    assert f"错误代码：{status}" in html
    assert not ENGLISH.search(_visible_text(html))
    assert "<script" not in html  # the CSP allows no inline script
    assert "style=" not in html  # nor inline style
    return html


@pytest.mark.parametrize("door", list(LOOKS))
@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_each_status_is_a_chinese_page_of_its_front_door(client, door, status):
    resp = client.get(faults.url(door, status))
    html = _is_page(resp, status, door)
    if status in (429, 503):
        retry = resp.headers["Retry-After"]
        assert f"请约 {retry} 秒后再试" in html
    if status == 500:
        assert "a bug" not in html  # no internals


@pytest.mark.parametrize(
    ("door", "path"),
    [("console", "/privacy/console/nowhere"), ("h5", "/m/nowhere"), ("site", "/nowhere")],
)
def test_unknown_paths(client, door, path):
    _is_page(client.get(path), 404, door)


@pytest.mark.parametrize(
    ("door", "path"),
    [("console", "/privacy/console/logout"), ("h5", "/m/"), ("site", "/")],
)
def test_a_method_a_page_does_not_take(client, door, path):
    resp = client.put(path)
    _is_page(resp, 405, door)
    assert resp.headers["Allow"]


@pytest.mark.parametrize(
    ("door", "path"), [("console", "/privacy/console/login"), ("h5", "/m/"), ("site", "/")]
)
def test_a_body_too_large(client, door, path):
    resp = client.post(path, data={"username": "x" * 4096})
    _is_page(resp, 413, door)


def test_the_console_error_page_leads_a_visitor_to_the_login(client):
    html = client.get("/privacy/console/_test_fault/404").get_data(as_text=True)
    assert "前往登录页" in html  # not signed in: the way in is the login page


def test_a_long_wait_is_said_in_minutes(make_app):
    from flask import render_template

    app = make_app()
    with app.test_request_context("/m/x"):
        html = render_template("m/error.html", code=429, message="请求过于频繁", retry_after="600")
    assert "请约 10 分钟后再试" in html
    with app.test_request_context("/m/x"):
        html = render_template("m/error.html", code=503, message="服务暂时不可用", retry_after=None)
    assert "请稍后再试" in html


def test_the_json_apis_keep_their_error_shape(client):
    for path in ("/api/v1/nowhere", "/staff/api/v1/nowhere"):
        resp = client.get(path)
        assert resp.status_code == 404
        assert resp.get_json()["error"]["code"] == "not_found"
