"""Access-log search: filters parsed from the query string into one SQL statement.

A phone or ID number typed by the officer never reaches the URL, the database or a log:
the search form is POSTed, the server replaces the value with its keyed hash (the same one
the log stores, ``privacy.accesslog.value_hash``) and redirects to a URL holding the hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from hotline.extensions import db
from hotline.models.units import StaffUser
from privacy.accesslog import value_hash
from privacy.models import AccessLogEntry
from privacy.runtime import runtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50
FILTER_NAMES = ("actor", "unit", "role", "order_no", "field", "purpose", "since", "until", "vh")
VALUE_KINDS = {"phone": "电话号码", "id_number": "身份证号"}


@dataclass
class LogFilter:
    """The filters of one search, as they appear in the URL (never a personal value)."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> LogFilter:
        return cls({k: args.get(k, "").strip() for k in FILTER_NAMES if args.get(k, "").strip()})

    @classmethod
    def from_form(cls, form) -> LogFilter:
        """Form fields, with a typed phone or ID number replaced by its keyed hash."""
        values = {k: form.get(k, "").strip() for k in FILTER_NAMES if k != "vh"}
        typed, kind = form.get("value", "").strip(), form.get("value_kind", "phone")
        if typed:
            values["vh"] = value_hash(
                runtime().ring, kind if kind in VALUE_KINDS else "phone", typed
            )
        return cls({k: v for k, v in values.items() if v})

    def describe(self) -> str:
        """The filters in words, for the export's log entry (the hash is only mentioned)."""
        parts = [f"{k}={v}" for k, v in sorted(self.values.items()) if k != "vh"]
        if "vh" in self.values:
            parts.append("按号码（哈希）筛选")
        return "；".join(parts) or "全部"


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _actor(text: str) -> str:
    """``staff:12`` as typed, or a username turned into ``staff:<id>``."""
    if ":" in text:
        return text
    uid = db.session.scalar(select(StaffUser.id).where(StaffUser.username == text))
    return f"staff:{uid}" if uid is not None else f"unknown:{text}"


def statement(flt: LogFilter) -> Select:
    """Entries matching ``flt``, newest first."""
    v = flt.values
    stmt = select(AccessLogEntry)
    if "actor" in v:
        stmt = stmt.where(AccessLogEntry.actor == _actor(v["actor"]))
    if "unit" in v and v["unit"].isdigit():
        stmt = stmt.where(AccessLogEntry.unit_id == int(v["unit"]))
    if "role" in v:
        stmt = stmt.where(AccessLogEntry.role == v["role"])
    if "order_no" in v:
        stmt = stmt.where(AccessLogEntry.order_no == v["order_no"])
    if "field" in v:
        stmt = stmt.where(AccessLogEntry.fields.contains(v["field"]))
    if "purpose" in v:
        stmt = stmt.where(AccessLogEntry.purpose.contains(v["purpose"]))
    if "since" in v and (day := _day(v["since"])):
        stmt = stmt.where(AccessLogEntry.occurred_at >= datetime.combine(day, time(), SHANGHAI))
    if "until" in v and (day := _day(v["until"])):
        end = datetime.combine(day + timedelta(days=1), time(), SHANGHAI)
        stmt = stmt.where(AccessLogEntry.occurred_at < end)
    if "vh" in v:
        stmt = stmt.where(AccessLogEntry.value_hashes.contains(v["vh"]))
    return stmt.order_by(AccessLogEntry.seq.desc())


@dataclass
class Page:
    entries: list[AccessLogEntry]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(flt: LogFilter, page: int = 1) -> Page:
    stmt = statement(flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = max(1, page)
    entries = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return Page(entries, page, total or 0)


def shown_time(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
