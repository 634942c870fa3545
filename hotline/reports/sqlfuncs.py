"""The few SQL expressions that differ between SQLite and PostgreSQL.

Times are stored in UTC. Days and months are bucketed by Beijing local date by adding the
fixed +8 h offset (China has no DST): PostgreSQL groups by a ``date`` (cheaper than text),
SQLite by 'YYYY-MM-DD' / 'YYYY-MM' text; ``bucket_key`` makes both the same text.
"""

from __future__ import annotations

from sqlalchemy import Date, Float, cast, extract, func, literal_column
from sqlalchemy.sql.elements import ColumnElement

from hotline.reports.settings import LOCAL_OFFSET_HOURS

_PG_OFFSET = literal_column(f"interval '{LOCAL_OFFSET_HOURS} hours'")
_SQLITE_OFFSET = f"+{LOCAL_OFFSET_HOURS} hours"
# SQLite measures time differences in floating-point days; allow 1 ms of rounding.
_SQLITE_TOLERANCE_S = 0.001


def _pg_local(col) -> ColumnElement:
    return func.timezone("UTC", col) + _PG_OFFSET


def local_day(col, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return cast(_pg_local(col), Date)
    return func.strftime("%Y-%m-%d", col, _SQLITE_OFFSET)


def local_month(col, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return cast(func.date_trunc("month", _pg_local(col)), Date)
    return func.strftime("%Y-%m", col, _SQLITE_OFFSET)


def local_week(col, dialect: str) -> ColumnElement:
    """The Monday (Beijing date) of the ISO week a timestamp falls in."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", _pg_local(col)), Date)
    # 'weekday 0' moves to the next Sunday (or stays on one); six days back is its Monday.
    return func.date(col, _SQLITE_OFFSET, "weekday 0", "-6 days")


def bucket_key(value, length: int) -> str:
    """'YYYY-MM-DD' (length 10) or 'YYYY-MM' (length 7) from a date or from text."""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:length]


def within_seconds(start, end, seconds: float, dialect: str) -> ColumnElement:
    """``end - start <= seconds`` for two timestamp columns."""
    if dialect == "postgresql":
        return extract("epoch", end - start) <= seconds
    days = cast(func.julianday(end), Float) - cast(func.julianday(start), Float)
    return days * 86400.0 <= seconds + _SQLITE_TOLERANCE_S
