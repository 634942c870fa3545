"""Access-log search: validated filters turned into one SQL statement.

A phone or ID number typed by the officer never reaches the URL, the database or a log:
the search form is POSTed, the server replaces the value with its keyed hash (the same one
the log stores, ``privacy.accesslog.value_hash``) and redirects to a URL holding the hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from hotline.extensions import db
from hotline.services.privacy_office import people
from privacy.accesslog import value_hash
from privacy.blind_index import NORMALISERS, NormalisationError
from privacy.catalog import label
from privacy.models import AccessLogEntry
from privacy.roles import role_label
from privacy.runtime import runtime

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50
VALUE_KINDS = {"phone": "电话号码", "id_number": "身份证号"}
FILTER_LABELS = {
    "actor": "操作人",
    "unit": "单位",
    "role": "角色",
    "order_no": "工单编号",
    "field": "字段",
    "purpose": "用途",
    "since": "起始日期",
    "until": "截止日期",
}


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
        args = self.url_args()
        if self.unit is not None:
            args["unit"] = people.names_for(unit_ids=[self.unit]).unit(self.unit)
        if self.field:
            args["field"] = label(self.field)
        if self.role:
            args["role"] = role_label(self.role)
        parts = [f"{FILTER_LABELS[k]}={v}" for k, v in args.items() if k != "vh"]
        if self.vh:
            parts.append("按号码（哈希）筛选")
        return "；".join(parts) or "全部"


def value_looks_like(kind: str, typed: str) -> bool:
    """Whether a typed number can be a phone (``kind="phone"``) or an ID number: the hash
    of anything else matches no entry, and the officer would read "none" as "never read"."""
    try:
        NORMALISERS[kind](typed)
    except (KeyError, NormalisationError):
        return False
    return True


def _actor(text: str) -> str:
    """A username, ``staff:12`` or ``12`` as the log writes it (``staff:<id>``); a name
    nobody has matches nothing."""
    person = people.resolve_actor(text)
    return person.actor if person is not None else f"unknown:{text}"


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
    names: people.Names = field(default_factory=lambda: people.Names({}, {}))

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(flt: LogFilter, page: int = 1) -> Page:
    stmt = statement(flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = max(1, page)
    entries = list(db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return Page(entries, page, total or 0, people.names_of_entries(entries))


def shown_time(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def field_labels(qualified: str) -> str:
    """``orders.requester_name,orders.content`` → 姓名、诉求内容."""
    return "、".join(label(f) for f in qualified.split(",") if f)
