"""Benchmark of progress notifications (issue 12), against the local fake WeChat server.

The worker is the real one, ``flask jobs worker``, started as a subprocess with the
settings in its environment; the web side (lifecycle steps committed by staff) runs in this
process, as does the fake WeChat server, which stamps every message it accepts. Every
citizen is bound to a WeChat user with a long-term consent, so every event should reach the
fake server exactly once.

1. Latency: with the worker running, one lifecycle step at a time (paced), the time from
   the step's commit to the message reaching the fake server: p50, p95, max.
2. Throughput: events written with the worker stopped, then the worker started: messages
   per second from its first message to its last.
3. Crash: 10,000 events (2,500 orders × dispatch, accept, contact, complete) written with
   the worker stopped; the worker started, killed with SIGKILL three times during the run
   (at a quarter, half and three quarters of the messages) and restarted each time; when
   everything is finished: messages sent, duplicates, lost, and uncertain sends.

    .venv/bin/python bench/bench_notifications.py             # PostgreSQL + Redis (production)
    .venv/bin/python bench/bench_notifications.py --embedded  # SQLite + SqliteHuey (make run)
    .venv/bin/python bench/bench_notifications.py --crash-events 2000 --no-record

It needs PostgreSQL and Redis on localhost for the default run; it creates a scratch
database ``bench_notifications`` (dropped and rebuilt each run).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.wechat_server import FakeWeChatServer  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "postgresql://postgres@127.0.0.1:5432/bench_notifications"
REDIS = "redis://127.0.0.1:6379/6"
TEMPLATE = "tmpl-bench-progress"
KEYWORDS = {
    "order_no": "character_string1",
    "status": "phrase2",
    "summary": "thing3",
    "time": "time4",
}
RESULTS = ROOT / "bench" / "results" / "notifications.md"


class StampingServer(FakeWeChatServer):
    """The fake WeChat server, stamping each accepted message with the wall-clock time."""

    def _api_subscribe(self, query, body):
        before = len(self.sent_messages)
        answer = super()._api_subscribe(query, body)
        if len(self.sent_messages) > before:
            self.sent_messages[-1]["at"] = time.time()
        return answer

    def delivered(self) -> list[dict]:
        with self._lock:
            return list(self.sent_messages)


# -- set-up -------------------------------------------------------------------------------
def environment(args, server: FakeWeChatServer, instance: str) -> dict[str, str]:
    from privacy.keyring import KeyRing

    env = {
        "HOTLINE_ENV": "testing",
        "HOTLINE_INSTANCE_PATH": instance,
        "SECRET_KEY": "bench-notifications-secret",
        "HOTLINE_KEYS": json.dumps(KeyRing.generate(development=True).to_document()),
        "WECHAT_APPID": server.appid,
        "WECHAT_SECRET": server.secret,
        "WECHAT_API_BASE": server.base_url,
        "WECHAT_TEMPLATES": json.dumps({"progress": {"id": TEMPLATE, "keywords": KEYWORDS}}),
        "JOBS_QUEUE_NAME": f"bench{secrets.token_hex(3)}",
        "JOBS_WORKERS": str(args.workers),
        "JOBS_TASK_LEASE_SECONDS": str(args.lease),
        "NOTIFY_CLAIM_TIMEOUT_SECONDS": str(args.lease),
        "NOTIFY_QUIET_HOURS": "[0, 0]",
        "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(3)}",
        "SMS_SENDER": "miniapp_api.sms:LogSender",
    }
    if args.embedded:
        env.update(
            DATABASE_URL=f"sqlite:///{instance}/hotline.db",
            RATELIMIT_STORAGE_URI="memory://",
            JOBS_URL=f"sqlite:///{instance}/jobs.db",
        )
    else:
        env.update(DATABASE_URL=PG_DB, RATELIMIT_STORAGE_URI=REDIS, JOBS_URL="")
    return env


def fresh_database(args) -> None:
    if args.embedded:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgresql://", "postgresql://"), autocommit=True) as c:
        c.execute("DROP DATABASE IF EXISTS bench_notifications WITH (FORCE)")
        c.execute("CREATE DATABASE bench_notifications")


def build_app():
    from flask_migrate import upgrade

    from yangguang import create_app

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
    return app


def seed_world():
    """One district, one street, its street office and the staff who act on orders."""
    from hotline.extensions import db
    from hotline.models.categories import Category
    from hotline.models.enums import Role, TimeLimit, UnitKind
    from hotline.models.places import District, Street
    from hotline.models.units import StaffUser, Unit
    from hotline.services.actors import Actor

    district = District(code="110105", name="朝阳区")
    street = Street(code="110105001", name="望京街道", kind="街道", district=district)
    category = Category(code="030101", name="电梯维修", level=1, time_limit=TimeLimit.NORMAL)
    db.session.add_all([district, street, category])
    db.session.flush()
    unit = Unit(
        code="S110105001",
        name="北京市朝阳区望京街道办事处",
        kind=UnitKind.STREET,
        district_id=district.id,
        street_id=street.id,
        service_phone="010-84721234",
    )
    db.session.add(unit)
    db.session.flush()
    staff = {}
    for name, role, unit_id in (
        ("agent", Role.AGENT, None),
        ("dispatcher", Role.DISPATCHER, None),
        ("handler", Role.HANDLER, unit.id),
    ):
        user = StaffUser(
            username=name,
            password_hash="-",
            role=role,
            display_name="王建国",
            staff_no=f"B{len(staff) + 1:03d}",
            unit_id=unit_id,
        )
        db.session.add(user)
        db.session.flush()
        staff[name] = Actor.of(user)
    db.session.commit()
    return {"district": district, "street": street, "category": category, "unit": unit, **staff}


def citizens_and_orders(world, server: FakeWeChatServer, n: int, start: int) -> list[int]:
    """``n`` citizens, each bound to a WeChat user with a long-term consent and holding one
    order just received (no news yet). Returns the order ids."""
    from hotline.extensions import db
    from hotline.models.enums import Channel, OrderKind
    from hotline.services import intake
    from hotline.services.citizen import auth as citizen_auth
    from hotline.services.citizen import wechat as citizen_wechat
    from hotline.services.notifications import consents
    from privacy.orm import utcnow

    ids = []
    for i in range(start, start + n):
        phone, openid = f"139{i:08d}", f"o-bench-{i}"
        server.grant_subscription(openid, TEMPLATE, times=100)
        profile = citizen_auth.login_profile(phone)
        citizen_wechat.bind(
            openid, citizen_wechat.openid_bidx(openid), profile.phone_bidx, utcnow()
        )
        consents.record(profile.phone_bidx, [TEMPLATE], long_term=True)
        result = intake.receive(
            world["agent"],
            channel=Channel.PHONE,
            kind=OrderKind.COMPLAINT,
            district=world["district"],
            street=world["street"],
            category=world["category"],
            content=f"望京西园{i}号楼电梯停运，物业一直不修，老人上下楼很困难。",
            requester=intake.Requester(name="张伟", phone=phone),
        )
        db.session.flush()
        ids.append(result.order.id)
        if len(ids) % 200 == 0:
            db.session.commit()
    db.session.commit()
    return ids


def steps(world, order_ids: list[int], which: tuple[str, ...]) -> int:
    """Take ``which`` steps on each order (committed every 100 orders); events written."""
    from hotline.extensions import db
    from hotline.models.orders import Order
    from hotline.services import lifecycle

    count = 0
    for n, order_id in enumerate(order_ids, 1):
        order = db.session.get(Order, order_id)
        for step in which:
            if step == "dispatch":
                lifecycle.dispatch(order, world["dispatcher"], world["unit"])
            elif step == "accept":
                lifecycle.accept(order, world["handler"])
            elif step == "contact":
                lifecycle.contact_requester(order, world["handler"], "已电话联系诉求人")
            elif step == "complete":
                lifecycle.complete(order, world["handler"], "已更换电梯主板，恢复运行。")
            count += 1
        if n % 100 == 0:
            db.session.commit()
    db.session.commit()
    return count


# -- the worker ---------------------------------------------------------------------------
class Worker:
    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = {**os.environ, **env}, log
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


def unfinished() -> int:
    from sqlalchemy import func, select

    from hotline.extensions import db
    from hotline.models.notifications import FINAL_STATES, Delivery, OutboxEntry

    db.session.rollback()
    entries = db.session.scalar(
        select(func.count(OutboxEntry.id)).where(OutboxEntry.fanned_out_at.is_(None))
    )
    sends = db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.state.not_in(FINAL_STATES))
    )
    return entries + sends


def wait_until(predicate, timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(poll)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# -- the three measurements -----------------------------------------------------------------
def measure_latency(args, world, server, worker: Worker) -> dict:
    from hotline.extensions import db
    from hotline.models.orders import Order
    from hotline.services import lifecycle

    warm_up, *order_ids = citizens_and_orders(world, server, args.latency_events + 1, 0)
    worker.start()
    # The worker is up when a first message went through (imports, token fetch).
    lifecycle.dispatch(db.session.get(Order, warm_up), world["dispatcher"], world["unit"])
    db.session.commit()
    wait_until(lambda: len(server.delivered()) >= 1, 120, "the worker to start")
    committed = {}
    for order_id in order_ids:
        order = db.session.get(Order, order_id)
        lifecycle.dispatch(order, world["dispatcher"], world["unit"])
        db.session.commit()
        committed[order.order_no] = time.time()
        time.sleep(args.pace)
    wait_until(lambda: len(server.delivered()) > len(committed), 120, "the latency messages")
    worker.stop()
    arrived = {m["data"]["character_string1"]["value"]: m["at"] for m in server.delivered()}
    latencies = [arrived[no] - t for no, t in committed.items()]
    return {
        "events": len(latencies),
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
        "pace": args.pace,
    }


def measure_throughput(args, world, server, worker: Worker) -> dict:
    order_ids = citizens_and_orders(world, server, args.throughput_events, 100_000)
    before = len(server.delivered())
    steps(world, order_ids, ("dispatch",))
    worker.start()
    wait_until(
        lambda: len(server.delivered()) - before >= len(order_ids), 1800, "the throughput run"
    )
    worker.stop()
    stamps = sorted(m["at"] for m in server.delivered()[before:])
    span = stamps[-1] - stamps[0]
    return {"messages": len(stamps), "seconds": span, "rate": (len(stamps) - 1) / span}


def measure_crash(args, world, server, worker: Worker) -> dict:
    from sqlalchemy import func, select

    from hotline.extensions import db
    from hotline.models.notifications import Delivery, DeliveryState, InboxMessage
    from hotline.models.orders import Order

    kinds = ("dispatch", "accept", "contact", "complete")
    orders = args.crash_events // len(kinds)
    order_ids = citizens_and_orders(world, server, orders, 200_000)
    numbers = {
        no for no in db.session.scalars(select(Order.order_no).where(Order.id.in_(order_ids)))
    }
    events = steps(world, order_ids, kinds)

    def ours() -> list[dict]:
        return [m for m in server.delivered() if m["data"]["character_string1"]["value"] in numbers]

    started = time.time()
    worker.start()
    kills = []
    for k in range(1, args.kills + 1):
        target = events * k // (args.kills + 1)
        wait_until(lambda t=target: len(ours()) >= t, 1800, f"kill {k}")
        worker.kill()
        kills.append(len(ours()))
        worker.start()
    wait_until(lambda: unfinished() == 0, 1800, "the crash run to finish", poll=1.0)
    time.sleep(2)  # answers in flight
    worker.stop()
    elapsed = time.time() - started

    per_event = Counter(
        (m["data"]["character_string1"]["value"], m["data"]["phrase2"]["value"]) for m in ours()
    )
    duplicates = sum(c - 1 for c in per_event.values() if c > 1)
    db.session.rollback()
    phrases = {
        "dispatched": "已派单",
        "accepted": "已签收",
        "contacted": "已联系",
        "completed": "已办结",
    }
    uncertain_events = [
        (order_no, phrases[kind.value])
        for order_no, kind in db.session.execute(
            select(Order.order_no, InboxMessage.kind)
            .join(InboxMessage, InboxMessage.order_id == Order.id)
            .join(Delivery, Delivery.message_id == InboxMessage.id)
            .where(Delivery.state == DeliveryState.UNCERTAIN, Order.id.in_(order_ids))
        )
    ]
    uncertain = len(uncertain_events)
    uncertain_arrived = sum(1 for event in uncertain_events if event in per_event)
    inbox = db.session.scalar(
        select(func.count(InboxMessage.id)).where(InboxMessage.order_id.in_(order_ids))
    )
    states = dict(
        db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
    )
    return {
        "events": events,
        "sent": len(per_event),
        "duplicates": duplicates,
        "lost": events - len(per_event),
        "uncertain": uncertain,
        "uncertain_arrived": uncertain_arrived,
        "inbox": inbox,
        "kills_at": kills,
        "seconds": elapsed,
        "states": {k.value: v for k, v in states.items()},
    }


# -- report -------------------------------------------------------------------------------
def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "n/a"


def section(args, lat, thr, crash, load_before, load_after) -> str:
    shape = (
        "embedded: SQLite file + SqliteHuey (`make run`)"
        if args.embedded
        else "production shape: PostgreSQL 15 + Redis 7 (RedisHuey, token in Redis)"
    )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {shape}",
        "",
        f"Run {when}; `flask jobs worker` with {args.workers} worker threads; "
        f"lease and claim timeout {args.lease} s.",
        f"Load before: `{load_before}`",
        f"Load after: `{load_after}`",
        "",
        "| measure | result |",
        "|---|---|",
        f"| latency, commit → fake WeChat (n={lat['events']}, one step every "
        f"{lat['pace']} s) | p50 {lat['p50'] * 1000:.0f} ms, p95 {lat['p95'] * 1000:.0f} ms, "
        f"max {lat['max'] * 1000:.0f} ms |",
        f"| throughput ({thr['messages']} messages, queued before the worker started) | "
        f"{thr['rate']:.0f} messages/s ({thr['seconds']:.1f} s first to last) |",
        f"| crash run: events that should notify | {crash['events']:,} |",
        f"| crash run: messages sent (distinct events at the fake server) | {crash['sent']:,} |",
        f"| crash run: duplicates | {crash['duplicates']} |",
        f"| crash run: lost | {crash['lost']} |",
        f"| crash run: uncertain sends (claim committed, worker killed before the answer) | "
        f"{crash['uncertain']} ({crash['uncertain_arrived']} of them had reached WeChat) |",
        f"| crash run: inbox messages | {crash['inbox']:,} |",
        f"| crash run: SIGKILLs (messages at the fake server when killed) | "
        f"{len(crash['kills_at'])} ({', '.join(f'{k:,}' for k in crash['kills_at'])}) |",
        f"| crash run: wall time, kills and restarts included | {crash['seconds']:.0f} s |",
        "",
        f"Delivery states after the three runs: `{json.dumps(crash['states'])}`.",
        "",
    ]
    return "\n".join(lines)


def record(text: str, embedded: bool) -> None:
    marker = "embedded" if embedded else "production"
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    body = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    block = f"{start}\n{text}{end}"
    if start in body:
        before, rest = body.split(start, 1)
        body = before + block + rest.split(end, 1)[1]
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedded", action="store_true", help="SQLite + SqliteHuey")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--lease", type=int, default=10)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--pace", type=float, default=0.1)
    parser.add_argument("--throughput-events", type=int, default=2000)
    parser.add_argument("--crash-events", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    load_before = uptime()
    instance = tempfile.mkdtemp(prefix="bench-notify-")
    with StampingServer() as server:
        server.add_template(TEMPLATE, set(KEYWORDS.values()))
        env = environment(args, server, instance)
        os.environ.update(env)
        fresh_database(args)
        app = build_app()
        worker = Worker(env, Path(instance) / "worker.log")
        try:
            with app.app_context():
                world = seed_world()
                print("latency ...", flush=True)
                lat = measure_latency(args, world, server, worker)
                print(lat, flush=True)
                print("throughput ...", flush=True)
                thr = measure_throughput(args, world, server, worker)
                print(thr, flush=True)
                print("crash ...", flush=True)
                crash = measure_crash(args, world, server, worker)
                print(crash, flush=True)
        finally:
            worker.stop()
            if not args.embedded:
                from hotline.jobs.queue import queue_for

                queue_for(app).huey.flush()
    text = section(args, lat, thr, crash, load_before, uptime())
    print(text)
    if not args.no_record:
        record(text, args.embedded)
    print(f"worker log: {instance}/worker.log")


if __name__ == "__main__":
    main()
