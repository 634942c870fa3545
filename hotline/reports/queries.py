"""The GROUP BY queries every published number comes from.

Each function returns a SQLAlchemy Core ``select()``; none loads orders one by one. The
builder runs them and arranges their rows, and the benchmark runs the very same statements
on their own (``setup``, ``statements``, ``teardown``) to measure what the SQL alone costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, insert, or_, select, text
from sqlalchemy.orm import aliased

from hotline.models.categories import Category
from hotline.models.enums import UnitKind
from hotline.models.orders import Order
from hotline.models.places import District, Street
from hotline.models.units import Unit
from hotline.reports import scoring
from hotline.reports.periods import Span
from hotline.reports.settings import ReportSettings
from hotline.reports.sqlfuncs import local_day, local_month, local_week
from hotline.services.deadlines import overdue_clause


def named_street_category_weeks(counts) -> Select:
    """Street × category × week counts (a subquery of ``street_id``, ``category_id``,
    ``week``, ``received``) with the codes and names of their district, street and
    category, in the order the weekly analysis reads them."""
    cat = aliased(Category, name="cat")
    return (
        select(
            District.code.label("district_code"),
            District.name.label("district_name"),
            Street.code.label("street_code"),
            Street.name.label("street_name"),
            cat.code.label("category_code"),
            cat.name.label("category_name"),
            counts.c.week,
            counts.c.received,
        )
        .select_from(counts)
        .join(Street, Street.id == counts.c.street_id)
        .join(District, District.id == Street.district_id)
        .join(cat, cat.id == counts.c.category_id)
        .order_by(Street.code, cat.code, counts.c.week)
    )


def in_span(span: Span):
    return and_(Order.received_at >= span.start_utc, Order.received_at < span.end_utc)


@dataclass(frozen=True)
class Queries:
    settings: ReportSettings
    dialect: str
    as_of: datetime  # open orders past their deadline at this time count as overdue

    # -- shared pieces ------------------------------------------------------------------
    def _facts(self, rated) -> list:
        """Counts and rating sums for a set of orders (one row per group)."""
        dispatched = scoring.dispatched()
        answered = and_(Order.dispatched_at.is_(None), Order.completed_at.is_not(None))
        responded = scoring.responded_in_time(self.settings.response_window_hours, self.dialect)

        def dispatched_sum(col):
            return func.coalesce(func.sum(case((dispatched, col))), 0)

        return [
            func.count().label("received"),
            func.count(case((answered, 1))).label("answered"),
            func.count(case((dispatched, 1))).label("dispatched"),
            func.count(case((scoring.withdrawn(), 1))).label("withdrawn"),
            func.count(case((responded, 1))).label("responded"),
            func.count(case((and_(dispatched, Order.completed_at.is_not(None)), 1))).label(
                "completed"
            ),
            func.count(case((and_(dispatched, Order.completed_at <= Order.deadline_at), 1))).label(
                "on_time"
            ),
            func.count(case((and_(dispatched, overdue_clause(self.as_of)), 1))).label("overdue"),
            func.coalesce(func.sum(Order.urge_count), 0).label("urged"),
            dispatched_sum(rated.c.rated).label("rated"),
            dispatched_sum(rated.c.res_sum).label("res_sum"),
            dispatched_sum(rated.c.sat_sum).label("sat_sum"),
        ]

    def _facts_query(self, span: Span, *extra_columns) -> Select:
        rated = scoring.RATED_ORDERS
        return (
            select(*extra_columns, *self._facts(rated))
            .select_from(Order)
            .outerjoin(rated, rated.c.order_id == Order.id)
            .where(in_span(span))
        )

    # -- the per-order rating sums, once per build ----------------------------------------
    def setup(self, connection, spans: list[Span]) -> None:
        """Fill the temporary per-order rating table for every span the report reads."""
        hull = Span(min(s.start for s in spans), max(s.end for s in spans))
        table = scoring.RATED_ORDERS
        self.teardown(connection)
        table.create(connection)
        rows = scoring.rated_orders(self.settings, in_span(hull))
        connection.execute(insert(table).from_select([c.name for c in table.c], rows))
        if self.dialect == "postgresql":
            connection.execute(text(f"ANALYZE {table.name}"))

    def teardown(self, connection) -> None:
        connection.execute(text(f"DROP TABLE IF EXISTS {scoring.RATED_ORDERS.name}"))

    # -- volume ---------------------------------------------------------------------------
    def totals(self, span: Span) -> Select:
        repeats = func.coalesce(func.sum(Order.repeat_count), 0).label("repeats")
        return self._facts_query(span, repeats)

    def by_day(self, span: Span) -> Select:
        return self._by_bucket(span, local_day(Order.received_at, self.dialect))

    def by_month(self, span: Span) -> Select:
        return self._by_bucket(span, local_month(Order.received_at, self.dialect))

    def _by_bucket(self, span: Span, bucket) -> Select:
        dispatched = scoring.dispatched()
        answered = and_(Order.dispatched_at.is_(None), Order.completed_at.is_not(None))
        return (
            select(
                bucket.label("bucket"),
                func.count().label("received"),
                func.count(case((answered, 1))).label("answered"),
                func.count(case((dispatched, 1))).label("dispatched"),
            )
            .where(in_span(span))
            .group_by(bucket)
            .order_by(bucket)
        )

    def by_channel(self, span: Span) -> Select:
        return self._count_by(span, Order.channel)

    def by_kind(self, span: Span) -> Select:
        return self._count_by(span, Order.kind)

    def _count_by(self, span: Span, col) -> Select:
        return (
            select(col.label("key"), func.count().label("received"))
            .where(in_span(span))
            .group_by(col)
        )

    # -- the data's extent ---------------------------------------------------------------
    def data_start(self) -> Select:
        """When the first order was received: a period before it has no data (not zero)."""
        return select(func.min(Order.received_at).label("first_received"))

    # -- categories, with the comparison period ------------------------------------------
    def categories(self, level: int, span: Span, compare: Span, limit: int | None) -> Select:
        c, p, gp, key = _category_key(level)
        counts = (
            select(
                key.label("category_id"),
                func.count(case((in_span(span), 1))).label("current"),
                func.count(case((in_span(compare), 1))).label("previous"),
            )
            .select_from(Order)
            .outerjoin(c, c.id == Order.category_id)
            .outerjoin(p, p.id == c.parent_id)
            .outerjoin(gp, gp.id == p.parent_id)
            .where(or_(in_span(span), in_span(compare)))
            .group_by(key)
            .subquery("category_counts")
        )
        cat = aliased(Category, name="cat")
        parent = aliased(Category, name="parent")
        top = aliased(Category, name="top")
        query = (
            select(
                cat.code,
                cat.name,
                top.name.label("level1_name"),
                counts.c.current,
                counts.c.previous,
            )
            .select_from(counts)
            .outerjoin(cat, cat.id == counts.c.category_id)
            .outerjoin(parent, parent.id == cat.parent_id)
            .outerjoin(top, top.id == parent.parent_id)
            .where(counts.c.current > 0)
            .order_by(counts.c.current.desc(), cat.code)
        )
        return query.limit(limit) if limit else query

    def district_categories(self, span: Span) -> Select:
        """Orders by district and level-3 category (the district pages' top categories)."""
        c, p, gp, key = _category_key(3)
        counts = (
            select(
                Order.district_id.label("district_id"),
                key.label("category_id"),
                func.count().label("received"),
            )
            .select_from(Order)
            .outerjoin(c, c.id == Order.category_id)
            .outerjoin(p, p.id == c.parent_id)
            .outerjoin(gp, gp.id == p.parent_id)
            .where(in_span(span))
            .group_by(Order.district_id, key)
            .subquery("district_category_counts")
        )
        cat = aliased(Category, name="cat")
        parent = aliased(Category, name="parent")
        top = aliased(Category, name="top")
        return (
            select(
                District.code.label("district_code"),
                District.name.label("district_name"),
                cat.code,
                cat.name,
                top.name.label("level1_name"),
                counts.c.received,
            )
            .select_from(counts)
            .join(District, District.id == counts.c.district_id)
            .outerjoin(cat, cat.id == counts.c.category_id)
            .outerjoin(parent, parent.id == cat.parent_id)
            .outerjoin(top, top.id == parent.parent_id)
            .order_by(District.code, counts.c.received.desc(), cat.code)
        )

    def street_categories_by_week(self, span: Span) -> Select:
        """The weekly hotspot test's input: orders by street, level-1 category and ISO week
        (the week's Monday), over the tested week and its baseline weeks. Orders without a
        street or a category are not in any cell."""
        c, p, gp, key = _category_key(1)
        week = local_week(Order.received_at, self.dialect)
        counts = (
            select(
                Order.street_id.label("street_id"),
                key.label("category_id"),
                week.label("week"),
                func.count().label("received"),
            )
            .select_from(Order)
            .join(c, c.id == Order.category_id)
            .outerjoin(p, p.id == c.parent_id)
            .outerjoin(gp, gp.id == p.parent_id)
            .where(in_span(span), Order.street_id.is_not(None))
            .group_by(Order.street_id, key, week)
            .subquery("street_category_weeks")
        )
        return named_street_category_weeks(counts)

    def open311_cells(self, span: Span, threshold: int) -> Select:
        """Open data cells (level-3 category × street × ISO week) with at least
        ``threshold`` orders: only orders in these cells are published through Open311."""
        week = local_week(Order.received_at, self.dialect)
        return (
            select(
                Order.category_id.label("category_id"),
                Order.street_id.label("street_id"),
                week.label("week"),
                func.count().label("received"),
            )
            .where(in_span(span), Order.street_id.is_not(None), Order.category_id.is_not(None))
            .group_by(Order.category_id, Order.street_id, week)
            .having(func.count() >= threshold)
        )

    # -- places ---------------------------------------------------------------------------
    def by_district(self, span: Span) -> Select:
        return (
            self._facts_query(span, District.code, District.name)
            .join(District, District.id == Order.district_id)
            .group_by(District.id, District.code, District.name)
            .order_by(District.code)
        )

    def district_months(self, span: Span) -> Select:
        """Each district's volume and rate sums, month by month (the district pages' series)."""
        month = local_month(Order.received_at, self.dialect)
        return (
            self._facts_query(span, District.code, District.name, month.label("month"))
            .join(District, District.id == Order.district_id)
            .group_by(District.code, District.name, month)
            .order_by(District.code, month)
        )

    def district_received(self, span: Span) -> Select:
        return (
            select(District.code, func.count().label("received"))
            .select_from(Order)
            .join(District, District.id == Order.district_id)
            .where(in_span(span))
            .group_by(District.code)
        )

    def by_street(self, span: Span) -> Select:
        """Orders by the place's street; an order without one counts under its district."""
        return (
            select(
                District.code.label("district_code"),
                District.name.label("district_name"),
                Street.code.label("street_code"),
                Street.name.label("street_name"),
                func.count().label("received"),
            )
            .select_from(Order)
            .join(District, District.id == Order.district_id)
            .outerjoin(Street, Street.id == Order.street_id)
            .where(in_span(span))
            .group_by(District.code, District.name, Street.code, Street.name)
            .order_by(District.code, Street.code)
        )

    # -- handling units -----------------------------------------------------------------------
    def by_unit_kind(self, span: Span) -> Select:
        """Dispatched orders by the kind of their lead unit (None: back with the dispatcher)."""
        return (
            self._facts_query(span, Unit.kind.label("unit_kind"))
            .outerjoin(Unit, Unit.id == Order.lead_unit_id)
            .where(scoring.dispatched())
            .group_by(Unit.kind)
        )

    def street_units_by_month(self, span: Span) -> Select:
        """The street ranking's input: each street office's orders, month by month."""
        month = local_month(Order.received_at, self.dialect)
        return (
            self._facts_query(
                span,
                month.label("month"),
                Unit.code.label("unit_code"),
                Street.code.label("street_code"),
                Street.name.label("street_name"),
                District.code.label("district_code"),
                District.name.label("district_name"),
            )
            .join(Unit, Unit.id == Order.lead_unit_id)
            .outerjoin(Street, Street.id == Unit.street_id)
            .outerjoin(District, District.id == Unit.district_id)
            .where(Unit.kind == UnitKind.STREET, scoring.dispatched())
            .group_by(month, Unit.code, Street.code, Street.name, District.code, District.name)
            .order_by(month, Unit.code)
        )

    # -- all of them, for the benchmark ---------------------------------------------------------
    def statements(
        self, span: Span, compare: Span, ranking: Span, yearly: bool = True
    ) -> dict[str, Select]:
        """Every query of one report, by name. A monthly report's trend is its daily table."""
        s = self.settings
        statements = {
            "data_start": self.data_start(),
            "totals": self.totals(span),
            "totals_compare": self.totals(compare),
            "daily": self.by_day(span),
            "channels": self.by_channel(span),
            "kinds": self.by_kind(span),
            "categories_l1": self.categories(1, span, compare, s.top_l1),
            "categories_l3": self.categories(3, span, compare, s.top_l3),
            "districts": self.by_district(span),
            "districts_compare": self.district_received(compare),
            "streets": self.by_street(span),
            "unit_kinds": self.by_unit_kind(span),
            "street_units": self.street_units_by_month(ranking),
            "district_categories": self.district_categories(span),
        }
        if yearly:
            statements["monthly"] = self.by_month(span)
            statements["district_months"] = self.district_months(span)
        return statements

    def weekly_statements(self, span: Span, compare: Span, baseline: Span) -> dict[str, Select]:
        """Every query of one weekly analysis (周分析), by name."""
        return {
            "data_start": self.data_start(),
            "totals": self.totals(span),
            "totals_compare": self.totals(compare),
            "daily": self.by_day(span),
            "districts": self.by_district(span),
            "districts_compare": self.district_received(compare),
            "categories_l1": self.categories(1, span, compare, self.settings.top_l1),
            "cells": self.street_categories_by_week(baseline),
        }


def _category_key(level: int):
    """The category joins of an order and the id of its level-1 or level-3 class."""
    c = aliased(Category, name="c")
    p = aliased(Category, name="p")
    gp = aliased(Category, name="gp")
    if level == 1:
        key = case((c.level == 1, c.id), (p.level == 1, p.id), else_=gp.id)
    else:
        key = case((c.level == 3, c.id))
    return c, p, gp, key
