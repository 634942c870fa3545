"""Writing the bulk rows: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

Both go through the DB-API connection underneath SQLAlchemy's, with the rows as the
builder made them: no statement compiled and no bind processor called per row. The few
conversions SQLAlchemy's column types would make are made here, once per value: a sealed
field becomes its ciphertext bytes (``privacy.fields.Encrypted``), and on SQLite a UTC time
becomes the text SQLAlchemy stores (``privacy.orm.UTCDateTime``). Which columns need them
is read from the models, and which columns are sealed from ``privacy.catalog``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import Boolean, Connection, Enum

from hotline.models.orders import Assignment, Order, OrderEvent, Rating
from hotline.synth.rows import (
    ASSIGNMENT_COLUMNS,
    EVENT_COLUMNS,
    ORDER_COLUMNS,
    RATING_COLUMNS,
    Batch,
)
from privacy import catalog
from privacy.orm import UTCDateTime

TABLES = (
    (Order.__table__, ORDER_COLUMNS, "orders"),
    (OrderEvent.__table__, EVENT_COLUMNS, "events"),
    (Assignment.__table__, ASSIGNMENT_COLUMNS, "assignments"),
    (Rating.__table__, RATING_COLUMNS, "ratings"),
)
# Positions of sealed values, whose ciphertext bytes are written as they are.
SEALED_AT = {
    attr: [columns.index(c) for c in catalog.columns(table.name) if c in columns]
    for table, columns, attr in TABLES
}
TIMES_AT = {
    attr: [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
    for table, columns, attr in TABLES
}
# Enum members and booleans, which sqlite3 binds only after looking for an adapter.
PLAIN_AT = {
    attr: [i for i, c in enumerate(columns) if isinstance(table.c[c].type, Enum | Boolean)]
    for table, columns, attr in TABLES
}


def write_batch(conn: Connection, batch: Batch) -> None:
    """Insert the batch's rows in the connection's transaction."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        copy_batch(raw, batch)
    elif conn.dialect.name == "sqlite":
        insert_batch(raw, batch)
    else:
        raise NotImplementedError(f"bulk writing to {conn.dialect.name} is not supported")


# -- SQLite ---------------------------------------------------------------------------------
_CLOCK: list[str] = []  # "HH:MM:SS.000000" for every second of a day
_DAYS: dict[int, str] = {}  # "YYYY-MM-DD " by proleptic ordinal


def sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy stores on SQLite for an aware time: UTC, with microseconds."""
    if value.tzinfo is not UTC or value.microsecond:
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond:06d}"
    if not _CLOCK:
        _CLOCK.extend(
            f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86400)
        )
    label = _DAYS.get(value.toordinal())
    if label is None:
        label = _DAYS[value.toordinal()] = value.strftime("%Y-%m-%d ")
    return label + _CLOCK[value.hour * 3600 + value.minute * 60 + value.second]


_PLAIN = {True: 1, False: 0}


def _plain(value):
    """An enum member as its value, a boolean as 0 or 1 (what sqlite3 would store)."""
    if value is True or value is False:
        return _PLAIN[value]
    return value.value if isinstance(value, enum.Enum) else value


def _sqlite_rows(
    rows: list[tuple], sealed: list[int], times: list[int], plain: list[int]
) -> list[list]:
    out = []
    for row in rows:
        row = list(row)
        for i in sealed:
            if row[i] is not None:
                row[i] = row[i].blob
        for i in times:
            if row[i] is not None:
                row[i] = sqlite_time(row[i])
        for i in plain:
            value = row[i]
            if value is not None and type(value) is not str:
                row[i] = _plain(value)
        out.append(row)
    return out


def insert_batch(raw, batch: Batch) -> None:
    """``executemany`` on a sqlite3 connection, in its current transaction."""
    cursor = raw.cursor()
    try:
        for table, columns, attr in TABLES:
            rows = getattr(batch, attr)
            if not rows:
                continue
            statement = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 (model names)
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            cursor.executemany(
                statement, _sqlite_rows(rows, SEALED_AT[attr], TIMES_AT[attr], PLAIN_AT[attr])
            )
    finally:
        cursor.close()


# -- PostgreSQL -----------------------------------------------------------------------------
# How psycopg dumps each PostgreSQL type in binary COPY; everything else goes as text
# (varchar, text, and json, whose binary form is its text).
BINARY_DUMPERS = {
    "int4": "int4",
    "int8": "int8",
    "bool": "bool",
    "bytea": "bytea",
    "timestamptz": "timestamptz",
}
_copy_types: dict[tuple[str, str], list[str]] = {}


def _column_types(cursor, table: str, columns: tuple[str, ...]) -> list[str]:
    key = (cursor.connection.info.dbname, table)
    if key not in _copy_types:
        cursor.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = %s::regclass AND a.attnum > 0",
            (table,),
        )
        types = dict(cursor.fetchall())
        _copy_types[key] = [BINARY_DUMPERS.get(types[c], "text") for c in columns]
    return _copy_types[key]


def copy_batch(raw, batch: Batch) -> None:
    """Binary ``COPY`` on a psycopg connection, in its current transaction."""
    with raw.cursor() as cursor:
        for table, columns, attr in TABLES:
            rows = getattr(batch, attr)
            if not rows:
                continue
            sealed = SEALED_AT[attr]
            types = _column_types(cursor, table.name, columns)
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            with cursor.copy(statement) as copy:
                copy.set_types(types)
                write = copy.write_row
                for row in rows:
                    if sealed:
                        row = list(row)
                        for i in sealed:
                            if row[i] is not None:
                                row[i] = row[i].blob
                    write(row)
