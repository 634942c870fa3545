"""Each defect of /m/ that issue 15 found, driven in headless Chromium at 390 × 844 the way a
person meets it; every test here failed on the page as it was.

Submit validation (errors by the field, in Chinese, labels instead of codes, 请选择… for a
dropdown, never a toast over the button); three category levels; an answered order; the
rating history after a reopening and the current round's handler; the handler of each
step; the citizen's own address; service phones as tel: links; a route per tab (提交诉求
after a submission opens a fresh form); no login toast over the order list; the Chinese
error page of an unknown path.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.orders import Order
from hotline.services import lifecycle
from hotline.services.actors import Actor
from tests.a11y.browser import PHONE as VIEWPORT
from tests.a11y.browser import chrome, fresh
from tests.miniapp_api import h5_pages as p
from tests.miniapp_api.helpers import make_order

ENGLISH_CODES = re.compile(
    r"consultation|suggestion|tip_off|complaint|praise|partly|dissatisfied|basically"
)


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


def _text(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


def _errors(driver) -> dict[str, str]:
    """The error shown above each field, by the field's id."""
    return driver.execute_script(
        "const out = {};"
        "for (const e of document.querySelectorAll('#view .err:not([hidden])'))"
        "  out[e.id.replace(/-error$/, '')] = e.textContent;"
        "return out;"
    )


def _uncovered(driver, element_id: str) -> bool:
    """Whether a tap on the middle of the element reaches it (nothing lies over it)."""
    return driver.execute_script(
        "const b = document.getElementById(arguments[0]);"
        "b.scrollIntoView({block: 'center'});"
        "const r = b.getBoundingClientRect();"
        "const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return hit === b || b.contains(hit);",
        element_id,
    )


def _inject_option(driver, select_id: str, value: str, label: str) -> None:
    """An option the server will refuse, chosen: as if the list had gone stale."""
    driver.execute_script(
        "const s = document.getElementById(arguments[0]);"
        "const o = document.createElement('option'); o.value = arguments[1];"
        "o.textContent = arguments[2]; s.appendChild(o); s.value = arguments[1];"
        "s.dispatchEvent(new Event('change', {bubbles: true}));",
        select_id,
        value,
        label,
    )


def _fill_request(driver, content: str = "楼道里的声控灯坏了一个月，晚上上楼看不见。"):
    p.choose(driver, "kind", "求助")
    p.choose(driver, "district", "朝阳区")
    p.choose(driver, "street", "望京街道")
    p.type_into(driver, "content", content)


# -- submit validation --------------------------------------------------------------------
def test_each_field_says_what_is_wrong_next_to_it_in_plain_chinese(server, world, phone):
    p.log_in(phone, server.url(""))
    p.go(phone, "#/new")
    p.tap_id(phone, "submit-order")
    p.css(phone, "#new-form .err:not([hidden])")
    assert _errors(phone) == {
        "kind": "请选择诉求类型",
        "district": "请选择区",
        "street": "请选择街道乡镇",
        "content": "请填写诉求内容",
    }
    for field in ("kind", "district", "street", "content"):
        box = phone.find_element("id", field)
        assert box.get_attribute("aria-invalid") == "true"
        assert f"{field}-error" in box.get_attribute("aria-describedby")
    shown = _text(phone, "view")
    assert "长度应在" not in shown
    assert "取值应为" not in shown
    assert not ENGLISH_CODES.search(shown)
    # The summary sits under the button, in the flow of the page: the button stays free,
    # and an error does not go away by itself (the old toast went after 3.5 s).
    toast = p.by_id(phone, "toast")
    assert "有 4 处需要修改" in toast.text
    assert toast.value_of_css_property("position") == "static"
    assert _uncovered(phone, "submit-order")
    time.sleep(4)
    assert toast.is_displayed()

    # A field filled in loses its mark; with none left, the summary goes too.
    _fill_request(phone, content="灯坏了")
    assert _errors(phone) == {}
    assert not phone.find_element("id", "toast").is_displayed()
    # Too short a text: the count, not a length rule.
    p.tap_id(phone, "submit-order")
    p.wait(phone).until(lambda d: _errors(d) == {"content": "诉求内容至少 5 个字，现在 3 个字"})


def test_a_value_the_server_refuses_is_marked_at_its_field_in_chinese(server, world, phone):
    p.log_in(phone, server.url(""))
    p.go(phone, "#/new")
    _fill_request(phone)
    _inject_option(phone, "kind", "rumour", "谣言")  # not a kind the API knows
    p.tap_id(phone, "submit-order")
    try:
        p.wait(phone, 5).until(lambda d: _errors(d) == {"kind": "请选择诉求类型"})
    except Exception:
        print("ERRORS", _errors(phone), _text(phone, "view"))
        raise
    assert not ENGLISH_CODES.search(_text(phone, "view"))

    p.choose(phone, "kind", "求助")
    p.choose(phone, "district", "海淀区")
    p.choose(phone, "street", "中关村街道")  # the list of 海淀区 is in: nothing redraws it
    _inject_option(phone, "street", "110105001", "望京街道")  # a street of 朝阳区
    p.tap_id(phone, "submit-order")
    p.wait(phone).until(lambda d: _errors(d) == {"street": "所选街道乡镇不属于该区"})
    assert db.session.scalar(select(Order.id)) is None


def test_all_three_category_levels_can_be_chosen(server, world, phone):
    p.log_in(phone, server.url(""))
    p.go(phone, "#/new")
    second = phone.find_element("id", "category2")
    assert not second.is_displayed()  # until a first level is chosen
    _fill_request(phone)
    p.choose(phone, "category1", "住房")
    p.choose(phone, "category2", "物业管理")
    p.choose(phone, "category3", "电梯维修")
    p.tap_id(phone, "submit-order")
    p.by_id(phone, "submitted")
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert order.category_id == world.categories["lift"].id


# -- what an order shows ------------------------------------------------------------------
def test_an_answered_order_reads_answered_by_the_hotline(server, world, phone):
    order = make_order(world, state="answered")
    p.log_in(phone, server.url(""))
    card = p.css(phone, f'[data-order="{order.order_no}"]')
    assert "热线直接解答" in card.text
    assert "剩余" not in card.text
    p.go(phone, f"#/order/{order.order_no}")
    handling = _text(phone, "handling")
    assert "热线直接解答" in handling
    assert "待派单" not in handling
    assert not phone.find_elements("css selector", "#handling .kv")  # no unit, no handler
    detail = _text(phone, "detail")
    assert "办理期限" not in detail
    assert "办理时限" not in detail
    assert "剩余" not in detail
    assert "请拨打物业服务电话报修" in _text(phone, "view")


def test_the_rating_of_every_round_stays_and_the_header_is_this_rounds(server, world, phone):
    order = make_order(world)
    p.log_in(phone, server.url(""))
    p.go(phone, f"#/order/{order.order_no}")
    assert "王**" in _text(phone, "handling")
    form = p.by_id(phone, "rating-form")
    p.tap(phone, form.find_element("xpath", ".//label[span[text()='未解决']]"))
    p.tap(phone, form.find_element("xpath", ".//label[span[text()='不满意']]"))
    p.tap_id(phone, "reopen")
    p.type_into(phone, "comment", "电梯第二天又停了")
    p.tap_id(phone, "submit-rating")

    p.wait(phone).until(lambda d: "已申请重新办理" in _text(d, "my-rating"))
    mine = _text(phone, "my-rating")
    for seen in ("第 1 轮办理", "未解决", "不满意", "电梯第二天又停了"):
        assert seen in mine
    # Round 2 has no handler yet: the header must not show round 1's.
    assert "承办人" not in _text(phone, "handling")
    assert "王**" not in _text(phone, "handling")

    db.session.expire_all()
    again = db.session.get(Order, order.id)
    handler = Actor.of(world.users["h_wangjing"])
    lifecycle.accept(again, handler)
    lifecycle.complete(again, handler, "已更换控制板并连续观察三天，运行正常。")
    db.session.commit()
    p.go(phone, "#/orders")
    p.go(phone, f"#/order/{order.order_no}")
    assert "王**" in _text(phone, "handling")
    form = p.by_id(phone, "rating-form")
    p.tap(phone, form.find_element("xpath", ".//label[span[text()='已解决']]"))
    p.tap(phone, form.find_element("xpath", ".//label[span[text()='满意']]"))
    p.tap_id(phone, "submit-rating")
    p.wait(phone).until(lambda d: "第 2 轮办理" in _text(d, "my-rating"))
    assert "第 1 轮办理" in _text(phone, "my-rating")


def test_each_handling_step_names_its_handler(server, world, phone):
    order = make_order(world)
    staff_no = world.users["h_wangjing"].staff_no
    p.log_in(phone, server.url(""))
    p.go(phone, f"#/order/{order.order_no}")
    for step in ("accepted", "contacted", "progress", "completed"):
        entry = phone.find_element("css selector", f'#timeline li[data-type="{step}"]')
        assert f"承办人 王**（工号 {staff_no}）" in entry.text, step
    dispatched = phone.find_element("css selector", '#timeline li[data-type="dispatched"]')
    assert "承办人" not in dispatched.text


def test_my_own_address_shows_as_i_typed_it_up_to_the_community(server, world, phone):
    p.log_in(phone, server.url(""))
    p.go(phone, "#/new")
    _fill_request(phone)
    p.type_into(phone, "address", "望京西园三区5号楼2单元501")
    p.tap_id(phone, "submit-order")
    p.tap(phone, p.css(phone, "#submitted a.button"))
    requester = p.by_id(phone, "requester")
    rows = {
        row.find_element("css selector", ".k").text: row.find_element("css selector", ".v").text
        for row in requester.find_elements("css selector", ".kv")
    }
    assert rows["地址"] == "望京西园三区"  # was "***"
    assert "5号楼" not in requester.text


def test_service_phones_are_tel_links(server, world, phone):
    order = make_order(world, state="accepted")
    p.log_in(phone, server.url(""))
    assert not phone.find_elements("css selector", 'meta[name="format-detection"]')
    p.go(phone, f"#/order/{order.order_no}")
    link = phone.find_element("css selector", "#handling a.tel")
    assert link.text == "010-84721234"
    assert link.get_attribute("href") == "tel:01084721234"


# -- routes and toasts --------------------------------------------------------------------
def _tab(driver, name: str) -> None:
    p.tap(driver, driver.find_element("css selector", f'#tabs a[data-tab="{name}"]'))


def test_every_tab_has_a_route_and_submit_again_opens_a_fresh_form(server, world, phone):
    p.log_in(phone, server.url(""))
    for tab, hash_ in (("new", "#/new"), ("lookup", "#/lookup"), ("messages", "#/messages")):
        _tab(phone, tab)
        p.wait(phone).until(lambda d, h=hash_: d.execute_script("return location.hash") == h)
        p.settle(phone)
    _tab(phone, "new")
    p.by_id(phone, "new-form")
    _fill_request(phone)
    p.tap_id(phone, "submit-order")
    p.by_id(phone, "submitted")
    assert phone.execute_script("return location.hash") == "#/new/done"

    _tab(phone, "new")  # the old page: the URL stayed #/new and nothing happened
    form = p.by_id(phone, "new-form")
    assert phone.find_element("id", "content").get_attribute("value") == ""
    assert phone.find_element("id", "kind").get_attribute("value") == ""
    # Tapping the tab of the screen one is on draws it afresh too (what was typed stays).
    p.type_into(phone, "content", "小区门口的路灯不亮")
    _tab(phone, "new")
    p.wait(phone).until(lambda d: not _same(form, d.find_element("id", "new-form")))
    p.wait(phone).until(
        lambda d: d.find_element("id", "content").get_attribute("value") == "小区门口的路灯不亮"
    )


def _same(a, b) -> bool:
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return a.id == b.id and a.is_displayed()
    except StaleElementReferenceException:
        return False


def test_no_message_lies_over_the_order_list_after_login(server, world, phone):
    make_order(world)
    p.open_page(phone, server.url("/m/"))
    p.tap_id(phone, "send-code")
    status = p.by_id(phone, "code-status")
    assert "验证码已发送" in status.text  # said in the form, next to the code
    code = p.by_id(phone, "dev-code").get_attribute("data-code")
    p.type_into(phone, "code", code)
    p.tap_id(phone, "login")
    card = p.css(phone, "#order-list .order")
    assert not phone.find_element("id", "toast").is_displayed()
    assert phone.execute_script(
        "const c = arguments[0], r = c.getBoundingClientRect();"
        "const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return c.contains(hit);",
        card,
    )


def test_an_unknown_path_gets_the_chinese_page(server, phone):
    p.open_page(phone, server.url("/m/x"))
    assert p.by_id(phone, "error-title").text == "页面不存在"
    body = _text(phone, "error-title") + phone.find_element("tag name", "body").text
    assert "Not Found" not in body
    assert phone.find_element("css selector", "html").get_attribute("lang") == "zh-CN"
    back = phone.find_element("css selector", "a.brand")
    assert back.get_attribute("href").endswith("/m/")
