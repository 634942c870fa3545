"""The README's generated tables match their one source, and the personal-field catalog
names exactly the encrypted columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotline import config
from hotline.services.lifecycle import table
from privacy import catalog
from privacy.fields import Encrypted
from privacy.orm import Base

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _section(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", README, re.S)
    assert match, f"README has no {name} section"
    return match.group(1)


def test_the_configuration_table_is_the_configuration():
    assert _section("config-table") == config.markdown_table()


def test_the_step_table_is_the_transition_table():
    assert _section("lifecycle-table") == table.markdown_table()


def test_every_encrypted_column_is_a_catalogued_personal_field(app):
    encrypted = {
        f"{t.name}.{c.name}"
        for t in Base.metadata.tables.values()
        for c in t.columns
        if isinstance(c.type, Encrypted)
    }
    assert encrypted == {f.qualified for f in catalog.FIELDS}


def test_settings_parse_from_the_environment_and_bad_values_say_which(tmp_path):
    loaded = config.load(
        str(tmp_path),
        environ={
            "PROXY_COUNT": "2",
            "CITIZEN_SHOW_HANDLER": "no",
            "CITIZEN_RATE_LIMITS": '{"lookup_order": "5/hour"}',
            "CONSOLE_WORK_HOURS": "[9, 18]",
        },
    )
    assert loaded["PROXY_COUNT"] == 2
    assert loaded["CITIZEN_SHOW_HANDLER"] is False
    assert loaded["CITIZEN_RATE_LIMITS"]["lookup_order"] == "5/hour"
    assert loaded["CITIZEN_RATE_LIMITS"]["sms_phone"]  # the other limits keep their defaults
    assert loaded["CONSOLE_WORK_HOURS"] == [9, 18]
    with pytest.raises(RuntimeError, match="PROXY_COUNT must be int"):
        config.load(str(tmp_path), environ={"PROXY_COUNT": "two"})
    with pytest.raises(RuntimeError, match="HOTLINE_ENV"):
        config.load(str(tmp_path), environ={"HOTLINE_ENV": "staging"})
