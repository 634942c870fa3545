"""Rollups: after every kind of lifecycle change they equal a recomputation from the orders,
report builds read them (not the orders), and ``flask reports verify-rollups`` finds any
difference and fails."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, select, text, update

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind, OrderStatus, Resolution, Satisfaction
from hotline.models.orders import Order
from hotline.models.rollups import FACTS, TotalsRollup, UnitRollup
from hotline.reports import rollups
from hotline.reports.builder import build_snapshot
from hotline.reports.periods import Period, Span
from hotline.reports.queries import Queries
from hotline.reports.rollups import maintain
from hotline.reports.rollups.grains import GRAINS, pieces
from hotline.reports.rollups.queries import RollupQueries
from hotline.reports.rollups.verify import verify
from hotline.reports.settings import ReportSettings
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.intake import Requester, receive
from hotline.services.retention import erase_expired
from privacy.orm import Base
from tests.portal import dataset
from tests.workbench.helpers import new_order, step

# Wednesday 6 May 2026, 10:00 Beijing time.
T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
MAY = date(2026, 5, 1)
H = timedelta(hours=1)
D = timedelta(days=1)
CONTENT = "望京西园三区5号楼电梯停运三天，物业一直不修，老人上下楼很困难。"


def assert_match() -> None:
    """The rollups equal what the orders say, in every report query and every grain."""
    result = verify(db.session)
    db.session.rollback()
    assert [str(d) for d in result.differences] == []
    assert result.checked


def unit_month(unit, month: date = MAY) -> dict:
    table = UnitRollup.__table__
    row = db.session.execute(
        select(table).where(
            table.c.res == "M", table.c.bucket == month, table.c.lead_unit_id == unit.id
        )
    ).first()
    return {f: getattr(row, f) if row else 0 for f in FACTS}


def totals_of(day: date) -> dict:
    table = TotalsRollup.__table__
    rows = db.session.execute(select(table).where(table.c.bucket == day)).all()
    return {f: sum(getattr(r, f) for r in rows) for f in FACTS}


class Scene:
    """The conftest world's staff as lifecycle actors, and a helper that commits a step."""

    def __init__(self, world):
        self.world = world
        self.agent = Actor.of(world.users["agent"])
        self.dispatcher = Actor.of(world.users["dispatcher"])
        self.supervisor = Actor.of(world.users["supervisor"])
        self.wangjing = Actor.of(world.users["h_wangjing"])
        self.jiuxianqiao = Actor.of(world.users["h_jiuxianqiao"])
        self.citizen = Actor.citizen()

    def receive(self, at=T0, phone="13812345678", content=CONTENT) -> Order:
        result = receive(
            self.agent,
            channel=Channel.PHONE,
            kind=OrderKind.COMPLAINT,
            district=self.world.districts["chaoyang"],
            street=self.world.streets["wangjing"],
            category=self.world.categories["lift"],
            content=content,
            requester=Requester(name="欧阳娜娜", phone=phone),
            at=at,
        )
        db.session.commit()
        return result.order

    def handled(self, order, unit="wangjing", at=T0 + H, contact=True) -> Order:
        """Dispatched to ``unit``, accepted and (by default) contacted within the hour."""
        handler = getattr(self, unit)
        lifecycle.dispatch(order, self.dispatcher, self.world.units[unit], at=at)
        lifecycle.accept(order, handler, at=at + H)
        if contact:
            lifecycle.contact_requester(order, handler, at=at + 2 * H)
        db.session.commit()
        return order


@pytest.fixture
def scene(world):
    return Scene(world)


def test_a_new_order_and_its_handling_are_counted_on_its_day(scene):
    order = scene.receive()
    assert totals_of(T0.date())["received"] == 1
    assert_match()

    scene.handled(order)
    wangjing = scene.world.units["wangjing"]
    handled = {"received": 1, "dispatched": 1, "responded": 1}
    assert unit_month(wangjing) == {**dict.fromkeys(FACTS, 0), **handled}
    lifecycle.complete(order, scene.wangjing, "已修复", at=T0 + 2 * D)
    db.session.commit()
    assert unit_month(wangjing)["completed"] == unit_month(wangjing)["on_time"] == 1
    assert_match()


def test_a_rating_weeks_later_updates_the_month_the_order_was_received_in(scene):
    order = scene.handled(scene.receive())
    june = T0 + 30 * D
    lifecycle.complete(order, scene.wangjing, "已修复", at=june)  # late: after 7 days
    db.session.commit()
    wangjing = scene.world.units["wangjing"]
    assert unit_month(wangjing)["late"] == 1

    lifecycle.rate(order, scene.citizen, Resolution.PARTLY, Satisfaction.BASICALLY, at=june + D)
    db.session.commit()
    may = unit_month(wangjing)
    assert (may["res_partly"], may["sat_basically"]) == (1, 1)
    assert unit_month(wangjing, date(2026, 6, 1)) == dict.fromkeys(FACTS, 0)
    # The follow-up a week later does not count twice: the citizen's own verdict wins.
    lifecycle.follow_up(order, scene.agent, Resolution.YES, Satisfaction.SATISFIED, at=june + 8 * D)
    db.session.commit()
    may = unit_month(wangjing)
    assert (may["res_partly"], may["res_yes"], may["sat_satisfied"]) == (1, 0, 0)
    assert_match()


def test_a_re_dispatched_order_moves_to_its_new_unit(scene):
    order = scene.handled(scene.receive())
    lifecycle.return_order(order, scene.wangjing, "不属于本街道", at=T0 + 5 * H)
    db.session.commit()
    wangjing, jiuxianqiao = scene.world.units["wangjing"], scene.world.units["jiuxianqiao"]
    assert unit_month(wangjing)["dispatched"] == 0
    assert_match()  # a returned order counts under no unit

    scene.handled(order, "jiuxianqiao", at=T0 + 6 * H, contact=False)
    assert (unit_month(wangjing)["dispatched"], unit_month(jiuxianqiao)["dispatched"]) == (0, 1)
    assert unit_month(jiuxianqiao)["responded"] == 0  # the new unit has not called yet
    assert_match()


def test_an_approved_extension_turns_an_overdue_order_into_an_open_one(scene):
    order = scene.handled(scene.receive())
    settings = ReportSettings.current()
    may = Span(MAY, date(2026, 6, 1))
    after_deadline = order.deadline_at + H

    def overdue(as_of) -> int:
        stmt = RollupQueries(settings, db.engine.dialect.name, as_of).totals(may)
        return db.session.execute(stmt).one().overdue

    assert overdue(after_deadline) == 1  # open and past its deadline: the live part
    lifecycle.request_extension(
        order, scene.wangjing, "需协调产权单位", order.deadline_at + 10 * D, at=T0 + D
    )
    lifecycle.decide_extension(order, scene.supervisor, True, at=T0 + 2 * D)
    db.session.commit()
    assert overdue(after_deadline) == 0
    lifecycle.complete(order, scene.wangjing, "已修复", at=after_deadline)
    db.session.commit()
    assert (unit_month(scene.world.units["wangjing"])["on_time"], overdue(after_deadline)) == (1, 0)
    assert_match()


def test_a_reopened_order_is_open_again_and_keeps_its_rating(scene):
    order = scene.handled(scene.receive())
    lifecycle.complete(order, scene.wangjing, "已处理", at=T0 + D)
    db.session.commit()
    lifecycle.rate(
        order, scene.citizen, Resolution.NO, Satisfaction.DISSATISFIED, ask_reopen=True,
        at=T0 + 2 * D,
    )  # fmt: skip
    db.session.commit()
    assert order.status == OrderStatus.DISPATCHED
    may = unit_month(scene.world.units["wangjing"])
    assert (may["completed"], may["on_time"], may["res_no"], may["responded"]) == (0, 0, 1, 0)
    assert_match()

    lifecycle.accept(order, scene.wangjing, at=T0 + 2 * D + H)
    lifecycle.contact_requester(order, scene.wangjing, at=T0 + 2 * D + 2 * H)
    lifecycle.complete(order, scene.wangjing, "已彻底修复", at=T0 + 4 * D)
    db.session.commit()
    may = unit_month(scene.world.units["wangjing"])
    assert (may["completed"], may["responded"], may["res_no"]) == (1, 1, 1)
    assert_match()


def test_a_merged_repeat_counts_on_the_first_orders_day(scene):
    first = scene.receive()
    again = scene.receive(at=T0 + 2 * D)
    assert again.id == first.id  # merged, not a second order
    assert totals_of(T0.date())["repeats"] == 1
    assert totals_of((T0 + 2 * D).date())["received"] == 0
    assert_match()


def test_an_order_answered_directly_counts_as_answered(scene):
    order = scene.receive()
    lifecycle.answer_directly(order, scene.agent, "已电话解答", at=T0 + H)
    db.session.commit()
    assert (totals_of(T0.date())["answered"], totals_of(T0.date())["dispatched"]) == (1, 0)
    assert_match()


def test_a_withdrawn_order_counts_in_the_intake_volume_only(scene):
    order = scene.receive()
    wangjing = scene.world.units["wangjing"]
    lifecycle.dispatch(order, scene.dispatcher, wangjing, at=T0 + H)
    db.session.commit()
    assert unit_month(wangjing)["dispatched"] == 1
    lifecycle.withdraw(order, Actor.citizen(order.phone_bidx), "问题已自行解决", at=T0 + 2 * H)
    db.session.commit()
    day = totals_of(T0.date())
    assert (day["received"], day["withdrawn"], day["dispatched"]) == (1, 1, 0)
    assert unit_month(wangjing)["dispatched"] == 0
    # The published figures: received and withdrawn, nothing pending or dispatched.
    report = build_snapshot(Period.parse("2026-05"), now=T0 + 40 * D)
    overview = {r["indicator"]: r["value"] for r in report["tables"]["overview"]["rows"]}
    assert (overview["受理量"], overview["诉求人撤回"]) == (1, 1)
    assert (overview["派单办理"], overview["尚在受理环节"]) == (0, 0)
    assert_match()


def test_an_urge_counts_for_the_lead_unit_in_the_month_the_order_was_received(scene):
    order = scene.handled(scene.receive())
    late = order.deadline_at + H
    lifecycle.urge(order, Actor.citizen(order.phone_bidx), at=late)
    lifecycle.urge(order, Actor.citizen(order.phone_bidx), at=late + 25 * H)
    db.session.commit()
    assert unit_month(scene.world.units["wangjing"])["urged"] == 2
    report = build_snapshot(Period.parse("2026-05"), now=T0 + 40 * D)
    kinds = report["tables"]["unit_kinds"]["rows"]
    assert sum(r["urged"] for r in kinds) == 2
    ranking = report["tables"]["ranking"]["rows"]
    assert [r["urged"] for r in ranking] == ["<10"]  # a street office's count: small cell
    assert_match()


def test_erasing_personal_data_leaves_every_figure_alone(scene):
    old = T0 - 4 * 365 * D
    order = scene.handled(scene.receive(at=old), at=old + H)
    lifecycle.complete(order, scene.wangjing, "已修复", at=old + D)
    lifecycle.follow_up(order, scene.agent, Resolution.YES, Satisfaction.SATISFIED, at=old + 2 * D)
    lifecycle.close(order, scene.agent, at=old + 3 * D)
    db.session.commit()
    before = {g.name: db.session.execute(select(g.table)).all() for g in GRAINS}

    assert erase_expired(db.session, years=3).erased == 1
    assert db.session.get(Order, order.id).personal_erased_at is not None
    assert {g.name: db.session.execute(select(g.table)).all() for g in GRAINS} == before
    assert_match()


def test_the_staff_api_keeps_the_rollups_in_the_requests_transaction(client, world, staff_headers):
    agent, dispatcher = staff_headers("agent"), staff_headers("dispatcher")
    order = new_order(client, agent, world)
    step(client, dispatcher, order["order_no"], "dispatch", unit_code="S110105001")
    step(client, staff_headers("h_wangjing"), order["order_no"], "accept")
    received = db.session.execute(
        select(Order.received_at).where(Order.order_no == order["order_no"])
    ).scalar_one()
    month = received.astimezone(dataset.BEIJING).date().replace(day=1)
    assert unit_month(world.units["wangjing"], month)["dispatched"] == 1
    assert_match()


# -- report builds read the rollups --------------------------------------------------------
@pytest.fixture
def known(world):
    places = dataset.add_places(world)
    specs = dataset.make_specs()
    dataset.insert_specs(specs, places)  # bulk inserts, then rollups.rebuild
    return specs


def test_the_rollups_give_the_reports_exactly_what_the_orders_give(known):
    for key in ("2024", "2025", "2025-06", "2025-01", "2025-W23"):
        result = verify(db.session, [Period.parse(key)])
        db.session.rollback()
        assert [str(d) for d in result.differences] == [], key


def test_a_yearly_build_reads_the_orders_only_for_open_ones(known):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        snapshot = build_snapshot(Period.parse("2025"))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert snapshot["summary"]["current"]["received"] == 597
    reads = [s[m.end() :] for s in statements for m in re.finditer(r"FROM orders\b", s)]
    assert reads  # the live part and the data's start
    for rest in reads:
        assert rest.startswith(" WHERE orders.completed_at IS NULL") or rest == "", rest
    assert any("min(orders.received_at)" in s for s in statements)


def test_every_report_query_is_answered_from_the_rollups():
    def queries(cls) -> set[str]:
        return {
            name
            for name, value in vars(cls).items()
            if callable(value) and not name.startswith("_") and name not in ("setup", "teardown")
        }

    reference = queries(Queries) - {"statements", "weekly_statements"}
    assert reference - queries(RollupQueries) == {"data_start"}  # one index probe, see docs


def test_a_period_is_read_from_whole_years_then_whole_months_then_days():
    assert pieces(date(2025, 1, 1), date(2025, 11, 14), ("D", "M")) == [
        ("M", date(2025, 1, 1), date(2025, 11, 1)),
        ("D", date(2025, 11, 1), date(2025, 11, 14)),
    ]
    assert pieces(date(2025, 6, 1), date(2025, 7, 1), ("D", "M")) == [
        ("M", date(2025, 6, 1), date(2025, 7, 1))
    ]
    assert pieces(date(2025, 6, 3), date(2025, 6, 20), ("D", "M")) == [
        ("D", date(2025, 6, 3), date(2025, 6, 20))
    ]
    # With year rows: a whole year is one row per key, the rest months, then days.
    assert pieces(date(2024, 12, 1), date(2026, 2, 3), ("D", "M", "Y")) == [
        ("M", date(2024, 12, 1), date(2025, 1, 1)),
        ("Y", date(2025, 1, 1), date(2026, 1, 1)),
        ("M", date(2026, 1, 1), date(2026, 2, 1)),
        ("D", date(2026, 2, 1), date(2026, 2, 3)),
    ]


# -- flask reports verify-rollups / rebuild-rollups ------------------------------------------
def test_verify_rollups_passes_then_finds_a_planted_difference_and_fails(runner, known):
    result = runner.invoke(args=["reports", "verify-rollups", "2025"])
    assert result.exit_code == 0, result.output
    assert "rollups match the orders" in result.output

    table = UnitRollup.__table__
    db.session.execute(
        update(table)
        .where(table.c.res == "M", table.c.bucket == date(2025, 6, 1))
        .values(received=table.c.received + 1)
    )
    db.session.commit()
    result = runner.invoke(args=["reports", "verify-rollups", "2025"])
    assert result.exit_code == 1
    assert "rollup_units M" in result.output
    assert "differences between the rollups and the orders" in result.output


def test_verify_rollups_names_an_order_changed_behind_the_hooks_back(runner, known):
    order_id = db.session.scalar(
        select(Order.id).where(Order.completed_at.is_not(None), Order.dispatched_at.is_not(None))
    )
    db.session.execute(
        text("UPDATE orders SET completed_at = NULL, status = 'accepted' WHERE id = :id"),
        {"id": order_id},
    )
    db.session.commit()
    result = runner.invoke(args=["reports", "verify-rollups"])
    assert result.exit_code == 1
    assert f"rollup_orders order {order_id}: completed" in result.output

    rebuilt = runner.invoke(args=["reports", "rebuild-rollups"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rollups rebuilt" in rebuilt.output
    again = runner.invoke(args=["reports", "verify-rollups"])
    assert again.exit_code == 0, again.output


def test_demo_data_leaves_the_rollups_right(runner, app):
    """What CI checks: `flask hotline demo` (a bulk load) then `verify-rollups`."""
    assert runner.invoke(args=["hotline", "seed"]).exit_code == 0
    result = runner.invoke(args=["hotline", "demo", "--orders", "400", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "rollups rebuilt" in result.output
    verified = runner.invoke(args=["reports", "verify-rollups"])
    assert verified.exit_code == 0, verified.output
    assert "rollups match the orders" in verified.output


@pytest.mark.parametrize("period", ["2025-13", "last year", "25"])
def test_verify_rollups_refuses_a_period_it_cannot_read(runner, app, period):
    result = runner.invoke(args=["reports", "verify-rollups", period])
    assert result.exit_code == 2
    assert "a period is YYYY, YYYY-MM or YYYY-Www" in result.output


def test_refresh_orders_repairs_orders_written_in_bulk(known):
    ids = db.session.scalars(select(Order.id).order_by(Order.id).limit(5)).all()
    db.session.execute(update(Order).where(Order.id.in_(ids)).values(repeat_count=3))
    assert rollups.refresh_orders(db.session, ids) == 5
    assert rollups.refresh_orders(db.session, ids) == 0  # current already: nothing changes
    db.session.commit()
    assert_match()


def test_the_migration_creates_the_rollups_as_the_models_declare_them(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = compare_metadata(context, Base.metadata)
    ours = [d for d in diffs if "rollup_" in repr(d) or "ix_orders_open" in repr(d)]
    assert ours == []


# -- two writers ----------------------------------------------------------------------------
def test_two_transactions_adding_to_the_same_rollup_rows_lose_nothing(app, scene, monkeypatch):
    one = scene.handled(scene.receive())
    two = scene.handled(scene.receive(phone="13900001111", content="小区路灯不亮已经一周"))
    for order in (one, two):
        lifecycle.complete(order, scene.wangjing, "已修复", at=T0 + D)
    db.session.commit()
    ids = one.id, two.id

    holding, release = threading.Event(), threading.Event()
    apply = maintain.Deltas.apply

    def slow_apply(self, session, dialect):
        written = apply(self, session, dialect)
        if threading.current_thread().name == "first":
            holding.set()  # the grain rows are locked until this transaction commits
            release.wait(10)
        return written

    monkeypatch.setattr(maintain.Deltas, "apply", slow_apply)
    errors = []

    def rate(order_id, verdict):
        try:
            with app.app_context():
                order = db.session.get(Order, order_id)
                lifecycle.follow_up(order, scene.agent, verdict, Satisfaction.SATISFIED,
                                    at=T0 + 2 * D)  # fmt: skip
                db.session.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    first = threading.Thread(target=rate, args=(ids[0], Resolution.YES), name="first")
    second = threading.Thread(target=rate, args=(ids[1], Resolution.PARTLY), name="second")
    first.start()
    assert holding.wait(10)
    second.start()
    time.sleep(0.5)  # the second now waits for the first's rows
    release.set()
    first.join(10)
    second.join(10)
    assert errors == []
    may = unit_month(scene.world.units["wangjing"])
    assert (may["res_yes"], may["res_partly"], may["sat_satisfied"]) == (1, 1, 2)
    assert_match()
