"""Fixtures of the accessibility tests: one browser per module, cleared for each test."""

from __future__ import annotations

import pytest

from tests.a11y.browser import DESKTOP, PHONE, chrome, fresh


@pytest.fixture(scope="module")
def desktop():
    with chrome(DESKTOP) as driver:
        yield driver


@pytest.fixture(scope="module")
def phone():
    with chrome(PHONE, phone=True) as driver:
        yield driver


@pytest.fixture
def browser(desktop):
    fresh(desktop)
    return desktop


@pytest.fixture
def phone_browser(phone):
    fresh(phone)
    return phone
