"""Bulk-load mode: what the database may skip while millions of rows go in.

* SQLite, per connection of the load: ``synchronous = OFF`` (every page is still handed to
  the operating system, so a crash of the program loses nothing; only a power cut during
  the load could), a 256 MB page cache and temporary data in memory. Nothing persistent
  changes: other connections keep the defaults.
* ``suspended_indexes``: the order tables' secondary indexes are dropped before the load and
  built again afterwards, each build timed. On PostgreSQL it can also suspend the primary
  keys, unique constraints and foreign keys (the 10-million-order benchmark), rebuilt in
  dependency order: keys and unique constraints, then indexes, then foreign keys, which
  are checked against the loaded rows when they are added. Definitions are read back from
  the database's own catalogue, so what is rebuilt is exactly what the migrations made.
  With the constraints, the tables are also made ``UNLOGGED`` for the load (no write-ahead
  log while millions of rows go in) and ``LOGGED`` again after it, which writes each
  table to the log once, in one sequential pass; a crash during the load empties them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

ORDER_TABLES = ("orders", "order_events", "assignments", "ratings")
SQLITE_PRAGMAS = (
    "PRAGMA synchronous = OFF",
    "PRAGMA cache_size = -262144",
    "PRAGMA temp_store = MEMORY",
)


def sqlite_load_pragmas(dbapi_connection, _record=None) -> None:
    """Set the load's PRAGMAs on a new sqlite3 connection (an engine ``connect`` hook)."""
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


@dataclass
class Rebuilt:
    """What was suspended and how long each rebuild took (seconds, in order)."""

    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(t for _, t in self.timings)


@dataclass(frozen=True)
class _Item:
    kind: str  # "index", "key" (primary key / unique), "foreign key"
    table: str
    name: str
    create: str  # the statement that makes it again


def _sqlite_items(conn, tables: tuple[str, ...]) -> list[_Item]:
    rows = conn.execute(
        text(
            "SELECT tbl_name, name, sql FROM sqlite_master "
            "WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        )
    )
    return [_Item("index", t, n, sql) for t, n, sql in rows if t in tables]


def _pg_items(conn, tables: tuple[str, ...], constraints: bool) -> list[_Item]:
    names = list(tables)
    items: list[_Item] = []
    if constraints:
        # Foreign keys from or to the tables (others' keys must go before the primary keys
        # they point at), then the primary keys and unique constraints themselves.
        rows = conn.execute(
            text(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), "
                "c.contype FROM pg_constraint c "
                "WHERE c.contype IN ('f', 'p', 'u') AND (c.conrelid::regclass::text = ANY(:t) "
                "OR (c.contype = 'f' AND c.confrelid::regclass::text = ANY(:t))) "
                "ORDER BY c.contype = 'f' DESC, c.conname"
            ),
            {"t": names},
        )
        for table, name, definition, contype in rows:
            kind = "foreign key" if contype == "f" else "key"
            create = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            items.append(_Item(kind, table, name, create))
    rows = conn.execute(
        text(
            "SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:t) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.conrelid = (i.schemaname || '.' || i.tablename)::regclass) "
            "ORDER BY i.indexname"
        ),
        {"t": names},
    )
    items += [_Item("index", t, n, definition) for t, n, definition in rows]
    return items


def _drop(conn, item: _Item) -> None:
    if item.kind == "index":
        conn.execute(text(f'DROP INDEX "{item.name}"'))
    else:
        conn.execute(text(f'ALTER TABLE {item.table} DROP CONSTRAINT "{item.name}"'))


@contextmanager
def suspended_indexes(
    engine: Engine,
    tables: tuple[str, ...] = ORDER_TABLES,
    *,
    constraints: bool = False,
    settings: dict[str, str] | None = None,
) -> Iterator[Rebuilt]:
    """Drop the tables' secondary indexes (and with ``constraints``, on PostgreSQL, their
    keys and foreign keys) for the duration of the block; rebuild and time them after it,
    also when the block fails. ``settings`` are PostgreSQL settings for the rebuild
    (``maintenance_work_mem`` makes index builds sort in memory)."""
    postgres = engine.dialect.name == "postgresql"
    unlogged = postgres and constraints
    with engine.begin() as conn:
        if postgres:
            items = _pg_items(conn, tables, constraints)
        else:
            items = _sqlite_items(conn, tables)
        for item in items:
            _drop(conn, item)
        if unlogged:
            for table in tables:
                conn.execute(text(f"ALTER TABLE {table} SET UNLOGGED"))
    rebuilt = Rebuilt()
    try:
        yield rebuilt
    finally:
        if unlogged:
            for table in tables:
                started = time.perf_counter()
                with engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE {table} SET LOGGED"))
                rebuilt.timings.append((f"logged {table}", time.perf_counter() - started))
        # Keys before the indexes and foreign keys that need them; foreign keys last.
        rank = {"key": 0, "index": 1, "foreign key": 2}
        for item in sorted(items, key=lambda i: rank[i.kind]):
            started = time.perf_counter()
            with engine.begin() as conn:
                for name, value in (settings or {}).items() if postgres else ():
                    conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
                conn.execute(text(item.create))
            rebuilt.timings.append((f"{item.kind} {item.name}", time.perf_counter() - started))
