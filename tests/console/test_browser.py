"""The console in headless Chromium: log in with password and TOTP, search, verify; axe-core
checks each page it visits (tests/a11y)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from hotline.extensions import db
from privacy import access
from privacy.accesslog import AccessContext
from tests.a11y import check
from tests.conftest import PASSWORD
from tests.console.conftest import totp_now
from tests.portal.browser import LiveServer, chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser(monkeypatch):
    if not Path(CHROMEDRIVER).exists():
        pytest.fail("chromedriver is needed: apt-get install -y chromium-driver")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="yg-console-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--lang=zh-CN",
        "--window-size=1280,1400",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_officer_logs_in_searches_and_verifies(app, world, enroll, make_order, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shows(text: str, element_id: str | None = None) -> None:
        """Wait for the page that a click loads to show ``text`` (in that element)."""
        from selenium.common.exceptions import (
            NoSuchElementException,
            StaleElementReferenceException,
        )

        def seen(driver) -> bool:
            if element_id is None:
                return text in driver.page_source
            try:
                return text in driver.find_element(By.ID, element_id).text
            except (NoSuchElementException, StaleElementReferenceException):
                return False

        WebDriverWait(browser, 15, ignored_exceptions=()).until(seen)

    order, other = make_order(), make_order({"phone": "13900002222"})
    handler = world.users["h_wangjing"]
    ctx = AccessContext.for_staff(handler.id, handler.role, handler.unit_id)
    for read in (order, other):
        access.reveal(
            db.session, read, ["requester_phone"], ctx=ctx.for_order(read.id, read.order_no)
        )
    db.session.commit()
    secret = enroll("privacy")
    with LiveServer(app) as server:
        browser.get(server.url("/privacy/console/"))
        assert "隐私保护专员登录" in browser.page_source  # anonymous: the login form
        check(browser, "控制台登录")
        browser.find_element(By.NAME, "username").send_keys("privacy")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.NAME, "totp").send_keys(totp_now(secret))
        browser.find_element(By.CSS_SELECTOR, "#login-form button").click()
        shows("访问日志查询")
        shows("共 2 条", "result-count")
        check(browser, "访问日志")

        form = browser.find_element(By.ID, "search-form")
        form.find_element(By.NAME, "order_no").send_keys(order.order_no)
        form.find_element(By.CSS_SELECTOR, "button:not([formaction])").click()
        WebDriverWait(browser, 15).until(lambda d: "order_no=" in d.current_url)
        shows("共 1 条", "result-count")
        check(browser, "按工单编号查询")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "console-search.png"))

        browser.find_element(By.LINK_TEXT, order.order_no).click()
        shows("138****5678")
        check(browser, "工单")

        browser.get(server.url("/privacy/console/verify"))
        browser.find_element(By.CSS_SELECTOR, "main form button").click()
        shows("访问日志完整")
        result = browser.find_element(By.ID, "verify-result").text
        assert "访问日志完整，截至第 2 条" in result
        check(browser, "日志校验")
        browser.save_screenshot(str(ARTIFACTS / "console-verify.png"))
    assert (ARTIFACTS / "console-search.png").stat().st_size > 10_000
