"""The grains: which dimensions of an order's key each rollup table keeps, and at which
resolutions (day 'D', ISO week 'W', month 'M', year 'Y'); and how a day becomes a bucket.

Report periods begin on the first of a month, so a whole year is read as one year row (or
twelve month rows) per key and a month still running as its days: the rows a build reads
are bounded by the calendar and the number of districts, streets, units and categories,
never by the orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, DateTime, cast, func
from sqlalchemy.sql.elements import ColumnElement

from hotline.models.rollups import (
    CategoryRollup,
    CellRollup,
    DistrictCategoryRollup,
    DistrictRollup,
    StreetCategoryRollup,
    StreetRollup,
    TotalsRollup,
    UnitRollup,
)

DAY, WEEK, MONTH, YEAR = "D", "W", "M", "Y"


@dataclass(frozen=True)
class Grain:
    model: type
    dims: tuple[str, ...]  # columns of the order's key (``contributions.KEY``) it keeps
    resolutions: tuple[str, ...]

    @property
    def table(self):
        return self.model.__table__

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def key(self) -> tuple[str, ...]:
        return ("res", "bucket", *self.dims)


TOTALS = Grain(TotalsRollup, ("kind", "channel"), (DAY,))
DISTRICTS = Grain(DistrictRollup, ("district_id",), (DAY,))
STREETS = Grain(StreetRollup, ("district_id", "street_id"), (DAY, MONTH))
UNITS = Grain(UnitRollup, ("lead_unit_id",), (DAY, MONTH))
CATEGORIES = Grain(CategoryRollup, ("category_id",), (DAY, MONTH, YEAR))
DISTRICT_CATEGORIES = Grain(
    DistrictCategoryRollup, ("district_id", "category_id"), (DAY, MONTH, YEAR)
)
STREET_CATEGORIES = Grain(
    StreetCategoryRollup, ("district_id", "street_id", "category_id"), (WEEK,)
)
CELLS = Grain(
    CellRollup,
    ("district_id", "street_id", "lead_unit_id", "category_id", "kind", "channel"),
    (DAY,),
)
GRAINS = (
    TOTALS,
    DISTRICTS,
    STREETS,
    UNITS,
    CATEGORIES,
    DISTRICT_CATEGORIES,
    STREET_CATEGORIES,
    CELLS,
)


def bucket_of(res: str, day: date) -> date:
    if res == WEEK:
        return day - timedelta(days=day.weekday())
    if res == MONTH:
        return day.replace(day=1)
    if res == YEAR:
        return day.replace(month=1, day=1)
    return day


def bucket_sql(res: str, day, dialect: str) -> ColumnElement:
    """``bucket_of`` in SQL, for a date column."""
    if res == DAY:
        return day
    if dialect == "postgresql":
        unit = {WEEK: "week", MONTH: "month", YEAR: "year"}[res]
        return cast(func.date_trunc(unit, cast(day, DateTime())), Date)
    if res == WEEK:  # the Monday on or before the day
        return func.date(day, "-6 days", "weekday 1")
    return func.date(day, "start of year" if res == YEAR else "start of month")


def next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def pieces(start: date, end: date, resolutions: tuple[str, ...]) -> list[tuple[str, date, date]]:
    """The rows that cover the days [start, end): whole years from year rows and whole
    months from month rows where the grain has them, the other days from day rows."""
    if start >= end:
        return []
    whole = _whole(start, end, resolutions)
    if whole is None:
        return [(DAY, start, end)]
    _, first, last = whole
    return [*pieces(start, first, resolutions), whole, *pieces(last, end, resolutions)]


def _whole(start: date, end: date, resolutions: tuple[str, ...]) -> tuple | None:
    """The run of whole years inside [start, end), else of whole months, if any."""
    if YEAR in resolutions:
        first = start if (start.month, start.day) == (1, 1) else date(start.year + 1, 1, 1)
        last = date(end.year, 1, 1)
        if first < last:
            return YEAR, first, last
    if MONTH in resolutions:
        first = start if start.day == 1 else next_month(start)
        last = end.replace(day=1)
        if first < last:
            return MONTH, first, last
    return None
