"""Rebuilding the rollups from the orders, set-based: after a bulk load that bypassed the
ORM (the generator's ``COPY``), after changing ``RESPONSE_WINDOW_HOURS``, or to repair what
``verify-rollups`` found. One transaction: readers see the old rollups until it commits;
on PostgreSQL, writers that would change a rollup wait for it (the tables are locked)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Select, String, delete, func, insert, literal, select, text, true
from sqlalchemy.orm import Session

from hotline.models.rollups import FACTS, OrderContribution
from hotline.reports.rollups.contributions import contribution_select
from hotline.reports.rollups.grains import GRAINS, Grain, bucket_sql

PG_WORK_MEM = "256MB"


@dataclass
class RebuildStats:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        parts = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        return f"rollups rebuilt in {self.seconds:.1f} s: {parts}"


def grain_select(grain: Grain, res: str, source, dialect: str) -> Select:
    """A grain's rows at one resolution, summed from a table of contributions."""
    c = source.c
    bucket = bucket_sql(res, c.day, dialect)
    dims = [c[d] for d in grain.dims]
    return (
        select(
            literal(res, String(1)).label("res"),
            bucket.label("bucket"),
            *dims,
            *(func.sum(c[f]).label(f) for f in FACTS),
        )
        .where(c.day.is_not(None))
        .group_by(bucket, *dims)
    )


def rebuild(session: Session) -> RebuildStats:
    """Recompute every order's contribution and every grain from them (no commit)."""
    started = time.perf_counter()
    dialect = session.get_bind().dialect.name
    contributions = OrderContribution.__table__
    tables = [contributions, *(g.table for g in GRAINS)]
    if dialect == "postgresql":
        session.execute(select(func.set_config("work_mem", PG_WORK_MEM, True)))
        session.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)}"))
    else:
        for table in tables:
            session.execute(delete(table))
    window = current_app.config["RESPONSE_WINDOW_HOURS"]
    query = contribution_select(window, dialect, true())
    session.execute(
        insert(contributions).from_select([c.name for c in query.selected_columns], query)
    )
    if dialect == "postgresql":
        session.execute(text(f"ANALYZE {contributions.name}"))
    for grain in GRAINS:
        for res in grain.resolutions:
            query = grain_select(grain, res, contributions, dialect)
            session.execute(
                insert(grain.table).from_select([c.name for c in query.selected_columns], query)
            )
        if dialect == "postgresql":
            session.execute(text(f"ANALYZE {grain.name}"))
    stats = RebuildStats()
    for table in tables:
        stats.rows[table.name] = session.scalar(select(func.count()).select_from(table))
    stats.seconds = time.perf_counter() - started
    return stats
