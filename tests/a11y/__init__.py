"""Accessibility checks in a real browser: axe-core run on the page a test has open.

axe-core comes from the npm registry, pinned in ``package.json`` / ``package-lock.json``
and installed into ``node_modules/`` by ``make browser`` (``make test`` runs it). It is
injected through WebDriver's script execution, which the page's Content-Security-Policy
does not govern (the CSP forbids inline and foreign scripts to the page, not to the
browser's automation): the app itself is tested exactly as it is served.

``check(driver, page)`` runs the WCAG 2.0/2.1 A and AA rules and fails the test on any
critical or serious violation, naming the rule, the page and each element's selector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("critical", "serious")
# axe.run is asynchronous: the last argument WebDriver passes is the callback.
_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(r => done({violations: r.violations, url: r.url, version: axe.version}))
  .catch(e => done({error: String(e)}));
"""


@cache
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            "axe-core is needed for the accessibility tests: run `make browser` "
            "(or `npm ci`), which installs the version pinned in package.json",
            pytrace=False,
        )
    return AXE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    page: str
    targets: tuple[str, ...]
    url: str

    def __str__(self) -> str:
        where = "\n      ".join(self.targets[:10])
        more = f"\n      … and {len(self.targets) - 10} more" if len(self.targets) > 10 else ""
        return f"[{self.impact}] {self.rule} on {self.page}: {self.help}\n      {where}{more}"


def violations(driver, page: str) -> list[Violation]:
    """Every WCAG 2.1 A/AA violation axe finds on the page ``driver`` has open."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(axe_source())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(_RUN, list(TAGS))
    if "error" in result:
        pytest.fail(f"axe-core failed on {page}: {result['error']}")
    found = []
    for v in result["violations"]:
        targets = tuple(
            " ".join(json.dumps(t) if not isinstance(t, str) else t for t in node["target"])
            for node in v["nodes"]
        )
        found.append(Violation(v["id"], v["impact"] or "", v["help"], page, targets, result["url"]))
    return found


def blocking(found: list[Violation], allow: tuple[str, ...] = ()) -> list[Violation]:
    return [v for v in found if v.impact in BLOCKING and v.rule not in allow]


def check(driver, page: str, *, allow: tuple[str, ...] = ()) -> list[Violation]:
    """Fail on any critical or serious violation (rules in ``allow`` aside); return the
    lesser ones, for a test that wants to look at them."""
    found = violations(driver, page)
    bad = blocking(found, allow)
    if bad:
        lines = "\n".join(f"  {v}" for v in bad)
        pytest.fail(
            f"{len(bad)} critical/serious WCAG 2.1 AA violation(s):\n{lines}", pytrace=False
        )
    return [v for v in found if v not in bad]


class Audit:
    """axe on several pages of one flow; ``done()`` fails once, naming every page's
    critical and serious violations (so one bad page does not hide the next)."""

    def __init__(self, driver, *, allow: tuple[str, ...] = ()):
        self.driver, self.allow = driver, allow
        self.pages: list[str] = []
        self.found: list[Violation] = []

    def page(self, name: str) -> list[Violation]:
        self.pages.append(name)
        found = violations(self.driver, name)
        self.found += blocking(found, self.allow)
        return found

    def done(self) -> None:
        if self.found:
            lines = "\n".join(f"  {v}" for v in self.found)
            pytest.fail(
                f"{len(self.found)} critical/serious WCAG 2.1 AA violation(s) "
                f"on {len({v.page for v in self.found})} of {len(self.pages)} pages:\n{lines}",
                pytrace=False,
            )
