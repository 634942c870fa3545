"""The 消息 tab in headless Chromium at a phone viewport: a staff step, the worker drains
the outbox, the unread count appears on the tab, the message reads as it should, marking
read clears the count, and the settings save. Needs ``chromium`` and ``chromium-driver``
(like ``test_h5_browser``; without them it fails rather than being skipped)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from hotline.extensions import db
from hotline.models.notifications import NotificationPreference
from hotline.services import lifecycle
from tests.fakes.wechat_server import wechat_server as _wechat_server  # noqa: F401  (fixture)
from tests.hotline.notifications import support
from tests.miniapp_api.helpers import PHONE
from tests.miniapp_api.test_h5_browser import (  # noqa: F401  (fixture)
    ARTIFACTS,
    _full_page_png,
    _log_in,
    _tap,
    browser,
)


@pytest.fixture
def served(make_citizen_app, wechat_server, tmp_path):
    config = support.notify_config(wechat_server, tmp_path)
    app = make_citizen_app(
        **{
            **config,
            "HOTLINE_ENV": "development",
            "SMS_SENDER": "miniapp_api.sms:LogSender",
            "CITIZEN_DEMO_PHONE": PHONE,
        }
    )
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)
    srv.server_close()


def test_a_staff_step_shows_up_in_the_messages_tab(served, browser, world):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    app, base = served
    order = support.new_order(world)
    wait = WebDriverWait(browser, 20)
    _log_in(browser, wait, base)

    lifecycle.dispatch(order, support.actor(world, "dispatcher"), world.units["wangjing"])
    db.session.commit()
    support.drain(app)

    badge = wait.until(ec.visibility_of_element_located((By.ID, "unread-count")))
    assert badge.text == "1"
    _tap(browser, browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="messages"]'))
    card = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".msg.new")))
    assert "工单已派单" in card.text
    assert f"您的工单{order.order_no}已派至北京市朝阳区望京街道办事处办理。" in card.text
    assert "欧阳" not in browser.find_element(By.ID, "view").text
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "h5-messages.png").write_bytes(_full_page_png(browser))

    _tap(browser, browser.find_element(By.ID, "read-all"))
    wait.until(ec.invisibility_of_element_located((By.ID, "unread-count")))
    assert browser.find_elements(By.CSS_SELECTOR, ".msg.new") == []

    _tap(browser, browser.find_element(By.ID, "message-settings"))
    form = wait.until(ec.visibility_of_element_located((By.ID, "settings-form")))
    assert "签收" in form.text
    assert "在微信小程序中登录并允许订阅后可用" in form.text
    _tap(browser, browser.find_element(By.ID, "pref-sms"))
    _tap(browser, browser.find_element(By.ID, "save-settings"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "toast"), "消息设置已保存"))
    db.session.expire_all()
    prefs = db.session.get(NotificationPreference, order.phone_bidx)
    assert (prefs.sms, prefs.wechat) == (False, True)
