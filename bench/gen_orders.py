"""Benchmark of the synthetic data generator (issues 2 and 16): N orders into PostgreSQL.

Drops and recreates one scratch database (``bench_10m`` by default; the name must start
with ``bench``, so the tests' ``test`` is never touched), runs the migrations, seeds the
reference data and generates N orders over several years with the demo generator's own
planner (``hotline.synth``: the same mix, timelines and surges as ``make run``, every
district at its usual weight, +10 % a year). The order tables' keys, indexes and foreign
keys are dropped for the load and built again after it, each timed. Then the statistics
rollups are rebuilt (they are not part of the orders/s), the database is analysed, and
the figures are written to ``bench/results/generator.md``.

The database is kept for the other benchmarks (report builds and citizen reads at 10M).
Its key ring is kept beside it in ``instance/<database>/``: point the app at both to read
the sealed fields::

    HOTLINE_INSTANCE_PATH=instance/bench_10m \\
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_10m .venv/bin/flask ...

    .venv/bin/python bench/gen_orders.py                          # 10,000,000 orders
    .venv/bin/python bench/gen_orders.py --orders 200000 --database-url \\
        postgresql://postgres@127.0.0.1:5432/bench_gen --no-record   # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "generator.md"
TABLES = ("orders", "order_events", "assignments", "ratings")


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().split()
    ram_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({model}), {ram_gib:.0f} GiB RAM, Python {python}"


def uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def recreate_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to drop database {name!r}: use a name starting with 'bench'")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class BackendCpu(threading.Thread):
    """Samples the CPU time of the PostgreSQL backends serving one database (same host).

    Backends come and go; the last sample of each is kept, so a backend's final half
    second may be missed."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.seen: dict[int, float] = {}
        self.stopped = threading.Event()

    @staticmethod
    def cpu_seconds(pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            query = (
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            while not self.stopped.wait(0.5):
                for (pid,) in conn.execute(query).fetchall():
                    cpu = self.cpu_seconds(pid)
                    if cpu is not None:
                        self.seen[pid] = cpu

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        return sum(self.seen.values())


def python_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from hotline.extensions import db
    from hotline.synth.generate import generate_orders
    from hotline.synth.history import BENCH
    from yangguang import create_app

    name = psycopg.conninfo.conninfo_to_dict(args.database_url)["dbname"]
    instance = ROOT / "instance" / name
    instance.mkdir(parents=True, exist_ok=True)
    recreate_database(args.database_url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url.replace(
                "postgresql://", "postgresql+psycopg://", 1
            ),
            "INSTANCE_PATH": str(instance),
        }
    )
    profile = dataclasses.replace(BENCH, years=args.years)
    result: dict = {"instance": instance, "database": name}
    with app.app_context():
        upgrade(revision="heads")
        seeded = app.test_cli_runner().invoke(args=["hotline", "seed"])
        if seeded.exit_code != 0:
            raise SystemExit(seeded.output)
        with db.engine.begin() as conn:
            result["version"] = conn.scalar(text("SHOW server_version"))
            result["heads"] = sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
        sampler = BackendCpu(args.database_url)
        sampler.start()
        result["load_before"], cpu_before = uptime(), python_cpu()
        stats = generate_orders(
            args.orders,
            seed=args.seed,
            progress=True,
            workers=args.workers,
            history_profile=profile,
            suspend_constraints=not args.keep_constraints,
            suspend_indexes=not args.keep_constraints,
        )
        result["cpu"] = {"python": python_cpu() - cpu_before, "postgres": sampler.stop()}
        result["load_after"] = uptime()
        result["stats"] = stats
        print(stats.summary())
        result["rollups"] = rebuild_rollups(db) if not args.no_rollups else None
        started = time.perf_counter()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("ANALYZE")
            result["analyze"] = time.perf_counter() - started
            result["counts"] = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
            result["size"] = conn.scalar(
                text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            )
            result["sizes"] = dict(
                conn.execute(
                    text(
                        "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) "
                        "FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                        "'public'::regnamespace ORDER BY pg_total_relation_size(oid) DESC LIMIT 8"
                    )
                ).all()
            )
            result["received"] = conn.execute(
                text("SELECT min(received_at), max(received_at) FROM orders")
            ).one()
    return result


def rebuild_rollups(db) -> tuple[float, str] | None:
    try:
        from hotline.reports.rollups.rebuild import rebuild
    except ImportError:
        return None
    started = time.perf_counter()
    stats = rebuild(db.session)
    db.session.commit()
    return time.perf_counter() - started, stats.summary()


def section(r: dict, args) -> str:
    s, cpu = r["stats"], r["cpu"]
    busy = cpu["python"] + cpu["postgres"]
    first, last = (t.astimezone(UTC).date() for t in r["received"])
    lines = [
        f"## {s.orders:,} orders into PostgreSQL {r['version']}",
        "",
        f"Script: `bench/gen_orders.py --orders {args.orders}`. Run "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "",
        f"Machine load (`uptime`): {r['load_before']} at the start of the load, "
        f"{r['load_after']} at its end. The machine is shared with other engineers' tests "
        "and benchmarks; what else ran is in the notes below.",
        "",
        f"Database `{r['database']}` (kept), migrations at head "
        f"{', '.join(r['heads'])}; orders received {first} to {last} (UTC dates), every "
        "district at its usual weight (`hotline.synth.history.BENCH`), +10 % a year, the "
        "planted weekly surges included. "
        f"{s.workers} worker processes, COPY in chunks of 2,000 orders, one commit per chunk, "
        "personal fields and notes sealed (AES-256-GCM).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| load (rows written, keys and indexes off) | {s.load_elapsed:,.0f} s, "
        f"**{s.load_rate:,.0f} orders/s** |",
    ]
    if s.rebuilt is not None:
        lines.append(
            f"| keys, indexes and foreign keys rebuilt | {s.rebuilt.total:,.0f} s "
            f"({len(s.rebuilt.timings)} items, below) |"
        )
    lines += [
        f"| end to end (load + rebuild) | {s.elapsed:,.0f} s, {s.rate:,.0f} orders/s |",
        f"| CPU, generator processes | {cpu['python']:,.0f} s |",
        f"| CPU, their PostgreSQL backends | {cpu['postgres']:,.0f} s |",
        f"| CPU per order, both together | {busy / s.orders * 1e6:,.0f} µs |",
    ]
    if r["rollups"] is not None:
        lines.append(f"| rollups rebuilt (not in the rates above) | {r['rollups'][0]:,.0f} s |")
    lines += [f"| ANALYZE | {r['analyze']:,.0f} s |"]
    lines += [f"| rows in `{t}` | {n:,} |" for t, n in r["counts"].items()]
    lines += [f"| merged repeat requests | {s.merged:,} |", f"| database size | {r['size']} |", ""]
    lines += ["Largest tables (with their indexes): "]
    lines += [", ".join(f"`{t}` {size}" for t, size in r["sizes"].items()) + ".", ""]
    statuses = ", ".join(f"{k} {v:,}" for k, v in s.statuses.most_common())
    lines += [f"Statuses: {statuses}.", ""]
    if s.rebuilt is not None:
        lines += ["| rebuilt after the load | seconds |", "|---|---|"]
        lines += [f"| {name} | {seconds:,.1f} |" for name, seconds in s.rebuilt.timings]
        lines.append("")
    if r["rollups"] is not None:
        lines += [f"Rollups: {r['rollups'][1]}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_10m")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--keep-constraints", action="store_true", help="load with every index and key in place"
    )
    parser.add_argument("--no-rollups", action="store_true", help="do not rebuild the rollups")
    parser.add_argument("--no-record", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args()
    result = run(args)
    text = section(result, args)
    print(text)
    if not args.no_record:
        record(text)


START, END = "<!-- gen_orders:start -->", "<!-- gen_orders:end -->"


def record(text: str, start: str = START, end: str = END) -> None:
    """Replace one script's own section of the results file (between its markers); the
    rest is kept."""
    block = f"{start}\n{text.rstrip()}\n{end}"
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if start in current and end in current:
        head, rest = current.split(start, 1)
        updated = head + block + rest.split(end, 1)[1]
    else:
        updated = current.rstrip() + "\n\n" if current else "# Synthetic data generation\n\n"
        updated += block + "\n"
    RESULTS.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
