"""Benchmark of citizen reads at Beijing scale (issue 16): order detail against its floor,
at 100,000 and at 10,000,000 orders, in one run with the same settings.

For each database the script starts gunicorn (2 sync workers, production mode, limits in
Redis) and measures with wrk, one route after the other:

- ``/bench/minimum``: the floor, one limit counted in Redis and one read of an order by
  primary key (``bench_miniapp.bench_app``): the least a request can do that counts its
  limit and asks the database anything;
- ``GET /api/v1/orders/<no>``: a citizen's order detail, each request a random citizen of
  the sample reading one of their own orders (token signature, one limit per phone in
  Redis, one query for ownership, version and revocation, the rendered view reused while
  the version stays).

Rounds alternate the databases (100k, 10M, 100k, 10M, ...) so that a change in the
machine's load falls on both; the medians of the rounds are compared. The databases come
from ``bench/gen_orders.py`` (their key rings live in ``instance/<database>/``); the small
one is generated when it is missing. Nothing is pre-read into the page cache: each route
has a warm-up, which touches the sampled citizens' orders (the same for both sizes).

    .venv/bin/python bench/bench_reads.py                         # 100k and 10M, 3 rounds
    .venv/bin/python bench/bench_reads.py --rounds 1 --duration 10 --no-record
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_miniapp as mini  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reads.md"
BASE = "postgresql://postgres@127.0.0.1:5432/"
ROUTES = ("minimum", "owned", "detail")
TARGET_FLOOR = 0.85  # detail at 10M ≥ 85 % of the floor measured in the same run
TARGET_GROWTH = 0.85  # detail at 10M ≥ 0.85 × detail at 100k


def key_ring_for(database: str) -> Path:
    """The production copy of a generated database's key ring (the generator keeps a
    development ring in ``instance/<database>/``; production mode refuses those)."""
    source = ROOT / "instance" / database / "dev-keys.json"
    if not source.exists():
        raise SystemExit(f"no key ring for {database}: {source} (made by bench/gen_orders.py)")
    doc = json.loads(source.read_text())
    doc["development"] = False
    target = mini.key_file(BASE + database)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc))
    return target


def ensure(database: str, orders: int) -> int:
    count = mini._order_count(BASE + database)  # noqa: SLF001
    if count is None or count < orders * 0.99:
        if orders > 1_000_000:
            raise SystemExit(f"{database} holds {count} orders: run bench/gen_orders.py first")
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "gen_orders.py"),
                "--orders",
                str(orders),
                "--database-url",
                BASE + database,
                "--no-record",
            ],
            check=True,
            cwd=ROOT,
        )
        count = mini._order_count(BASE + database)  # noqa: SLF001
    return count


def database_facts(database: str) -> dict:
    import psycopg

    with psycopg.connect(BASE + database) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        events = conn.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'order_events'"
        ).fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers', 'effective_cache_size', 'work_mem', 'random_page_cost')"
            ).fetchall()
        )
    return {"bytes": size, "events": events, "settings": settings}


def measure_once(database: str, pairs, args) -> dict:
    url = BASE + database
    env = mini.server_env(url, args.redis)
    port = mini.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = mini.start_gunicorn(env, port, args.workers)
    scripts = {
        "minimum": (base + "/bench/minimum", None),
        "owned": (base, mini.lua_script(pairs, '"/bench/owned/" .. p[2]', 1)),
        "detail": (base, mini.lua_script(pairs, '"/api/v1/orders/" .. p[2]', 1)),
    }
    try:
        mini.check_answers(base, pairs)
        out = {}
        for name in ROUTES:
            target, script = scripts[name]
            mini.wrk(target, args.warmup, args.connections, 1, script)
            out[name] = mini.wrk(target, args.duration, args.connections, 1, script)
        return out
    finally:
        mini.stop(proc)
        for _, script in scripts.values():
            if script:
                os.unlink(script)


def run(args) -> dict:
    sizes = {args.small: args.small_orders, args.large: args.large_orders}
    facts, pairs = {}, {}
    for database, orders in sizes.items():
        count = ensure(database, orders)
        key_ring_for(database)
        pairs[database], sample = mini.pick_citizens(BASE + database, args.citizens)
        facts[database] = {"orders": count, **sample, **database_facts(database)}
        print(database, facts[database])
    rounds = []
    load = [os.getloadavg()[0]]
    for number in range(args.rounds):
        this = {}
        for database in sizes:
            this[database] = measure_once(database, pairs[database], args)
            print(number + 1, database, this[database])
        rounds.append(this)
        load.append(os.getloadavg()[0])
    return {"facts": facts, "rounds": rounds, "load": load}


def _median(rounds, database: str, route: str, key: str = "rps") -> float:
    return statistics.median(r[database][route][key] for r in rounds)


def section(args, result: dict) -> str:
    facts, rounds = result["facts"], result["rounds"]
    small, large = args.small, args.large
    rps = {(d, r): _median(rounds, d, r) for d in (small, large) for r in ROUTES}
    share = {d: rps[(d, "detail")] / rps[(d, "minimum")] for d in (small, large)}
    growth = rps[(large, "detail")] / rps[(small, "detail")]
    floor_growth = rps[(large, "minimum")] / rps[(small, "minimum")]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Citizen reads: `{small}` and `{large}` (issue 16)",
        "",
        f"Script: `bench/bench_reads.py`. Run {now} on {os.cpu_count()} cores; gunicorn "
        f"{args.workers} sync workers, production mode, limits in Redis, wrk 1 thread × "
        f"{args.connections} connections, {args.warmup} s warm-up and {args.duration} s "
        f"measured per route, {args.rounds} rounds alternating the databases (medians shown). "
        f"{args.citizens:,} citizens with real tokens per database, each request a random "
        "one reading one of their own orders. Machine load (1-minute average) at the "
        "start and after each round: " + ", ".join(f"{x:.1f}" for x in result["load"]) + ".",
        "",
        "| database | orders | events | size | detail events/order |",
        "|---|---|---|---|---|",
    ]
    for database in (small, large):
        f = facts[database]
        lines.append(
            f"| `{database}` | {f['orders']:,} | {f['events']:,} | "
            f"{f['bytes'] / 2**30:.1f} GiB | {f['events_per_order']:.1f} |"
        )
    settings = facts[large]["settings"]
    lines += [
        "",
        "PostgreSQL settings: " + ", ".join(f"`{k}` = {v}" for k, v in sorted(settings.items())),
        "",
        "| route | " + " | ".join(f"`{d}` req/s" for d in (small, large)) + " | large ÷ small |",
        "|---|---|---|---|",
    ]
    labels = {
        "minimum": "floor `GET /bench/minimum`",
        "owned": "secure floor `GET /bench/owned/<no>`",
        "detail": "order detail",
    }
    for route in ROUTES:
        a, b = rps[(small, route)], rps[(large, route)]
        lines.append(f"| {labels[route]} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |")
    lines += [
        "",
        "| | " + " | ".join(f"`{d}`" for d in (small, large)) + " |",
        "|---|---|---|",
        "| detail ÷ floor | " + " | ".join(f"{share[d]:.0%}" for d in (small, large)) + " |",
        "| secure floor ÷ floor | "
        + " | ".join(f"{rps[(d, 'owned')] / rps[(d, 'minimum')]:.0%}" for d in (small, large))
        + " |",
        "| detail ÷ secure floor | "
        + " | ".join(f"{rps[(d, 'detail')] / rps[(d, 'owned')]:.0%}" for d in (small, large))
        + " |",
        "| detail p50 / p99 ms | "
        + " | ".join(
            f"{_median(rounds, d, 'detail', 'p50'):.2f} / {_median(rounds, d, 'detail', 'p99'):.2f}"
            for d in (small, large)
        )
        + " |",
        "",
        "Every round: "
        + "; ".join(
            f"{d} floor {r[d]['minimum']['rps']:,.0f}, secure floor "
            f"{r[d]['owned']['rps']:,.0f}, detail {r[d]['detail']['rps']:,.0f}"
            for r in rounds
            for d in (small, large)
        )
        + ". Non-2xx answers: "
        + str(sum(r[d][x]["non2xx"] for r in rounds for d in (small, large) for x in ROUTES))
        + ".",
        "",
        f"Targets (issue 16 sets them at 10M): detail at `{large}` ≥ {TARGET_FLOOR:.0%} of "
        "the floor — "
        f"**{'met' if share[large] >= TARGET_FLOOR else 'not met'}** ({share[large]:.0%}); "
        f"detail at `{large}` ≥ {TARGET_GROWTH} × detail at `{small}` — "
        f"**{'met' if growth >= TARGET_GROWTH else 'not met'}** ({growth:.2f}; the floor "
        f"itself {floor_growth:.2f}).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", default="bench_read_100k")
    parser.add_argument("--small-orders", type=int, default=100_000)
    parser.add_argument("--large", default="bench_10m")
    parser.add_argument("--large-orders", type=int, default=10_000_000)
    parser.add_argument("--redis", default=mini.DEFAULT_REDIS)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    for name in (args.small, args.large):
        if not name.startswith("bench"):
            raise SystemExit("use scratch databases whose names start with 'bench'")
    started = time.time()
    result = run(args)
    text = section(args, result)
    print(text)
    print(f"{time.time() - started:.0f} s")
    if args.record:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
