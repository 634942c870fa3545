"""Access-log search: validated filters turned into one SQL statement.

A phone or ID number typed by the officer never reaches the URL, the database or a log:
the search form is POSTed, the server replaces the value with its keyed hash (the same one
the log stores, ``privacy.accesslog.value_hash``) and redirects to a URL holding the hash.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from hotline.extensions import db
from hotline.models.units import StaffUser
from privacy.accesslog import value_hash
from privacy.catalog import label
from privacy.models import AccessLogEntry
from privacy.runtime import runtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50
VALUE_KINDS = {"phone": "电话号码", "id_number": "身份证号"}


@dataclass(frozen=True)
class LogFilter:
    """The filters of one search (never a personal value: a typed number is its hash)."""

    actor: str | None = None  # a username, or "staff:12" as the log writes it
    unit: int | None = None
    role: str | None = None
    order_no: str | None = None
    field: str | None = None
    purpose: str | None = None
    since: date | None = None
    until: date | None = None
    vh: str | None = None

    @classmethod
    def of(cls, values: dict) -> LogFilter:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v not in (None, "")})

    def with_value(self, kind: str, typed: str | None) -> LogFilter:
        """The filter with a typed phone or ID number replaced by its keyed hash."""
        if not typed:
            return self
        return replace(self, vh=value_hash(runtime().ring, kind, typed))

    def url_args(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def describe(self) -> str:
        """The filters in words, for the export's log entry (the hash is only mentioned)."""
        parts = [f"{k}={v}" for k, v in sorted(self.url_args().items()) if k != "vh"]
        if self.vh:
            parts.append("按号码（哈希）筛选")
        return "；".join(parts) or "全部"


def _actor(text: str) -> str:
    """``staff:12`` as typed, or a username turned into ``staff:<id>``."""
    if ":" in text:
        return text
    uid = db.session.scalar(select(StaffUser.id).where(StaffUser.username == text))
    return f"staff:{uid}" if uid is not None else f"unknown:{text}"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def statement(flt: LogFilter) -> Select:
    """Entries matching ``flt``, newest first."""
    e = AccessLogEntry
    stmt = select(e)
    if flt.actor:
        stmt = stmt.where(e.actor == _actor(flt.actor))
    if flt.unit is not None:
        stmt = stmt.where(e.unit_id == flt.unit)
    if flt.role:
        stmt = stmt.where(e.role == flt.role)
    if flt.order_no:
        stmt = stmt.where(e.order_no == flt.order_no)
    if flt.field:
        stmt = stmt.where(e.fields.contains(flt.field))
    if flt.purpose:
        stmt = stmt.where(e.purpose.contains(flt.purpose))
    if flt.since:
        stmt = stmt.where(e.occurred_at >= _local_midnight(flt.since))
    if flt.until:
        stmt = stmt.where(e.occurred_at < _local_midnight(flt.until + timedelta(days=1)))
    if flt.vh:
        stmt = stmt.where(e.value_hashes.contains(flt.vh))
    return stmt.order_by(e.seq.desc())


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


def field_labels(qualified: str) -> str:
    """``orders.requester_name,orders.content`` → 姓名、诉求内容."""
    return "、".join(label(f) for f in qualified.split(",") if f)
