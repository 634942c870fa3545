"""Faults and abuse, replayed against the product as deployed (issue "Every attack and bad
input answered"): gunicorn with 2 workers in production mode, on a PostgreSQL cluster and
a Redis server of this script's own (so that restarting and freezing them disturbs nobody).

1. Bad input on every front door (nested JSON, oversized bodies, out-of-range numbers and
   dates, NUL and lone surrogates, wrong content types): tries and 5xx answers, and the
   workers' memory before and after a 200 MB body.
2. Staff login: 300 wrong passwords for one account, then the right one, from the guessing
   address and from another.
3. Console login: the time a refusal takes for an unknown user, a wrong password and an
   account without TOTP (medians; they should match).
4. A hung Redis (SIGSTOP): latency and 5xx of citizen lookups while it is frozen.
5. A PostgreSQL restart (``pg_ctl restart -m fast``) during staff intake from 4 threads:
   writes acknowledged (201) against orders present afterwards, and 5xx answers.

    .venv/bin/python bench/faults.py              # everything, figures to bench/results/faults.md
    .venv/bin/python bench/faults.py --keep       # leave the cluster and servers for a look

It needs root (it runs PostgreSQL's ``initdb`` as the ``postgres`` user) and Debian's
``postgresql`` and ``redis-server``; nothing else.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "faults.md"
BIN = Path(sys.executable).parent  # the venv's flask and gunicorn
PG_PORT, REDIS_PORT = 5499, 6399
PASSWORD = "demo-password-12345"  # the demo staff password (development data only)
SECRET = "bench-faults-secret-not-for-production"  # noqa: S105


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Cluster:
    """A private PostgreSQL cluster, run by the postgres user (also used by
    ``bench/scale_demo.py`` for a primary and its streaming replica)."""

    def __init__(self, root: Path, port: int = PG_PORT, name: str = "pg"):
        self.dir = root / name
        self.port = port
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.log = root / f"{name}.log"
        self.options = f"-p {port} -k /tmp -c listen_addresses=127.0.0.1"

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess:
        return run(["runuser", "-u", "postgres", "--", *args])

    def start(self, database: str = "faults") -> None:
        self.dir.mkdir(parents=True)
        shutil.chown(self.dir.parent, "postgres")
        shutil.chown(self.dir, "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.dir), "-A", "trust", "-U",
                          "postgres")  # fmt: skip
        self.ctl("start", "-o", self.options)
        run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database])

    def ctl(self, *args: str) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-l", str(self.log),
                          "-w", *args)  # fmt: skip

    def stop(self) -> None:
        try:
            self.ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass


class Redis:
    def __init__(self, root: Path, port: int = REDIS_PORT):
        self.port = port
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(root)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.proc.terminate()
        self.proc.wait(10)


def app_env(root: Path, database_url: str | None = None, redis_url: str | None = None) -> dict:
    from privacy.keyring import KeyRing

    keys = root / "keys.json"
    if not keys.exists():
        KeyRing.generate(development=False).save_file(keys)
    return {
        **os.environ,
        "HOTLINE_ENV": "production",
        "SECRET_KEY": SECRET,
        "HOTLINE_KEY_FILE": str(keys),
        "HOTLINE_INSTANCE_PATH": str(root / "instance"),
        "DATABASE_URL": database_url or f"postgresql://postgres@127.0.0.1:{PG_PORT}/faults",
        "RATELIMIT_STORAGE_URI": redis_url or f"redis://127.0.0.1:{REDIS_PORT}/0",
        "FLASK_APP": "wsgi",
        "PROXY_COUNT": "1",  # the console timing varies X-Forwarded-For to stay under lockouts
        "PYTHONPATH": str(ROOT),
    }


def prepare(env: dict) -> None:
    flask = str(BIN / "flask")
    run([flask, "db", "upgrade", "heads"], env=env, cwd=ROOT)
    dev = {**env, "HOTLINE_ENV": "development"}  # demo staff are refused in production
    run([flask, "hotline", "seed", "--demo-staff"], env=dev, cwd=ROOT)


class Server:
    def __init__(self, env: dict, root: Path, name: str = "gunicorn", workers: int = 2):
        self.port = free_port()
        self.log = open(root / f"{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "120", "wsgi:app"],
            env=env, cwd=ROOT, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                requests.get(self.base + "/reports/", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def workers_rss_mb(self) -> float:
        out = run(["ps", "--ppid", str(self.proc.pid), "-o", "rss="]).stdout.split()
        return sum(int(x) for x in out) / 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


# -- 1. bad input ------------------------------------------------------------------------------
def bad_inputs(base: str) -> dict:
    deep = "[" * 100_000 + "]" * 100_000
    cases: list[tuple[str, str, dict]] = []
    for path in ("/api/v1/lookup", "/staff/api/v1/auth/login", "/api/v1/auth/sms-code"):
        cases += [
            ("post", path, {"data": deep, "headers": {"Content-Type": "application/json"}}),
            ("post", path, {"data": "[" * 500 + "]" * 500,
                            "headers": {"Content-Type": "application/json"}}),
            ("post", path, {"data": "order_no=1", "headers": {"Content-Type": "text/plain"}}),
            ("post", path, {"data": b'{"order_no": "1\\u0000"}',
                            "headers": {"Content-Type": "application/json"}}),
            ("post", path, {"data": b'{"phone": "\\ud800"}',
                            "headers": {"Content-Type": "application/json"}}),
            ("post", path, {"data": b"x" * (2 * 1024 * 1024),
                            "headers": {"Content-Type": "application/json"}}),
        ]  # fmt: skip
    for path in (
        "/reports/2026/v99999999999999999999",
        "/reports/2026/v2147483648/data.json",
        "/staff/api/v1/reports/editions/9223372036854775808",
        "/privacy/console/?page=99999999999999999999",
        "/privacy/console/?unit=99999999999999999999",
        "/staff/api/v1/orders?received_from=0001-01-01T00:00:00",
        "/api/v1/orders/2026%0001",
        "/m/x",
        "/reports/2025",
        "/reports/?year=%00",
    ):
        cases.append(("get", path, {}))
    statuses: list[int] = []
    token = requests.post(
        base + "/staff/api/v1/auth/login",
        json={"username": "agent01", "password": PASSWORD},
        timeout=30,
    ).json()["token"]
    for method, path, kw in cases * 5:
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        resp = getattr(requests, method)(base + path, headers=headers, timeout=60, **kw)
        kw["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
        statuses.append(resp.status_code)
    return {"tries": len(statuses), "5xx": sum(s >= 500 for s in statuses),
            "statuses": sorted(set(statuses))}  # fmt: skip


def big_body(server: Server) -> dict:
    """200 MB announced and sent over a raw socket, as an attacker would (no client library
    second-guessing the headers); the answer and the workers' memory before and after."""
    before = server.workers_rss_mb()
    total = 200 * 1024 * 1024
    head = (
        "POST /api/v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {total}\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        chunk = b"1" * 65536
        while sent < total:
            try:
                answer += conn.recv(65536)
            except BlockingIOError:
                pass
            if answer:
                break
            try:
                sent += conn.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
        conn.setblocking(True)
        conn.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    took = time.perf_counter() - started
    time.sleep(1)
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "closed"
    return {
        "status": status,
        "seconds": round(took, 2),
        "sent_mb": round(sent / 1024**2, 1),
        "rss_before_mb": round(before),
        "rss_after_mb": round(server.workers_rss_mb()),
    }


# -- 2. and 3. logins --------------------------------------------------------------------------
def staff_logins(base: str) -> dict:
    url = base + "/staff/api/v1/auth/login"
    guesses = [
        requests.post(url, json={"username": "dispatcher01", "password": f"guess-{i}"}, timeout=30)
        for i in range(300)
    ]
    counts: dict[int, int] = {}
    for r in guesses:
        counts[r.status_code] = counts.get(r.status_code, 0) + 1
    right = requests.post(url, json={"username": "dispatcher01", "password": PASSWORD}, timeout=30)
    office = requests.post(
        url,
        json={"username": "dispatcher01", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
        timeout=30,
    )
    return {"tries": 300, "answers": counts, "right_password_after": right.status_code,
            "right_password_elsewhere": office.status_code,
            "5xx": sum(v for k, v in counts.items() if k >= 500)}  # fmt: skip


def console_timing(base: str, env: dict) -> dict:
    import re

    flask = str(BIN / "flask")
    dev = {**env, "HOTLINE_ENV": "development"}
    run([flask, "privacy", "console", "enroll", "privacy"], env=dev, cwd=ROOT)
    times: dict[str, list[float]] = {"unknown user": [], "wrong password": [], "no TOTP": []}
    users = {"unknown user": ("nobody-here", PASSWORD), "wrong password": ("privacy", "wrong-1"),
             "no TOTP": ("supervisor01", PASSWORD)}  # fmt: skip
    statuses = set()
    for round_ in range(12):
        for case, (user, password) in users.items():
            # The session cookie is Secure in production: carry it by hand over http.
            page = requests.get(base + "/privacy/console/login", timeout=30)
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            started = time.perf_counter()
            resp = requests.post(
                base + "/privacy/console/login",
                data={"csrf_token": csrf, "username": user, "password": password, "totp": "1"},
                headers={"X-Forwarded-For": f"198.51.100.{round_}", "Cookie": cookie},
                timeout=30,
            )
            times[case].append((time.perf_counter() - started) * 1000)
            statuses.add(resp.status_code)
    if statuses != {401}:
        raise RuntimeError(f"console refusals answered {statuses}, not only 401")
    return {case: round(statistics.median(ms), 1) for case, ms in times.items()}


# -- 4. a hung Redis ---------------------------------------------------------------------------
def lookups(base: str, n: int, offset: int = 0) -> tuple[list[float], list[int]]:
    """Lookups from many addresses (so that the per-address limit does not answer them)."""
    took, statuses = [], []
    for i in range(offset, offset + n):
        started = time.perf_counter()
        resp = requests.post(
            base + "/api/v1/lookup",
            json={"order_no": f"2026010100{i % 9999:04d}", "query_code": "12345678"},
            headers={"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"},
            timeout=60,
        )
        took.append((time.perf_counter() - started) * 1000)
        statuses.append(resp.status_code)
    return took, statuses


def hung_redis(base: str, redis: Redis) -> dict:
    normal, _ = lookups(base, 200)
    redis.freeze()
    try:
        frozen, statuses = lookups(base, 400, offset=1000)
    finally:
        redis.thaw()
    after, after_statuses = lookups(base, 200, offset=2000)

    def summary(ms):
        ordered = sorted(ms)
        return {"p50_ms": round(ordered[len(ms) // 2], 1),
                "p99_ms": round(ordered[int(len(ms) * 0.99) - 1], 1),
                "max_ms": round(ordered[-1], 1)}  # fmt: skip

    return {"normal": summary(normal), "frozen": summary(frozen), "after": summary(after),
            "requests": 800, "5xx": sum(s >= 500 for s in statuses + after_statuses)}  # fmt: skip


# -- 5. a database restart during writes -------------------------------------------------------
def restart_during_writes(base: str, cluster: Cluster, seconds: float = 20) -> dict:
    token = requests.post(
        base + "/staff/api/v1/auth/login",
        json={"username": "agent02", "password": PASSWORD},
        timeout=30,
    ).json()["token"]
    acknowledged: list[str] = []
    statuses: list[int | str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            body = {
                "channel": "phone",
                "kind": "complaint",
                "district_code": "110105",
                "content": f"故障测试写入 {n}-{i}：小区路灯不亮，请尽快修复。",
            }
            try:
                resp = requests.post(
                    base + "/staff/api/v1/orders",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                status: int | str = resp.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                statuses.append(status)
                if status == 201:
                    acknowledged.append(resp.json()["order_no"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    restarted = time.perf_counter()
    cluster.ctl("restart", "-m", "fast", "-o", cluster.options)
    restart_seconds = time.perf_counter() - restarted
    time.sleep(seconds / 2)
    stop.set()
    for t in threads:
        t.join()
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{PG_PORT}/faults") as conn:
        present = {row[0] for row in conn.execute("SELECT order_no FROM orders")}
    counts: dict[str, int] = {}
    for s in statuses:
        counts[str(s)] = counts.get(str(s), 0) + 1
    return {
        "writes_tried": len(statuses),
        "acknowledged": len(acknowledged),
        "present": len(present & set(acknowledged)),
        "lost": len(set(acknowledged) - present),
        "answers": counts,
        "5xx_other_than_503": sum(
            v for k, v in counts.items() if k.isdigit() and int(k) >= 500 and k != "503"
        ),
        "restart_seconds": round(restart_seconds, 1),
    }


def report(results: dict, load: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    bad, big, staff = results["bad_inputs"], results["big_body"], results["staff_logins"]
    console, hung, pg = results["console_timing"], results["hung_redis"], results["restart"]
    return f"""## Faults and abuse (bench/faults.py)

Run {when}; gunicorn with 2 sync workers in production mode, a private PostgreSQL cluster
and Redis server; machine load {load}.

| case | tries | result |
|---|---|---|
| bad input on every front door (nested JSON 500 and 100,000 deep, 2 MB bodies, out-of-range numbers and dates, NUL and lone surrogates, wrong content types, unknown pages) | {bad["tries"]} | {bad["5xx"]} answers 5xx; statuses seen: {", ".join(map(str, bad["statuses"]))} |
| a 200 MB body to `/api/v1/lookup` without logging in | 1 | answer {big["status"]} after {big["seconds"]} s ({big["sent_mb"]} MB sent before the answer); workers' memory {big["rss_before_mb"]} MB before, {big["rss_after_mb"]} MB after |
| 300 wrong passwords for one staff account from one address | {staff["tries"]} | answers {staff["answers"]}; the right password afterwards: {staff["right_password_after"]} from that address, {staff["right_password_elsewhere"]} from another; {staff["5xx"]} × 5xx |
| console refusals, median time | 12 each | unknown user {console["unknown user"]} ms, wrong password {console["wrong password"]} ms, account without TOTP {console["no TOTP"]} ms |
| Redis frozen with SIGSTOP during citizen lookups (200 before, 400 frozen, 200 after) | {hung["requests"]} | p50/p99/max {hung["normal"]["p50_ms"]}/{hung["normal"]["p99_ms"]}/{hung["normal"]["max_ms"]} ms before, {hung["frozen"]["p50_ms"]}/{hung["frozen"]["p99_ms"]}/{hung["frozen"]["max_ms"]} ms frozen, {hung["after"]["p50_ms"]}/{hung["after"]["p99_ms"]}/{hung["after"]["max_ms"]} ms after SIGCONT; {hung["5xx"]} × 5xx |
| PostgreSQL restarted (`pg_ctl restart -m fast`, {pg["restart_seconds"]} s) during staff intake from 4 threads | {pg["writes_tried"]} | {pg["acknowledged"]} writes acknowledged (201), {pg["present"]} of them present afterwards, **{pg["lost"]} lost**; answers {pg["answers"]}; {pg["5xx_other_than_503"]} × 5xx other than 503 |
"""  # noqa: E501


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="yg-faults-"))
    cluster, redis, server = Cluster(root), None, None
    results: dict = {}
    try:
        cluster.start()
        redis = Redis(root)
        env = app_env(root)
        prepare(env)
        server = Server(env, root)
        load = os.getloadavg()
        results["bad_inputs"] = bad_inputs(server.base)
        results["big_body"] = big_body(server)
        results["staff_logins"] = staff_logins(server.base)
        results["console_timing"] = console_timing(server.base, env)
        results["hung_redis"] = hung_redis(server.base, redis)
        results["restart"] = restart_during_writes(server.base, cluster)
        load_text = f"{load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        print(json.dumps(results, indent=2, ensure_ascii=False))
        if not args.no_record:
            RESULTS.parent.mkdir(exist_ok=True)
            RESULTS.write_text(report(results, load_text), encoding="utf-8")
            print(f"written to {RESULTS}")
    finally:
        if not args.keep:
            if server:
                server.stop()
            if redis:
                redis.stop()
            cluster.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
