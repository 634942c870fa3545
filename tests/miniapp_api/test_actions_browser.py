"""The citizen's actions end to end on the H5 page in headless Chromium at a phone
viewport: a request with a GPS-tagged photo (stored without the tags), 补充说明, 撤回, 催办
of an overdue order, and 我的数据 (who read my phone number, download, ask to erase).

Needs Debian's ``chromium`` and ``chromium-driver`` like ``test_h5_browser.py``.
"""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.attachments import Attachment
from hotline.models.enums import ErasureStatus, OrderStatus
from hotline.models.erasure import ErasureRequest
from hotline.models.orders import Order
from privacy import access
from privacy.accesslog import AccessContext
from privacy.fields import open_field
from privacy.orm import utcnow
from privacy.runtime import runtime
from tests.miniapp_api import test_h5_browser as h5
from tests.miniapp_api.helpers import PHONE, make_order
from tests.miniapp_api.test_photos import gps_jpeg

# The H5 test's fixtures: a development server and headless Chromium at a phone viewport.
server, browser = h5.server, h5.browser
ARTIFACTS, _tap, _type, _log_in = h5.ARTIFACTS, h5._tap, h5._type, h5._log_in  # noqa: SLF001


def _until(wait, check):
    wait.until(lambda driver: check())


def test_photo_add_information_withdraw_urge_and_my_data(server, browser, world, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    overdue = make_order(world, PHONE, state="accepted", at=utcnow() - timedelta(days=9))
    handler = world.users["h_wangjing"]
    ctx = AccessContext.for_staff(
        handler.id, handler.role, handler.unit_id, purpose="联系诉求人上门"
    )
    access.reveal(
        db.session, overdue, ["requester_phone"], ctx=ctx.for_order(overdue.id, overdue.order_no)
    )
    db.session.commit()
    picture = tmp_path / "IMG_20261130_0001.jpg"
    picture.write_bytes(gps_jpeg())
    browser.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    wait = WebDriverWait(browser, 20)
    _log_in(browser, wait, server)

    # A new request with a photo taken with GPS tags.
    _tap(browser, browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="new"]'))
    wait.until(ec.visibility_of_element_located((By.ID, "new-form")))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#kind option")) > 1)
    Select(browser.find_element(By.ID, "kind")).select_by_value("complaint")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#district option")) > 1)
    Select(browser.find_element(By.ID, "district")).select_by_value("110105")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#street option")) > 1)
    Select(browser.find_element(By.ID, "street")).select_by_value("110105001")
    _type(wait, "content", "小区南门外的井盖松动，踩上去会翻，夜里很危险。")
    browser.find_element(By.ID, "new-photo-input").send_keys(str(picture))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#new-photos [data-photo]")))
    _tap(browser, browser.find_element(By.ID, "submit-order"))
    wait.until(ec.visibility_of_element_located((By.ID, "submitted")))
    _tap(browser, browser.find_element(By.CSS_SELECTOR, "#submitted a.button"))

    # The photo is on the timeline, loaded with the token; stored without its tags.
    thumb = wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#timeline img[data-photo]"))
    )
    _until(wait, lambda: (thumb.get_attribute("src") or "").startswith("data:image/jpeg"))
    db.session.expire_all()
    att = db.session.scalar(select(Attachment))
    stored = open_field(runtime().cipher, att, "full_image")
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"Huawei" not in stored

    # 补充说明, then 撤回 (no unit has accepted the new request).
    wait.until(ec.visibility_of_element_located((By.ID, "order-actions")))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "h5-order-actions.png").write_bytes(h5._full_page_png(browser))  # noqa: SLF001
    _type(wait, "info-text", "补充：井盖旁边的路灯也不亮。")
    _tap(browser, browser.find_element(By.ID, "submit-info"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "补充说明"))
    assert "井盖旁边的路灯也不亮" in browser.find_element(By.ID, "timeline").text
    _type(wait, "withdraw-reason", "物业已经修好了")
    _tap(browser, browser.find_element(By.ID, "withdraw-confirm"))
    _tap(browser, browser.find_element(By.ID, "withdraw"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "detail"), "已撤回"))
    assert "物业已经修好了" in browser.find_element(By.ID, "timeline").text

    # 催办 of the overdue order.
    browser.get(f"{server}/m/#/order/{overdue.order_no}")
    _tap(browser, wait.until(ec.element_to_be_clickable((By.ID, "urge"))))
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "催办"))
    assert browser.find_elements(By.ID, "urge") == []

    # 我的数据: who read my phone number, download, ask to erase.
    _tap(browser, browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="me"]'))
    read = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#reads li")))
    assert "北京市朝阳区望京街道办事处" in read.text
    assert "电话" in read.text
    assert "联系诉求人上门" in read.text
    _tap(browser, browser.find_element(By.ID, "export"))
    deadline = time.monotonic() + 15
    while not list(tmp_path.glob("my-data-*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (downloaded,) = tmp_path.glob("my-data-*.json")
    document = json.loads(downloaded.read_text(encoding="utf-8"))
    assert document["profile"]["phone"] == PHONE
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    (ARTIFACTS / "h5-my-data.png").write_bytes(h5._full_page_png(browser))  # noqa: SLF001

    _tap(browser, browser.find_element(By.ID, "erasure-confirm"))
    _tap(browser, browser.find_element(By.ID, "ask-erasure"))
    item = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#erasure-requests li")))
    assert "待处理" in item.text
    db.session.expire_all()
    req = db.session.scalar(select(ErasureRequest))
    assert req.status == ErasureStatus.PENDING
    withdrawn = db.session.scalar(select(Order).where(Order.status == OrderStatus.WITHDRAWN))
    assert withdrawn.order_no in item.text
