"""The lifecycle's transition table, step by step: every step is allowed from each state
its row lists and refused (409, nothing recorded) from every other state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.errors import Conflict
from hotline.models.enums import (
    AssignmentState,
    EventType,
    OrderStatus,
    RatingSource,
    Resolution,
    Satisfaction,
    TimeLimit,
)
from hotline.models.orders import Assignment, Order, OrderEvent, Rating
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.lifecycle.table import TRANSITIONS, Step, Transition
from privacy.fields import seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

ROWS = [row for row in TRANSITIONS if row.step != Step.RECEIVE]  # receive makes the order


def _row_id(row: Transition) -> str:
    roles = "/".join(sorted(str(r) for r in row.unit.roles)) if row.unit else "staff"
    return f"{row.step}-{roles}"


def _order(world, status: OrderStatus) -> Order:
    now = utcnow()
    order = Order(
        order_no="20260101000001",
        query_code_hash="x" * 64,
        kind="complaint",
        channel="phone",
        district_id=world.districts["chaoyang"].id,
        street_id=world.streets["wangjing"].id,
        time_limit=TimeLimit.NORMAL,
        status=status,
        received_at=now - timedelta(days=1),
        deadline_at=now + timedelta(days=6),
        lead_unit_id=world.units["wangjing"].id,
        completed_at=now - timedelta(hours=1),
    )
    order.events.append(
        OrderEvent(seq=1, type=EventType.RECEIVED, occurred_at=now - timedelta(days=1), round=1)
    )
    return order


def _actor(world, row: Transition) -> Actor:
    if row.unit is not None:
        return Actor.of(world.users["h_wangjing"])
    if row.roles:
        role = sorted(row.roles)[0]
        user = next(u for u in world.users.values() if u.role == role)
        return Actor.of(user)
    return Actor.citizen("bidx")


def _prepare(world, order: Order, row: Transition, actor: Actor) -> None:
    """What the step needs besides the order's state: the acting unit's assignment, a
    pending request, a verdict…"""
    now = utcnow()
    if row.unit is not None:
        order.assignments.append(
            Assignment(
                unit_id=actor.unit_id,
                role=sorted(row.unit.roles)[0],
                state=sorted(row.unit.states)[0],
                dispatched_at=now - timedelta(hours=5),
            )
        )
    if row.step == Step.REJECT_DISPUTE:
        order.assignments.append(
            Assignment(
                unit_id=world.units["wangjing"].id,
                role="lead",
                state=AssignmentState.DISPUTED,
                dispatched_at=now - timedelta(hours=5),
            )
        )
        order.events.append(
            OrderEvent(
                seq=2,
                type=EventType.DISPUTED,
                occurred_at=now - timedelta(hours=4),
                round=1,
                data={"previous_state": "accepted"},
            )
        )
    if row.step == Step.DECIDE_EXTENSION:
        request = OrderEvent(
            seq=2,
            type=EventType.EXTENSION_REQUESTED,
            occurred_at=now - timedelta(hours=4),
            round=1,
            new_deadline=now + timedelta(days=20),
            unit_id=world.units["wangjing"].id,
        )
        seal_field(runtime().cipher, request, "reason", "需协调")
        order.events.append(request)
    if row.step == Step.URGE:  # past half of its time limit
        order.received_at = now - timedelta(days=6)
        order.deadline_at = now + timedelta(days=1)
    if row.step == Step.REOPEN:
        order.ratings.append(
            Rating(
                round=1,
                source=RatingSource.FOLLOW_UP,
                resolution=Resolution.NO,
                satisfaction=Satisfaction.DISSATISFIED,
                rated_at=now - timedelta(minutes=30),
            )
        )


def _take(world, order: Order, row: Transition, actor: Actor) -> None:
    step, u = row.step, world.units
    calls = {
        Step.MERGE: lambda: lifecycle.merge_repeat(order, actor, "phone", "complaint"),
        Step.ANSWER: lambda: lifecycle.answer_directly(order, actor, "已答复"),
        Step.DISPATCH: lambda: lifecycle.dispatch(order, actor, u["jiuxianqiao"]),
        Step.ACCEPT: lambda: lifecycle.accept(order, actor),
        Step.CONTACT: lambda: lifecycle.contact_requester(order, actor, "已联系"),
        Step.PROGRESS: lambda: lifecycle.add_progress(order, actor, "办理中"),
        Step.RETURN: lambda: lifecycle.return_order(order, actor, "非本单位职责"),
        Step.DISPUTE: lambda: lifecycle.dispute_dispatch(order, actor, "派单有误"),
        Step.REJECT_DISPUTE: lambda: lifecycle.reject_dispute(order, actor, "异议不成立"),
        Step.REQUEST_EXTENSION: lambda: lifecycle.request_extension(
            order, actor, "需协调", order.deadline_at + timedelta(days=7)
        ),
        Step.DECIDE_EXTENSION: lambda: lifecycle.decide_extension(order, actor, True, "同意"),
        Step.WHISTLE: lambda: lifecycle.whistle(order, actor, [u["chaoyang_housing"]], "请协助"),
        Step.ESCALATE: lambda: lifecycle.escalate(order, actor, "难以解决", u["chaoyang_gov"]),
        Step.COMPLETE: lambda: lifecycle.complete(order, actor, "已办结"),
        Step.FOLLOW_UP: lambda: lifecycle.follow_up(
            order, actor, Resolution.YES, Satisfaction.SATISFIED
        ),
        Step.RATE: lambda: lifecycle.rate(order, actor, Resolution.YES, Satisfaction.SATISFIED),
        Step.REOPEN: lambda: lifecycle.reopen(order, actor, "不满意"),
        Step.CLOSE: lambda: lifecycle.close(order, actor),
        Step.URGE: lambda: lifecycle.urge(order, actor),
        Step.ADD_INFO: lambda: lifecycle.add_information(order, actor, "楼道灯也坏了"),
        Step.WITHDRAW: lambda: lifecycle.withdraw(order, actor, "问题已自行解决"),
    }
    calls[step]()


@pytest.mark.parametrize("status", list(OrderStatus), ids=str)
@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_each_step_from_each_state(app, world, row, status):
    order = _order(world, status)
    actor = _actor(world, row)
    _prepare(world, order, row, actor)
    events_before = len(order.events)
    if status in row.sources:
        _take(world, order, row, actor)
        assert len(order.events) > events_before
        assert order.events[-1].type in (row.event, EventType.EXTENSION_REJECTED)
        if row.targets:
            assert order.status in row.targets
        else:
            assert order.status == status
    else:
        with pytest.raises(Conflict) as refused:
            _take(world, order, row, actor)
        assert refused.value.code == "illegal_step"
        assert refused.value.status == 409
        assert order.status == status
        assert len(order.events) == events_before


def test_every_step_has_a_row_and_every_row_a_known_step():
    assert {row.step for row in TRANSITIONS} == set(Step)
    for row in TRANSITIONS:
        assert row.roles or row.citizen or row.unit, row
        assert all(t in OrderStatus for t in row.targets)
