"""``generate_orders``: synthetic orders for the demo and for benchmarks.

Receipt times for all orders are drawn first (over the last year, one year, or the demo's
multi-year ``History`` with its planted surges), sorted and numbered per day, and order ids
are reserved in one step; then chunks of consecutive orders are planned and written in
bulk (``hotline.synth.bulk``), in this process or in worker processes. The query codes
of a few orders are saved to ``instance/demo-codes.txt`` so that the lookup can be tried;
no other plaintext code is kept anywhere.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, event, func, select, text
from tqdm import tqdm

from hotline.extensions import db
from hotline.models.enums import STATUS_LABELS, OrderStatus
from hotline.models.orders import Order
from hotline.synth import bulk, history, loading
from hotline.synth.rows import RowBuilder
from hotline.synth.scenario import Rules
from hotline.synth.timing import SHANGHAI, Window, number_orders, sample_received
from hotline.synth.world import load_world
from privacy.orm import utcnow
from privacy.runtime import runtime

CHUNK_SIZE = 2000
PARALLEL_FROM = 20_000  # fewer orders are not worth starting worker processes
SUSPEND_INDEXES_FROM = 50_000  # into empty tables, indexes are built after the load
CODES_FILE = "demo-codes.txt"
CODES_KEPT = 12


@dataclass
class GenerationStats:
    requested: int
    workers: int
    database: str
    window: Window | None = None
    orders: int = 0
    merged: int = 0
    events: int = 0
    assignments: int = 0
    ratings: int = 0
    statuses: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    load_elapsed: float = 0.0  # writing the rows, before any index was rebuilt
    codes_file: Path | None = None
    history: history.History | None = None
    planted: list[history.PlantedCell] = field(default_factory=list)
    rebuilt: loading.Rebuilt | None = None

    def add(self, chunk: bulk.ChunkResult) -> None:
        self.orders += chunk.orders
        self.merged += chunk.merged
        self.events += chunk.events
        self.assignments += chunk.assignments
        self.ratings += chunk.ratings
        self.statuses.update(chunk.statuses)

    @property
    def rate(self) -> float:
        return self.orders / self.elapsed if self.elapsed else 0.0

    @property
    def load_rate(self) -> float:
        return self.orders / self.load_elapsed if self.load_elapsed else 0.0

    def summary(self) -> str:
        statuses = "，".join(
            f"{STATUS_LABELS[OrderStatus(s)]} {n:,}" for s, n in self.statuses.most_common()
        )
        lines = []
        if self.window is not None:
            first, last = (
                datetime.fromtimestamp(t, SHANGHAI).date()
                for t in (self.window.start, self.window.end)
            )
            lines.append(f"受理时间 {first} 至 {last}。")
        h = self.history
        if h is not None and h.districts:
            lines.append(
                f"全量区（区划代码）：{'、'.join(h.districts)}，每个街道乡镇首年平均每月"
                f" {h.per_street_month:g} 件；其余各区抽样 {h.thin_share:.0%}；"
                f"每年增长 {h.growth:.0%}。"
            )
        lines += [
            f"生成工单 {self.orders:,} 件（另有 {self.merged:,} 件重复诉求已合并），"
            f"事件 {self.events:,} 条，派单记录 {self.assignments:,} 条，"
            f"评价 {self.ratings:,} 条。",
            f"状态：{statuses}。",
        ]
        for cell in self.planted:
            lines.append(
                f"周分析预置激增：{cell.street_name}（{cell.street_code}）× {cell.level1}，"
                f"{cell.week} 当周，常态约 {cell.expected:.1f} 件，另加 {cell.added} 件"
                f"（{cell.label}）。"
            )
        timing = f"用时 {self.elapsed:.1f} 秒，{self.rate:,.0f} 件/秒"
        if self.rebuilt is not None and self.rebuilt.timings:
            timing += (
                f"（其中写入 {self.load_elapsed:.1f} 秒，重建索引 {self.rebuilt.total:.1f} 秒）"
            )
        lines.append(f"{timing}（{self.database}，{self.workers} 个进程）。")
        if self.codes_file is not None:
            lines.append(f"可试查询的工单编号和查询码：{self.codes_file}")
        return "\n".join(lines)


def generate_orders(
    n: int | None = None,
    seed: int = 12345,
    year: int | None = None,
    progress: bool = True,
    workers: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    history_profile: history.History | None = None,
    suspend_indexes: bool | None = None,
    suspend_constraints: bool = False,
    now: datetime | None = None,
) -> GenerationStats:
    """Generate orders with full timelines and commit them chunk by chunk.

    Without ``history_profile``: ``n`` orders received within the last year (or within
    ``year``, up to now), in every district by its weight. With it: the demo's years of
    history (``n`` defaults to the profile's size), concentrated and growing, with its
    surges planted. ``suspend_indexes`` builds the order tables' secondary indexes after
    the load (default: when the tables are empty and the load is large);
    ``suspend_constraints`` also their keys and foreign keys (PostgreSQL only). ``now``
    (default: the present) ends the window and cuts off every later step."""
    started = time.perf_counter()
    world = load_world()
    rules = Rules.from_config(current_app.config)
    now = now or utcnow()
    rng = random.Random(seed)
    setup_extra: dict = {}
    planted: list[history.PlantedCell] = []
    if history_profile is not None:
        window = history_profile.window(now)
        mix = history_profile.mix(world)
        n = n if n is not None else history_profile.size(world, window)
        times = sample_received(rng, n, window, history_profile.growth)
        extra, focus_of, planted = history.plant(
            history_profile, world, window, rules, mix, times, seed
        )
        setup_extra = {"mix": mix, "focuses": history.focuses(history_profile, world)}
        times, focus = history.merge_planted(times, extra, focus_of)
    else:
        if n is None or n < 1:
            raise ValueError("n must be positive")
        window = Window.for_year(year, now)
        times = sample_received(rng, n, window)
        focus = {}
    total = len(times)
    setup = bulk.Setup(world=world, window=window, rules=rules, seed=seed, **setup_extra)

    engine = db.engine
    dialect = engine.dialect.name
    if workers is None:
        workers = 1 if total < PARALLEL_FROM else os.cpu_count() or 1
    if suspend_indexes is None:
        suspend_indexes = total >= SUSPEND_INDEXES_FROM and _orders_empty()
    first_id = reserve_order_ids(total)
    taken = taken_numbers()
    db.session.commit()
    tasks = _tasks(times, focus, first_id, taken, chunk_size)
    stats = GenerationStats(
        requested=total, workers=workers, database=dialect, window=window,
        history=history_profile, planted=planted,
    )  # fmt: skip
    codes: list[tuple[str, str]] = []
    suspended = (
        loading.suspended_indexes(engine, constraints=suspend_constraints, settings=_REBUILD)
        if suspend_indexes or suspend_constraints
        else contextlib.nullcontext()
    )
    bar = tqdm(total=total, unit="件", desc="生成工单", disable=not progress, smoothing=0.1)
    with suspended as rebuilt, bar:
        for chunk in _run(tasks, setup, workers):
            stats.add(chunk)
            codes.extend(chunk.codes)
            bar.update(chunk.orders)
        stats.load_elapsed = time.perf_counter() - started
        bar.close()
    stats.rebuilt = rebuilt
    stats.elapsed = time.perf_counter() - started
    stats.codes_file = save_codes(codes)
    return stats


# Index builds sort in memory rather than in temporary files (PostgreSQL).
_REBUILD = {"maintenance_work_mem": "1GB"}


def _orders_empty() -> bool:
    return db.session.scalar(select(Order.id).limit(1)) is None


def _tasks(
    times: list[int], focus: dict[int, int], first_id: int, taken: dict[str, int], size: int
) -> Iterator[bulk.Task]:
    """Chunks of consecutive orders, numbered per Beijing day after the numbers taken;
    ``focus`` gives the position of each planted order and the index of its surge."""
    counters = dict(taken)
    planted = sorted(focus)
    for start in range(0, len(times), size):
        chunk = times[start : start + size]
        numbers = number_orders(chunk, counters)
        first, last = bisect_left(planted, start), bisect_left(planted, start + size)
        marks = {i - start: focus[i] for i in planted[first:last]}
        yield bulk.Task(start // size, first_id + start, chunk, numbers, marks)


def _load_engine():
    """The engine the load writes through in this process: on SQLite a separate one with
    the load's PRAGMAs, so that the app's own connections keep their settings."""
    engine = db.engine
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine, False
    load = create_engine(engine.url, pool_size=1, max_overflow=0)
    event.listen(load, "connect", loading.sqlite_load_pragmas)
    return load, True


def _run(tasks: Iterator[bulk.Task], setup: bulk.Setup, workers: int):
    priv = runtime()
    if workers <= 1:
        builder = RowBuilder(priv.cipher, setup.rules, setup.world)
        engine, own = _load_engine()
        try:
            for task in tasks:
                with engine.begin() as conn:
                    yield bulk.run_chunk(setup, builder, conn, task)
        finally:
            if own:
                engine.dispose()
        return
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    # SQLite takes one writer at a time: the workers build in parallel and take turns to write.
    lock = context.Lock() if db.engine.dialect.name == "sqlite" else None
    initargs = (url, priv.ring.to_document(), priv.cipher_algorithm, setup, lock)
    with context.Pool(workers, initializer=bulk.init_worker, initargs=initargs) as pool:
        yield from pool.imap_unordered(bulk.worker_task, tasks)
        pool.close()  # let the workers finish cleanly and close their connections
        pool.join()


def taken_numbers() -> dict[str, int]:
    """The highest counter already used on each day, so new numbers never collide."""
    day = func.substr(Order.order_no, 1, 8)
    rows = db.session.execute(
        select(day, func.max(Order.order_no)).where(func.length(Order.order_no) == 14).group_by(day)
    )
    return {d: int(last[8:]) for d, last in rows if last[8:].isdigit()}


def reserve_order_ids(n: int) -> int:
    """The first of ``n`` consecutive free order ids; on PostgreSQL the sequence is moved
    past them first, so that orders received meanwhile do not take them."""
    top = db.session.scalar(select(func.coalesce(func.max(Order.id), 0)))
    if db.engine.dialect.name != "postgresql":
        return top + 1
    sequence = db.session.scalar(text("SELECT pg_get_serial_sequence('orders', 'id')"))
    # The name comes from the catalogue, not from input.
    query = text(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
    last, called = db.session.execute(query).one()
    base = max(top, last if called else last - 1)
    db.session.execute(text("SELECT setval(:seq, :value)"), {"seq": sequence, "value": base + n})
    return base + 1


def save_codes(codes: list[tuple[str, str]]) -> Path | None:
    if not codes:
        return None
    codes.sort()
    step = max(1, len(codes) // CODES_KEPT)
    kept = codes[::-1][::step][:CODES_KEPT]
    path = Path(current_app.instance_path) / CODES_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# 演示数据：工单编号 查询码（仅供演示环境试用查询）\n")
        fh.writelines(f"{order_no} {code}\n" for order_no, code in sorted(kept))
    return path
