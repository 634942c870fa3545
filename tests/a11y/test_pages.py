"""axe-core (WCAG 2.1 A and AA) on the pages people use, in headless Chromium: each test
walks one front door's pages and fails on any critical or serious violation, naming the
rule, the page and the element.

Covered: the privacy console (login, the log, a search with mistakes, an order, a refused
reveal, anomalies, verification intact and broken), the API reference page, the error
pages of every front door, the public report pages, and the screens of the H5 page /m/
(``H5_SCREENS``: login, my orders, an order, rating, submission and lookup, each in the
standard page and in 长辈版).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from hotline.config import DEFAULT_CITIZEN_LIMITS
from hotline.extensions import db
from privacy import access
from privacy.accesslog import AccessContext
from tests.a11y import Audit, faults
from tests.a11y.browser import left_page
from tests.conftest import PASSWORD
from tests.console.conftest import enroll, make_order, totp_now  # noqa: F401  (fixtures)
from tests.miniapp_api import h5_pages as h5
from tests.miniapp_api.helpers import PHONE as H5_PHONE
from tests.portal.browser import LiveServer
from tests.portal.conftest import publish, reports_world  # noqa: F401  (fixtures)
from tests.privacy.conftest import raw_connection


def _open(browser, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _submit(browser, form_id: str, fields: dict[str, str]) -> None:
    """Fill a form's fields by name and press its first button; wait for the next page."""
    from selenium.webdriver.common.by import By

    form = browser.find_element(By.ID, form_id)
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    left_page(form)


# -- the privacy console ------------------------------------------------------------------
def _reads(world, orders) -> None:
    """Plaintext reads by two people of two units and an agent: a log with something in."""
    for username, order in (("h_wangjing", orders[0]), ("h_jiuxianqiao", orders[0])):
        user = world.users[username]
        ctx = AccessContext.for_staff(user.id, user.role, user.unit_id, purpose="联系诉求人")
        access.reveal(
            db.session, order, ["requester_phone"], ctx=ctx.for_order(order.id, order.order_no)
        )
    agent = world.users["agent"]
    ctx = AccessContext.for_staff(agent.id, agent.role, None, purpose="回访核实")
    for order in orders:
        access.reveal(
            db.session,
            order,
            ["requester_name", "requester_phone"],
            ctx=ctx.for_order(order.id, order.order_no),
        )
    db.session.commit()


def test_the_console(app, world, enroll, make_order, browser):  # noqa: F811
    # Every read counts as a burst and as out of hours, so each anomaly table has rows.
    app.config.update(CONSOLE_ANOMALY_READS_PER_HOUR=1, CONSOLE_WORK_HOURS=[0, 0])
    orders = [make_order(), make_order({"phone": "13900002222"}, confidential=True)]
    _reads(world, orders)
    secret = enroll("privacy")
    audit = Audit(browser)
    with LiveServer(app) as server:
        _open(browser, server.url("/privacy/console/login"))
        audit.page("控制台：登录")
        _submit(browser, "login-form", {"username": "privacy", "password": "x", "totp": "000000"})
        audit.page("控制台：登录失败")
        _submit(
            browser,
            "login-form",
            {"username": "privacy", "password": PASSWORD, "totp": totp_now(secret)},
        )
        assert "访问日志查询" in browser.page_source
        audit.page("控制台：访问日志")
        _open(browser, server.url("/privacy/console/?actor=h_wangjing"))
        audit.page("控制台：按操作人查询")
        _open(browser, server.url("/privacy/console/?since=2026-13-01&actor=nobody"))
        audit.page("控制台：填写有误的查询")
        _open(browser, server.url(f"/privacy/console/orders/{orders[0].order_no}"))
        audit.page("控制台：工单")
        _submit(browser, "reveal-form", {})
        assert "请选择要查看明文的字段" in browser.page_source
        audit.page("控制台：未说明用途的查看明文")
        _open(browser, server.url("/privacy/console/anomalies"))
        assert "无</td>" not in browser.page_source  # the tables have rows
        audit.page("控制台：异常访问")
        _open(browser, server.url("/privacy/console/verify"))
        audit.page("控制台：日志校验")
        _submit(browser, "verify-form", {})
        assert "校验通过" in browser.page_source
        audit.page("控制台：校验通过")
        with raw_connection() as conn:
            conn.execute(text("UPDATE access_log SET purpose = 'x' WHERE seq = 2"))
        _open(browser, server.url("/privacy/console/verify"))
        _submit(browser, "verify-form", {})
        assert "校验未通过" in browser.page_source
        audit.page("控制台：校验未通过")
    audit.done()


# -- the API reference page ---------------------------------------------------------------
def test_the_api_reference(app, browser):
    audit = Audit(browser)
    with LiveServer(app) as server:
        _open(browser, server.url("/api/v1/docs"))
        assert "请求示例" in browser.page_source
        audit.page("接口文档")
    audit.done()


# -- error pages --------------------------------------------------------------------------
ERROR_PAGES = [(door, code) for door in ("console", "h5", "site") for code in (404, 429, 500)]


def test_the_error_pages(make_app, browser):
    limits = {**DEFAULT_CITIZEN_LIMITS, "docs_client": "1/minute"}
    app = make_app(CITIZEN_RATE_LIMITS=limits)
    faults.install(app)
    audit = Audit(browser)
    with LiveServer(app) as server:
        for door, code in ERROR_PAGES:
            _open(browser, server.url(faults.url(door, code)))
            audit.page(f"错误页面 {code}（{door}）")
        for path in ("/privacy/console/nowhere", "/m/nowhere", "/nowhere"):
            _open(browser, server.url(path))
            audit.page(f"错误页面 404（{path}）")
        _open(browser, server.url("/api/v1/docs"))
        _open(browser, server.url("/api/v1/docs"))
        assert "操作过于频繁" in browser.page_source
        audit.page("接口文档的错误页面 429")
    audit.done()


def test_the_portal_error_pages(make_app, browser):
    app = make_app()
    faults.install(app)
    audit = Audit(browser)
    with LiveServer(app) as server:
        for code in (404, 429, 500):
            _open(browser, server.url(faults.url("portal", code)))
            audit.page(f"公开报告的错误页面 {code}")
    audit.done()


# -- the public reports -------------------------------------------------------------------
def test_the_report_pages(app, publish, browser):  # noqa: F811
    for period in ("2025", "2025-06", "2025-W23"):
        publish(period)
    audit = Audit(browser)
    with LiveServer(app) as server:
        for name, path in (
            ("报告目录", "/reports/"),
            ("年度报告", "/reports/2025/v1"),
            ("月度通报", "/reports/2025-06"),
            ("周分析", "/reports/2025-W23"),
            ("各区页面", "/reports/districts/"),
            ("朝阳区页面", "/reports/districts/110105"),
            ("发布日程", "/reports/calendar"),
        ):
            _open(browser, server.url(path))
            assert "错误代码" not in browser.page_source, path  # the page, not an error
            audit.page(f"公开报告：{name}")
    audit.done()


# -- the H5 page /m/ ----------------------------------------------------------------------
# Each screen is reached from nothing in a fresh session on a phone screen (390 × 844), with
# the demo phone's orders (``flask citizen demo``), in the standard page and in 长辈版 (the
# switch is tapped on the login screen, as a person would). A reach function gets the
# phone browser, the server's base URL and the demo orders; where a screen has a state
# with more to check (errors marked at their fields, a folded part opened), it goes there.
def _h5_login(browser, base: str, orders: h5.DemoOrders) -> None:
    h5.by_id(browser, "phone")


def _h5_orders(browser, base: str, orders: h5.DemoOrders) -> None:
    _h5_log_in(browser, base)
    h5.css(browser, "#order-list .order")


def _h5_detail(browser, base: str, orders: h5.DemoOrders) -> None:
    """An order reopened after a rating: the timeline, both rounds, the ratings."""
    _h5_log_in(browser, base)
    h5.go(browser, f"#/order/{orders.reopened}")
    h5.by_id(browser, "my-rating")
    _h5_open_more(browser)


def _h5_rating(browser, base: str, orders: h5.DemoOrders) -> None:
    """The rating form of a completed order, sent empty: both groups marked."""
    _h5_log_in(browser, base)
    h5.go(browser, f"#/order/{orders.rate}")
    h5.tap_id(browser, "submit-rating")
    h5.css(browser, "#rating-form .err:not([hidden])")


def _h5_submit(browser, base: str, orders: h5.DemoOrders) -> None:
    """The submission form sent empty (every field marked), its optional part open."""
    _h5_log_in(browser, base)
    h5.go(browser, "#/new")
    h5.tap_id(browser, "submit-order")
    h5.css(browser, "#new-form .err:not([hidden])")
    _h5_open_more(browser)


def _h5_lookup(browser, base: str, orders: h5.DemoOrders) -> None:
    """查询 without a login, sent with a wrong code: the form and its errors."""
    h5.go(browser, "#/lookup")
    h5.type_into(browser, "lookup-no", orders.rate)
    h5.tap(browser, browser.find_element("css selector", "#lookup-form button[type=submit]"))
    h5.css(browser, "#lookup-form .err:not([hidden])")


def _h5_log_in(browser, base: str) -> None:
    h5.tap_id(browser, "send-code")
    code = h5.by_id(browser, "dev-code").get_attribute("data-code")
    h5.type_into(browser, "code", code)
    h5.tap_id(browser, "login")
    h5.by_id(browser, "order-list")


def _h5_open_more(browser) -> None:
    for summary in browser.find_elements(
        "css selector", "#view details.more:not([open]) > summary"
    ):
        h5.tap(browser, summary)


H5_SCREENS: list[tuple[str, Callable]] = [
    ("登录", _h5_login),
    ("我的工单", _h5_orders),
    ("工单详情", _h5_detail),
    ("评价", _h5_rating),
    ("提交诉求", _h5_submit),
    ("查询", _h5_lookup),
]
H5_MODES = {"standard": False, "elder": True}


@pytest.mark.parametrize("mode", list(H5_MODES))
@pytest.mark.parametrize(("name", "reach"), H5_SCREENS, ids=[n for n, _ in H5_SCREENS])
def test_the_h5_screens(make_app, world, phone_browser, name, reach, mode):
    app = make_app(
        HOTLINE_ENV="development",
        SMS_SENDER="miniapp_api.sms:LogSender",
        CITIZEN_DEMO_PHONE=H5_PHONE,
        CITIZEN_RATE_LIMITS=dict.fromkeys(DEFAULT_CITIZEN_LIMITS, "10000/minute"),
    )
    orders = h5.demo_orders(messages=False)
    elder = H5_MODES[mode]
    audit = Audit(phone_browser)
    with LiveServer(app) as server:
        _open(phone_browser, server.url("/m/"))
        h5.by_id(phone_browser, "phone")
        h5.set_elder(phone_browser, elder)
        reach(phone_browser, server.url(""), orders)
        assert h5.is_elder(phone_browser) == elder
        audit.page(f"手机网页{'长辈版' if elder else '标准版'}：{name}")
    audit.done()


# -- the checker itself -------------------------------------------------------------------
BROKEN_PAGE = """<!doctype html><html lang="zh-CN"><head><title>坏页面</title></head><body>
<main><h1>坏页面</h1><select id="status-filter"><option>全部</option></select></main>
</body></html>"""


def test_the_checker_fails_on_a_critical_violation(make_app, browser):
    """A page with an unlabelled select (axe's select-name, critical) fails the check and
    the failure names the rule, the page and the selector."""
    app = make_app()
    app.add_url_rule("/_test_broken", "test_broken", lambda: BROKEN_PAGE)
    with LiveServer(app) as server:
        _open(browser, server.url("/_test_broken"))
        audit = Audit(browser)
        audit.page("坏页面")
        with pytest.raises(pytest.fail.Exception) as failed:
            audit.done()
    message = str(failed.value)
    assert "[critical] select-name on 坏页面" in message
    assert "#status-filter" in message
