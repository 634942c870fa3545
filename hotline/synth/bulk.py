"""The bulk writer: plans chunks of orders, builds their rows and inserts them fast.

A chunk is a run of consecutive orders (by time of receipt) with its own seed, its own
order ids and numbers fixed beforehand, so chunks are independent: they run in this
process or in worker processes (``spawn``, each with its own connection), one
transaction per chunk. PostgreSQL gets the rows through ``COPY``, SQLite through
``executemany`` (``hotline.synth.writers``). SQLite takes one writer at a time, so its
workers build their rows in parallel and take turns (a lock) only to write them.
"""

from __future__ import annotations

import gc
import multiprocessing.util
import random
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Connection, create_engine, event

from hotline.synth.loading import sqlite_load_pragmas
from hotline.synth.plan import Planner
from hotline.synth.rows import Batch, RowBuilder
from hotline.synth.scenario import Focus, Mix, OrderPlan, Rules
from hotline.synth.timing import Window
from hotline.synth.world import World
from hotline.synth.writers import SEALED_AT, write_batch
from privacy.crypto import FieldCipher
from privacy.keyring import KeyRing

__all__ = ["SEALED_AT", "Setup", "Task", "ChunkResult", "plan_chunk", "run_chunk", "write_batch"]

CODES_PER_CHUNK = 3


@dataclass(frozen=True)
class Setup:
    """Everything a chunk needs besides its own orders; sent once to each worker."""

    world: World
    window: Window
    rules: Rules
    seed: int
    mix: Mix | None = None  # where orders are placed; None: every district by its weight
    focuses: tuple[Focus, ...] = ()  # the planted surges that tasks' orders may belong to


@dataclass(frozen=True)
class Task:
    index: int
    first_id: int
    times: list[int]
    numbers: list[str]
    focus: dict[int, int] = field(default_factory=dict)  # position → index in focuses


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
    planner = Planner(setup.world, rng, setup.window, setup.rules, setup.mix)
    focus, focuses = task.focus, setup.focuses
    return [
        planner.plan(t, no, focuses[focus[i]] if i in focus else None)
        for i, (t, no) in enumerate(zip(task.times, task.numbers, strict=True))
    ]


def build_batch(builder: RowBuilder, plans: list[OrderPlan], first_id: int) -> Batch:
    batch = Batch()
    every = max(1, len(plans) // CODES_PER_CHUNK)
    for i, plan in enumerate(plans):
        builder.build(plan, first_id + i, batch, keep_code=i % every == every - 1)
    return batch


def build_chunk(setup: Setup, builder: RowBuilder, task: Task) -> Batch:
    return build_batch(builder, plan_chunk(setup, task), task.first_id)


@contextmanager
def no_cycle_collection():
    """Millions of short-lived lists and tuples, none of them cyclic: the cycle collector
    would only scan them again and again."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def result_of(batch: Batch) -> ChunkResult:
    return ChunkResult(
        orders=len(batch.orders),
        events=len(batch.events),
        assignments=len(batch.assignments),
        ratings=len(batch.ratings),
        merged=batch.merged,
        statuses=batch.statuses,
        codes=batch.codes,
    )


def run_chunk(setup: Setup, builder: RowBuilder, conn: Connection, task: Task) -> ChunkResult:
    """Plan, build and write one chunk in the connection's transaction."""
    with no_cycle_collection():
        batch = build_chunk(setup, builder, task)
        write_batch(conn, batch)
    return result_of(batch)


# -- worker processes ----------------------------------------------------------------------
_worker: dict = {}


def init_worker(url: str, ring_document: dict, algorithm: str, setup: Setup, lock) -> None:
    cipher = FieldCipher(KeyRing.from_document(ring_document), algorithm)
    _worker["setup"] = setup
    _worker["builder"] = RowBuilder(cipher, setup.rules, setup.world)
    _worker["lock"] = lock
    # One connection per worker, kept for all its chunks and closed when the worker ends.
    engine = _worker["engine"] = create_engine(url, pool_size=1, max_overflow=0)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_load_pragmas)
    multiprocessing.util.Finalize(engine, engine.dispose, exitpriority=10)


def worker_task(task: Task) -> ChunkResult:
    lock = _worker["lock"]
    with no_cycle_collection():
        batch = build_chunk(_worker["setup"], _worker["builder"], task)
        with lock or nullcontext(), _worker["engine"].begin() as conn:
            write_batch(conn, batch)
    return result_of(batch)
