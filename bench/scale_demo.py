"""How it grows past one machine, shown on this one (issue 16 part 4, ``docs/SCALING.md``).

One run, about two minutes, everything private to the run (``bench/faults.py``'s helpers):

- a PostgreSQL primary, and a streaming replica made from it with PostgreSQL's own
  ``pg_basebackup -R`` and started as a second cluster on another port;
- one Redis;
- two app instances (gunicorn ``wsgi:app``, 2 workers each, production mode) on different
  ports, both on the primary, the replica (``DATABASE_REPLICA_URL``) and the one Redis.

a. The replica serves the portal while the primary takes writes: replication lag sampled
   under staff intake, a publication seen on the replica-served portal after replay, replay
   paused to prove who serves the portal (the staff API on the primary sees the new
   edition, the portal does not until replay resumes), and the replica stopped and started
   again without a server error.
b. Two instances on one Redis: a citizen lookup limit counted across both (requests
   alternated between them), and a correction published through one instance reaching the
   other's warm cache.

    .venv/bin/python bench/scale_demo.py           # figures to bench/results/scale.md
    .venv/bin/python bench/scale_demo.py --keep    # leave clusters and servers for a look

Needs root (PostgreSQL runs as the ``postgres`` user), Debian's ``postgresql`` and
``redis-server``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.faults import (  # noqa: E402
    BIN,
    PASSWORD,
    Cluster,
    Redis,
    Server,
    app_env,
    prepare,
    run,
)

RESULTS = ROOT / "bench" / "results" / "scale.md"
PRIMARY_PORT, REPLICA_PORT, REDIS_PORT = 5497, 5498, 6397
DATABASE = "scale"
ORDERS, YEAR = 3000, 2025
LOOKUP_LIMIT = 20  # DEFAULT_CITIZEN_LIMITS["lookup_client"]: 20/hour per address
EDITION_LINK = re.compile(rf"/reports/{YEAR}/v(\d+)/data\.json")


def dsn(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


_readers = itertools.count()


def read(base: str, path: str) -> requests.Response:
    """A public read from an address of its own: this script's many reads stay under the
    per-address page limits, which are not what it measures."""
    n = next(_readers)
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    return requests.get(base + path, headers={"X-Forwarded-For": address}, timeout=30)


def edition_shown(base: str) -> tuple[int, int]:
    """(status, newest edition of the year linked from its page; 0 when none)."""
    resp = read(base, f"/reports/{YEAR}")
    versions = [int(v) for v in EDITION_LINK.findall(resp.text)] if resp.ok else []
    return resp.status_code, max(versions, default=0)


def wait_for_edition(base: str, version: int, started: float, limit: float = 20.0) -> dict:
    """Poll until the page shows ``version``; then keep polling for 1.5 s (both workers of
    the instance, each with its own caches) and note the last older answer."""
    statuses: list[int] = []
    seen_at = None
    last_old_at = None
    while time.perf_counter() - started < limit:
        status, shown = edition_shown(base)
        statuses.append(status)
        now = time.perf_counter()
        if shown >= version:
            seen_at = seen_at or now
        else:
            last_old_at = now
        if seen_at and now - seen_at > 1.5:
            break
        time.sleep(0.02)
    return {
        "first_seen_ms": ms(seen_at - started) if seen_at else None,
        "last_old_ms": ms(last_old_at - started) if last_old_at else 0,
        "requests": len(statuses),
        "5xx": sum(s >= 500 for s in statuses),
    }


def both(poll, a: str, b: str) -> list:
    """``poll`` on both instances at the same time."""
    out: list = [None, None]

    def one(i: int, base: str) -> None:
        out[i] = poll(base)

    threads = [threading.Thread(target=one, args=(i, base)) for i, base in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


class Staff:
    def __init__(self, base: str, username: str):
        self.base = base
        resp = requests.post(
            f"{base}/staff/api/v1/auth/login",
            json={"username": username, "password": PASSWORD},
            timeout=30,
        )
        resp.raise_for_status()
        self.headers = {"Authorization": f"Bearer {resp.json()['token']}"}

    def post(self, path: str, body: dict) -> dict:
        resp = requests.post(self.base + path, json=body, headers=self.headers, timeout=60)
        if resp.status_code >= 300:
            raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:300]}")
        return resp.json()

    def versions(self) -> list[int]:
        """Published versions of the year as the staff API (the primary) lists them."""
        resp = requests.get(self.base + "/staff/api/v1/reports", headers=self.headers, timeout=60)
        resp.raise_for_status()
        return sorted(
            e["version"]
            for r in resp.json()["items"]
            if r["period"] == str(YEAR)
            for e in r["editions"]
            if e.get("version") and e.get("url")
        )


# -- setting up ---------------------------------------------------------------------------------
def make_replica(root: Path, primary: Cluster) -> tuple[Cluster, float]:
    replica = Cluster(root, port=REPLICA_PORT, name="replica")
    started = time.perf_counter()
    run(["runuser", "-u", "postgres", "--", str(primary.bin / "pg_basebackup"), "-h",
         "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(replica.dir),
         "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
    took = time.perf_counter() - started
    replica.ctl("start", "-o", replica.options)
    return replica, took


def generate(env: dict) -> float:
    dev = {**env, "HOTLINE_ENV": "development"}
    started = time.perf_counter()
    run([str(BIN / "flask"), "hotline", "demo", "--orders", str(ORDERS), "--year", str(YEAR),
         "--no-progress"], env=dev, cwd=ROOT)  # fmt: skip
    return time.perf_counter() - started


# -- a. the replica -----------------------------------------------------------------------------
def replication_lag(primary: psycopg.Connection, replica: psycopg.Connection) -> float:
    """Seconds until the replica has replayed everything the primary had written now."""
    lsn = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    started = time.perf_counter()
    while True:
        done = replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[
            0
        ]
        if done:
            return time.perf_counter() - started
        time.sleep(0.0005)


def lag_under_writes(a: str, b: str, seconds: float = 12.0) -> dict:
    """Staff intake through instance A (2 threads) while the portal is read through B and
    the replication lag is sampled every 100 ms."""
    staff = Staff(a, "agent01")
    stop = threading.Event()
    writes: list[int] = []
    reads: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            body = {"channel": "phone", "kind": "complaint", "district_code": "110105",
                    "content": f"扩展演示写入 {n}-{i}：小区路灯不亮，请尽快修复。"}  # fmt: skip
            resp = requests.post(
                a + "/staff/api/v1/orders", json=body, headers=staff.headers, timeout=30
            )
            with lock:
                writes.append(resp.status_code)

    def reader() -> None:
        pages = (
            "/reports/",
            f"/reports/{YEAR}",
            "/reports/districts/",
            "/open311/v2/services.json",
        )
        i = 0
        while not stop.is_set():
            resp = read(b, pages[i % len(pages)])
            i += 1
            with lock:
                reads.append(resp.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    samples: list[float] = []
    reported: list[float] = []  # pg_stat_replication.replay_lag, as the primary reports it
    with (
        psycopg.connect(dsn(PRIMARY_PORT), autocommit=True) as p,
        psycopg.connect(dsn(REPLICA_PORT), autocommit=True) as r,
    ):
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            samples.append(replication_lag(p, r))
            lag = p.execute("SELECT replay_lag FROM pg_stat_replication").fetchone()
            if lag and lag[0] is not None:
                reported.append(lag[0].total_seconds())
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join()
        state = p.execute("SELECT state, sync_state FROM pg_stat_replication").fetchone()
        replication_lag(p, r)
        on_primary = p.execute("SELECT count(*) FROM orders").fetchone()[0]
        on_replica = r.execute("SELECT count(*) FROM orders").fetchone()[0]
    samples.sort()
    return {
        "seconds": seconds,
        "writes": len(writes),
        "writes_per_s": round(len(writes) / seconds, 1),
        "writes_201": writes.count(201),
        "portal_reads": len(reads),
        "portal_5xx": sum(s >= 500 for s in reads),
        "portal_statuses": sorted(set(reads)),
        "lag_samples": len(samples),
        "lag_p50_ms": ms(statistics.median(samples)),
        "lag_p95_ms": ms(samples[int(len(samples) * 0.95) - 1]),
        "lag_max_ms": ms(samples[-1]),
        "pg_stat_replication": list(state) if state else None,
        "replay_lag_reported_max_ms": ms(max(reported)) if reported else None,
        "orders_primary": on_primary,
        "orders_replica_after_catch_up": on_replica,
    }


def publish_first(a: str, b: str) -> dict:
    publisher = Staff(a, "publisher")
    before = {"a": edition_shown(a), "b": edition_shown(b)}
    started = time.perf_counter()
    draft = publisher.post("/staff/api/v1/reports/drafts", {"year": YEAR})
    built = time.perf_counter()
    publisher.post(f"/staff/api/v1/reports/editions/{draft['id']}/publish", {})
    published = time.perf_counter()
    seen = wait_for_edition(b, 1, published)
    return {
        "before": before,
        "draft_build_ms": ms(built - started),
        "publish_ms": ms(published - built),
        "b_portal": seen,
        "edition_id": draft["id"],
    }


def paused_replay(a: str, b: str, edition_id: int) -> dict:
    """Replay paused on the replica: a correction published on the primary is listed by the
    staff API at once but not by either portal until replay resumes."""
    publisher = Staff(a, "publisher")
    with psycopg.connect(dsn(REPLICA_PORT), autocommit=True) as r:
        r.execute("SELECT pg_wal_replay_pause()")
        try:
            draft = publisher.post(
                f"/staff/api/v1/reports/editions/{edition_id}/corrections",
                {"erratum": "更正：演示用勘误，第三季度口径调整"},
            )
            publisher.post(f"/staff/api/v1/reports/editions/{draft['id']}/publish", {})
            staff_sees = publisher.versions()
            time.sleep(2.5)  # longer than CACHE_VERSION_CHECK_SECONDS (1 s)
            while_paused = {"a": edition_shown(a), "b": edition_shown(b)}
        finally:
            resumed = time.perf_counter()
            r.execute("SELECT pg_wal_replay_resume()")
        after = both(lambda base: wait_for_edition(base, 2, resumed), a, b)
    return {
        "staff_api_versions": staff_sees,
        "portal_while_paused": while_paused,
        "a_after_resume": after[0],
        "b_after_resume": after[1],
        "edition_id": draft["id"],
    }


def replica_down(a: str, b: str, replica: Cluster) -> dict:
    """The replica stopped (``pg_ctl stop -m immediate``) and started again."""
    replica.ctl("stop", "-m", "immediate")
    statuses, shown = [], set()
    started = time.perf_counter()
    while time.perf_counter() - started < 3:
        for base in (a, b):
            status, version = edition_shown(base)
            statuses.append(status)
            shown.add(version)
            for path in ("/reports/districts/", "/open311/v2/services.json"):
                statuses.append(read(base, path).status_code)
    down = {"requests": len(statuses), "5xx": sum(s >= 500 for s in statuses),
            "statuses": sorted(set(statuses)), "editions_shown": sorted(shown)}  # fmt: skip
    replica.ctl("start", "-o", replica.options)
    back_at = time.perf_counter()
    statuses = []
    while time.perf_counter() - back_at < 8:  # RETRY_SECONDS is 5
        for base in (a, b):
            statuses.append(edition_shown(base)[0])
        time.sleep(0.1)
    with psycopg.connect(dsn(REPLICA_PORT), autocommit=True) as r:
        after = r.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DATABASE,),
        ).fetchone()[0]
    return {
        "down": down,
        "back": {
            "requests": len(statuses),
            "5xx": sum(s >= 500 for s in statuses),
            "app_connections_on_replica_after": after,
        },  # fmt: skip
    }


# -- b. two instances on one Redis -------------------------------------------------------------
LIMITED_ADDRESS = "203.0.113.50"


def counted_in_redis() -> dict[str, int]:
    """The limit counters Redis holds for ``LIMITED_ADDRESS``: a request a worker counted in
    its own memory instead (its Redis call took longer than ``REDIS_TIMEOUT_SECONDS`` and
    flask-limiter fell back, which it does not log) is missing from them."""
    client = redis.Redis(port=REDIS_PORT)
    out = {}
    for key in client.scan_iter(f"*{LIMITED_ADDRESS}*"):
        kind = client.type(key).decode()
        size = {"string": lambda k: int(client.get(k)), "list": client.llen,
                "zset": client.zcard}.get(kind)  # fmt: skip
        out[key.decode()] = size(key) if size else -1
    return out


def shared_limit(a: str, b: str) -> dict:
    """Lookups from one address, alternated A, B, A, B … (different order numbers, so that
    only the per-address limit can answer)."""
    answers: list[tuple[str, int, str | None]] = []
    for i in range(LOOKUP_LIMIT + 6):
        base, name = (a, "A") if i % 2 == 0 else (b, "B")
        resp = requests.post(
            base + "/api/v1/lookup",
            json={"order_no": f"2025010199{i:02d}", "query_code": "12345678"},
            headers={"X-Forwarded-For": LIMITED_ADDRESS},
            timeout=30,
        )
        answers.append((name, resp.status_code, resp.headers.get("Retry-After")))
    first = next((i for i, (_, s, _) in enumerate(answers) if s == 429), None)
    limited = answers[first:] if first is not None else []
    return {
        "limit": f"{LOOKUP_LIMIT}/hour per address",
        "requests": len(answers),
        "answered_before_limit": first,
        "first_429": None if first is None else f"request {first + 1} ({answers[first][0]})",
        "statuses_by_instance": {
            name: [s for n, s, _ in answers if n == name] for name in ("A", "B")
        },
        "all_after_are_429": all(s == 429 for _, s, _ in limited),
        "sent": len(answers),
        "counted_in_redis": counted_in_redis(),
        "retry_after_given": all(r for _, s, r in limited if s == 429),
        "message": requests.post(
            a + "/api/v1/lookup",
            json={"order_no": "2025010198", "query_code": "12345678"},
            headers={"X-Forwarded-For": LIMITED_ADDRESS},
            timeout=30,
        ).json()["error"]["message"],
    }


def invalidation(a: str, b: str, edition_id: int) -> dict:
    """A correction published through B reaches A's warm caches."""
    for _ in range(20):  # warm both workers of A on edition 2
        edition_shown(a)
    publisher = Staff(b, "publisher")
    draft = publisher.post(
        f"/staff/api/v1/reports/editions/{edition_id}/corrections",
        {"erratum": "更正：演示用第二次勘误"},
    )
    publisher.post(f"/staff/api/v1/reports/editions/{draft['id']}/publish", {})
    published = time.perf_counter()
    with (
        psycopg.connect(dsn(PRIMARY_PORT), autocommit=True) as p,
        psycopg.connect(dsn(REPLICA_PORT), autocommit=True) as r,
    ):
        lag = replication_lag(p, r)
    seen = wait_for_edition(a, 3, published)
    return {"replay_after_publish_ms": ms(lag), "a_portal": seen}


# -- the record ----------------------------------------------------------------------------------
def report(res: dict) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    setup, lag, first = res["setup"], res["lag"], res["publish"]
    paused, down, limit, inv = res["paused"], res["down"], res["limit"], res["invalidation"]
    pa, pb = paused["a_after_resume"], paused["b_after_resume"]
    return f"""## Past one machine, shown on this one (bench/scale_demo.py)

Run {when}, {res["seconds"]:.0f} s in all. A PostgreSQL {setup["pg_version"]} primary (port
{PRIMARY_PORT}) and a streaming replica made from it with `pg_basebackup -R -X stream`
({setup["basebackup_s"]} s for {setup["db_mb"]} MB with {ORDERS:,} orders) and started as a
second cluster (port {REPLICA_PORT}); one Redis; two gunicorn instances of `wsgi:app`
(A and B, 2 sync workers each, production mode, default settings) with
`DATABASE_REPLICA_URL` pointing at the replica. Everything on this 2-core machine at once,
so the figures are an upper bound of what separate machines would show.

Load (`uptime`) at the start: `{res["uptime_start"]}`; at the end: `{res["uptime_end"]}`.

### a. A streaming replica serves the portal while the primary takes writes

| what | measured |
|---|---|
| staff intake through A for {lag["seconds"]:.0f} s (2 threads) | {lag["writes"]} writes, {lag["writes_201"]} × 201 ({lag["writes_per_s"]}/s) |
| portal and Open311 read through B at the same time (from the replica) | {lag["portal_reads"]} requests, statuses {lag["portal_statuses"]}, {lag["portal_5xx"]} × 5xx |
| replication lag: primary's WAL position → replayed on the replica, {lag["lag_samples"]} samples during the writes | p50 {lag["lag_p50_ms"]} ms, p95 {lag["lag_p95_ms"]} ms, max {lag["lag_max_ms"]} ms |
| `pg_stat_replication` (state, sync; the largest `replay_lag` it reported during the writes) | {", ".join(lag["pg_stat_replication"] or ["—"])}; {lag["replay_lag_reported_max_ms"]} ms |
| orders on primary / on replica after catch-up | {lag["orders_primary"]:,} / {lag["orders_replica_after_catch_up"]:,} |
| first yearly edition: draft built / published through A's staff API | {first["draft_build_ms"]} ms / {first["publish_ms"]} ms |
| … shown by B's replica-served portal | {first["b_portal"]["first_seen_ms"]} ms after the publish answer (last older page at {first["b_portal"]["last_old_ms"]} ms; {first["b_portal"]["5xx"]} × 5xx in {first["b_portal"]["requests"]} requests) |
| replay **paused** on the replica, a correction published through A | A's staff API (primary) lists editions {paused["staff_api_versions"]}; 2.5 s later the portal shows edition {paused["portal_while_paused"]["a"][1]} on A and {paused["portal_while_paused"]["b"][1]} on B: the portal reads the replica |
| replay resumed | edition 2 on A after {pa["first_seen_ms"]} ms (last older page {pa["last_old_ms"]} ms), on B after {pb["first_seen_ms"]} ms (last older {pb["last_old_ms"]} ms); {pa["5xx"] + pb["5xx"]} × 5xx |
| replica stopped (`pg_ctl stop -m immediate`), portal and Open311 read through A and B for 3 s | {down["down"]["requests"]} requests, statuses {down["down"]["statuses"]}, **{down["down"]["5xx"]} × 5xx**, edition shown {down["down"]["editions_shown"]} (from the primary) |
| replica started again, 8 s of portal reads | {down["back"]["requests"]} requests, {down["back"]["5xx"]} × 5xx; app connections on the replica {down["back"]["app_connections_on_replica_after"]} afterwards (the instances went back to it after `RETRY_SECONDS`) |

### b. Two app instances on one Redis

| what | measured |
|---|---|
| citizen lookups from one address, alternated A, B, A, B … (limit `lookup_client` {limit["limit"]}) | {limit["answered_before_limit"]} answered, then 429 from {limit["first_429"]} on; every later request 429: {limit["all_after_are_429"]}; `Retry-After` on each: {limit["retry_after_given"]} |
| statuses by instance | A: {limit["statuses_by_instance"]["A"]}; B: {limit["statuses_by_instance"]["B"]} |
| the counters in Redis for that address afterwards ({limit["sent"]} requests sent; a request a worker counted in its own memory, after a Redis call slower than `REDIS_TIMEOUT_SECONDS` = 50 ms, would be missing) | {"; ".join(f"`{k}`: {v}" for k, v in limit["counted_in_redis"].items())} |
| the message a citizen reads | {limit["message"]} |
| a second correction published through B; A's caches warm on edition 2 | replica replayed it {inv["replay_after_publish_ms"]} ms after the publish answer; A showed edition 3 after {inv["a_portal"]["first_seen_ms"]} ms, its last older page at {inv["a_portal"]["last_old_ms"]} ms (bound: replica lag + `CACHE_VERSION_CHECK_SECONDS` = 1 s); {inv["a_portal"]["5xx"]} × 5xx |
"""  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    begun = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="yg-scale-"))
    primary = Cluster(root, port=PRIMARY_PORT, name="primary")
    replica = redis = None
    servers: list[Server] = []
    res: dict = {"uptime_start": uptime()}
    try:
        primary.start(database=DATABASE)
        redis = Redis(root, port=REDIS_PORT)
        env = app_env(root, dsn(PRIMARY_PORT), f"redis://127.0.0.1:{REDIS_PORT}/0")
        prepare(env)
        generated = generate(env)
        replica, basebackup = make_replica(root, primary)
        with psycopg.connect(dsn(PRIMARY_PORT)) as p:
            version = p.execute("SHOW server_version").fetchone()[0].split()[0]
            size = p.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        res["setup"] = {"generate_s": round(generated, 1), "basebackup_s": round(basebackup, 1),
                        "db_mb": round(size / 1024**2), "pg_version": version}  # fmt: skip
        env = {**env, "DATABASE_REPLICA_URL": dsn(REPLICA_PORT)}
        servers = [Server(env, root, name="instance-a"), Server(env, root, name="instance-b")]
        a, b = servers[0].base, servers[1].base
        res["lag"] = lag_under_writes(a, b)
        res["publish"] = publish_first(a, b)
        res["paused"] = paused_replay(a, b, res["publish"]["edition_id"])
        res["down"] = replica_down(a, b, replica)
        res["limit"] = shared_limit(a, b)
        res["invalidation"] = invalidation(a, b, res["paused"]["edition_id"])
        res["uptime_end"] = uptime()
        res["seconds"] = time.perf_counter() - begun
        print(json.dumps(res, indent=2, ensure_ascii=False, default=str))
        if not args.no_record:
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(report(res), encoding="utf-8")
            print(f"written to {RESULTS}")
    finally:
        if args.keep:
            print(f"kept: {root}")
        else:
            for server in servers:
                server.stop()
            if redis:
                redis.stop()
            for cluster in (replica, primary):
                if cluster:
                    cluster.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
