"""``generate_orders``: a year of synthetic orders for the demo and for benchmarks.

Receipt times for all orders are drawn first, sorted and numbered per day, and order ids
are reserved in one step; then chunks of consecutive orders are planned and written in
bulk (``hotline.synth.bulk``), in this process or in worker processes. The query codes
of a few orders are saved to ``instance/demo-codes.txt`` so that the lookup can be tried;
no other plaintext code is kept anywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text
from tqdm import tqdm

from hotline.extensions import db
from hotline.models.enums import STATUS_LABELS, OrderStatus
from hotline.models.orders import Order
from hotline.synth import bulk
from hotline.synth.rows import RowBuilder
from hotline.synth.scenario import Rules
from hotline.synth.timing import Window, order_numbers, sample_received
from hotline.synth.world import load_world
from privacy.orm import utcnow
from privacy.runtime import runtime

CHUNK_SIZE = 2000
PARALLEL_FROM = 20_000  # fewer orders are not worth starting worker processes
CODES_FILE = "demo-codes.txt"
CODES_KEPT = 12


@dataclass
class GenerationStats:
    requested: int
    workers: int
    database: str
    orders: int = 0
    merged: int = 0
    events: int = 0
    assignments: int = 0
    ratings: int = 0
    statuses: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    codes_file: Path | None = None

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

    def summary(self) -> str:
        statuses = "，".join(
            f"{STATUS_LABELS[OrderStatus(s)]} {n:,}" for s, n in self.statuses.most_common()
        )
        lines = [
            f"生成工单 {self.orders:,} 件（另有 {self.merged:,} 件重复诉求已合并），"
            f"事件 {self.events:,} 条，派单记录 {self.assignments:,} 条，"
            f"评价 {self.ratings:,} 条。",
            f"状态：{statuses}。",
            f"用时 {self.elapsed:.1f} 秒，{self.rate:,.0f} 件/秒"
            f"（{self.database}，{self.workers} 个进程）。",
        ]
        if self.codes_file is not None:
            lines.append(f"可试查询的工单编号和查询码：{self.codes_file}")
        return "\n".join(lines)


def generate_orders(
    n: int,
    seed: int = 12345,
    year: int | None = None,
    progress: bool = True,
    workers: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> GenerationStats:
    """Generate ``n`` orders with full timelines, received within the last year (or within
    ``year``, up to now). Commits chunk by chunk."""
    if n < 1:
        raise ValueError("n must be positive")
    started = time.perf_counter()
    engine = db.engine
    dialect = engine.dialect.name
    if workers is None:
        workers = 1 if n < PARALLEL_FROM or dialect == "sqlite" else os.cpu_count() or 1
    setup = bulk.Setup(
        world=load_world(),
        window=Window.for_year(year, utcnow()),
        rules=Rules.from_config(current_app.config),
        seed=seed,
    )
    times = sample_received(random.Random(seed), n, setup.window)
    numbers = order_numbers(times, taken_numbers())
    first_id = reserve_order_ids(n)
    db.session.commit()
    tasks = [
        bulk.Task(
            i // chunk_size, first_id + i, times[i : i + chunk_size], numbers[i : i + chunk_size]
        )
        for i in range(0, n, chunk_size)
    ]
    stats = GenerationStats(requested=n, workers=workers, database=dialect)
    codes: list[tuple[str, str]] = []
    bar = tqdm(total=n, unit="件", desc="生成工单", disable=not progress, smoothing=0.1)
    with bar:
        for chunk in _run(tasks, setup, workers):
            stats.add(chunk)
            codes.extend(chunk.codes)
            bar.update(chunk.orders)
    stats.elapsed = time.perf_counter() - started
    stats.codes_file = save_codes(codes)
    return stats


def _run(tasks: list[bulk.Task], setup: bulk.Setup, workers: int):
    priv = runtime()
    if workers <= 1:
        builder = RowBuilder(priv.cipher, setup.rules, setup.world)
        for task in tasks:
            with db.engine.begin() as conn:
                yield bulk.run_chunk(setup, builder, conn, task)
        return
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    initargs = (url, priv.ring.to_document(), priv.cipher_algorithm, setup)
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
