"""长辈版 on /m/ (issue 15), in headless Chromium at 390 × 844: a switch in sight on every
screen, remembered on the device; one main action per screen; messages that stay until
closed; a login and an SMS code that warn before they run out and lose nothing typed.

Text sizes, line spacing and target sizes of every screen in 长辈版 are measured by
``test_h5_screens`` (at least 18 px, 1.5 and 60 px).
"""

from __future__ import annotations

import time

import pytest

from tests.a11y.browser import PHONE as VIEWPORT
from tests.a11y.browser import chrome, fresh
from tests.miniapp_api import h5_pages as p
from tests.miniapp_api.helpers import PHONE

# Buttons that carry a screen's main action: filled ones (a ghost button is secondary; a
# photo's thumbnail opens the photo; the close button of a message belongs to the message).
PRIMARY = """
const shown = el => el.getClientRects().length > 0 && !el.closest('[hidden], details:not([open])');
return Array.from(document.querySelectorAll(
    '#view button:not(.ghost):not(.photo):not(.photo-x), #view a.button:not(.ghost)'))
  .filter(el => shown(el) && !el.closest('.toast'))
  .map(el => el.textContent.trim());
"""


@pytest.fixture(scope="module")
def module_phone():
    with chrome(VIEWPORT, phone=True) as driver:
        yield driver


@pytest.fixture
def phone(module_phone):
    fresh(module_phone)
    return module_phone


@pytest.fixture
def server(make_citizen_app):
    with p.serve(p.dev_app(make_citizen_app)) as live:
        yield live


def _stored(driver, key: str, where: str = "localStorage"):
    return driver.execute_script(f"return window.{where}.getItem(arguments[0])", key)


def _toggle(driver):
    return p.by_id(driver, "elder-toggle")


def test_the_switch_is_in_sight_and_the_choice_is_remembered(server, world, phone):
    base = server.url("")
    p.open_page(phone, base + "/m/")
    toggle = _toggle(phone)
    assert toggle.text == "长辈版"
    assert toggle.size["height"] >= 44
    assert toggle.size["width"] >= 44
    assert not p.is_elder(phone)
    standard = float(p.by_id(phone, "phone").value_of_css_property("font-size").rstrip("px"))

    p.set_elder(phone, True)
    assert _toggle(phone).text == "标准版"  # the way back, in the same place
    assert _stored(phone, "yg-elder") == "1"
    larger = float(p.by_id(phone, "phone").value_of_css_property("font-size").rstrip("px"))
    assert larger >= 18 > standard

    # A reload (and a new visit) opens in 长辈版 from the first paint: mode.js in <head>.
    p.open_page(phone, base + "/m/#/lookup")
    assert p.is_elder(phone)
    p.by_id(phone, "lookup-form")
    # The error pages run no script: they take the choice from the cookie the switch set.
    p.open_page(phone, base + "/m/nowhere")
    assert p.by_id(phone, "error-title").text == "页面不存在"
    assert p.is_elder(phone)

    # Logged in, the switch is still on the bar of every screen.
    p.log_in(phone, base)
    assert p.is_elder(phone)
    for where in ("#/orders", "#/new", "#/lookup", "#/messages", "#/me"):
        p.go(phone, where)
        assert _toggle(phone).text == "标准版", where
    p.set_elder(phone, False)
    assert _stored(phone, "yg-elder") == "0"
    p.open_page(phone, base + "/m/#/orders")
    p.by_id(phone, "order-list")
    assert not p.is_elder(phone)
    assert _toggle(phone).text == "长辈版"


def test_each_screen_has_one_main_action(server, world, phone):
    orders = p.demo_orders(messages=False)
    base = server.url("")
    p.log_in(phone, base, elder=True)
    screens = {
        "我的工单": "#/orders",
        "工单详情和评价": f"#/order/{orders.rate}",
        "超期工单": f"#/order/{orders.overdue}",
        "待受理工单": f"#/order/{orders.waiting}",
        "直接解答": f"#/order/{orders.answered}",
        "提交诉求": "#/new",
        "查询": "#/lookup",
        "消息": "#/messages",
        "我的数据": "#/me",
    }
    many = {}
    for name, where in screens.items():
        p.go(phone, where)
        time.sleep(0.5)  # the blocks fetched after the first paint (actions, photos)
        primary = phone.execute_script(PRIMARY)
        if len(primary) > 1:
            many[name] = primary
    assert not many, many
    # In the standard page the same detail offers its secondary actions in the open.
    p.set_elder(phone, False)
    p.go(phone, f"#/order/{orders.waiting}")
    p.by_id(phone, "withdraw")


def test_a_message_stays_until_it_is_closed(server, world, phone):
    base = server.url("")
    p.open_page(phone, base + "/m/")
    p.set_elder(phone, True)
    toast = p.by_id(phone, "toast")
    assert "已切换到长辈版" in toast.text
    time.sleep(7)  # the standard page's messages go after 6 s
    assert toast.is_displayed()
    p.tap(phone, toast.find_element("css selector", "button"))
    p.wait(phone).until(lambda d: not d.find_element("id", "toast").is_displayed())

    p.set_elder(phone, False)  # the standard page: an information message goes by itself
    assert "已切换到标准版" in p.by_id(phone, "toast").text
    p.wait(phone, 10).until(lambda d: not d.find_element("id", "toast").is_displayed())


def test_the_login_warns_before_it_expires_and_nothing_typed_is_lost(
    make_citizen_app, world, phone
):
    app = p.dev_app(make_citizen_app, CITIZEN_DEMO_PHONE="")  # no number filled in for us
    with p.serve(app) as server:
        _expire_mid_form(phone, server.url(""))


def _expire_mid_form(phone, base: str) -> None:
    p.open_page(phone, base + "/m/")
    p.set_elder(phone, True)
    assert p.by_id(phone, "phone").get_attribute("value") == ""
    p.type_into(phone, "phone", PHONE)
    p.tap_id(phone, "send-code")
    p.type_into(phone, "code", p.by_id(phone, "dev-code").get_attribute("data-code"))
    p.tap_id(phone, "login")
    p.by_id(phone, "order-list")
    # The token's expiry is the API's own (expires_at of POST /auth/token); three minutes left:
    soon = phone.execute_script(
        "const at = new Date(Date.now() + 3 * 60 * 1000);"
        "sessionStorage.setItem('yg-expires', at.toISOString());"
        "return ('0' + at.getHours()).slice(-2) + ':' + ('0' + at.getMinutes()).slice(-2);"
    )
    p.go(phone, "#/new")
    p.choose(phone, "kind", "求助")
    p.choose(phone, "district", "朝阳区")
    p.choose(phone, "street", "望京街道")
    text = "楼道里的声控灯坏了一个月，晚上上楼看不见。"
    p.type_into(phone, "content", text)
    warning = p.by_id(phone, "session-warning")
    assert f"登录将在 {soon} 到期" in warning.text
    assert "您填写的内容会自动保存在本机" in warning.text
    # The warning sits in the form, above the submit button, and covers nothing.
    assert phone.execute_script(
        "const w = document.getElementById('session-warning'),"
        " b = document.getElementById('submit-order');"
        "return w.nextElementSibling === b"
        " && w.getBoundingClientRect().bottom <= b.getBoundingClientRect().top;"
    )

    # The login runs out meanwhile (here: revoked, which the server refuses the same way).
    phone.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/v1/auth/logout', {method: 'POST',"
        " headers: {Authorization: 'Bearer ' + sessionStorage.getItem('yg-token')}})"
        ".then(() => done(), () => done());"
    )
    p.tap_id(phone, "submit-order")
    p.by_id(phone, "login-form")
    assert "登录已过期" in p.by_id(phone, "toast").text
    assert "您填写的内容已保存在本机" in p.by_id(phone, "toast").text
    # The number typed at the first login is still there: only a new code is needed.
    assert phone.find_element("id", "phone").get_attribute("value") == PHONE

    p.tap_id(phone, "send-code")
    code = p.by_id(phone, "dev-code").get_attribute("data-code")
    p.type_into(phone, "code", code)
    p.tap_id(phone, "login")
    # Back on the form, as it was left.
    p.by_id(phone, "new-form")
    p.wait(phone).until(lambda d: d.find_element("id", "street").get_attribute("value"))
    assert phone.execute_script("return location.hash") == "#/new"
    assert phone.find_element("id", "content").get_attribute("value") == text
    assert phone.find_element("id", "kind").get_attribute("value") == "help"
    assert phone.find_element("id", "street").get_attribute("value") == "110105001"
    assert not phone.find_elements("id", "session-warning")  # a fresh login: 24 hours
    p.tap_id(phone, "submit-order")
    p.by_id(phone, "submitted")
    # 退出 forgets the number (a shared phone shows the next person an empty field).
    p.tap_id(phone, "logout")
    p.by_id(phone, "login-form")
    p.wait(phone).until(lambda d: d.find_element("id", "phone").get_attribute("value") == "")


def test_the_sms_code_warns_before_it_expires_and_keeps_the_phone(make_citizen_app, world, phone):
    app = p.dev_app(make_citizen_app, SMS_CODE_TTL_SECONDS=5)
    with p.serve(app) as server:
        p.open_page(phone, server.url("/m/"))
        p.set_elder(phone, True)
        p.type_into(phone, "phone", "13900001111")
        p.tap_id(phone, "send-code")
        status = p.by_id(phone, "code-status")
        p.by_id(phone, "dev-code")
        # The code's lifetime is the API's own (expires_in of POST /auth/sms-code); with a
        # minute or less left the page counts down.
        p.wait(phone).until(lambda d: "秒后过期" in d.find_element("id", "code-status").text)
        p.type_into(phone, "code", "123")
        p.wait(phone).until(lambda d: "验证码已过期" in d.find_element("id", "code-status").text)
        assert "已填的手机号不会丢失" in status.text
        assert phone.find_element("id", "phone").get_attribute("value") == "13900001111"
        assert phone.find_element("id", "code").get_attribute("value") == "123"
        send = phone.find_element("id", "send-code")
        assert send.is_enabled()
        assert send.text == "重新获取"
        first = phone.find_element("id", "dev-code").get_attribute("data-code")
        p.tap(phone, send)  # a new code, and the countdown starts again
        p.wait(phone).until(
            lambda d: d.find_element("id", "dev-code").get_attribute("data-code") != first
        )
        assert "已过期" not in phone.find_element("id", "code-status").text
