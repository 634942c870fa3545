"""The bulk writer: plans chunks of orders, builds their rows and inserts them fast.

A chunk is a run of consecutive orders (by time of receipt) with its own seed, its own
order ids and numbers fixed beforehand, so chunks are independent: they run in this
process or in worker processes (``spawn``, each with its own connection), one
transaction per chunk. PostgreSQL gets the rows through ``COPY``; other databases
through ``executemany``.
"""

from __future__ import annotations

import gc
import multiprocessing.util
import random
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Column, Connection, MetaData, Table, Text, create_engine, insert

from hotline.models.orders import Assignment, Order, OrderEvent, Rating
from hotline.synth.plan import Planner
from hotline.synth.rows import (
    ASSIGNMENT_COLUMNS,
    EVENT_COLUMNS,
    ORDER_COLUMNS,
    RATING_COLUMNS,
    Batch,
    RowBuilder,
)
from hotline.synth.scenario import OrderPlan, Rules
from hotline.synth.timing import Window
from hotline.synth.world import World
from privacy import catalog
from privacy.crypto import FieldCipher
from privacy.keyring import KeyRing

CODES_PER_CHUNK = 3


@dataclass(frozen=True)
class Setup:
    """Everything a chunk needs besides its own orders; sent once to each worker."""

    world: World
    window: Window
    rules: Rules
    seed: int


@dataclass(frozen=True)
class Task:
    index: int
    first_id: int
    times: list[int]
    numbers: list[str]


@dataclass
class ChunkResult:
    orders: int = 0
    events: int = 0
    assignments: int = 0
    ratings: int = 0
    merged: int = 0
    statuses: Counter = field(default_factory=Counter)
    codes: list[tuple[str, str]] = field(default_factory=list)


def plan_chunk(setup: Setup, task: Task) -> list[OrderPlan]:
    rng = random.Random(f"{setup.seed}/{task.index}")
    planner = Planner(setup.world, rng, setup.window, setup.rules)
    return [planner.plan(t, no) for t, no in zip(task.times, task.numbers, strict=True)]


def build_batch(builder: RowBuilder, plans: list[OrderPlan], first_id: int) -> Batch:
    batch = Batch()
    every = max(1, len(plans) // CODES_PER_CHUNK)
    for i, plan in enumerate(plans):
        builder.build(plan, first_id + i, batch, keep_code=i % every == every - 1)
    return batch


def run_chunk(setup: Setup, builder: RowBuilder, conn: Connection, task: Task) -> ChunkResult:
    # Millions of short-lived lists and tuples, none of them cyclic: the cycle collector
    # would only scan them again and again.
    gc.disable()
    try:
        batch = build_batch(builder, plan_chunk(setup, task), task.first_id)
    finally:
        gc.enable()
    write_batch(conn, batch)
    return ChunkResult(
        orders=len(batch.orders),
        events=len(batch.events),
        assignments=len(batch.assignments),
        ratings=len(batch.ratings),
        merged=batch.merged,
        statuses=batch.statuses,
        codes=batch.codes,
    )


# -- writing -------------------------------------------------------------------------------
def _raw_events_table() -> Table:
    """order_events with ``data`` as text: rows carry JSON already serialised, so that SQL
    NULL and JSON null stay apart exactly as the ORM writes them."""
    columns = [
        Column(c.name, Text() if c.name == "data" else c.type, primary_key=c.primary_key)
        for c in OrderEvent.__table__.columns
    ]
    return Table("order_events", MetaData(), *columns)


_EVENTS = _raw_events_table()
TABLES = (
    (Order.__table__, ORDER_COLUMNS, "orders"),
    (_EVENTS, EVENT_COLUMNS, "events"),
    (Assignment.__table__, ASSIGNMENT_COLUMNS, "assignments"),
    (Rating.__table__, RATING_COLUMNS, "ratings"),
)
# Positions of sealed values, whose ciphertext bytes COPY takes as they are.
SEALED_AT = {
    attr: [columns.index(c) for c in catalog.columns(table.name) if c in columns]
    for table, columns, attr in TABLES
}


def write_batch(conn: Connection, batch: Batch) -> None:
    if conn.dialect.name == "postgresql":
        _copy(conn, batch)
        return
    for table, columns, attr in TABLES:
        rows = getattr(batch, attr)
        if rows:
            conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


# How psycopg dumps each PostgreSQL type in binary COPY; everything else goes as text
# (varchar, text, and json, whose binary form is its text).
BINARY_DUMPERS = {"int4": "int4", "int8": "int8", "bool": "bool", "bytea": "bytea"}
BINARY_DUMPERS["timestamptz"] = "timestamptz"
_copy_types: dict[str, list[str]] = {}


def _column_types(cursor, table: str, columns: tuple[str, ...]) -> list[str]:
    if table not in _copy_types:
        cursor.execute(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = %s::regclass AND a.attnum > 0",
            (table,),
        )
        types = dict(cursor.fetchall())
        _copy_types[table] = [BINARY_DUMPERS.get(types[c], "text") for c in columns]
    return _copy_types[table]


def _copy(conn: Connection, batch: Batch) -> None:
    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    raw = conn.connection.driver_connection
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
                for row in rows:
                    if sealed:
                        row = list(row)
                        for i in sealed:
                            if row[i] is not None:
                                row[i] = row[i].blob
                    copy.write_row(row)


# -- worker processes ----------------------------------------------------------------------
_worker: dict = {}


def init_worker(url: str, ring_document: dict, algorithm: str, setup: Setup) -> None:
    cipher = FieldCipher(KeyRing.from_document(ring_document), algorithm)
    _worker["setup"] = setup
    _worker["builder"] = RowBuilder(cipher, setup.rules, setup.world)
    # One connection per worker, kept for all its chunks and closed when the worker ends.
    engine = _worker["engine"] = create_engine(url, pool_size=1, max_overflow=0)
    multiprocessing.util.Finalize(engine, engine.dispose, exitpriority=10)


def worker_task(task: Task) -> ChunkResult:
    with _worker["engine"].begin() as conn:
        return run_chunk(_worker["setup"], _worker["builder"], conn, task)
