"""The rooms and the one direction of their arrows (DESIGN §3), checked on the source:
front doors → services → models; ``privacy`` is a leaf; no front door commits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONT_DOORS = ("workbench", "miniapp_api", "portal", "console")
PACKAGES = ("yangguang", "hotline", "privacy", *FRONT_DOORS)


def _imports(package: str) -> dict[str, set[str]]:
    """Top-level packages imported by each module of ``package``."""
    out = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names & set(PACKAGES)
    return out


def test_privacy_is_a_leaf():
    offenders = {m: used - {"privacy"} for m, used in _imports("privacy").items()}
    assert {m: u for m, u in offenders.items() if u} == {}


def test_the_domain_imports_no_front_door():
    forbidden = {"yangguang", *FRONT_DOORS}
    used = {m: names & forbidden for m, names in _imports("hotline").items()}
    assert {m: u for m, u in used.items() if u} == {}


@pytest.mark.parametrize("door", FRONT_DOORS)
def test_front_doors_do_not_import_each_other_or_the_root(door):
    forbidden = {"yangguang", *FRONT_DOORS} - {door}
    used = {m: names & forbidden for m, names in _imports(door).items()}
    assert {m: u for m, u in used.items() if u} == {}


@pytest.mark.parametrize("door", FRONT_DOORS)
def test_no_front_door_commits(door):
    """The request pipeline commits once per request; views and their helpers never do."""
    for path in (ROOT / door).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name == "cli.py":  # commands run outside the request pipeline
            continue
        assert "commit(" not in text, path
