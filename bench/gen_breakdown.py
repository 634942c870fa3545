"""Where a generated order's machine time goes (issue 16), measured in one process.

``bench/gen_orders.py`` gives the rate of the whole load; this script splits one order's
CPU into its parts, to show what bounds that rate. It plans N orders of the 10-million
benchmark's profile (``hotline.synth.history.BENCH``) in chunks of 2,000, as the load does,
then times each part on the same orders, best of R rounds, alternating the parts within
each round so that the machine's noise falls on all of them alike:

* **plan**: ``Planner.plan``: where and what, the texts, the timeline's steps;
* **build**: ``RowBuilder.build``: the replay through the lifecycle's own step functions,
  the sealing of personal fields and notes, the blind indexes, the SimHash, the row tuples;
* **build without cryptography**: the same with sealing, blind indexes and the SimHash
  replaced by constants; build minus this is what the cryptography costs, and this is
  what the replay and the row tuples cost;
* **COPY, client**: ``write_batch`` (binary ``COPY``, one transaction a chunk) in this
  process, into the load's unlogged tables without keys or indexes;
* **COPY, server**: the CPU of the PostgreSQL backend that took those rows (its
  ``/proc/<pid>/stat``, so PostgreSQL must run on this host).

Scratch database ``bench_breakdown`` (dropped and made again). Prints a Markdown table; with
``--record`` it replaces its section of ``bench/results/generator.md``::

    .venv/bin/python bench/gen_breakdown.py --orders 20000 --rounds 3 --record
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_orders import RESULTS, BackendCpu, machine, record, recreate_database, uptime  # noqa: E402

START, END = "<!-- gen_breakdown:start -->", "<!-- gen_breakdown:end -->"
CHUNK = 2000


class _Stub:
    """A sealed value that is not sealed: what the builder stores, without the cipher."""

    blob = b"\x00" * 64


def without_cryptography(builder) -> None:
    """Make ``builder`` store constants where it would seal, blind-index or fingerprint."""
    stub = _Stub()

    def seal(_value, _uuid):
        return stub

    builder.seal_requester = [seal] * len(builder.seal_requester)
    builder.seal_content = seal
    builder.ledger.sealer = lambda _table, _column: seal
    builder.ledger.open = lambda _obj, _column: "原因"
    builder.index_code = builder.index_phone = builder.index_id_number = lambda _v: "0" * 64
    builder.fingerprinter = SimpleNamespace(simhash_normalised=lambda _text: 0)


def measure(args) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from hotline.extensions import db
    from hotline.synth import bulk, history, loading
    from hotline.synth.history import BENCH
    from hotline.synth.rows import RowBuilder
    from hotline.synth.scenario import Rules
    from hotline.synth.timing import number_orders, sample_received
    from hotline.synth.world import load_world
    from hotline.synth.writers import write_batch
    from privacy.orm import utcnow
    from privacy.runtime import runtime
    from yangguang import create_app

    name = psycopg.conninfo.conninfo_to_dict(args.database_url)["dbname"]
    instance = ROOT / "instance" / name
    instance.mkdir(parents=True, exist_ok=True)
    recreate_database(args.database_url)
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade(revision="heads")
        seeded = app.test_cli_runner().invoke(args=["hotline", "seed"])
        if seeded.exit_code != 0:
            raise SystemExit(seeded.output)
        world, rules = load_world(), Rules.from_config(app.config)
        profile = dataclasses.replace(BENCH, years=3)
        window = profile.window(utcnow())
        setup = bulk.Setup(
            world=world, window=window, rules=rules, seed=args.seed,
            mix=profile.mix(world), focuses=history.focuses(profile, world),
        )  # fmt: skip
        times = sample_received(random.Random(args.seed), args.orders, window, profile.growth)
        counters: dict[str, int] = {}
        tasks = [
            bulk.Task(i, 1 + start, chunk, number_orders(chunk, counters))
            for i, start in enumerate(range(0, len(times), CHUNK))
            for chunk in [times[start : start + CHUNK]]
        ]
        plans = [bulk.plan_chunk(setup, task) for task in tasks]
        db.session.commit()  # the world is read: no lock may stay on its tables
        full = RowBuilder(runtime().cipher, rules, world)
        bare = RowBuilder(runtime().cipher, rules, world)
        without_cryptography(bare)
        engine = db.engine
        best: dict[str, float] = {}

        def keep(part: str, seconds: float) -> None:
            best[part] = min(best.get(part, float("inf")), seconds)

        def cpu() -> float:
            return time.process_time()

        with loading.suspended_indexes(engine, constraints=True, settings={}):
            builders = {"build": full, "bare": bare}
            names = ["plan", *builders]
            for round_ in range(args.rounds):
                # Each part in turn, the order moved on each round; every batch dropped as
                # soon as it is built, as the load drops it once it is written.
                shift = round_ % len(names)
                for name in names[shift:] + names[:shift]:
                    gc.collect()
                    with bulk.no_cycle_collection():
                        started = cpu()
                        if name == "plan":
                            for task in tasks:
                                bulk.plan_chunk(setup, task)
                        else:
                            for task, chunk in zip(tasks, plans, strict=True):
                                bulk.build_batch(builders[name], chunk, task.first_id)
                        keep(name, cpu() - started)
                with engine.begin() as conn:
                    conn.execute(text("TRUNCATE " + ", ".join(loading.ORDER_TABLES)))
                with engine.connect() as conn, bulk.no_cycle_collection():
                    pid = conn.scalar(text("SELECT pg_backend_pid()"))
                    conn.commit()
                    client = server = 0.0
                    for task, chunk in zip(tasks, plans, strict=True):
                        batch = bulk.build_batch(full, chunk, task.first_id)
                        server_before, started = BackendCpu.cpu_seconds(pid), cpu()
                        with conn.begin():
                            write_batch(conn, batch)
                        client += cpu() - started
                        server += BackendCpu.cpu_seconds(pid) - server_before
                    keep("copy", client)
                    keep("server", server)
        rows = {
            t: db.session.scalar(text(f"SELECT count(*) FROM {t}"))  # noqa: S608 (fixed names)
            for t in loading.ORDER_TABLES
        }
    return {"best": best, "rows": rows, "database": name}


def section(result: dict, args, load_before: str, load_after: str) -> str:
    n = args.orders
    b = {k: v / n * 1e6 for k, v in result["best"].items()}
    crypto = b["build"] - b["bare"]
    total = b["plan"] + b["build"] + b["copy"] + b["server"]
    parts = [
        ("plan: place, category, texts, timeline", b["plan"]),
        ("replay through the lifecycle's steps, and the row tuples", b["bare"]),
        ("cryptography: sealing, blind indexes, SimHash", crypto),
        ("COPY, client (psycopg, binary)", b["copy"]),
        ("COPY, server (the PostgreSQL backend)", b["server"]),
    ]
    lines = [
        "## Where an order's machine time goes",
        "",
        f"Script: `bench/gen_breakdown.py --orders {n} --rounds {args.rounds}`. Run "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; {load_before} at the "
        f"start, {load_after} at the end. One process, {n:,} orders of the 10M benchmark's "
        "profile in chunks of 2,000, each part timed on the same orders, best of "
        f"{args.rounds} rounds (CPU time).",
        "",
        "| part | µs an order | share |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {us:,.1f} | {us / total:.0%} |" for label, us in parts]
    lines += [
        f"| **all** | **{total:,.1f}** | |",
        "",
        f"At {total:,.0f} µs of CPU an order, 2 cores give at most "
        f"{2e6 / total:,.0f} orders/s, before the parent process and the start-up. "
        f"10,000 orders/s on 2 cores needs 200 µs an order or less.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/bench_breakdown"
    )
    parser.add_argument("--record", action="store_true", help=f"write into {RESULTS.name}")
    args = parser.parse_args()
    load_before = uptime()
    result = measure(args)
    text = section(result, args, load_before, uptime())
    print(text)
    print("rows after the last round:", result["rows"])
    if args.record:
        record(text, START, END)


if __name__ == "__main__":
    main()
