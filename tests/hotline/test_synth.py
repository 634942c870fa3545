"""Synthetic data: the bulk rows equal the service rows, the mix follows DESIGN §2, the
timelines hold together, and the demo command works on a freshly seeded database."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import delete, func, select

from hotline.extensions import db
from hotline.models.orders import Assignment, Order, OrderEvent, Rating
from hotline.models.units import Unit
from hotline.services import reference
from hotline.services.repeats import simhash
from hotline.synth import bulk, texts
from hotline.synth.generate import generate_orders
from hotline.synth.replay import ServiceWriter
from hotline.synth.rows import Batch, RowBuilder
from hotline.synth.scenario import Rules
from hotline.synth.staff import create_demo_staff
from hotline.synth.timing import DAY, Window, order_numbers, sample_received
from hotline.synth.world import load_world
from privacy import catalog
from privacy.blind_index import matches
from privacy.orm import utcnow
from privacy.runtime import runtime

# Every step the planner can produce; the equivalence plan must contain each of them.
ALL_OPS = {
    "receive", "merge", "answer", "dispatch", "accept", "contact", "progress", "return",
    "dispute", "reject_dispute", "request_extension", "decide_extension", "whistle",
    "escalate", "complete", "follow_up", "rate", "close",
}  # fmt: skip


PLANNED_UNTIL = datetime(2025, 6, 10, 4, 0, tzinfo=UTC)


@pytest.fixture
def beijing(app):
    """The shipped reference data (16 districts, 554 units) and the demo staff."""
    reference.load_places()
    reference.load_categories()
    reference.load_units()
    create_demo_staff("demo-password-12345")
    db.session.commit()
    return app


def _plans(count: int, seed: int, days: int):
    """Plans received in the ``days`` days before a fixed moment, planned as
    ``generate_orders`` does; the same every run."""
    now = int(PLANNED_UNTIL.timestamp())
    window = Window(now - days * DAY, now, now)
    times = sample_received(random.Random(seed), count, window)
    setup = bulk.Setup(load_world(), window, Rules.from_config(current_app.config), seed)
    return bulk.plan_chunk(setup, bulk.Task(0, 1, times, order_numbers(times))), setup


def _covering(plans, size: int):
    """A small set of plans that together take every kind of step, plus open orders."""
    chosen, seen = [], set()
    for plan in plans:
        ops = {s.op for s in plan.steps}
        if any(s.op == "rate" and s.args["ask_reopen"] for s in plan.steps):
            ops.add("reopen")
        if not ops <= seen:
            chosen.append(plan)
            seen |= ops
    # Open orders, one for each step an order can be waiting after (accepted, contacted,
    # completed...), so that the rows of unfinished timelines are compared too.
    waiting_after = {}
    for p in plans:
        last = [s.op for s in p.steps if s.op not in ("rate", "merge")][-1]
        if last != "close" and p not in chosen:
            waiting_after.setdefault(last, p)
    chosen += list(waiting_after.values())
    rest = [p for p in plans if p not in chosen]
    chosen += rest[: max(0, size - len(chosen))]
    assert ALL_OPS | {"reopen"} <= seen, ALL_OPS - seen
    return sorted(chosen, key=lambda p: p.received_at)


def _open(sealed, table: str, column: str, uuid: str):
    if sealed is None:
        return None
    return runtime().cipher.open(sealed, table, column, uuid)


def _snapshot() -> dict:
    """Every order row as the database holds it, without surrogate keys or random bytes."""
    o, e, a, r = (m.__table__ for m in (Order, OrderEvent, Assignment, Rating))
    sealed = {"requester_name", "requester_phone", "requester_id_number", "requester_address"}
    sealed.add("content")
    orders = {}
    for row in db.session.execute(select(o).order_by(o.c.order_no)).mappings():
        values = dict(row)
        for column in sealed:
            values[column] = _open(row[column], "orders", column, row["uuid"])
        for column in ("id", "uuid", "query_code_hash"):
            del values[column]
        orders[row["order_no"]] = values
    events = []
    for row in db.session.execute(
        select(e, e.c.data.is_(None).label("data_is_sql_null"), o.c.order_no)
        .join(o, o.c.id == e.c.order_id)
        .order_by(o.c.order_no, e.c.seq)
    ).mappings():
        values = dict(row)
        for column in catalog.columns("order_events"):  # notes and reasons are sealed
            values[column] = _open(row[column], "order_events", column, row["uuid"])
        for column in ("id", "uuid", "order_id"):
            del values[column]
        events.append(values)
    assignments = [
        {k: v for k, v in row.items() if k not in ("id", "order_id")}
        for row in db.session.execute(
            select(a, o.c.order_no).join(o, o.c.id == a.c.order_id).order_by(o.c.order_no, a.c.id)
        ).mappings()
    ]
    ratings = []
    for row in db.session.execute(
        select(r, o.c.order_no).join(o, o.c.id == r.c.order_id).order_by(o.c.order_no, r.c.id)
    ).mappings():
        values = dict(row)
        values["comment"] = _open(row["comment"], "ratings", "comment", row["uuid"])
        for column in ("id", "uuid", "order_id"):
            del values[column]
        ratings.append(values)
    return {"orders": orders, "events": events, "assignments": assignments, "ratings": ratings}


def _empty_orders() -> None:
    for model in (Rating, Assignment, OrderEvent, Order):
        db.session.execute(delete(model.__table__))
    db.session.commit()


def test_bulk_rows_equal_service_rows(beijing):
    plans, setup = _plans(1200, seed=7, days=90)
    plans = _covering(plans, size=30)

    service_codes = ServiceWriter().write(plans)
    db.session.commit()
    by_service = _snapshot()
    stored = dict(db.session.execute(select(Order.order_no, Order.query_code_hash)).all())
    ring = runtime().ring
    assert all(matches(ring, "query_code", code, stored[no]) for no, code in service_codes.items())
    _empty_orders()

    builder, batch = RowBuilder(runtime().cipher, setup.rules, setup.world), Batch()
    for i, plan in enumerate(plans):
        builder.build(plan, 1000 + i, batch, keep_code=True)
    with db.engine.begin() as conn:
        bulk.write_batch(conn, batch)
    by_bulk = _snapshot()
    stored = dict(db.session.execute(select(Order.order_no, Order.query_code_hash)).all())
    assert all(matches(ring, "query_code", code, stored[no]) for no, code in batch.codes)

    assert len(by_bulk["orders"]) == len(plans)
    for table in ("orders", "events", "assignments", "ratings"):
        assert len(by_bulk[table]) == len(by_service[table]), table
    for order_no, row in by_service["orders"].items():
        assert by_bulk["orders"][order_no] == row, order_no
    for table in ("events", "assignments", "ratings"):
        for mine, theirs in zip(by_bulk[table], by_service[table], strict=True):
            assert mine == theirs, table
    statuses = {row["status"] for row in by_bulk["orders"].values()}
    assert "closed" in statuses
    assert len(statuses) >= 3, statuses
    assert any(row["repeat_count"] for row in by_bulk["orders"].values())


def _shares(rows) -> dict[str, float]:
    counts = Counter(dict(rows.all()))
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def test_mix_follows_the_published_shares(beijing):
    stats = generate_orders(2000, seed=3, progress=False)
    assert stats.orders == 2000
    assert "2,000" in stats.summary()

    channels = _shares(
        db.session.execute(select(Order.channel, func.count()).group_by(Order.channel))
    )
    assert 0.62 <= channels["phone"] <= 0.72
    assert set(channels) == {"phone", "wechat", "miniapp", "app", "web", "national", "weibo"}
    kinds = _shares(db.session.execute(select(Order.kind, func.count()).group_by(Order.kind)))
    for kind, share in {"consultation": 0.30, "complaint": 0.28, "help": 0.27}.items():
        assert abs(kinds[kind] - share) < 0.04, kind
    assert 0.01 <= kinds["praise"] <= 0.04
    answered = db.session.scalar(select(func.count()).where(Order.dispatched_at.is_(None)))
    assert 0.55 <= answered / 2000 <= 0.66

    first_dispatch = (
        select(Unit.kind, func.count())
        .join(OrderEvent, OrderEvent.target_unit_id == Unit.id)
        .where(OrderEvent.type == "dispatched", OrderEvent.seq == 2)
        .group_by(Unit.kind)
    )
    unit_kinds = _shares(db.session.execute(first_dispatch))
    published = {"street": 0.36, "district_dept": 0.378, "city_dept": 0.161, "soe": 0.074}
    for kind, share in published.items():
        assert abs(unit_kinds[kind] - share) < 0.05, (kind, unit_kinds)
    assert 0.005 <= unit_kinds["platform"] <= 0.06

    verdicts = _shares(
        db.session.execute(
            select(Rating.satisfaction, func.count())
            .where(Rating.source == "follow_up")
            .group_by(Rating.satisfaction)
        )
    )
    assert 0.65 <= verdicts["satisfied"] <= 0.82
    assert 0.05 <= verdicts["dissatisfied"] <= 0.17
    districts = dict(
        db.session.execute(
            select(Order.district_id, func.count()).group_by(Order.district_id)
        ).all()
    )
    assert len(districts) == 16


def test_timelines_hold_together(beijing):
    now = utcnow()
    stats = generate_orders(2000, seed=11, progress=False)
    orders = {o.id: o for o in db.session.scalars(select(Order))}
    assert len(orders) == 2000 == len({o.order_no for o in orders.values()})
    events: dict[int, list[OrderEvent]] = {}
    for event in db.session.scalars(
        select(OrderEvent).order_by(OrderEvent.order_id, OrderEvent.seq)
    ):
        events.setdefault(event.order_id, []).append(event)

    types = Counter(e.type.value for timeline in events.values() for e in timeline)
    for kind in ("returned", "extension_approved", "disputed", "reopened", "whistle", "rated"):
        assert types[kind] > 0, kind
    assert types["merged_repeat"] == stats.merged == sum(o.repeat_count for o in orders.values())
    assert stats.merged > 0

    for order_id, timeline in events.items():
        order = orders[order_id]
        assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
        times = [e.occurred_at for e in timeline]
        assert times == sorted(times)
        assert times[-1] <= now + timedelta(minutes=5)
        assert timeline[0].type == "received"
        assert timeline[0].occurred_at == order.received_at
        kinds = [e.type.value for e in timeline]
        if order.status.value in ("completed", "closed") and order.dispatched_at is not None:
            assert "completed" in kinds
            last_done = [e for e in timeline if e.type == "completed"][-1]
            assert order.completed_at == last_done.occurred_at
        if order.status.value == "closed":
            assert kinds[-1] in ("closed", "rated", "merged_repeat")
        if order.contacted_at is not None:
            assert any(
                e.type == "contacted" and e.occurred_at == order.contacted_at for e in timeline
            )

    late = [o for o in orders.values() if o.completed_at and o.completed_at > o.deadline_at]
    assert 0.03 <= len(late) / sum(1 for o in orders.values() if o.dispatched_at) <= 0.16
    still_open = [o for o in orders.values() if o.status.value not in ("closed", "answered")]
    assert still_open
    assert min(o.received_at for o in still_open) > now - timedelta(days=90)
    ratings = db.session.scalar(select(func.count()).where(Rating.source == "citizen"))
    assert ratings > 0


def test_demo_command_after_seed(runner, app):
    result = runner.invoke(args=["hotline", "demo", "--orders", "50", "--no-progress"])
    assert result.exit_code != 0
    assert "seed" in result.output

    assert runner.invoke(args=["hotline", "seed"]).exit_code == 0
    result = runner.invoke(args=["hotline", "demo", "--orders", "500", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "生成工单 500 件" in result.output
    assert db.session.scalar(select(func.count(Order.id))) == 500

    codes_file = Path(app.instance_path) / "demo-codes.txt"
    text = codes_file.read_text(encoding="utf-8")
    lines = [line.split() for line in text.splitlines() if line[0].isdigit()]
    assert lines
    stored = dict(db.session.execute(select(Order.order_no, Order.query_code_hash)).all())
    assert all(matches(runtime().ring, "query_code", code, stored[no]) for no, code in lines)

    result = runner.invoke(args=["hotline", "demo", "--orders", "500", "--if-empty"])
    assert "nothing generated" in result.output
    assert db.session.scalar(select(func.count(Order.id))) == 500


def test_worker_processes_and_a_past_year(beijing):
    stats = generate_orders(300, seed=5, year=2024, progress=False, workers=2, chunk_size=100)
    assert stats.workers == 2
    assert stats.orders == 300
    received = db.session.scalars(select(Order.received_at)).all()
    local = [t + timedelta(hours=8) for t in received]
    assert len(received) == 300
    assert all(t.year == 2024 for t in local)
    numbers = db.session.scalars(select(Order.order_no)).all()
    assert len(set(numbers)) == 300
    # More orders later do not collide with these numbers or ids.
    generate_orders(100, seed=6, year=2024, progress=False)
    assert db.session.scalar(select(func.count(func.distinct(Order.order_no)))) == 400


def _simhash_by_definition(text: str, key: bytes) -> int:
    """SimHash as its definition reads: bit i is set when more bigrams set it than not."""
    import hashlib

    from hotline.services.repeats import normalise_content

    norm = normalise_content(text)
    grams = [norm[i : i + 2] for i in range(max(1, len(norm) - 1))] if norm else [""]
    weights = [0] * 64
    for gram in grams:
        h = int.from_bytes(hashlib.blake2b(gram.encode(), key=key, digest_size=8).digest())
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value


def test_simhash_is_the_majority_of_bigram_bits():
    key = bytes(range(32))
    rng = random.Random(1)
    samples = ["", "a", "电梯", "。。。", "Ｈｅｌｌｏ 世界"]
    for _ in range(200):
        kind = rng.choice(["complaint", "help", "consultation", "tip_off", "praise", "suggestion"])
        samples.append(texts.content(rng, kind, "电梯维修", "物业管理", "朝阳区", "望京街道", None))
    samples.append("很长的诉求" * 400)
    # Long enough for the chunked count (2**15 bigrams or more).
    samples.append("".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(40_000)))
    for sample in samples:
        assert simhash(sample, key) == _simhash_by_definition(sample, key), sample[:20]


def test_demo_reads_give_the_privacy_console_something_true_to_show(beijing, runner):
    from hotline.models.units import StaffUser
    from hotline.services.privacy_office import anomalies
    from privacy.accesslog import verify_chain
    from privacy.models import AccessLogEntry

    generate_orders(800, seed=5, progress=False)
    result = runner.invoke(args=["hotline", "demo-reads", "--days", "5", "--per-day", "20"])
    assert result.exit_code == 0, result.output
    entries = db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.seq)).all()
    assert len(entries) > 100
    assert f"access log: {len(entries)} demo reads recorded" in result.output
    assert verify_chain(db.session, runtime().ring).ok
    times = [e.occurred_at for e in entries]
    assert times == sorted(times)
    assert times[-1] < utcnow()

    # Every read is one the role matrix allows: agents what they entered, handlers the
    # phone of an order assigned to their unit.
    users = {f"staff:{u.id}": u for u in db.session.scalars(select(StaffUser))}
    assert {e.role for e in entries} == {"agent", "handler"}
    for entry in entries:
        user, order = users[entry.actor], db.session.get(Order, entry.order_id)
        if entry.role == "agent":
            assert order.created_by_id == user.id
        else:
            assert entry.role == "handler"
            assert entry.fields == "orders.requester_phone"
            assert not order.confidential
            units = {a.unit_id for a in order.assignments if a.state.value != "returned"}
            assert user.unit_id in units

    report = anomalies.report(days=7)
    assert report.bursts.total >= 1
    assert report.off_hours.total >= 2
    assert report.unassigned.total == 0
    again = runner.invoke(args=["hotline", "demo-reads", "--if-empty"])
    assert "nothing recorded" in again.output
