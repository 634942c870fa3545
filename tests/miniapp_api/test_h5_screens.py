"""Every screen of /m/, in the standard page and in 长辈版, walked in headless Chromium at
390 × 844 with the demo phone's orders (``flask citizen demo``), as ``make run`` shows them.

On each screen:
- axe-core (WCAG 2.1 A and AA, part A's harness ``tests.a11y``): no critical or serious
  violation; the failure names the rule, the screen and the element;
- type: no text under 14 px (长辈版: under 18 px, and line spacing at least 1.5);
- targets: every control at least 44 × 44 px (长辈版: 60 × 60);
- a screenshot, saved under ``tests/artifacts/h5-screens/``; the standard walk also saves
  the whole page of a reopened order (``h5-order.png``).

With ``H5_SCREENSHOTS=<folder>`` the 长辈版 screens and ``h5-order.png`` are also written
there: ``H5_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest
tests/miniapp_api/test_h5_screens.py -k every_screen`` refreshes the copies kept in the
repository (CI never sets it).

A second test sets the browser's font size to 24 px and checks that the page follows it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.a11y import Audit
from tests.a11y.browser import PHONE as VIEWPORT
from tests.a11y.browser import chrome
from tests.miniapp_api import h5_pages as p
from tests.miniapp_api.test_photos import gps_jpeg

MODES = {"standard": ("标准版", 14, 44, 1.0), "elder": ("长辈版", 18, 60, 1.5)}
# Where to keep a copy of the screenshots (docs/screenshots/), when asked to.
KEEP = os.environ.get("H5_SCREENSHOTS")


@pytest.fixture(scope="module")
def phone():
    with chrome(VIEWPORT, phone=True) as driver:
        yield driver


class Walk:
    """One walk through the screens: axe, measurements and a screenshot on each."""

    def __init__(self, driver, mode: str):
        self.driver, self.mode = driver, mode
        self.label, self.least_text, self.least_target, self.spacing = MODES[mode]
        self.audit = Audit(driver)
        self.problems: list[str] = []
        self.shots: list[str] = []
        self.shares: dict[str, float] = {}

    def screen(self, name: str, slug: str, *, scroll_to: str | None = None) -> None:
        d = self.driver
        page = f"手机网页{self.label}：{name}"
        self.audit.page(page)
        seen = p.measure(d, self.least_text, self.spacing)
        self.shares[name] = seen.small_share
        if seen.small:
            self.problems.append(
                f"{page}: {seen.small_share:.0%} of the text is under {self.least_text} px: "
                + "; ".join(seen.samples)
            )
        if self.mode == "elder" and seen.tight:
            self.problems.append(f"{page}: line spacing under 1.5: " + "; ".join(seen.tight))
        low = seen.low_targets(self.least_target)
        if low:
            self.problems.append(f"{page}: targets under {self.least_target} px: " + "; ".join(low))
        if d.execute_script("return document.documentElement.scrollWidth") > VIEWPORT[0]:
            self.problems.append(f"{page}: wider than the phone")
        if scroll_to:
            d.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'start'})",
                scroll_to,
            )
        else:
            d.execute_script("window.scrollTo(0, 0)")
        number = len(self.shots) + 1
        shot = p.screenshot(d, p.ARTIFACTS / f"h5-{self.mode}-{number:02d}-{slug}.png")
        self.shots.append(shot.name)
        if KEEP and self.mode == "elder":
            keep(shot)

    def done(self) -> None:
        self.audit.done()
        assert not self.problems, "\n".join(self.problems)


def keep(shot: Path, name: str | None = None) -> None:
    """A copy of a screenshot in the folder ``H5_SCREENSHOTS`` names."""
    folder = Path(KEEP)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, folder / (name or shot.name))


def _open_more(driver, within: str) -> None:
    """Open the folded part of a 长辈版 screen (a no-op on the standard page)."""
    from selenium.webdriver.common.by import By

    for summary in driver.find_elements(By.CSS_SELECTOR, f"{within} details.more > summary"):
        if not summary.find_element(By.XPATH, "..").get_attribute("open"):
            p.tap(driver, summary)


@pytest.mark.parametrize("mode", list(MODES))
def test_every_screen(make_citizen_app, world, phone, mode, tmp_path):
    from selenium.webdriver.common.by import By

    app = p.dev_app(make_citizen_app)
    orders = p.demo_orders()
    picture = tmp_path / "IMG_0001.jpg"
    picture.write_bytes(gps_jpeg())
    walk = Walk(phone, mode)
    d = phone
    with p.serve(app) as server:
        p.open_page(d, server.url("/m/"))
        assert p.viewport(d) == VIEWPORT
        p.by_id(d, "phone")
        p.set_elder(d, mode == "elder")
        walk.screen("登录", "login")
        p.tap_id(d, "send-code")
        code = p.by_id(d, "dev-code").get_attribute("data-code")
        walk.screen("登录：已发送验证码", "login-code-sent")
        p.type_into(d, "code", code)
        p.tap_id(d, "login")
        p.css(d, "#order-list .order")
        walk.screen("我的工单", "orders")

        p.go(d, f"#/order/{orders.rate}")
        p.by_id(d, "rating-form")
        walk.screen("工单详情", "detail")
        walk.screen("评价", "rating", scroll_to="#rating-form")
        p.tap_id(d, "submit-rating")
        p.css(d, "#rating-form .err:not([hidden])")
        walk.screen("评价：未选择", "rating-errors", scroll_to="#rating-form")
        p.tap(d, p.css(d, ".t-photos .photo"))
        p.css(d, "#photo-viewer img")
        walk.screen("照片", "photo")
        d.find_element(By.ID, "photo-viewer").click()

        p.go(d, f"#/order/{orders.reopened}")
        p.by_id(d, "my-rating")
        walk.screen("重启办理后的工单", "reopened", scroll_to="#my-rating")
        if mode == "standard":  # the whole page: both rounds, each step's handler
            whole = p.full_page(d, p.ARTIFACTS / "h5-order.png")
            assert p.viewport(d) == VIEWPORT
            if KEEP:
                keep(whole)
        p.go(d, f"#/order/{orders.answered}")
        walk.screen("直接解答的工单", "answered")
        p.go(d, f"#/order/{orders.overdue}")
        p.by_id(d, "urge")
        walk.screen("超期工单：催办", "urge", scroll_to="#order-actions")
        p.go(d, f"#/order/{orders.waiting}")
        p.by_id(d, "order-actions")
        _open_more(d, "#order-actions")
        p.by_id(d, "info-form")
        walk.screen("补充说明和撤回", "add-info-withdraw", scroll_to="#order-actions")

        p.go(d, "#/new")
        p.choose(d, "kind", "投诉")
        walk.screen("提交诉求", "new")
        p.tap_id(d, "submit-order")
        p.css(d, "#new-form .err:not([hidden])")
        walk.screen("提交诉求：填写有误", "new-errors")
        p.choose(d, "district", "朝阳区")
        p.choose(d, "street", "望京街道")
        p.type_into(d, "content", "楼道里的声控灯坏了一个月，晚上上楼看不见，老人容易摔倒。")
        _open_more(d, "#new-form")
        p.choose(d, "category1", "住房")
        p.choose(d, "category2", "物业管理")
        p.choose(d, "category3", "电梯维修")
        d.find_element(By.ID, "new-photo-input").send_keys(str(picture))
        p.css(d, "#new-photos [data-photo]")
        walk.screen("提交诉求：已添加照片", "new-photo", scroll_to="#new-photos")
        p.tap_id(d, "submit-order")
        done = p.by_id(d, "submitted")
        order_no, query_code = (el.text for el in done.find_elements(By.CSS_SELECTOR, ".kv .v")[:2])
        walk.screen("提交成功", "submitted")

        p.go(d, "#/lookup")
        walk.screen("查询", "lookup")
        p.type_into(d, "lookup-no", order_no)
        p.type_into(d, "lookup-code", query_code)
        p.tap(d, d.find_element(By.CSS_SELECTOR, "#lookup-form button[type=submit]"))
        p.by_id(d, "detail")
        walk.screen("查询结果", "lookup-result")

        p.go(d, "#/messages")
        p.css(d, "#message-list .msg")
        walk.screen("消息", "messages")
        p.go(d, "#/messages/settings")
        p.by_id(d, "settings-form")
        walk.screen("消息设置", "message-settings")
        p.go(d, "#/me")
        p.css(d, "#reads li")
        _open_more(d, "#view")
        p.by_id(d, "erasure-form")
        walk.screen("我的数据", "my-data")

        p.open_page(d, server.url("/m/x"))
        p.by_id(d, "error-title")
        walk.screen("页面不存在", "not-found")
    walk.done()


@pytest.mark.parametrize("mode", list(MODES))
def test_type_follows_the_browsers_font_size(make_citizen_app, world, mode):
    """With the browser's font size set to 24 px, the page's text grows with it: body text
    is 24 px (长辈版: 30 px), nothing is under 21 px (长辈版: 27 px)."""
    app = p.dev_app(make_citizen_app)
    orders = p.demo_orders(messages=False)
    scale = 24 / 16
    _, least, _, _ = MODES[mode]
    with chrome(VIEWPORT, phone=True, font_size=24) as d, p.serve(app) as server:
        p.log_in(d, server.url(""), elder=mode == "elder")
        for where in ("#/orders", f"#/order/{orders.reopened}", "#/new", "#/lookup"):
            p.go(d, where)
            seen = p.measure(d, least * scale)
            assert seen.body == (30 if mode == "elder" else 24), where
            assert seen.small == 0, (where, seen.samples)
