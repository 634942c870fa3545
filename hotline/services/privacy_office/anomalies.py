"""Unusual reads in the access log, computed in SQL with thresholds from the config.

- bursts: an actor with more plaintext reads than ``CONSOLE_ANOMALY_READS_PER_HOUR`` in one
  hour or ``CONSOLE_ANOMALY_READS_PER_DAY`` in one day (Beijing time);
- reads outside working hours (``CONSOLE_WORK_HOURS``, Beijing time);
- reads of confidential orders;
- reads by a handler of an order not assigned to the handler's unit.

Each list shows the newest ``LIMIT`` (200) entries and says how many there are in all, so
that a cut list is never taken for the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, literal_column, select

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.orders import Assignment, Order
from hotline.services.privacy_office import people
from privacy.accesslog import ACTION_REVEAL
from privacy.models import AccessLogEntry
from privacy.orm import utcnow

E = AccessLogEntry
LIMIT = 200


def _local(fmt_sqlite: str, fmt_pg: str):
    """``occurred_at`` formatted in Beijing time, in the dialect of the database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", E.occurred_at), fmt_pg)
    return func.strftime(fmt_sqlite, E.occurred_at, literal_column("'+8 hours'"))


@dataclass
class Burst:
    actor: str
    period: str  # "2026-11-22 09" (hour) or "2026-11-22" (day), Beijing time
    reads: int
    per: str  # "小时" or "天"


@dataclass
class Section:
    rows: list
    total: int

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Report:
    since: datetime
    bursts: Section
    off_hours: Section
    confidential: Section
    unassigned: Section
    names: people.Names  # the people and units the sections mention


def _total(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def _section(stmt) -> Section:
    """The newest ``LIMIT`` entries matching ``stmt`` and how many match in all."""
    rows = list(db.session.scalars(stmt.order_by(E.seq.desc()).limit(LIMIT)))
    return Section(rows, _total(stmt))


def _reads(since: datetime):
    return and_(E.action == ACTION_REVEAL, E.occurred_at >= since)


def bursts(since: datetime) -> Section:
    cfg = current_app.config
    out, total = [], 0
    for per, bucket, limit in (
        ("小时", _local("%Y-%m-%d %H", "YYYY-MM-DD HH24"), cfg["CONSOLE_ANOMALY_READS_PER_HOUR"]),
        ("天", _local("%Y-%m-%d", "YYYY-MM-DD"), cfg["CONSOLE_ANOMALY_READS_PER_DAY"]),
    ):
        stmt = (
            select(E.actor, bucket.label("period"), func.count().label("n"))
            .where(_reads(since))
            .group_by(E.actor, bucket)
            .having(func.count() > limit)
        )
        total += _total(stmt)
        rows = db.session.execute(stmt.order_by(func.count().desc()).limit(LIMIT))
        out += [Burst(r.actor, r.period, r.n, per) for r in rows]
    return Section(out, total)


def off_hours(since: datetime) -> Section:
    start, end = current_app.config["CONSOLE_WORK_HOURS"]
    hour = _local("%H", "HH24")
    return _section(
        select(E).where(_reads(since), (hour < f"{start:02d}") | (hour >= f"{end:02d}"))
    )


def confidential(since: datetime) -> Section:
    return _section(
        select(E)
        .join(Order, Order.id == E.order_id)
        .where(_reads(since), Order.confidential.is_(True), E.role != str(Role.PRIVACY_OFFICER))
    )


def unassigned(since: datetime) -> Section:
    assigned = exists().where(Assignment.order_id == E.order_id, Assignment.unit_id == E.unit_id)
    return _section(
        select(E).where(
            _reads(since), E.role == str(Role.HANDLER), E.order_id.is_not(None), ~assigned
        )
    )


def report(days: int | None = None) -> Report:
    days = days or current_app.config["CONSOLE_ANOMALY_DAYS"]
    since = utcnow() - timedelta(days=days)
    sections = bursts(since), off_hours(since), confidential(since), unassigned(since)
    entries = [e for section in sections[1:] for e in section.rows]
    names = people.names_for(
        [*(b.actor for b in sections[0].rows), *(e.actor for e in entries)],
        (e.unit_id for e in entries),
    )
    return Report(since, *sections, names)
