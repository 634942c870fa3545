"""Rollups: the statistics' aggregate tables and each order's current contribution to them.

``rollup_orders`` holds, per order, the key it counts under (Beijing date of receipt,
district, street, lead unit, category, kind, channel) and its additive facts. Every other
table is a *grain*: the sum of those contributions over a few of the key's dimensions, per
day (``res`` 'D'), ISO week ('W', bucket = its Monday), month ('M', bucket = the 1st) or
year ('Y', bucket = 1 January).
When an order changes, the difference between its new and its stored contribution is added
to each grain (``hotline.reports.rollups``), so a grain row is always the sum of the
contributions that fall in it.

Dimensions that an order may lack (street, lead unit, category) are stored as 0, so that
they can be part of the primary key on every database. Nothing here is personal data.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind, enum_column
from hotline.models.orders import Order

# The additive facts, in the order they are stored. ``late`` is the stable part of
# "overdue" (completed after the deadline); an open order past its deadline is found live.
FACTS = (
    "received",
    "answered",
    "dispatched",
    "withdrawn",
    "responded",
    "completed",
    "on_time",
    "late",
    "repeats",
    "urged",
    "res_yes",
    "res_partly",
    "res_no",
    "sat_satisfied",
    "sat_basically",
    "sat_dissatisfied",
)
NONE = 0  # a street, lead unit or category the order does not have


def _fact() -> Mapped[int]:
    return mapped_column(Integer, default=0, sort_order=10)


class RollupFacts:
    """What a set of orders adds up to (see ``hotline.reports.rollups.contributions``)."""

    received: Mapped[int] = _fact()
    answered: Mapped[int] = _fact()  # answered by the hotline directly
    dispatched: Mapped[int] = _fact()  # dispatched and not withdrawn
    urged: Mapped[int] = _fact()  # 催办 by the requester, on the order's current lead unit
    withdrawn: Mapped[int] = _fact()  # withdrawn by the requester (counted in received only)
    responded: Mapped[int] = _fact()  # requester contacted in time
    completed: Mapped[int] = _fact()  # dispatched and completed
    on_time: Mapped[int] = _fact()
    late: Mapped[int] = _fact()  # completed after the deadline
    repeats: Mapped[int] = _fact()  # repeat requests merged into them
    # Rated (order, round) pairs of dispatched orders, by the verdict that counts.
    res_yes: Mapped[int] = _fact()
    res_partly: Mapped[int] = _fact()
    res_no: Mapped[int] = _fact()
    sat_satisfied: Mapped[int] = _fact()
    sat_basically: Mapped[int] = _fact()
    sat_dissatisfied: Mapped[int] = _fact()


class OrderContribution(RollupFacts, db.Model):
    """One order's current contribution; no row (or ``day`` NULL) means none yet."""

    __tablename__ = "rollup_orders"

    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date | None] = mapped_column(Date)
    district_id: Mapped[int | None] = mapped_column(Integer)
    street_id: Mapped[int | None] = mapped_column(Integer)
    lead_unit_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[OrderKind | None] = mapped_column(enum_column(OrderKind))
    channel: Mapped[Channel | None] = mapped_column(enum_column(Channel))


class _Bucket:
    res: Mapped[str] = mapped_column(String(1), primary_key=True, sort_order=-2)  # D W M Y
    bucket: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-1)


def _dim() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True, autoincrement=False)


class TotalsRollup(RollupFacts, _Bucket, db.Model):
    """Per day × kind × channel: the report's totals, trends, channels and kinds."""

    __tablename__ = "rollup_totals"

    kind: Mapped[OrderKind] = mapped_column(enum_column(OrderKind), primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), primary_key=True)


class DistrictRollup(RollupFacts, _Bucket, db.Model):
    """Per day × district: district tables and a district's monthly series."""

    __tablename__ = "rollup_districts"

    district_id: Mapped[int] = _dim()


class StreetRollup(RollupFacts, _Bucket, db.Model):
    """Per day and month × street (of the place)."""

    __tablename__ = "rollup_streets"

    district_id: Mapped[int] = _dim()
    street_id: Mapped[int] = _dim()


class UnitRollup(RollupFacts, _Bucket, db.Model):
    """Per day and month × lead unit: unit kinds and the monthly street ranking."""

    __tablename__ = "rollup_units"

    lead_unit_id: Mapped[int] = _dim()


class CategoryRollup(RollupFacts, _Bucket, db.Model):
    """Per day, month and year × category (level 1 is found through the category tree)."""

    __tablename__ = "rollup_categories"

    category_id: Mapped[int] = _dim()


class DistrictCategoryRollup(RollupFacts, _Bucket, db.Model):
    """Per day, month and year × district × category: a district's top categories."""

    __tablename__ = "rollup_district_categories"

    district_id: Mapped[int] = _dim()
    category_id: Mapped[int] = _dim()


class StreetCategoryRollup(RollupFacts, _Bucket, db.Model):
    """Per ISO week × street × category: weekly hotspots and Open311's weekly cells."""

    __tablename__ = "rollup_street_categories"

    district_id: Mapped[int] = _dim()
    street_id: Mapped[int] = _dim()
    category_id: Mapped[int] = _dim()


class CellRollup(RollupFacts, _Bucket, db.Model):
    """Per day × district × street × lead unit × category × kind × channel: every
    dimension at once, for questions no coarser grain answers. At Beijing's volume a day
    has about as many cells as orders, so report builds read the coarser grains."""

    __tablename__ = "rollup_cells"

    district_id: Mapped[int] = _dim()
    street_id: Mapped[int] = _dim()
    lead_unit_id: Mapped[int] = _dim()
    category_id: Mapped[int] = _dim()
    kind: Mapped[OrderKind] = mapped_column(enum_column(OrderKind), primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), primary_key=True)


# The orders not completed yet, by time of receipt: the live part of a report ("open and
# past its deadline at the build time") reads only these, however many orders have ended.
OPEN_ORDERS_INDEX = Index(
    "ix_orders_open",
    Order.received_at,
    postgresql_where=Order.completed_at.is_(None),
    sqlite_where=Order.completed_at.is_(None),
)
