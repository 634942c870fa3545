"""Type that scales and targets a finger can hit, on the console, the API reference, the
error pages and the H5 page's screens without a login (login, its error page): sizes in
rem follow the browser's font-size setting, no text is under 14 px at the default setting,
and every control is at least 44 px tall.

Every screen of /m/ after the login, in the standard page and in 长辈版, is measured the
same way (and for width as well as height) by ``tests/miniapp_api/test_h5_screens.py``."""

from __future__ import annotations

import pytest

from tests.a11y.browser import chrome, left_page
from tests.conftest import PASSWORD
from tests.console.conftest import enroll, make_order, totp_now  # noqa: F401  (fixtures)
from tests.portal.browser import LiveServer

# The smallest text and the controls of the page, measured by the browser.
_MEASURE = """
const small = [], low = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement;
  if (!walker.currentNode.textContent.trim() || !el.offsetParent) continue;
  if (el.closest('.visually-hidden, .skip')) continue;
  const size = parseFloat(getComputedStyle(el).fontSize);
  if (size < arguments[0]) small.push(el.tagName + '.' + el.className + ' ' + size + 'px');
}
const controls = 'button, select, summary, input:not([type=hidden]):not([type=checkbox])'
  + ':not([type=radio]), nav a, .toc a, .pager a, .actions a, .links a, label.check, a.button';
for (const el of document.querySelectorAll(controls)) {
  if (!el.offsetParent || el.closest('.skip')) continue;
  const h = el.getBoundingClientRect().height;
  if (h < 44) low.push(el.tagName + ' ' + el.textContent.trim().slice(0, 20) + ' ' + h + 'px');
}
return {small, low, body: parseFloat(getComputedStyle(document.body).fontSize)};
"""


ANONYMOUS = [
    "/privacy/console/login",
    "/api/v1/docs",
    "/nowhere",
    "/privacy/console/nowhere",
    "/m/",  # the H5 login screen, drawn by its script before the page's load event
    "/m/nowhere",
]


def _measured(browser, url: str, font_size: int) -> None:
    browser.get(url)
    seen = browser.execute_script(_MEASURE, 14 * font_size / 16)
    assert seen["body"] == font_size, url  # rem: the setting carries through
    assert seen["small"] == [], (url, seen["small"])
    assert seen["low"] == [], (url, seen["low"])


@pytest.mark.parametrize("font_size", [16, 24])
def test_type_follows_the_font_size_setting(app, world, enroll, make_order, font_size):  # noqa: F811
    from selenium.webdriver.common.by import By

    order = make_order()
    secret = enroll("privacy")
    signed_in = [
        "/privacy/console/",
        "/privacy/console/?since=2026-13-01",  # the form with a mistake marked
        "/privacy/console/anomalies",
        "/privacy/console/verify",
        f"/privacy/console/orders/{order.order_no}",
    ]
    with chrome(font_size=font_size) as browser, LiveServer(app) as server:
        for path in ANONYMOUS:
            _measured(browser, server.url(path), font_size)
        browser.get(server.url("/privacy/console/login"))
        form = browser.find_element(By.ID, "login-form")
        for name, value in (("username", "privacy"), ("password", PASSWORD)):
            form.find_element(By.NAME, name).send_keys(value)
        form.find_element(By.NAME, "totp").send_keys(totp_now(secret))
        form.find_element(By.TAG_NAME, "button").click()
        left_page(form)
        for path in signed_in:
            _measured(browser, server.url(path), font_size)
        assert "退出登录" in browser.page_source
