"""The demo's multi-year history: concentrated where the ranking needs it, growing year on
year, with surges the weekly analysis finds and nothing else it would flag; the benchmark's
profile draws from the same planner; the bulk load's index suspension leaves the schema as
the migrations made it."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.orders import Order, Rating
from hotline.models.places import District, Street
from hotline.models.units import Unit
from hotline.reports.hotspots import scan_hotspots
from hotline.services import reference
from hotline.synth import loading
from hotline.synth.generate import generate_orders
from hotline.synth.history import (
    BENCH,
    DEMO_DISTRICTS,
    PLANTED_SURGES,
    SAMPLE_FACTOR,
    SAMPLE_STREETS,
    THIN_SHARE,
    History,
    last_weeks,
)
from hotline.synth.staff import create_demo_staff
from hotline.synth.writers import sqlite_time

# Monday 30 November 2026, 10:00 in Beijing: the last complete week is 23–29 November.
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
BEIJING = timedelta(hours=8)


@pytest.fixture
def beijing(app):
    reference.load_places()
    reference.load_categories()
    reference.load_units()
    create_demo_staff("demo-password-12345")
    db.session.commit()
    return app


def _local(t: datetime) -> datetime:
    return t.replace(tzinfo=None) + BEIJING


def test_the_history_is_concentrated_and_grows(beijing):
    stats = generate_orders(
        history_profile=History(per_street_month=6), seed=1, progress=False, now=NOW
    )
    orders = db.session.execute(
        select(Order.received_at, District.code, Order.street_id).join(
            District, District.id == Order.district_id
        )
    ).all()
    assert len(orders) == stats.orders > 7000
    received = [_local(t) for t, _, _ in orders]
    # Three full years before the current one, and this year up to now.
    assert min(received).date() <= datetime(2023, 1, 3).date()
    assert min(received).year == 2023
    assert max(received) < _local(NOW)

    by_district = Counter(code for _, code, _ in orders)
    assert len(by_district) == 16  # the thin sample reaches every district
    full = sum(by_district[code] for code in DEMO_DISTRICTS)
    expected = (1 - THIN_SHARE) * 24 / (24 + len(SAMPLE_STREETS) * SAMPLE_FACTOR)
    assert abs(full / len(orders) - expected) <= 0.015

    # Every street of the full districts gets the same volume (within chance), the sample
    # streets of other districts 40 % of it.
    streets = Counter(s for _, code, s in orders if code in DEMO_DISTRICTS)
    assert len(streets) == 24
    mean = sum(streets.values()) / len(streets)
    assert all(0.75 * mean <= n <= 1.25 * mean for n in streets.values())
    codes = dict(db.session.execute(select(Street.id, Street.code)).all())
    every_street = Counter(codes[s] for _, _, s in orders)
    for code in SAMPLE_STREETS:
        assert 0.3 * mean <= every_street[code] <= 0.55 * mean, code

    # +10 % a year, full year on full year.
    years = Counter(t.year for t in received)
    for year in (2024, 2025):
        assert 1.03 <= years[year] / years[year - 1] <= 1.17, years

    # What the ranking counts: rated rounds of orders led by a street office, per order.
    rated = db.session.scalar(
        select(func.count(func.distinct(Rating.order_id)))
        .join(Order, Order.id == Rating.order_id)
        .join(Unit, Unit.id == Order.lead_unit_id)
        .where(Unit.kind == "street")
    )
    assert 0.12 <= rated / len(orders) <= 0.16

    summary = stats.summary()
    assert "受理时间 2023-01-01 至 2026-11-30" in summary
    assert "110102、110107" in summary
    assert summary.count("周分析预置激增") == len(stats.planted) == 4


def _weekly_cells(last_monday: datetime, weeks: int = 9) -> dict[tuple[str, str], list[int]]:
    """Street × level-1 category counts of the ``weeks`` weeks up to the one beginning on
    ``last_monday`` (a Beijing date), oldest first, as the weekly analysis counts them."""
    level3, level2, level1 = (aliased(Category) for _ in range(3))
    start = last_monday - timedelta(weeks=weeks - 1) - BEIJING
    rows = db.session.execute(
        select(Order.received_at, Street.code, level1.name)
        .join(Street, Street.id == Order.street_id)
        .join(level3, level3.id == Order.category_id)
        .join(level2, level2.id == level3.parent_id)
        .join(level1, level1.id == level2.parent_id)
        .where(Order.received_at >= start.replace(tzinfo=UTC))
    ).all()
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * weeks)
    for received, street, category in rows:
        week = (_local(received) - start.replace(tzinfo=None) - BEIJING).days // 7
        if 0 <= week < weeks:
            cells[street, category][week] += 1
    return dict(cells)


def _monday(offset: int) -> datetime:
    start, _ = last_weeks(int(NOW.timestamp()), offset)[0]
    return datetime.fromtimestamp(start, UTC).replace(tzinfo=None) + BEIJING


SURGE_TEST = History(days=70, districts=("110107",), thin_share=0.0, growth=0.0)


def test_the_planted_surges_are_found(beijing):
    stats = generate_orders(8000, history_profile=SURGE_TEST, seed=3, progress=False, now=NOW)
    for weeks_back in (1, 2):
        monday = _monday(weeks_back)
        scan = scan_hotspots(_weekly_cells(monday))
        planted = {
            (cell.street_code, cell.level1)
            for cell in stats.planted
            if cell.week == monday.strftime("%Y-%m-%d")
        }
        assert planted, monday
        found = {h.key: h for h in scan.hotspots}
        assert planted <= set(found), monday
        for key in planted:
            assert found[key].current >= 15
            assert found[key].q_value < 1e-3  # far beyond a chance rise (q up to 0.05)
    last = {cell.street_code for cell in stats.planted if cell.week == "2026-11-23"}
    assert last == {surge.street for surge in PLANTED_SURGES}


def test_without_surges_the_weeks_are_flat(beijing):
    flat = replace(SURGE_TEST, surges=())
    stats = generate_orders(8000, history_profile=flat, seed=3, progress=False, now=NOW)
    assert stats.planted == []
    scan = scan_hotspots(_weekly_cells(_monday(1)))
    assert scan.tested >= 15
    assert scan.hotspots == ()


def _shares(values) -> dict:
    counts = Counter(values)
    return {k: v / sum(counts.values()) for k, v in counts.items()}


def _mix() -> dict[str, dict]:
    orders = db.session.execute(
        select(
            Order.channel, Order.kind, Order.dispatched_at.is_(None), Order.status, Unit.kind
        ).outerjoin(Unit, Unit.id == Order.lead_unit_id)
    ).all()
    verdicts = db.session.scalars(select(Rating.satisfaction)).all()
    return {
        "channel": _shares(str(o[0]) for o in orders),
        "kind": _shares(str(o[1]) for o in orders),
        "answered": _shares(o[2] for o in orders),
        "closed": _shares(str(o[3]) == "closed" for o in orders),
        "lead": _shares(str(o[4]) for o in orders if o[4] is not None),
        "verdict": _shares(str(v) for v in verdicts),
    }


def test_the_benchmark_draws_what_the_demo_draws(beijing):
    """bench/gen_orders.py's profile differs from the demo's only in where the orders are."""
    demo = replace(History(), days=365, surges=())
    bench = replace(BENCH, days=365, surges=())
    mixes, districts = [], []
    for profile in (demo, bench):
        generate_orders(3000, history_profile=profile, seed=8, progress=False, now=NOW)
        mixes.append(_mix())
        codes = db.session.scalars(
            select(District.code).join(Order, Order.district_id == District.id)
        ).all()
        districts.append(sum(code in DEMO_DISTRICTS for code in codes) / len(codes))
        for table in ("ratings", "assignments", "order_events", "orders"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
    for name, demo_shares in mixes[0].items():
        bench_shares = mixes[1][name]
        for key in set(demo_shares) | set(bench_shares):
            a, b = demo_shares.get(key, 0.0), bench_shares.get(key, 0.0)
            assert abs(a - b) <= 0.04, (name, key, a, b)
    assert districts[0] > 0.9 > 0.3 > districts[1]


def _schema_items() -> set:
    if db.engine.dialect.name == "sqlite":
        rows = db.session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        )
        return set(rows)
    rows = db.session.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "UNION SELECT relname, relpersistence::text FROM pg_class WHERE relname IN "
            "('orders', 'order_events', 'assignments', 'ratings')"
        )
    )
    return set(rows)


def test_suspended_indexes_come_back_as_the_migrations_made_them(beijing):
    before = _schema_items()
    postgres = db.engine.dialect.name == "postgresql"
    db.session.commit()
    with loading.suspended_indexes(db.engine, constraints=postgres) as rebuilt:
        during = _schema_items()
        db.session.commit()
        assert "ix_orders_received_at" not in {name for name, _ in during}
        generate_orders(300, seed=2, progress=False, suspend_indexes=False)
    assert _schema_items() == before
    names = [name for name, _ in rebuilt.timings]
    assert "index ix_orders_received_at" in names
    if postgres:
        assert "foreign key fk_order_events_order_id_orders" in names
        assert "logged order_events" in names


def test_a_large_load_builds_its_indexes_after(beijing, monkeypatch):
    from hotline.synth import generate

    monkeypatch.setattr(generate, "SUSPEND_INDEXES_FROM", 500)
    before = _schema_items()
    stats = generate_orders(600, seed=4, progress=False)
    assert stats.rebuilt is not None
    assert "index ix_orders_received_at" in [name for name, _ in stats.rebuilt.timings]
    assert "重建索引" in stats.summary()
    assert _schema_items() == before
    # Into tables that already hold orders, indexes stay where they are.
    again = generate_orders(600, seed=5, progress=False)
    assert again.rebuilt is None


def test_sqlite_times_are_the_text_sqlalchemy_stores():
    from sqlalchemy.dialects import sqlite

    from privacy.orm import UTCDateTime

    dialect = sqlite.dialect()
    column = UTCDateTime()
    process = column.dialect_impl(dialect).bind_processor(dialect)
    rng = random.Random(1)
    for _ in range(500):
        value = datetime.fromtimestamp(rng.randrange(10**9, 2 * 10**9), UTC)
        if rng.random() < 0.3:
            value = value.replace(microsecond=rng.randrange(10**6))
        if rng.random() < 0.3:
            value = value.astimezone(timezone(timedelta(hours=8)))
        assert sqlite_time(value) == process(value)


def test_demo_command_loads_a_history(runner, app):
    assert runner.invoke(args=["hotline", "seed"]).exit_code == 0
    result = runner.invoke(
        args=["hotline", "demo", "--years", "1", "--per-street", "2", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "全量区（区划代码）：110102、110107" in result.output
    assert "周分析预置激增：展览路街道（110102004）× 住房" in result.output
    count = db.session.scalar(select(func.count(Order.id)))
    assert count > 500
    again = runner.invoke(args=["hotline", "demo", "--years", "1", "--if-empty"])
    assert "nothing generated" in again.output
    assert db.session.scalar(select(func.count(Order.id))) == count


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--years", "1", "--districts", "110199"], "no district with code 110199"),
        (["--years", "1", "--year", "2024"], "--year and --years do not go together"),
        (["--years", "1", "--districts", "all"], "--districts all needs --orders"),
    ],
)
def test_demo_command_refuses_what_it_cannot_do(runner, beijing, args, message):
    result = runner.invoke(args=["hotline", "demo", *args, "--no-progress"])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_receipt_times_follow_the_hourly_shape_and_stay_in_the_window():
    """Times are drawn slot by slot: they come sorted, inside the window (whose first and
    last hours are partial), and each hour of the Beijing day gets its share."""
    from hotline.synth.timing import HOUR_WEIGHTS, Window, sample_received

    start = int(datetime(2026, 3, 2, 0, 20, tzinfo=UTC).timestamp())  # not on the hour
    window = Window(start, start + 28 * 86400 + 1500, start + 28 * 86400 + 1500)
    times = sample_received(random.Random(5), 60_000, window)
    assert len(times) == 60_000
    assert times == sorted(times)
    assert window.start <= times[0]
    assert times[-1] < window.end
    by_hour = Counter((t // 3600 + 8) % 24 for t in times)
    share = {h: by_hour[h] / len(times) for h in range(24)}
    expected = {h: w / sum(HOUR_WEIGHTS) for h, w in enumerate(HOUR_WEIGHTS)}
    assert all(abs(share[h] - expected[h]) < 0.15 * expected[h] + 0.002 for h in range(24))
    # Within an hour the seconds are spread out, not piled on the hour.
    assert len({t % 3600 for t in times}) > 3000


def test_planted_orders_are_merged_in_order_of_receipt():
    from hotline.synth.history import merge_planted

    times = [10, 20, 20, 30, 40]
    merged, focus = merge_planted(times, [20, 5, 45, 30], [1, 0, 2, 1])
    assert merged == [5, 10, 20, 20, 20, 30, 30, 40, 45]
    # Of equal times the sampled orders come first; each planted one keeps its surge.
    assert focus == {0: 0, 4: 1, 6: 1, 8: 2}
    assert merge_planted(times, [], []) == (times, {})


def test_order_numbers_run_on_per_beijing_day_across_chunks():
    from hotline.synth.timing import number_orders

    midnight = int(datetime(2026, 11, 29, 16, 0, tzinfo=UTC).timestamp())  # 30 Nov, Beijing
    counters = {"20261130": 7}
    first = number_orders([midnight - 2, midnight - 1, midnight], counters)
    second = number_orders([midnight + 5, midnight + 86399, midnight + 86400], counters)
    assert first == ["20261129000001", "20261129000002", "20261130000008"]
    assert second == ["20261130000009", "20261130000010", "20261201000001"]
    assert counters == {"20261129": 2, "20261130": 10, "20261201": 1}
