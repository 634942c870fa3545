"""``verify``: recompute the figures from the orders and list every difference from the
rollups. Three checks, all in one snapshot of the database:

1. **Reports.** Each query of a report (``Queries.statements``), run the reference way, as
   a GROUP BY over the orders, and from the rollups (``RollupQueries``); their rows must
   be equal (counts exactly, score sums to 1e-9).
2. **Grains.** Every row of every rollup table in the period, against the same grain
   summed from contributions computed afresh from the orders.
3. **Contributions.** Each order's stored contribution against its fresh one: the orders
   a bulk write left out of the rollups, named one by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from flask import current_app
from sqlalchemy import Column, MetaData, Table, and_, func, insert, or_, select
from sqlalchemy.orm import Session, scoped_session

from hotline.models.orders import Order
from hotline.models.reports import ReportKind
from hotline.models.rollups import FACTS, OrderContribution
from hotline.reports.periods import Period, Span, local_midnight_utc, local_today
from hotline.reports.queries import Queries
from hotline.reports.rollups.contributions import KEY, contribution_select
from hotline.reports.rollups.grains import DAY, GRAINS, MONTH, WEEK, YEAR, next_month
from hotline.reports.rollups.queries import RollupQueries
from hotline.reports.rollups.rebuild import grain_select
from hotline.reports.settings import ReportSettings

# Columns of the report queries that hold measures; every other column identifies a row.
MEASURES = frozenset(
    {
        "received",
        "answered",
        "dispatched",
        "responded",
        "completed",
        "on_time",
        "overdue",
        "rated",
        "res_sum",
        "sat_sum",
        "repeats",
        "current",
        "previous",
    }
)
FRESH = Table(
    "verify_rollup_orders",
    MetaData(),
    *(Column(c.name, c.type) for c in OrderContribution.__table__.c),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class Difference:
    where: str
    what: str
    orders: object  # recomputed from the orders
    rollups: object  # found in the rollups

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: orders {self.orders!r}, rollups {self.rollups!r}"


@dataclass
class Verification:
    differences: list[Difference] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was compared, for the log

    @property
    def ok(self) -> bool:
        return not self.differences


# -- which periods ---------------------------------------------------------------------------
def default_periods(session: Session, now: datetime) -> list[Period]:
    """Every year that has orders, up to this year."""
    first, last = session.execute(
        select(func.min(Order.received_at), func.max(Order.received_at))
    ).one()
    if first is None:
        return []
    today = local_today(now)
    years = range(local_today(first).year, min(local_today(last).year, today.year) + 1)
    return [Period.of(y) for y in years]


# -- values ------------------------------------------------------------------------------------
def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _equal(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a or 0), float(b or 0), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _keyed(rows, measures) -> dict[tuple, dict]:
    out = {}
    for row in rows:
        d = {k: _plain(v) for k, v in row._asdict().items()}
        key = tuple((k, v) for k, v in d.items() if k not in measures)
        out[key] = {k: v for k, v in d.items() if k in measures}
    return out


def _compare(where: str, expected: dict, found: dict, out: list[Difference]) -> None:
    for key in sorted(set(expected) | set(found), key=repr):
        label = ", ".join(f"{k}={v}" for k, v in key) or "(all)"
        if key not in found:
            out.append(Difference(where, f"row {label}", expected[key], None))
        elif key not in expected:
            out.append(Difference(where, f"row {label}", None, found[key]))
        else:
            for name, value in expected[key].items():
                if not _equal(value, found[key].get(name)):
                    out.append(Difference(where, f"{label}: {name}", value, found[key].get(name)))


# -- 1. the reports' queries -----------------------------------------------------------------
def _spans(period: Period, now: datetime) -> dict | None:
    covered = period.covered(now)
    if covered.days == 0:
        return None
    _, _, compare = period.comparison(covered)
    return {"covered": covered, "compare": compare, "ranking": period.ranking_span(covered)}


def _statements(queries: Queries, period: Period, spans: dict, settings) -> dict:
    covered, compare = spans["covered"], spans["compare"]
    if period.kind == getattr(ReportKind, "WEEK", None):
        weeks = int((settings.hotspots or {}).get("baseline_weeks", 8))
        baseline = Span(covered.start - timedelta(days=7 * weeks), covered.end)
        return queries.weekly_statements(covered, compare, baseline)
    statements = queries.statements(
        covered, compare, spans["ranking"], yearly=period.kind == ReportKind.YEAR
    )
    weeks = _whole_weeks(covered)
    if weeks is not None and hasattr(queries, "open311_cells"):
        statements["open311_cells"] = queries.open311_cells(weeks, 1)
    return statements


def _whole_weeks(span: Span) -> Span | None:
    start = span.start + timedelta(days=(7 - span.start.weekday()) % 7)
    end = span.end - timedelta(days=span.end.weekday())
    return Span(start, end) if start < end else None


def _run(queries: Queries, session: Session, period, spans, settings) -> dict:
    connection = session.connection()
    queries.setup(connection, list(spans.values()))
    try:
        statements = _statements(queries, period, spans, settings)
        return {name: connection.execute(stmt).all() for name, stmt in statements.items()}
    finally:
        queries.teardown(connection)


def compare_reports(session: Session, period: Period, now: datetime, out: Verification) -> None:
    spans = _spans(period, now)
    if spans is None:
        return
    settings = ReportSettings.current()
    dialect = session.get_bind().dialect.name
    reference = _run(Queries(settings, dialect, as_of=now), session, period, spans, settings)
    rollups = _run(RollupQueries(settings, dialect, as_of=now), session, period, spans, settings)
    for name, rows in reference.items():
        _compare(
            f"{period.key} {name}",
            _keyed(rows, MEASURES),
            _keyed(rollups[name], MEASURES),
            out.differences,
        )
        out.checked.append(f"{period.key} {name}: {len(rows)} rows")


# -- 2. and 3. the rollup tables ---------------------------------------------------------------
def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _aligned(res: str, start: date, end: date) -> tuple[date, date]:
    if res == WEEK:
        return _monday(start), _monday(end + timedelta(days=6))
    if res == MONTH:
        return start.replace(day=1), end if end.day == 1 else next_month(end)
    if res == YEAR:
        top = end if (end.month, end.day) == (1, 1) else date(end.year + 1, 1, 1)
        return date(start.year, 1, 1), top
    return start, end


def _fill_fresh(session: Session, start: date, end: date) -> None:
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    FRESH.drop(connection, checkfirst=True)
    FRESH.create(connection)
    received = and_(
        Order.received_at >= local_midnight_utc(start), Order.received_at < local_midnight_utc(end)
    )
    window = current_app.config["RESPONSE_WINDOW_HOURS"]
    query = contribution_select(window, dialect, received)
    connection.execute(insert(FRESH).from_select([c.name for c in query.selected_columns], query))


def _grain_rows(rows, grain) -> dict:
    out = {}
    for row in rows:
        d = row._asdict()
        facts = {f: d[f] for f in FACTS}
        if any(facts.values()):
            out[tuple((k, _plain(d[k])) for k in ("bucket", *grain.dims))] = facts
    return out


def compare_grains(session: Session, start: date, end: date, out: Verification) -> None:
    dialect = session.get_bind().dialect.name
    ranges = {res: _aligned(res, start, end) for res in (DAY, WEEK, MONTH, YEAR)}
    hull = (min(a for a, _ in ranges.values()), max(b for _, b in ranges.values()))
    _fill_fresh(session, *hull)
    for grain in GRAINS:
        table = grain.table
        for res in grain.resolutions:
            a, b = ranges[res]
            fresh = grain_select(grain, res, FRESH, dialect).subquery()
            expected = session.execute(
                select(fresh).where(fresh.c.bucket >= a, fresh.c.bucket < b)
            ).all()
            stored = session.execute(
                select(table).where(table.c.res == res, table.c.bucket >= a, table.c.bucket < b)
            ).all()
            where = f"{grain.name} {res} {a}–{b - timedelta(days=1)}"
            _compare(
                where, _grain_rows(expected, grain), _grain_rows(stored, grain), out.differences
            )
            out.checked.append(f"{where}: {len(stored)} rows")
    _compare_contributions(session, *ranges[DAY], out)
    FRESH.drop(session.connection(), checkfirst=True)


def _compare_contributions(session: Session, start: date, end: date, out: Verification) -> None:
    stored, fresh = OrderContribution.__table__, FRESH
    columns = [*KEY, *FACTS]
    differs = or_(*(stored.c[c].is_distinct_from(fresh.c[c]) for c in columns))
    rows = session.execute(
        select(
            fresh.c.order_id,
            *(fresh.c[c] for c in columns),
            *(stored.c[c].label(f"stored_{c}") for c in columns),
        )
        .select_from(fresh.outerjoin(stored, stored.c.order_id == fresh.c.order_id))
        .where(differs)
        .order_by(fresh.c.order_id)
    ).all()
    for row in rows:
        d = row._asdict()
        for c in columns:
            if d[c] != d[f"stored_{c}"]:
                out.differences.append(
                    Difference(
                        f"rollup_orders order {row.order_id}",
                        c,
                        _plain(d[c]),
                        _plain(d[f"stored_{c}"]),
                    )
                )
    # Contributions counted in these days for orders that are not (any more) received then.
    orphans = session.execute(
        select(stored.c.order_id, stored.c.day)
        .select_from(stored.outerjoin(fresh, fresh.c.order_id == stored.c.order_id))
        .where(fresh.c.order_id.is_(None), stored.c.day >= start, stored.c.day < end)
        .order_by(stored.c.order_id)
    ).all()
    for order_id, day in orphans:
        out.differences.append(
            Difference(f"rollup_orders order {order_id}", "day", None, _plain(day))
        )
    out.checked.append(f"rollup_orders {start}–{end - timedelta(days=1)}")


def verify(
    session: Session, periods: list[Period] | None = None, now: datetime | None = None
) -> Verification:
    """Compare the rollups with the orders for ``periods`` (default: every year with
    orders). Reads only; run it in a transaction of its own and roll back."""
    now = now or datetime.now(UTC)
    current = session() if isinstance(session, scoped_session) else session
    if current.get_bind().dialect.name == "postgresql" and not current.in_transaction():
        # One snapshot for both sides, whatever commits meanwhile.
        current.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    periods = default_periods(session, now) if periods is None else periods
    out = Verification()
    for period in periods:
        compare_reports(session, period, now, out)
    if periods:
        start = min(p.full.start for p in periods)
        end = max(p.full.end for p in periods)
        compare_grains(session, start, end, out)
    else:
        _nothing_stored(session, out)
    return out


def _nothing_stored(session: Session, out: Verification) -> None:
    """Without orders, every rollup row must be empty."""
    for grain in GRAINS:
        table = grain.table
        nonzero = or_(*(table.c[f] != 0 for f in FACTS))
        count = session.scalar(select(func.count()).select_from(table).where(nonzero))
        if count:
            out.differences.append(Difference(grain.name, "rows", 0, count))
    out.checked.append("no orders: every rollup row empty")
