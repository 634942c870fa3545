"""One headless Chromium per test module, driven by Selenium (Debian's chromium and
chromedriver, as the other browser tests use): a desktop window, or a phone screen."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.portal.browser import chromium

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PHONE = (390, 844)
DESKTOP = (1280, 900)


@contextmanager
def chrome(size: tuple[int, int] = DESKTOP, *, phone: bool = False, font_size: int = 16):
    """A headless Chromium; ``phone`` emulates a touch screen of ``size`` CSS pixels;
    ``font_size`` is the browser's default font size setting (16 px unless a reader
    chose a larger one)."""
    if not Path(CHROMEDRIVER).exists():
        pytest.fail("chromedriver is needed: `make browser` (apt-get install chromium-driver)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_AVOID_STATS", "true")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        profile = tempfile.mkdtemp(prefix="yg-a11y-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium()
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
            f"--window-size={size[0]},{size[1]}",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {"webkit.webprefs.default_font_size": font_size})
        if phone:
            metrics = {"width": size[0], "height": size[1], "pixelRatio": 2}
            options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


def fresh(driver) -> None:
    """Forget every cookie, so that no test sees another's session (stored values need no
    clearing: each test's server has a port, so an origin, of its own)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})


def left_page(element, timeout: float = 15) -> None:
    """Wait until ``element``'s page has been replaced (a form sent, a link followed).

    Selenium's ``staleness_of`` knows only one way a node goes stale; while the old document
    is being torn down, chromedriver may also answer "Node with given id does not belong to
    the document", which means the same thing."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def gone(_driver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    WebDriverWait(element.parent, timeout).until(gone)
