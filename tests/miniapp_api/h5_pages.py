"""Helpers of the H5 browser tests of issue 15 (``test_h5_defects``, ``test_h5_elder``,
``test_h5_screens``): a development server with the demo phone's orders, logging in the way
a person does, 长辈版, and what the browser measures: text sizes, line spacing and the
size of every control a finger has to hit. The browser itself is part A's
(``tests.a11y.browser.chrome``): one headless Chromium per module at 390 × 844."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.orders import Order
from hotline.services.citizen.auth import phone_bidx
from hotline.services.citizen.demo import create_demo_orders
from privacy.orm import utcnow
from tests.miniapp_api.helpers import PHONE
from tests.portal.browser import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "h5-screens"
WAIT = 20

# What a person on a phone meets: every control and the text, measured by the browser.
# Text is counted per character of each visible text node; a control is anything that
# takes a tap (for a check box or a radio button: the label around it, which takes it).
MEASURE = """
const out = {chars: 0, small: 0, smallest: 999, samples: [], tight: [], targets: [],
             body: parseFloat(getComputedStyle(document.body).fontSize)};
const shown = el => el.getClientRects().length > 0
  && getComputedStyle(el).visibility !== 'hidden' && !el.closest('[hidden], [aria-hidden=true]');
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode, el = node.parentElement;
  const n = node.textContent.replace(/\\s+/g, '').length;
  if (!n || !shown(el) || el.closest('option, script, style')) continue;
  const style = getComputedStyle(el), size = parseFloat(style.fontSize);
  out.chars += n;
  out.smallest = Math.min(out.smallest, size);
  if (size < arguments[0]) {
    out.small += n;
    const text = node.textContent.trim().slice(0, 12);
    const what = `${el.tagName}.${el.className} "${text}" ${size}px`;
    if (out.samples.length < 8) out.samples.push(what);
  }
  const lh = parseFloat(style.lineHeight);
  if (!(lh / size >= arguments[1] - 0.01) && out.tight.length < 8) {
    out.tight.push(`${el.tagName}.${el.className} ${style.lineHeight}/${size}px`);
  }
}
const taps = 'a[href], button, select, textarea, summary, label.choice, label.check,'
  + ' label.toggle, label.add-photo, input:not([type=hidden]):not([type=checkbox])'
  + ':not([type=radio]):not([type=file])';
for (const el of document.querySelectorAll(taps)) {
  if (!shown(el)) continue;
  const r = el.getBoundingClientRect();
  const text = (el.textContent || el.value || '').trim().slice(0, 12);
  out.targets.push({what: `${el.tagName}#${el.id}.${el.className} "${text}"`,
                    w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10});
}
return out;
"""


@dataclass
class Measured:
    chars: int
    small: int
    smallest: float
    samples: list[str]
    tight: list[str]
    targets: list[dict]
    body: float

    @property
    def small_share(self) -> float:
        return self.small / self.chars if self.chars else 0.0

    def low_targets(self, least: float) -> list[str]:
        return [
            f"{t['what']} {t['w']}×{t['h']}"
            for t in self.targets
            if t["w"] < least - 0.5 or t["h"] < least - 0.5
        ]


def measure(driver, smallest: float, spacing: float = 1.0) -> Measured:
    return Measured(**driver.execute_script(MEASURE, smallest, spacing))


@dataclass
class DemoOrders:
    """The demo phone's orders (``flask citizen demo``), by what each one shows."""

    rate: str  # completed yesterday: the rating form
    reopened: str  # rated 未解决 + 不满意, reopened, in progress again
    answered: str  # answered directly by the hotline
    overdue: str  # past its deadline: 催办
    waiting: str  # dispatched, not accepted yet: 补充说明, 撤回
    all: list[str] = field(default_factory=list)


def demo_orders(*, messages: bool = True) -> DemoOrders:
    """The demo phone's orders; with ``messages``, the notifications of their steps are
    written to the in-app inbox as the worker would (no channel is sent anything)."""
    from hotline.models.notifications import OutboxEntry
    from hotline.services.notifications.fanout import fan_out

    create_demo_orders(PHONE)
    db.session.commit()
    if messages:
        for entry_id in db.session.scalars(select(OutboxEntry.id).order_by(OutboxEntry.id)).all():
            fan_out(entry_id, utcnow())
        db.session.commit()
    orders = db.session.scalars(select(Order).where(Order.phone_bidx == phone_bidx(PHONE))).all()
    now = utcnow()

    def one(check) -> str:
        return next(o.order_no for o in orders if check(o))

    return DemoOrders(
        rate=one(lambda o: o.status.value == "completed"),
        reopened=one(lambda o: o.round == 2),
        answered=one(lambda o: o.status.value == "answered"),
        overdue=one(lambda o: o.status.value == "accepted" and o.deadline_at < now),
        waiting=one(lambda o: o.status.value == "dispatched" and o.round == 1),
        all=[o.order_no for o in orders],
    )


def dev_app(make_citizen_app, **config):
    """The citizen app as ``make run`` serves it: development mode, the demo phone named
    on the page and the code shown there."""
    return make_citizen_app(
        **{
            "HOTLINE_ENV": "development",
            "SMS_SENDER": "miniapp_api.sms:LogSender",
            "CITIZEN_DEMO_PHONE": PHONE,
            **config,
        }
    )


def serve(app) -> LiveServer:
    return LiveServer(app)


def wait(driver, seconds: float = WAIT):
    """A wait that also rides out elements re-rendered under it (stale references)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def by_id(driver, element_id: str, seconds: float = WAIT):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return wait(driver, seconds).until(ec.visibility_of_element_located((By.ID, element_id)))


def css(driver, selector: str, seconds: float = WAIT):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return wait(driver, seconds).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, selector))
    )


def tap(driver, element) -> None:
    """Scroll an element to the middle of the screen (clear of the tab bar) and tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def tap_id(driver, element_id: str) -> None:
    """Tap the element with this id, again if the screen drew it afresh meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException

    def attempt(d):
        try:
            tap(d, by_id(d, element_id))
        except StaleElementReferenceException:
            return False
        return True

    wait(driver).until(attempt)


def type_into(driver, element_id: str, text: str) -> None:
    """Type into a field, again if the screen drew it afresh meanwhile."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By

    def attempt(d):
        try:
            box = d.find_element(By.ID, element_id)
            box.clear()
            box.send_keys(text)
            return box.get_attribute("value") == text
        except (StaleElementReferenceException, WebDriverException):
            return False

    wait(driver).until(attempt)


def choose(driver, select_id: str, label: str) -> None:
    """Pick an option of a dropdown by its visible text, once it is there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def picked(d) -> bool:  # the options are re-rendered when an upper level changes
        select = Select(d.find_element(By.ID, select_id))
        if label not in [o.text for o in select.options]:
            return False
        select.select_by_visible_text(label)
        return True

    wait(driver).until(picked)


def open_page(driver, url: str) -> None:
    driver.get(url)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def settle(driver) -> None:
    """Until the screen has drawn what it fetched (no 加载中… left)."""
    wait(driver).until(
        lambda d: d.execute_script(
            "return !document.querySelector('[data-loading]')"
            " && !!document.querySelector('#view h1, #view h2')"
        )
    )


def log_in(driver, base: str, *, elder: bool = False) -> None:
    """Open /m/, switch to 长辈版 if asked, ask for a code and type the one the page shows."""
    open_page(driver, base + "/m/")
    by_id(driver, "phone")
    if elder:
        set_elder(driver, True)
    tap_id(driver, "send-code")
    code = by_id(driver, "dev-code").get_attribute("data-code")
    type_into(driver, "code", code)
    tap_id(driver, "login")
    by_id(driver, "order-list")


def set_elder(driver, on: bool) -> None:
    toggle = by_id(driver, "elder-toggle")
    if is_elder(driver) != on:
        tap(driver, toggle)
    wait(driver).until(lambda d: is_elder(d) == on)


def is_elder(driver) -> bool:
    return driver.execute_script("return document.documentElement.classList.contains('elder')")


def go(driver, hash_: str) -> None:
    """Follow an address inside the page (as a link would) and wait for the screen."""
    driver.execute_script("location.hash = arguments[0]", hash_)
    settle(driver)


def screenshot(driver, path: Path, *, colors: int = 96) -> Path:
    """The screen as the phone shows it (390 × 844 CSS pixels at 2×), as a PNG of few
    colours: text and flat colours survive, the file stays small."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    return path


def full_page(driver, path: Path, *, colors: int = 96) -> Path:
    """The whole page as the phone would show it scrolled: the screen is made as tall as
    the page for the shot (the tab bar sits at the bottom), then put back to 390 × 844."""
    width, height = viewport(driver)
    tall = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": width, "deviceScaleFactor": 2, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": tall})
    try:
        return screenshot(driver, path, colors=colors)
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": height})


def viewport(driver) -> tuple[int, int]:
    return tuple(driver.execute_script("return [window.innerWidth, window.innerHeight]"))
