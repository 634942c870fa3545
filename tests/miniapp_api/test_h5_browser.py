"""End to end on the H5 page in headless Chromium at a phone viewport: log in with the
code the page shows in development mode, open an order, rate it, take a screenshot.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them);
without them this test fails, on purpose, rather than being skipped.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from hotline.extensions import db
from hotline.models.orders import Rating
from privacy.fields import open_field
from privacy.runtime import runtime
from tests.miniapp_api import h5_pages
from tests.miniapp_api.helpers import PHONE, make_order

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTH, HEIGHT = 390, 844


@pytest.fixture
def server(make_citizen_app):
    app = make_citizen_app(
        HOTLINE_ENV="development",
        SMS_SENDER="miniapp_api.sms:LogSender",
        CITIZEN_DEMO_PHONE=PHONE,
    )
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)
    srv.server_close()


@pytest.fixture
def browser(monkeypatch):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            "headless Chromium is needed for the H5 test: "
            "apt-get install -y chromium chromium-driver fonts-noto-cjk (or `make browser`)"
        )
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="yg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=zh-CN",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "mobileEmulation",
        {
            "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 2},
            "userAgent": "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36",
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _tap(driver, element) -> None:
    """Scroll an element to the middle of the screen (clear of the fixed tab bar), tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _type(wait, element_id: str, text: str) -> None:
    """Type into the element with this id, again if the page re-rendered it meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By

    def attempt(driver):
        try:
            field = driver.find_element(By.ID, element_id)
            field.clear()
            field.send_keys(text)
            return field.get_attribute("value") == text
        except (StaleElementReferenceException, WebDriverException):
            return False

    wait.until(attempt)


def _log_in(browser, wait, base: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    browser.get(base + "/m/")
    phone = wait.until(ec.visibility_of_element_located((By.ID, "phone")))
    phone.clear()
    phone.send_keys(PHONE)
    browser.find_element(By.ID, "send-code").click()
    shown = wait.until(ec.visibility_of_element_located((By.ID, "dev-code")))
    browser.find_element(By.ID, "code").send_keys(shown.get_attribute("data-code"))
    browser.find_element(By.ID, "login").click()
    wait.until(ec.visibility_of_element_located((By.ID, "order-list")))


def _full_page_png(driver) -> bytes:
    """The whole page as a phone of that width would show it scrolled: the viewport is made
    as tall as the page, so the fixed tab bar sits at the bottom."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    return base64.b64decode(shot["data"])


def test_login_open_an_order_and_rate_it(server, browser, world):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    order = make_order(world, PHONE, progress_note="已联系物业，维保单位明日上门更换主板")
    wait = WebDriverWait(browser, 15)
    browser.get(server + "/m/")
    assert browser.execute_script("return window.innerWidth") == WIDTH

    phone = wait.until(ec.visibility_of_element_located((By.ID, "phone")))
    phone.clear()
    phone.send_keys(PHONE)
    browser.find_element(By.ID, "send-code").click()
    shown = wait.until(ec.visibility_of_element_located((By.ID, "dev-code")))
    code = shown.get_attribute("data-code")
    assert len(code) == 6
    assert shown.text == f"开发模式验证码：{code}"
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.ID, "login").click()

    card = wait.until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, f'[data-order="{order.order_no}"]'))
    )
    assert "已办结" in card.text
    assert browser.find_element(By.ID, "who").text == "138****5678"
    _tap(browser, card)

    form = wait.until(ec.visibility_of_element_located((By.ID, "rating-form")))
    timeline = browser.find_element(By.ID, "timeline").text
    for step in ("受理", "派单", "签收", "联系诉求人", "办理进展", "办结"):
        assert step in timeline
    assert "北京市朝阳区望京街道办事处" in browser.find_element(By.ID, "view").text
    _tap(browser, form.find_element(By.XPATH, ".//label[span[text()='已解决']]"))
    _tap(browser, form.find_element(By.XPATH, ".//label[span[text()='满意']]"))
    browser.find_element(By.ID, "comment").send_keys("师傅很负责，有事打我电话13812345678")
    _tap(browser, browser.find_element(By.ID, "submit-rating"))

    mine = wait.until(ec.visibility_of_element_located((By.ID, "my-rating")))
    assert "满意" in mine.text
    assert "师傅很负责，有事打我电话[手机号]" in mine.text
    assert PHONE not in browser.find_element(By.ID, "view").text
    # The page fits the phone: nothing wider than the viewport.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH

    wait.until(ec.invisibility_of_element_located((By.ID, "toast")))
    ARTIFACTS.mkdir(exist_ok=True)
    png = _full_page_png(browser)
    (ARTIFACTS / "h5-order.png").write_bytes(png)
    assert png.startswith(b"\x89PNG")

    db.session.expire_all()
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    assert rating.satisfaction.value == "satisfied"
    assert open_field(runtime().cipher, rating, "comment").startswith("师傅很负责")


def test_submit_a_request_then_look_it_up_by_number_and_code(server, browser, world):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 15)
    _log_in(browser, wait, server)
    _tap(browser, browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="new"]'))
    wait.until(ec.visibility_of_element_located((By.ID, "new-form")))

    # The dropdowns are drawn afresh when an upper level changes: pick through the shared
    # helper, which rides out a stale option list.
    for select_id, label in (
        ("kind", "求助"),
        ("district", "朝阳区"),
        ("street", "望京街道"),
        ("community", "望京西园社区"),
    ):
        h5_pages.choose(browser, select_id, label)
    browser.find_element(By.ID, "content").send_keys(
        "望京西园四区路口井盖缺失，夜间很危险，请尽快处理。"
    )
    _tap(browser, browser.find_element(By.ID, "submit-order"))
    done = wait.until(ec.visibility_of_element_located((By.ID, "submitted")))
    assert "提交成功" in done.text
    values = [el.text for el in done.find_elements(By.CSS_SELECTOR, ".kv .v")]
    order_no, query_code = values[0], values[1]
    assert len(query_code) == 8

    _tap(browser, browser.find_element(By.CSS_SELECTOR, '#tabs a[data-tab="lookup"]'))
    # The tab renders on the hash change; type once the screen has settled.
    wait.until(ec.visibility_of_element_located((By.ID, "lookup-form")))
    _type(wait, "lookup-no", order_no)
    _type(wait, "lookup-code", query_code)
    _tap(browser, browser.find_element(By.CSS_SELECTOR, "#lookup-form button"))
    detail = wait.until(ec.visibility_of_element_located((By.ID, "detail")))
    assert f"工单 {order_no}" in detail.text
    assert "已受理" in detail.text
    assert "138****5678" in browser.find_element(By.ID, "view").text
    assert browser.find_element(By.ID, "timeline").text.startswith("受理")
