"""Benchmark of the citizen API (issue 4): order detail and my orders against a bare Flask
JSON endpoint, on 1,000,000 orders in PostgreSQL, gunicorn with 2 workers, limits in Redis.

1. Prepare (once): a scratch database ``bench_miniapp`` with 1,000,000 synthetic orders
   (``hotline.synth``), sealed under a key ring kept in ``bench/out/`` (the app must decrypt
   to mask). Reused by later runs when it is already complete.
2. Pick citizens: phones (by blind index) that have orders, with one of their order
   numbers each; tokens are issued directly with the service (no SMS round trip).
3. Start gunicorn (2 workers, sync or ``--server-threads``; production mode, limits in
   Redis db 5). The limits are
   raised for the run through ``CITIZEN_RATE_LIMITS`` (a fixed set of tokens would be
   throttled within seconds otherwise); every request still checks and counts both of its
   limits in Redis. ``bench_app()`` below adds ``/bench/bare``, a route that returns a
   small JSON object and does nothing else: it lives only in this script.
4. wrk with a Lua script that picks a random (token, order) pair per request; a warm-up,
   then the measured run, for the bare route, order detail and my orders.
5. Rewrite the "Citizen API (issue 4)" section of ``bench/RESULTS.md``.

    .venv/bin/python bench/bench_miniapp.py                      # prepare if needed, measure
    .venv/bin/python bench/bench_miniapp.py --duration 10 --no-record
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_miniapp_report import BENCH_LIMIT, REPEAT_CITIZENS, record, section  # noqa: E402

OUT = ROOT / "bench" / "out"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_miniapp"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
SECRET = "bench-miniapp-secret-not-for-production"  # noqa: S105


def key_file(url: str) -> Path:
    """The key ring that seals the personal fields of this database (one per database)."""
    return OUT / f"{url.rsplit('/', 1)[-1]}.keys.json"


# -- the app gunicorn runs ----------------------------------------------------------------
def bench_app():
    """The production app plus reference routes, for gunicorn: ``bench_app()``.

    They live only in this script and answer the same two-key JSON object:

    - ``/bench/bare``: nothing else;
    - ``/bench/limit``: one limit counted in Redis (flask-limiter, keyed by address);
    - ``/bench/query``: one primary-key read of an order through the app's session,
      outside a transaction, as the citizen GET routes read;
    - ``/bench/auth``: the citizen authentication alone (token signature, then the
      revocation table), no limit;
    - ``/bench/minimum``: one limit and one read together: the least a request can do that
      counts its limit and asks the database anything (whether the token was revoked,
      whether the order changed);
    - ``/bench/owned/<order_no>``: everything the order detail must do before it renders:
      the citizen's limit (keyed by phone), the token's signature, and the one query
      that checks ownership, follows, revocation and the order's version together; it
      answers the two-key object instead of the order (the secure floor of the detail).

    Each is a floor: a citizen read does all of them, so it cannot be cheaper than any.
    """
    from flask import g, jsonify
    from sqlalchemy import text

    from hotline.extensions import db, limiter
    from hotline.services.citizen.orders import own_order_head
    from hotline.web.auth import (
        citizen_required,
        citizen_required_revocation_in_query,
        revocation_read,
    )
    from hotline.web.limits import by_client
    from miniapp_api.limits import by_phone
    from yangguang import create_app

    app = create_app()
    answer = {"ok": True, "service": "阳光办理"}

    @app.get("/bench/bare")
    def bare():
        return jsonify(answer)

    @app.get("/bench/limit")
    @limiter.limit(BENCH_LIMIT, key_func=by_client)
    def limited():
        return jsonify(answer)

    @app.get("/bench/query")
    def query():
        # A GET: the request pipeline runs it without a transaction, as every citizen read.
        db.session.execute(text("SELECT id FROM orders WHERE id = 1")).first()
        return jsonify(answer)

    @app.get("/bench/minimum")
    @limiter.limit(BENCH_LIMIT, key_func=by_client)
    def minimum():
        return query()

    @app.get("/bench/auth")
    @citizen_required
    def authenticated():
        return jsonify(answer)

    @app.get("/bench/owned/<order_no>")
    @limiter.limit(BENCH_LIMIT, key_func=by_phone)
    @citizen_required_revocation_in_query
    def owned(order_no: str):
        citizen = g.citizen
        head = own_order_head(citizen.phone_bidx, order_no, citizen.token_id)
        revocation_read(head.revoked)
        return jsonify(answer)

    return app


def server_env(url: str, redis: str) -> dict:
    limits = {name: BENCH_LIMIT for name in ("read_phone", "session_client", "lookup_client")}
    return {
        **os.environ,
        "HOTLINE_ENV": "production",
        "SECRET_KEY": SECRET,
        "HOTLINE_KEY_FILE": str(key_file(url)),
        "DATABASE_URL": url,
        "RATELIMIT_STORAGE_URI": redis,
        "RATELIMIT_KEY_PREFIX": "bench",
        "CITIZEN_RATE_LIMITS": json.dumps(limits),
        "PYTHONPATH": str(ROOT),
    }


# -- preparing the data -------------------------------------------------------------------
def _app_for(url: str):
    from privacy.keyring import KeyRing
    from yangguang import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-miniapp-"),
            "PRIVACY_KEYRING": KeyRing.load_file(key_file(url)),
            "SECRET_KEY": SECRET,
        }
    )


def _order_count(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    except psycopg.Error:
        return None


def prepare(url: str, orders: int) -> dict:
    """Make sure the scratch database holds ``orders`` orders sealed under our key file."""
    count = _order_count(url)
    if count is not None and count >= orders and key_file(url).exists():
        print(f"reusing {url}: {count:,} orders")
        return {"generated": False, "orders": count, "seconds": None}
    from flask_migrate import upgrade

    from bench.gen_orders import recreate_database
    from hotline.synth.generate import generate_orders
    from privacy.keyring import KeyRing

    OUT.mkdir(parents=True, exist_ok=True)
    KeyRing.generate(development=False).save_file(key_file(url))
    recreate_database(url)
    app = _app_for(url)
    started = time.perf_counter()
    with app.app_context():
        from hotline.extensions import db

        upgrade()
        seeded = app.test_cli_runner().invoke(args=["hotline", "seed"])
        if seeded.exit_code != 0:
            raise SystemExit(seeded.output)
        generate_orders(orders, progress=True, workers=os.cpu_count() or 2)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"generated": True, "orders": orders, "seconds": time.perf_counter() - started}


def pick_citizens(url: str, n: int, seed: int = 4) -> tuple[list[tuple[str, str]], dict]:
    """(token, order number) of ``n`` phones with orders, and facts about the sample."""
    from sqlalchemy import func, select

    from hotline.extensions import db
    from hotline.models.orders import Order
    from hotline.services.citizen import auth as citizen_auth

    app = _app_for(url)
    with app.app_context():
        max_id = db.session.scalar(select(func.max(Order.id)))
        rng = random.Random(seed)
        ids = rng.sample(range(1, max_id + 1), n * 3)
        rows = db.session.execute(
            select(Order.phone_bidx, Order.order_no)
            .where(Order.id.in_(ids), Order.phone_bidx.is_not(None))
            .limit(n)
        ).all()
        counts = db.session.execute(
            select(func.count())
            .select_from(Order)
            .where(Order.phone_bidx.in_([r.phone_bidx for r in rows]))
        ).scalar()
        events = db.session.execute(
            select(func.count())
            .select_from(Order)
            .join(Order.events)
            .where(Order.order_no.in_([r.order_no for r in rows]))
        ).scalar()
        pairs = [(citizen_auth.issue_token(r.phone_bidx)[0], r.order_no) for r in rows]
    facts = {
        "citizens": len(pairs),
        "orders_per_phone": counts / len(pairs),
        "events_per_order": events / len(pairs),
    }
    return pairs, facts


# -- running ------------------------------------------------------------------------------
WARM = ("orders", "order_events", "ratings", "staff_users", "units", "citizen_token_revocations")


def prewarm(url: str) -> None:
    """Read the tables the routes touch, and their indexes, into the OS page cache, so that
    the run measures the service and not the first reads from disk."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        conn.execute(
            "SELECT pg_prewarm(c.oid, 'read') FROM pg_class c WHERE c.relname = ANY(%s) "
            "OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t "
            "ON t.oid = i.indrelid WHERE t.relname = ANY(%s))",
            (list(WARM), list(WARM)),
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, threads: int = 1) -> subprocess.Popen:
    """gunicorn (sync workers, or gthread with ``threads`` > 1; no access log); its log goes to a
    file, never to a pipe nobody reads (a full pipe would stall the workers)."""
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "bench_miniapp_gunicorn.log"
    with log.open("w") as errors:
        proc = subprocess.Popen(
            [
                gunicorn,
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
                "--threads",
                str(threads),
                "bench.bench_miniapp:bench_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(1.5)  # let both workers boot
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(log.read_text()) from None
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


LUA = """
local pairs_ = {%s}
math.randomseed(%d)
request = function()
  local p = pairs_[math.random(#pairs_)]
  local path = %s
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. p[1]})
end
"""


def lua_script(pairs, path_expr: str, seed: int) -> str:
    rows = ",".join(f'{{"{t}","{o}"}}' for t, o in pairs)
    handle, path = tempfile.mkstemp(suffix=".lua", prefix="bench-miniapp-")
    with os.fdopen(handle, "w") as fh:
        fh.write(LUA % (rows, seed, path_expr))
    return path


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, duration: int, connections: int, threads: int, script: str | None) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": total,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def check_answers(base: str, pairs) -> None:
    """Before measuring: the routes answer 200 with what they should."""
    import urllib.request

    token, order_no = pairs[0]
    routes = ("/bench/bare", "/bench/limit", "/bench/query", "/bench/minimum", "/bench/auth")
    for path in (
        *routes,
        f"/bench/owned/{order_no}",
        f"/api/v1/orders/{order_no}",
        "/api/v1/orders",
    ):
        req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310  (localhost)
            body = json.loads(resp.read())
        assert resp.status == 200, (path, resp.status)
        if path.startswith("/api/v1/orders/"):
            assert body["order_no"] == order_no, body
            assert body["timeline"], body


def measure(args, pairs) -> dict:
    prewarm(args.database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(args.database_url, args.redis)
    proc = start_gunicorn(env, port, args.workers, args.server_threads)
    try:
        check_answers(base, pairs)
        auth_only = lua_script(pairs, '"/bench/auth"', 4)
        scripts = {
            "bare": (base + "/bench/bare", None),
            "limit": (base + "/bench/limit", None),
            "query": (base + "/bench/query", None),
            "minimum": (base + "/bench/minimum", None),
            "auth": (base, auth_only),
            "detail": (base, lua_script(pairs, '"/api/v1/orders/" .. p[2]', 1)),
            "detail_repeat": (
                base,
                lua_script(pairs[:REPEAT_CITIZENS], '"/api/v1/orders/" .. p[2]', 3),
            ),
            "my_orders": (base, lua_script(pairs, '"/api/v1/orders?per_page=10"', 2)),
        }
        results = {"load_before": os.getloadavg()[0]}
        for name, (url, script) in scripts.items():
            wrk(url, args.warmup, args.connections, args.threads, script)
            results[name] = wrk(url, args.duration, args.connections, args.threads, script)
            print(name, results[name])
        for _, script in scripts.values():
            if script:
                os.unlink(script)
        results["load_after"] = os.getloadavg()[0]
        return results
    finally:
        stop(proc)


def cpu_per_request(args, pairs, n: int = 400) -> dict:
    """Milliseconds of this process's CPU per request, through the test client, in the same
    configuration as the server: less sensitive to other load on the machine than
    throughput (not a substitute for it; it leaves out PostgreSQL and Redis)."""
    saved = dict(os.environ)
    os.environ.update(server_env(args.database_url, args.redis))
    try:
        client = bench_app().test_client()
    finally:
        os.environ.clear()
        os.environ.update(saved)

    def run(paths) -> float:
        started = time.process_time()
        for token, path in paths:
            resp = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert resp.status_code == 200, (path, resp.status_code)
        return (time.process_time() - started) / len(paths) * 1000

    fresh = [(t, f"/api/v1/orders/{o}") for t, o in pairs[-n:]]
    out = {"bare": run([(t, "/bench/bare") for t, _ in pairs[:n]])}
    out["detail"] = run(fresh)  # first view of each order in this process
    out["detail_repeat"] = run(fresh)  # the same orders again: rendered views reused
    out["my_orders"] = run([(t, "/api/v1/orders?per_page=10") for t, _ in pairs[:n]])
    print("cpu ms/request", out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--server-threads", type=int, default=1, help="gunicorn threads per worker (gthread)"
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--record", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if not args.database_url.rsplit("/", 1)[-1].startswith("bench"):
        raise SystemExit("use a scratch database whose name starts with 'bench'")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    prep = prepare(args.database_url, args.orders)
    if args.prepare_only:
        return
    pairs, facts = pick_citizens(args.database_url, args.citizens)
    results = measure(args, pairs)
    results["cpu"] = cpu_per_request(args, pairs)
    text = section(args, prep, facts, results)
    print(text)
    if args.record:
        record(text)


if __name__ == "__main__":
    main()
