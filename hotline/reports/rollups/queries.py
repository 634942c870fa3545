"""``RollupQueries``: the report queries answered from the rollups, not from the orders.

Every method returns a select with the same columns (names and meaning) as the method of
``hotline.reports.queries.Queries`` it replaces, so ``builder``, ``sections`` and
``ranking`` arrange its rows unchanged; ``flask reports verify-rollups`` runs both and
compares their rows.

What a build reads: for each table a report needs, the rows of one grain over the period
(whole months from month rows, other days from day rows, ISO weeks from week rows), so a
yearly report reads at most 12 rows per key whatever the number of orders; plus the
**live part** of "overdue": open orders past their deadline at the build time are found in
the orders themselves (``contributions.open_overdue``, served by the partial index of the
orders not completed), because that fact changes with the clock, not with an event. The
orders still open stay few however many there are in all; completed-late orders count
from the rollups (``late``). Only ``data_start`` (when the first order was received) is
still read from the orders: one probe of the ``received_at`` index.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Select,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from hotline.models.categories import Category
from hotline.models.enums import UnitKind
from hotline.models.orders import Order
from hotline.models.places import District, Street
from hotline.models.rollups import FACTS, NONE
from hotline.models.units import Unit
from hotline.reports.periods import Span
from hotline.reports.queries import Queries, in_span, named_street_category_weeks
from hotline.reports.rollups.contributions import RESOLUTION_FACTS, SATISFACTION_FACTS, open_overdue
from hotline.reports.rollups.grains import (
    CATEGORIES,
    DISTRICT_CATEGORIES,
    DISTRICTS,
    STREET_CATEGORIES,
    STREETS,
    TOTALS,
    UNITS,
    WEEK,
    Grain,
    pieces,
)
from hotline.reports.sqlfuncs import local_day

_ZERO, _ONE = literal_column("0"), literal_column("1")


class NotWholeWeeks(ValueError):
    """Weekly rows answer whole ISO weeks only."""


def _category_key(level: int, category_id):
    """The category tree above ``category_id`` and the id of its level-1 or level-3 class
    (the same rule as ``Queries.categories``)."""
    c = aliased(Category, name="c")
    p = aliased(Category, name="p")
    gp = aliased(Category, name="gp")
    if level == 1:
        key = case((c.level == 1, c.id), (p.level == 1, p.id), else_=gp.id)
    else:
        key = case((c.level == 3, c.id))

    def joined(query):
        return (
            query.outerjoin(c, c.id == category_id)
            .outerjoin(p, p.id == c.parent_id)
            .outerjoin(gp, gp.id == p.parent_id)
        )

    return key, joined, c


@dataclass(frozen=True)
class RollupQueries(Queries):
    # -- where the rows come from ---------------------------------------------------------
    def _parts(self, grain: Grain, span: Span, part: int, live: bool) -> list[Select]:
        table = grain.table
        columns = [table.c[d] for d in grain.dims]
        if WEEK in grain.resolutions:
            if span.start.weekday() or span.end.weekday():
                raise NotWholeWeeks(f"{span.start}–{span.end} is not whole weeks")
            ranges = [(WEEK, span.start, span.end)]
        else:
            ranges = pieces(span.start, span.end, grain.resolutions)
        ranges = ranges or [(grain.resolutions[0], span.start, span.start)]  # no days: no rows
        out = [
            select(
                literal_column(str(part)).label("part"),
                table.c.bucket,
                *columns,
                *(table.c[f] for f in FACTS),
                table.c.late.label("overdue"),
            ).where(table.c.res == res, table.c.bucket >= start, table.c.bucket < end)
            for res, start, end in ranges
        ]
        if live:
            out.append(self._live(grain, span, part))
        return out

    def _live(self, grain: Grain, span: Span, part: int) -> Select:
        """Each open order past its deadline at ``as_of``: a row with ``overdue`` 1."""
        dims = {
            "district_id": Order.district_id,
            "street_id": func.coalesce(Order.street_id, NONE),
            "lead_unit_id": func.coalesce(Order.lead_unit_id, NONE),
            "category_id": func.coalesce(Order.category_id, NONE),
            "kind": Order.kind,
            "channel": Order.channel,
        }
        return select(
            literal_column(str(part)).label("part"),
            type_coerce(local_day(Order.received_at, self.dialect), Date).label("bucket"),
            *(dims[d].label(d) for d in grain.dims),
            *(_ZERO.label(f) for f in FACTS),
            _ONE.label("overdue"),
        ).where(open_overdue(self.as_of), in_span(span))

    def _source(self, grain: Grain, *spans: Span, live: bool = False):
        parts = [p for i, span in enumerate(spans) for p in self._parts(grain, span, i, live)]
        return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery(grain.name)

    # -- what a group adds up to ----------------------------------------------------------
    @staticmethod
    def _sum(src, name: str):
        return func.coalesce(func.sum(src.c[name]), 0)

    def _facts_of(self, src, *, dispatched_only: bool = False) -> list:
        """``Queries._facts``'s columns. ``dispatched_only``: for a query over dispatched
        orders only (every other fact already implies dispatched)."""
        s = self._sum
        scores = self.settings.scores

        def score_sum(facts: dict, kind: str):
            terms = [
                cast(s(src, name), Float) * float(scores[kind][verdict.value])
                for verdict, name in facts.items()
            ]
            return reduce(operator.add, terms)

        rated = s(src, "res_yes") + s(src, "res_partly") + s(src, "res_no")
        return [
            (s(src, "dispatched") if dispatched_only else s(src, "received")).label("received"),
            (_ZERO if dispatched_only else s(src, "answered")).label("answered"),
            s(src, "dispatched").label("dispatched"),
            (_ZERO if dispatched_only else s(src, "withdrawn")).label("withdrawn"),
            s(src, "responded").label("responded"),
            s(src, "completed").label("completed"),
            s(src, "on_time").label("on_time"),
            s(src, "overdue").label("overdue"),
            s(src, "urged").label("urged"),
            rated.label("rated"),
            score_sum(RESOLUTION_FACTS, "resolution").label("res_sum"),
            score_sum(SATISFACTION_FACTS, "satisfaction").label("sat_sum"),
        ]

    def _month(self, col):
        if self.dialect == "postgresql":
            return cast(func.date_trunc("month", cast(col, DateTime())), Date)
        return func.strftime("%Y-%m", col)

    # -- the per-order rating sums are in the rollups: nothing to prepare ------------------
    def setup(self, connection, spans: list[Span]) -> None:
        return None

    def teardown(self, connection) -> None:
        return None

    # -- volume ---------------------------------------------------------------------------
    def totals(self, span: Span) -> Select:
        src = self._source(TOTALS, span, live=True)
        return select(self._sum(src, "repeats").label("repeats"), *self._facts_of(src))

    def by_day(self, span: Span) -> Select:
        return self._by_bucket_rows(span, None)

    def by_month(self, span: Span) -> Select:
        return self._by_bucket_rows(span, self._month)

    def _by_bucket_rows(self, span: Span, to_bucket) -> Select:
        src = self._source(TOTALS, span)
        bucket = to_bucket(src.c.bucket) if to_bucket else src.c.bucket
        s = self._sum
        return (
            select(
                bucket.label("bucket"),
                s(src, "received").label("received"),
                s(src, "answered").label("answered"),
                s(src, "dispatched").label("dispatched"),
            )
            .group_by(bucket)
            .having(func.sum(src.c.received) > 0)
            .order_by(bucket)
        )

    def by_channel(self, span: Span) -> Select:
        return self._count_by_dim(span, "channel")

    def by_kind(self, span: Span) -> Select:
        return self._count_by_dim(span, "kind")

    def _count_by_dim(self, span: Span, dim: str) -> Select:
        src = self._source(TOTALS, span)
        return (
            select(src.c[dim].label("key"), self._sum(src, "received").label("received"))
            .group_by(src.c[dim])
            .having(func.sum(src.c.received) > 0)
        )

    # -- categories, with the comparison period ------------------------------------------
    def categories(self, level: int, span: Span, compare: Span, limit: int | None) -> Select:
        src = self._source(CATEGORIES, span, compare)
        key, joined, _ = _category_key(level, src.c.category_id)

        def part_sum(part: int):
            return func.coalesce(func.sum(case((src.c.part == part, src.c.received), else_=0)), 0)

        counts = joined(
            select(
                key.label("category_id"),
                part_sum(0).label("current"),
                part_sum(1).label("previous"),
            ).select_from(src)
        )
        counts = counts.group_by(key).subquery("category_counts")
        query = _named_categories(
            counts,
            [counts.c.current, counts.c.previous],
            order=[counts.c.current.desc()],
        ).where(counts.c.current > 0)
        return query.limit(limit) if limit else query

    def district_categories(self, span: Span) -> Select:
        src = self._source(DISTRICT_CATEGORIES, span)
        key, joined, _ = _category_key(3, src.c.category_id)
        counts = joined(
            select(
                src.c.district_id,
                key.label("category_id"),
                self._sum(src, "received").label("received"),
            ).select_from(src)
        )
        counts = (
            counts.group_by(src.c.district_id, key)
            .having(func.sum(src.c.received) > 0)
            .subquery("district_category_counts")
        )
        return _named_categories(
            counts,
            [counts.c.received],
            order=[District.code, counts.c.received.desc()],
            district=True,
        )

    def street_categories_by_week(self, span: Span) -> Select:
        src = self._source(STREET_CATEGORIES, span)
        key, joined, c = _category_key(1, src.c.category_id)
        counts = joined(
            select(
                src.c.street_id,
                key.label("category_id"),
                src.c.bucket.label("week"),
                self._sum(src, "received").label("received"),
            ).select_from(src)
        )
        counts = (
            counts.where(src.c.street_id != NONE, c.id.is_not(None))
            .group_by(src.c.street_id, key, src.c.bucket)
            .having(func.sum(src.c.received) > 0)
            .subquery("street_category_weeks")
        )
        return named_street_category_weeks(counts)

    def open311_cells(self, span: Span, threshold: int) -> Select:
        src = self._source(STREET_CATEGORIES, span)
        return (
            select(
                src.c.category_id.label("category_id"),
                src.c.street_id.label("street_id"),
                src.c.bucket.label("week"),
                self._sum(src, "received").label("received"),
            )
            .where(src.c.street_id != NONE, src.c.category_id != NONE)
            .group_by(src.c.category_id, src.c.street_id, src.c.bucket)
            .having(func.sum(src.c.received) >= max(threshold, 1))
        )

    # -- places ---------------------------------------------------------------------------
    def by_district(self, span: Span) -> Select:
        src = self._source(DISTRICTS, span, live=True)
        return (
            select(District.code, District.name, *self._facts_of(src))
            .select_from(src)
            .join(District, District.id == src.c.district_id)
            .group_by(District.id, District.code, District.name)
            .having(func.sum(src.c.received) > 0)
            .order_by(District.code)
        )

    def district_months(self, span: Span) -> Select:
        src = self._source(DISTRICTS, span, live=True)
        month = self._month(src.c.bucket)
        return (
            select(District.code, District.name, month.label("month"), *self._facts_of(src))
            .select_from(src)
            .join(District, District.id == src.c.district_id)
            .group_by(District.code, District.name, month)
            .having(func.sum(src.c.received) > 0)
            .order_by(District.code, month)
        )

    def district_received(self, span: Span) -> Select:
        src = self._source(DISTRICTS, span)
        return (
            select(District.code, self._sum(src, "received").label("received"))
            .select_from(src)
            .join(District, District.id == src.c.district_id)
            .group_by(District.code)
            .having(func.sum(src.c.received) > 0)
        )

    def by_street(self, span: Span) -> Select:
        src = self._source(STREETS, span)
        return (
            select(
                District.code.label("district_code"),
                District.name.label("district_name"),
                Street.code.label("street_code"),
                Street.name.label("street_name"),
                self._sum(src, "received").label("received"),
            )
            .select_from(src)
            .join(District, District.id == src.c.district_id)
            .outerjoin(Street, Street.id == src.c.street_id)
            .group_by(District.code, District.name, Street.code, Street.name)
            .having(func.sum(src.c.received) > 0)
            .order_by(District.code, Street.code)
        )

    # -- handling units ---------------------------------------------------------------------
    def by_unit_kind(self, span: Span) -> Select:
        src = self._source(UNITS, span, live=True)
        return (
            select(Unit.kind.label("unit_kind"), *self._facts_of(src, dispatched_only=True))
            .select_from(src)
            .outerjoin(Unit, Unit.id == src.c.lead_unit_id)
            .group_by(Unit.kind)
            .having(func.sum(src.c.dispatched) > 0)
        )

    def street_units_by_month(self, span: Span) -> Select:
        src = self._source(UNITS, span, live=True)
        month = self._month(src.c.bucket)
        return (
            select(
                month.label("month"),
                Unit.code.label("unit_code"),
                Street.code.label("street_code"),
                Street.name.label("street_name"),
                District.code.label("district_code"),
                District.name.label("district_name"),
                *self._facts_of(src, dispatched_only=True),
            )
            .select_from(src)
            .join(Unit, Unit.id == src.c.lead_unit_id)
            .outerjoin(Street, Street.id == Unit.street_id)
            .outerjoin(District, District.id == Unit.district_id)
            .where(Unit.kind == UnitKind.STREET)
            .group_by(month, Unit.code, Street.code, Street.name, District.code, District.name)
            .having(func.sum(src.c.dispatched) > 0)
            .order_by(month, Unit.code)
        )


def _named_categories(counts, values: list, order: list, district: bool = False) -> Select:
    """Counts per category id with the category's code, name and level-1 name."""
    cat = aliased(Category, name="cat")
    parent = aliased(Category, name="parent")
    top = aliased(Category, name="top")
    head = [District.code.label("district_code"), District.name.label("district_name")]
    query = select(
        *(head if district else []),
        cat.code,
        cat.name,
        top.name.label("level1_name"),
        *values,
    ).select_from(counts)
    if district:
        query = query.join(District, District.id == counts.c.district_id)
    return (
        query.outerjoin(cat, cat.id == counts.c.category_id)
        .outerjoin(parent, parent.id == cat.parent_id)
        .outerjoin(top, top.id == parent.parent_id)
        .order_by(*order, cat.code)
    )
