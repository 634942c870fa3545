"""Benchmark of the statistics rollups (issue 16, item 2 and the report-build target).

For each PostgreSQL database (default: ``bench_100k``, ``bench_1m`` and ``bench_10m``, those
that exist):

1. rollups: rebuilt from the orders when they do not cover every order (timed), then
   ``VACUUM ANALYZE``; their rows and sizes;
2. the yearly report built end to end from the rollups (``build_snapshot``: what publishing
   runs), median of ``--runs`` after a warm-up, and each of its queries alone;
3. the same build from the orders (the GROUP BY reference path), and whether the two
   snapshots are identical;
4. the live part: how many orders are open, and how many of the year's are open past their
   deadline (what the build reads from ``orders``);
5. with ``--writes N`` (scratch databases only): the cost of keeping the rollups current,
   N orders taken through their lifecycle with a commit per step, with and without the hook.

Results are kept per database in ``bench/results/rollups.json`` (so that the 10M database can
be measured later) and written out as ``bench/results/rollups.md`` and the plot
``bench/results/rollups.svg`` (build time against orders, log-log).

    .venv/bin/python bench/bench_rollups.py --prepare bench_100k:100000 --prepare bench_1m:1000000
    .venv/bin/python bench/bench_rollups.py --only bench_10m --upgrade   # add the tables, rebuild
    .venv/bin/python bench/bench_rollups.py --writes 300 --only bench_100k
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen_orders import machine, recreate_database  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
RAW = RESULTS_DIR / "rollups.json"
REPORT = RESULTS_DIR / "rollups.md"
PLOT = RESULTS_DIR / "rollups.svg"
HOST = "postgresql://postgres@127.0.0.1:5432/"
DEFAULT_DATABASES = ("bench_100k", "bench_1m", "bench_10m")
TARGET_SECONDS, TARGET_RATIO = 2.0, 1.5


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def make_app(url: str, instance: str):
    from yangguang import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "INSTANCE_PATH": instance,
        }
    )


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(HOST + "postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()


# -- preparing scratch databases --------------------------------------------------------------
def prepare(name: str, orders: int, year: int, instance: str) -> dict:
    from flask_migrate import upgrade

    from hotline.extensions import db
    from hotline.reports import rollups
    from hotline.synth.generate import generate_orders

    if not name.startswith("bench_") or name == "bench_10m":
        raise SystemExit(f"refusing to recreate {name!r}: only scratch bench_ databases")
    url = HOST + name
    recreate_database(url)
    app = make_app(url, instance)
    with app.app_context():
        upgrade(revision="heads")
        seeded = app.test_cli_runner().invoke(args=["hotline", "seed"])
        if seeded.exit_code != 0:
            raise SystemExit(seeded.output)
        started = time.perf_counter()
        stats = generate_orders(orders, seed=2025, year=year, progress=True)
        generated = time.perf_counter() - started
        print(stats.summary())
        rebuilt = rollups.rebuild(db.session)
        db.session.commit()
        print(rebuilt.summary())
        _vacuum(db)
    return {"generated_seconds": generated, "rebuild_seconds": rebuilt.seconds}


def _vacuum(db) -> None:
    from hotline.reports.rollups.grains import GRAINS

    tables = ["orders", "ratings", "rollup_orders", *(g.name for g in GRAINS)]
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


# -- measuring one database -------------------------------------------------------------------
def _scalar(sql: str, **params):
    from sqlalchemy import text

    from hotline.extensions import db

    return db.session.execute(text(sql), params).scalar()


def facts(year: int, now: datetime) -> dict:
    from hotline.reports.periods import Period
    from hotline.reports.rollups.grains import GRAINS

    covered = Period.of(year).covered(now)
    span = {"a": covered.start_utc, "b": covered.end_utc}
    out = {
        "orders": _scalar("SELECT count(*) FROM orders"),
        "in_year": _scalar(
            "SELECT count(*) FROM orders WHERE received_at >= :a AND received_at < :b", **span
        ),
        "first": str(_scalar("SELECT min(received_at) FROM orders")),
        "last": str(_scalar("SELECT max(received_at) FROM orders")),
        "open": _scalar("SELECT count(*) FROM orders WHERE completed_at IS NULL"),
        "live_in_year": _scalar(
            "SELECT count(*) FROM orders WHERE completed_at IS NULL AND dispatched_at IS NOT NULL"
            " AND status NOT IN ('answered', 'closed') AND deadline_at < :now"
            " AND received_at >= :a AND received_at < :b",
            now=now,
            **span,
        ),
        "database_size": _scalar("SELECT pg_size_pretty(pg_database_size(current_database()))"),
        "rollups": {},
    }
    for name in ("rollup_orders", *(g.name for g in GRAINS)):
        out["rollups"][name] = {
            "rows": _scalar(f"SELECT count(*) FROM {name}"),  # noqa: S608 (our table names)
            "bytes": _scalar("SELECT pg_total_relation_size(:t)", t=name),
        }
    return out


def rows_read(period, now) -> dict[str, int]:
    """How many rollup rows the yearly build reads, per table (the buckets of its spans)."""
    from hotline.reports.rollups.grains import (
        CATEGORIES,
        DISTRICT_CATEGORIES,
        DISTRICTS,
        STREETS,
        TOTALS,
        UNITS,
        pieces,
    )

    covered = period.covered(now)
    _, _, compare = period.comparison(covered)
    ranking = period.ranking_span(covered)
    spans = {
        TOTALS: [covered, compare],
        DISTRICTS: [covered, compare],
        STREETS: [covered],
        UNITS: [covered, ranking],
        CATEGORIES: [covered, compare, covered, compare],  # level 1 and level 3
        DISTRICT_CATEGORIES: [covered],
    }
    out = {}
    for grain, used in spans.items():
        total = 0
        for span in used:
            for res, a, b in pieces(span.start, span.end, grain.resolutions):
                total += _scalar(
                    f"SELECT count(*) FROM {grain.name}"  # noqa: S608 (our table names)
                    " WHERE res = :res AND bucket >= :a AND bucket < :b",
                    res=res,
                    a=a,
                    b=b,
                )
        out[grain.name] = total
    return out


def _rollups_cover_the_orders() -> bool:
    return _scalar("SELECT count(*) FROM rollup_orders") == _scalar("SELECT count(*) FROM orders")


def _time_builds(period, now, runs: int, reference: bool) -> tuple[list[float], dict]:
    from hotline.extensions import db
    from hotline.reports import builder
    from hotline.reports.queries import Queries
    from hotline.reports.rollups.queries import RollupQueries

    builder.RollupQueries = Queries if reference else RollupQueries
    try:
        times, snapshot = [], None
        for i in range(runs + 1):
            started = time.perf_counter()
            snapshot = builder.build_snapshot(period, now)
            elapsed = time.perf_counter() - started
            db.session.rollback()
            print(f"  {'GROUP BY' if reference else 'rollups'} build {i}: {elapsed:.3f} s")
            if i or runs == 0:
                times.append(elapsed)
        return times, snapshot
    finally:
        builder.RollupQueries = RollupQueries


def _per_query(period, now, runs: int) -> dict[str, float]:
    from hotline.extensions import db
    from hotline.reports.builder import tune_session
    from hotline.reports.rollups.queries import RollupQueries
    from hotline.reports.settings import ReportSettings

    covered = period.covered(now)
    _, _, compare = period.comparison(covered)
    queries = RollupQueries(ReportSettings.current(), "postgresql", now)
    statements = queries.statements(covered, compare, period.ranking_span(covered))
    timings: dict[str, list[float]] = {}
    for _ in range(runs):
        tune_session("postgresql")
        connection = db.session.connection()
        for name, stmt in statements.items():
            started = time.perf_counter()
            connection.execute(stmt).all()
            timings.setdefault(name, []).append(time.perf_counter() - started)
        db.session.rollback()
    return {name: statistics.median(t) for name, t in timings.items()}


def _explain(period, now, name: str) -> str:
    from sqlalchemy.dialects import postgresql

    from hotline.extensions import db
    from hotline.reports.rollups.queries import RollupQueries
    from hotline.reports.settings import ReportSettings

    covered = period.covered(now)
    _, _, compare = period.comparison(covered)
    queries = RollupQueries(ReportSettings.current(), "postgresql", now)
    stmt = queries.statements(covered, compare, period.ranking_span(covered))[name]
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    rows = db.session.execute(
        __import__("sqlalchemy").text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
    ).all()
    db.session.rollback()
    return "\n".join(r[0] for r in rows)


def measure(name: str, args, instance: str) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from hotline.extensions import db
    from hotline.reports import rollups
    from hotline.reports.periods import Period
    from privacy.orm import utcnow

    url = HOST + name
    app = make_app(url, instance)
    out: dict = {"database": name, "measured_at": datetime.now(UTC).isoformat(timespec="minutes")}
    out["load_start"] = os.getloadavg()
    out["uptime_start"] = uptime()
    with app.app_context():
        if not inspect(db.engine).has_table("rollup_orders"):
            if not args.upgrade:
                raise SystemExit(f"{name} has no rollup tables: run with --upgrade")
            upgrade(revision="heads")
        if args.rebuild or not _rollups_cover_the_orders():
            print(f"{name}: rebuilding the rollups …")
            stats = rollups.rebuild(db.session)
            db.session.commit()
            print(stats.summary())
            out["rebuild_seconds"] = stats.seconds
            _vacuum(db)
        now = utcnow()
        period = Period.of(args.year)
        out["year"] = args.year
        out.update(facts(args.year, now))
        out["rows_read"] = rows_read(period, now)
        print(f"{name}: {out['orders']:,} orders, {out['in_year']:,} in {args.year}")
        builds, snapshot = _time_builds(period, now, args.runs, reference=False)
        out["build"] = statistics.median(builds)
        out["builds"] = builds
        out["per_query"] = _per_query(period, now, args.runs)
        slowest = max(out["per_query"], key=out["per_query"].get)
        out["explain_slowest"] = {"query": slowest, "plan": _explain(period, now, slowest)}
        if out["orders"] <= args.reference_max:
            ref_runs = 1 if out["orders"] > 2_000_000 else args.reference_runs
            ref, ref_snapshot = _time_builds(period, now, ref_runs, reference=True)
            out["reference"] = statistics.median(ref)
            out["identical"] = ref_snapshot == snapshot
        if args.writes and name != "bench_10m":
            out["writes"] = measure_writes(args.writes)
    out["load_end"] = os.getloadavg()
    out["uptime_end"] = uptime()
    return out


def interleaved(names: list[str], year: int, runs: int, instance: str) -> dict[str, dict]:
    """The yearly build of each database in turn, ``runs`` rounds after a warm-up round:
    whatever else loads the shared machine weighs on every database alike."""
    from hotline.extensions import db
    from hotline.reports.builder import build_snapshot
    from hotline.reports.periods import Period
    from privacy.orm import utcnow

    apps = {name: make_app(HOST + name, instance) for name in names}
    times: dict[str, list[float]] = {name: [] for name in names}
    now, period = utcnow(), Period.of(year)
    load = os.getloadavg()
    for i in range(runs + 1):
        for name, app in apps.items():
            with app.app_context():
                started = time.perf_counter()
                build_snapshot(period, now)
                elapsed = time.perf_counter() - started
                db.session.rollback()
            if i:
                times[name].append(elapsed)
        print("  round", i, {n: round(t[-1], 3) for n, t in times.items() if t})
    return {
        name: {
            "median": statistics.median(t),
            "min": min(t),
            "runs": runs,
            "load": [load, os.getloadavg()],
            "uptime": uptime(),
        }
        for name, t in times.items()
    }


# -- the cost of keeping the rollups current -----------------------------------------------------
def measure_writes(n: int) -> dict:
    """N orders through receive → dispatch → accept → contact → complete → follow-up, a
    commit per step (as the staff API does), with the rollup hook and without it."""
    from sqlalchemy import event, select

    from hotline.extensions import db
    from hotline.models.categories import Category
    from hotline.models.enums import Channel, OrderKind, Resolution, Satisfaction
    from hotline.models.places import District, Street
    from hotline.models.units import StaffUser, Unit
    from hotline.reports.rollups import maintain, refresh_orders
    from hotline.services import lifecycle
    from hotline.services.actors import Actor
    from hotline.services.intake import Requester, receive

    def actor(username: str) -> Actor:
        return Actor.of(db.session.scalar(select(StaffUser).where(StaffUser.username == username)))

    unit = db.session.scalar(select(Unit).where(Unit.code == "S110105001"))
    street = db.session.get(Street, unit.street_id)
    district = db.session.get(District, unit.district_id)
    category = db.session.scalar(select(Category).where(Category.level == 3).limit(1))
    agent, dispatcher = actor("agent01"), actor("dispatcher01")
    handler = actor(f"h-{unit.code.lower()}")
    hooks = [
        ("after_flush", maintain._after_flush),
        ("before_commit", maintain._before_commit),
        ("after_transaction_end", maintain._after_transaction_end),
    ]

    def one_round(label: str, prefix: str, count: int) -> tuple[float, list[int]]:
        ids, started = [], time.perf_counter()
        for i in range(count):
            order = receive(
                agent,
                channel=Channel.PHONE,
                kind=OrderKind.COMPLAINT,
                district=district,
                street=street,
                category=category,
                content=f"{label}压测诉求{i}：小区路灯不亮，夜间出行不便，请尽快维修。",
                requester=Requester(phone=f"{prefix}{i:05d}"),  # a new phone every run
            ).order
            db.session.commit()
            for do in (
                lambda o: lifecycle.dispatch(o, dispatcher, unit),
                lambda o: lifecycle.accept(o, handler),
                lambda o: lifecycle.contact_requester(o, handler),
                lambda o: lifecycle.complete(o, handler, "已维修"),
                lambda o: lifecycle.follow_up(o, agent, Resolution.YES, Satisfaction.SATISFIED),
            ):
                do(order)
                db.session.commit()
            ids.append(order.id)
        return time.perf_counter() - started, ids

    # Alternate with and without the hook in small batches, so that the machine's load
    # (shared with other work) weighs on both alike.
    batches, with_hook, without, ids = 10, 0.0, 0.0, []
    run = int(time.time()) % 1000
    for b in range(batches):
        with_hook += one_round(f"甲{b}", f"13{run:03d}{b}", n // batches)[0]
        for name, fn in hooks:
            event.remove(db.session, name, fn)
        try:
            elapsed, made = one_round(f"乙{b}", f"14{run:03d}{b}", n // batches)
        finally:
            for name, fn in hooks:
                event.listen(db.session, name, fn)
        without += elapsed
        ids += made
    started = time.perf_counter()
    refresh_orders(db.session, ids)  # what the hook would have done, in one go
    db.session.commit()
    catch_up = time.perf_counter() - started
    n = batches * (n // batches)
    commits = 6 * n
    return {
        "orders": n,
        "commits": commits,
        "with_ms": 1000 * with_hook / commits,
        "without_ms": 1000 * without / commits,
        "catch_up_ms_per_order": 1000 * catch_up / n,
    }


# -- writing the results ---------------------------------------------------------------------------
def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:,.0f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"


def _svg(points: list[dict]) -> str:
    """Build time against orders, both axes logarithmic; hand-written SVG."""
    import math

    width, height, left, right, top, bottom = 720, 400, 70, 220, 40, 60
    xs = [p["orders"] for p in points]
    ys = [v for p in points for v in (p["build"], p.get("reference")) if v]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)) + 0.01)
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    y1 = max(y1, 1)

    def px(x):
        return left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)

    def py(y):
        return top + (y1 - math.log10(y)) / (y1 - y0) * (height - top - bottom)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
        'font-family="sans-serif" font-size="12">',
        '<title id="t">Yearly report build time against the number of orders</title>',
        '<desc id="d">'
        + "; ".join(
            f"{p['orders']:,} orders: rollups {p['build']:.2f} s"
            + (f", GROUP BY over the orders {p['reference']:.2f} s" if p.get("reference") else "")
            for p in points
        )
        + "</desc>",
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for e in range(x0, x1 + 1):
        x = px(10**e)
        label = {5: "100k", 6: "1M", 7: "10M", 8: "100M"}.get(e, f"1e{e}")
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{label}</text>'
        )
    for e in range(y0, y1 + 1):
        y = py(10**e)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{10**e:g} s</text>')
    target = py(TARGET_SECONDS)
    out.append(
        f'<line x1="{left}" y1="{target:.1f}" x2="{width - right}" y2="{target:.1f}" '
        'stroke="#c00" stroke-dasharray="5,4"/>'
    )
    out.append(f'<text x="{width - right + 6}" y="{target + 4:.1f}" fill="#c00">target 2 s</text>')
    series = [
        ("build", "#1f5fa8", "from the rollups"),
        ("reference", "#999", "GROUP BY on the orders"),
    ]
    for key, colour, label in series:
        pts = [(px(p["orders"]), py(p[key])) for p in points if p.get(key)]
        if not pts:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), p in zip(pts, [p for p in points if p.get(key)], strict=True):
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
            out.append(
                f'<text x="{x + 6:.1f}" y="{y - 6:.1f}" fill="{colour}">{p[key]:.2f} s</text>'
            )
        ly = top + 20 + 18 * series.index((key, colour, label))
        out.append(
            f'<line x1="{width - right + 6}" y1="{ly}" x2="{width - right + 26}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{width - right + 30}" y="{ly + 4}">{label}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2:.0f}" y="{height - 15}" text-anchor="middle">'
        "orders in the database (log scale)</text>"
    )
    out.append(
        f'<text x="16" y="{(top + height - bottom) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(top + height - bottom) / 2:.0f})">'
        "yearly report build, seconds (log scale)</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def report(results: dict[str, dict]) -> str:
    points = sorted(results.values(), key=lambda r: r["orders"])
    lines = [
        "# Statistics from rollups (issue 16): the yearly report build",
        "",
        f"Script: `bench/bench_rollups.py`, on {machine()}, PostgreSQL 15, local socket. "
        "Each database was measured on its own (no other benchmark running); the machine is "
        "shared with other sessions, so the load average is given for every run.",
        "",
        "![Build time against orders](rollups.svg)",
        "",
        "## The yearly report",
        "",
        "`build_snapshot` end to end (every query, arrangement, suppression), median of the "
        "runs after one warm-up run, each rolled back; the GROUP BY column is the same build "
        "reading the orders (the reference path `verify-rollups` compares against).",
        "",
        "| database | orders | in the year | from the rollups | rollup rows read "
        "| GROUP BY over the orders | same snapshot | open orders (live part) "
        "| load (1 min) start → end |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in points:
        ref = f"{r['reference']:.2f} s" if r.get("reference") else "not run"
        same = {True: "yes", False: "**no**", None: "—"}[r.get("identical")]
        lines.append(
            f"| `{r['database']}` ({r['measured_at']} UTC) | {r['orders']:,} "
            f"| {r['in_year']:,} ({r['year']}) | **{r['build']:.3f} s** "
            f"| {sum(r.get('rows_read', {}).values()):,} | {ref} | {same} "
            f"| {r['open']:,} ({r['live_in_year']:,} of the year past deadline) "
            f"| {r['load_start'][0]:.2f} → {r['load_end'][0]:.2f} |"
        )
    lines.append("")
    by_name = {r["database"]: r for r in points}
    turns = [r for r in points if r.get("interleaved")]
    if turns:
        t0 = turns[0]["interleaved"]
        lines += [
            "### Built in turn",
            "",
            f"The databases' builds alternated, {t0['runs']} rounds after a warm-up round, "
            "so that the load of the shared machine weighs on each alike "
            f"(load {t0['load'][0][0]:.2f} → {t0['load'][1][0]:.2f}; `{t0['uptime']}`).",
            "",
            "| database | orders | median | fastest |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| `{r['database']}` | {r['orders']:,} | **{r['interleaved']['median']:.3f} s** "
            f"| {r['interleaved']['min']:.3f} s |"
            for r in turns
        ]
        lines.append("")
    if "bench_1m" in by_name and "bench_10m" in by_name:
        a, b = by_name["bench_1m"], by_name["bench_10m"]
        if a.get("interleaved") and b.get("interleaved"):
            ta, tb, how = a["interleaved"]["median"], b["interleaved"]["median"], "built in turn"
        else:
            ta, tb, how = a["build"], b["build"], "measured separately"
        ratio = tb / ta
        ok = tb <= TARGET_SECONDS and ratio <= TARGET_RATIO
        lines += [
            f"Target: at 10M ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_RATIO}× the 1M build. "
            f"Measured ({how}): {tb:.3f} s at {b['orders']:,} orders, "
            f"{ratio:.2f}× the {ta:.3f} s at {a['orders']:,}: "
            f"**{'met' if ok else 'not met'}**.",
            "",
        ]
    else:
        lines += [
            "`bench_10m` has not been measured yet: once it exists, "
            "`bench/bench_rollups.py --only bench_10m --upgrade` adds it here.",
            "",
        ]
    lines += ["## Per query (median, rollups)", ""]
    names = list(points[0]["per_query"])
    lines.append("| query | " + " | ".join(f"`{r['database']}`" for r in points) + " |")
    lines.append("|---|" + "---:|" * len(points))
    for name in names:
        cells = " | ".join(f"{r['per_query'].get(name, 0) * 1000:.1f} ms" for r in points)
        lines.append(f"| `{name}` | {cells} |")
    lines += ["", "## Rollup tables", ""]
    tables = list(points[0]["rollups"])
    lines.append("| table | " + " | ".join(f"`{r['database']}`" for r in points) + " |")
    lines.append("|---|" + "---:|" * len(points))
    for t in tables:
        cells = " | ".join(
            f"{r['rollups'][t]['rows']:,} rows, {_fmt_bytes(r['rollups'][t]['bytes'])}"
            for r in points
        )
        lines.append(f"| `{t}` | {cells} |")
    lines.append("| database size | " + " | ".join(r["database_size"] for r in points) + " |")
    rebuilt = [r for r in points if r.get("rebuild_seconds")]
    if rebuilt:
        lines += ["", "Full rebuild (`flask reports rebuild-rollups`, one transaction):", ""]
        lines += [
            f"- `{r['database']}`: {r['rebuild_seconds']:.0f} s for {r['orders']:,} orders"
            for r in rebuilt
        ]
    writes = [r for r in points if r.get("writes")]
    if writes:
        lines += [
            "",
            "## Keeping the rollups current",
            "",
            "Orders taken through receive → dispatch → accept → contact → complete → "
            "follow-up with a commit per step, as the staff API commits once per request.",
            "",
            "| database | orders × 6 commits | per commit with the hook | without | "
            "the same changes caught up afterwards (per order) |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in writes:
            w = r["writes"]
            lines.append(
                f"| `{r['database']}` | {w['orders']} × 6 | {w['with_ms']:.2f} ms "
                f"| {w['without_ms']:.2f} ms | {w['catch_up_ms_per_order']:.2f} ms |"
            )
    lines += ["", "## Plan of the slowest query", ""]
    for r in points:
        e = r["explain_slowest"]
        lines += [f"`{r['database']}`, `{e['query']}`:", "", "```", e["plan"], "```", ""]
    lines += ["## Machine load at each run", ""]
    for r in points:
        lines.append(f"- `{r['database']}`: start `{r['uptime_start']}`; end `{r['uptime_end']}`")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prepare", action="append", default=[], metavar="NAME:ORDERS")
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reference-runs", type=int, default=3)
    parser.add_argument("--reference-max", type=int, default=20_000_000)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the rollups first")
    parser.add_argument("--upgrade", action="store_true", help="add missing rollup tables")
    parser.add_argument("--writes", type=int, default=0, help="orders for the write test")
    parser.add_argument(
        "--interleave",
        type=int,
        default=0,
        metavar="RUNS",
        help="then build each database's report RUNS times in turn (the ratio's figures)",
    )
    parser.add_argument("--skip-measure", action="store_true", help="only --interleave")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="bench-rollups-")
    results = json.loads(RAW.read_text()) if RAW.exists() else {}
    prepared = {}
    for spec in args.prepare:
        name, _, orders = spec.partition(":")
        prepared[name] = prepare(name, int(orders), args.year, instance)
    names = args.only or [n for n in DEFAULT_DATABASES if database_exists(n)]
    for name in [] if args.skip_measure else names:
        result = measure(name, args, instance)
        if name in prepared:
            result.update(prepared[name])
        elif name in results and "rebuild_seconds" in results[name]:
            result.setdefault("rebuild_seconds", results[name]["rebuild_seconds"])
        if not result.get("writes") and results.get(name, {}).get("writes"):
            result["writes"] = results[name]["writes"]
        results[name] = result
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        RAW.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    if args.interleave:
        for name, timing in interleaved(names, args.year, args.interleave, instance).items():
            results[name]["interleaved"] = timing
        RAW.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    points = sorted(results.values(), key=lambda r: r["orders"])
    PLOT.write_text(_svg(points), encoding="utf-8")
    REPORT.write_text(report(results), encoding="utf-8")
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
