"""The order lifecycle's steps (DESIGN §2): each one checks the transition table
(``table.check``: who, which unit, from which state), appends its event and updates the
assignments and milestones. Nothing commits; the request pipeline (or the CLI) does.

Every step works through a ``Ledger``, which makes the records it appends. The services use
``ORM`` (model instances in the session, free text sealed with the app's cipher); the bulk
generator of synthetic data passes a ledger of plain objects, so that both take the very
same steps. ``at`` lets the generator and the demo replay history; the APIs never pass it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from hotline.errors import Conflict, Forbidden, Invalid
from hotline.models.enums import (
    AssignmentRole,
    AssignmentState,
    EventType,
    RatingSource,
    Resolution,
    Satisfaction,
    UnitKind,
)
from hotline.services.actors import Actor
from hotline.services.lifecycle.table import Step, check
from privacy.orm import utcnow

A, AR = AssignmentState, AssignmentRole
# A re-dispatch or a return ends these assignments of the lead and the joint district.
_HANDLING = (A.PENDING, A.ACCEPTED, A.DISPUTED)


class Ledger(Protocol):
    """Makes the records a step appends, and the few facts a step must look up."""

    def event(self, order, fields: dict): ...
    def assignment(self, order, fields: dict): ...
    def rating(self, order, fields: dict): ...
    def seal(self, obj, column: str, text: str) -> None: ...
    def open(self, obj, column: str) -> str | None: ...
    def deadline(self, start: datetime, time_limit) -> datetime: ...
    def unit_kind(self, unit_id: int) -> str: ...


class OrmLedger:
    """Model instances, added to the session through the order's relationships."""

    def event(self, order, fields: dict):
        from hotline.models.orders import OrderEvent

        event = OrderEvent(**fields)
        order.events.append(event)
        return event

    def assignment(self, order, fields: dict):
        from hotline.models.orders import Assignment

        assignment = Assignment(**fields)
        order.assignments.append(assignment)
        return assignment

    def rating(self, order, fields: dict):
        from hotline.models.orders import Rating

        rating = Rating(**fields)
        order.ratings.append(rating)
        return rating

    def seal(self, obj, column: str, text: str) -> None:
        from privacy.fields import seal_field
        from privacy.runtime import runtime

        seal_field(runtime().cipher, obj, column, text)

    def open(self, obj, column: str) -> str | None:
        from privacy.fields import open_field
        from privacy.runtime import runtime

        return open_field(runtime().cipher, obj, column)

    def deadline(self, start: datetime, time_limit) -> datetime:
        from hotline.services import deadlines

        return deadlines.deadline_for(start, time_limit)

    def unit_kind(self, unit_id: int) -> str:
        from hotline.extensions import db
        from hotline.models.units import Unit

        return db.session.get(Unit, unit_id).kind


ORM = OrmLedger()


# -- shared pieces ------------------------------------------------------------------------
def _note(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(f"请填写{what}", details={"field": what})
    return text


# Free text an event carries, sealed (``privacy.catalog``): it may name the requester.
_SEALED_TEXT = ("public_note", "reason", "internal_note")


def append_event(
    order,
    type_: EventType,
    actor: Actor,
    at: datetime | None = None,
    ledger: Ledger = ORM,
    **fields,
):
    """Append one event; its notes and reason are given as text and stored sealed."""
    at = at or utcnow()
    last = order.events[-1] if order.events else None
    if last is not None and at < last.occurred_at:
        raise Invalid("事件时间不能早于上一事件")
    fields.setdefault("unit_id", actor.unit_id)
    texts = {name: fields.pop(name) for name in _SEALED_TEXT if name in fields}
    event = ledger.event(
        order,
        {
            "seq": (last.seq + 1) if last else 1,
            "type": type_,
            "occurred_at": at,
            "round": order.round,
            "actor_id": actor.user_id,
            "actor_role": actor.role,
            **fields,
        },
    )
    for name, text in texts.items():
        _seal(ledger, event, name, text)
    return event


def _seal(ledger: Ledger, obj, column: str, text: str | None) -> None:
    """Store free text in one of ``obj``'s encrypted columns (nothing when empty)."""
    if text:
        ledger.seal(obj, column, text)


def _end(order, at: datetime, states, roles, to: AssignmentState) -> None:
    for a in order.assignments:
        if a.state in states and a.role in roles:
            a.state, a.ended_at = to, at


def _assign(order, unit_id: int, role: AssignmentRole, at: datetime, ledger: Ledger):
    return ledger.assignment(
        order,
        {
            "order_id": order.id,
            "unit_id": unit_id,
            "role": role,
            "state": A.PENDING,
            "dispatched_at": at,
        },
    )


# -- steps --------------------------------------------------------------------------------
def receive_event(order, actor: Actor, channel, at: datetime, ledger: Ledger = ORM) -> None:
    """受理: the first event of a new order (``intake.receive`` makes the order)."""
    check(None, actor, Step.RECEIVE)
    append_event(
        order, EventType.RECEIVED, actor, at, ledger, unit_id=None, data={"channel": channel}
    )


def merge_repeat(
    order,
    actor: Actor,
    channel,
    kind,
    at: datetime | None = None,
    ledger=ORM,
    *,
    other_caller: bool = False,
) -> None:
    """A repeat of an open order: recorded on it and counted once (重复件); ``other_caller``
    when it came from another phone than the order's requester's (who then follows it)."""
    check(order, actor, Step.MERGE)
    data = {"channel": channel, "kind": kind}
    if other_caller:
        data["other_caller"] = True
    append_event(order, EventType.MERGED_REPEAT, actor, at, ledger, data=data)
    order.repeat_count += 1


def answer_directly(order, actor: Actor, reply: str, at=None, ledger: Ledger = ORM) -> None:
    row = check(order, actor, Step.ANSWER).row
    at = at or utcnow()
    append_event(order, EventType.ANSWERED, actor, at, ledger, public_note=_note(reply, "答复内容"))
    order.status = row.target
    order.completed_at = at


def dispatch(
    order,
    actor: Actor,
    unit,
    *,
    joint_unit=None,
    note: str | None = None,
    at: datetime | None = None,
    ledger: Ledger = ORM,
) -> None:
    """直派 to one unit, or 双派 to a street and its district at once."""
    row = check(order, actor, Step.DISPATCH).row
    if not unit.active or (joint_unit is not None and not joint_unit.active):
        raise Invalid("承办单位已停用")
    if joint_unit is not None and (unit.kind != UnitKind.STREET or joint_unit.id == unit.id):
        raise Invalid("双派须派给街道乡镇及其所在区")
    at = at or utcnow()
    _end(order, at, _HANDLING, (AR.LEAD, AR.JOINT), A.RETURNED)
    fields = {"target_unit_id": unit.id, "public_note": note}
    if joint_unit is not None:
        fields["data"] = {"joint_unit_id": joint_unit.id}
    append_event(order, EventType.DISPATCHED, actor, at, ledger, **fields)
    _assign(order, unit.id, AR.LEAD, at, ledger)
    if joint_unit is not None:
        _assign(order, joint_unit.id, AR.JOINT, at, ledger)
    order.status = row.target
    order.lead_unit_id = unit.id
    order.dispatched_at = at
    order.contacted_at = None


def accept(order, actor: Actor, at: datetime | None = None, ledger: Ledger = ORM) -> None:
    permit = check(order, actor, Step.ACCEPT)
    at = at or utcnow()
    append_event(order, EventType.ACCEPTED, actor, at, ledger)
    permit.assignment.state, permit.assignment.accepted_at = A.ACCEPTED, at
    if permit.row.target is not None:
        order.status = permit.row.target


def contact_requester(order, actor: Actor, note=None, at=None, ledger: Ledger = ORM) -> None:
    """联系诉求人: the first contact by the lead unit is the order's "response"."""
    permit = check(order, actor, Step.CONTACT)
    at = at or utcnow()
    append_event(order, EventType.CONTACTED, actor, at, ledger, public_note=note)
    if permit.assignment.role == AR.LEAD and order.contacted_at is None:
        order.contacted_at = at


def add_progress(
    order, actor: Actor, note: str, internal_note=None, at=None, ledger: Ledger = ORM
) -> None:
    check(order, actor, Step.PROGRESS)
    append_event(
        order,
        EventType.PROGRESS,
        actor,
        at,
        ledger,
        public_note=_note(note, "办理进展"),
        internal_note=internal_note,
    )


def return_order(order, actor: Actor, reason: str, at=None, ledger: Ledger = ORM) -> None:
    """退单: the lead unit sends the order back as not its business."""
    permit = check(order, actor, Step.RETURN)
    at = at or utcnow()
    append_event(order, EventType.RETURNED, actor, at, ledger, reason=_note(reason, "退单理由"))
    _end(order, at, (A.PENDING, A.ACCEPTED), (AR.LEAD, AR.JOINT), A.RETURNED)
    permit.assignment.state = A.RETURNED
    order.status = permit.row.target
    order.lead_unit_id = None


def dispute_dispatch(order, actor: Actor, reason: str, at=None, ledger: Ledger = ORM) -> None:
    """派单异议: the lead unit contests the dispatch; the dispatcher decides."""
    permit = check(order, actor, Step.DISPUTE)
    append_event(
        order,
        EventType.DISPUTED,
        actor,
        at,
        ledger,
        reason=_note(reason, "异议理由"),
        data={"previous_state": str(permit.assignment.state)},
    )
    permit.assignment.state = A.DISPUTED
    order.status = permit.row.target


def reject_dispute(order, actor: Actor, note: str, at=None, ledger: Ledger = ORM) -> None:
    """The dispatcher upholds the dispatch: the order goes back to the same unit, in the
    state its assignment had before the dispute."""
    row = check(order, actor, Step.REJECT_DISPUTE).row
    assignment = next(a for a in reversed(order.assignments) if a.state == A.DISPUTED)
    dispute = next(e for e in reversed(order.events) if e.type == EventType.DISPUTED)
    previous = A((dispute.data or {}).get("previous_state", "pending"))
    append_event(
        order,
        EventType.DISPUTE_REJECTED,
        actor,
        at,
        ledger,
        reason=_note(note, "驳回理由"),
        target_unit_id=assignment.unit_id,
    )
    assignment.state = previous
    dispatched, accepted = row.targets
    order.status = accepted if previous == A.ACCEPTED else dispatched


def pending_extension(order):
    decided = (EventType.EXTENSION_APPROVED, EventType.EXTENSION_REJECTED)
    for event in reversed(order.events):
        if event.type in decided:
            return None
        if event.type == EventType.EXTENSION_REQUESTED:
            return event
    return None


def request_extension(
    order, actor: Actor, reason: str, new_deadline: datetime, at=None, ledger: Ledger = ORM
) -> None:
    check(order, actor, Step.REQUEST_EXTENSION)
    if pending_extension(order) is not None:
        raise Conflict("已有待审批的延期申请", code="extension_pending")
    if new_deadline <= order.deadline_at:
        raise Invalid("新的办理期限须晚于当前期限", details={"field": "new_deadline"})
    append_event(
        order,
        EventType.EXTENSION_REQUESTED,
        actor,
        at,
        ledger,
        reason=_note(reason, "延期理由"),
        new_deadline=new_deadline,
    )


def decide_extension(
    order, actor: Actor, approve: bool, note=None, at=None, ledger: Ledger = ORM
) -> None:
    check(order, actor, Step.DECIDE_EXTENSION)
    request = pending_extension(order)
    if request is None:
        raise Conflict("没有待审批的延期申请", code="no_extension_pending")
    if approve:
        append_event(
            order,
            EventType.EXTENSION_APPROVED,
            actor,
            at,
            ledger,
            reason=ledger.open(request, "reason"),
            public_note=note,
            new_deadline=request.new_deadline,
            target_unit_id=request.unit_id,
        )
        order.deadline_at = request.new_deadline
    else:
        append_event(
            order,
            EventType.EXTENSION_REJECTED,
            actor,
            at,
            ledger,
            reason=_note(note, "驳回理由"),
            target_unit_id=request.unit_id,
        )


def whistle(order, actor: Actor, units: list, note: str, at=None, ledger: Ledger = ORM) -> None:
    """吹哨报到: a street summons departments to handle the order with it."""
    permit = check(order, actor, Step.WHISTLE)
    if ledger.unit_kind(permit.assignment.unit_id) != UnitKind.STREET:
        raise Forbidden("只有街道乡镇可以吹哨", code="not_a_street")
    if not units:
        raise Invalid("请选择报到的部门")
    at = at or utcnow()
    live = {a.unit_id for a in order.assignments if a.state in (A.PENDING, A.ACCEPTED)}
    for unit in units:
        if unit.id in live:
            raise Conflict(f"{unit.name}已在办理该工单", code="already_assigned")
        append_event(
            order,
            EventType.WHISTLE,
            actor,
            at,
            ledger,
            target_unit_id=unit.id,
            public_note=_note(note, "吹哨事由"),
        )
        _assign(order, unit.id, AR.CO, at, ledger)


def escalate(
    order, actor: Actor, reason: str, coordinator=None, at=None, ledger: Ledger = ORM
) -> None:
    """提级统筹: a higher level takes up coordination of a hard order."""
    check(order, actor, Step.ESCALATE)
    at = at or utcnow()
    append_event(
        order,
        EventType.ESCALATED,
        actor,
        at,
        ledger,
        reason=_note(reason, "提级理由"),
        target_unit_id=coordinator.id if coordinator else None,
    )
    if coordinator is not None:
        _assign(order, coordinator.id, AR.COORDINATOR, at, ledger)


def complete(order, actor: Actor, reply: str, at=None, ledger: Ledger = ORM) -> None:
    row = check(order, actor, Step.COMPLETE).row
    at = at or utcnow()
    append_event(
        order, EventType.COMPLETED, actor, at, ledger, public_note=_note(reply, "办结答复")
    )
    _end(order, at, (A.PENDING, A.ACCEPTED), tuple(AR), A.DONE)
    order.status = row.target
    order.completed_at = at


def _rating(order, source: RatingSource):
    return next((r for r in order.ratings if r.round == order.round and r.source == source), None)


def follow_up(
    order,
    actor: Actor,
    resolution: Resolution,
    satisfaction: Satisfaction,
    note: str | None = None,
    at: datetime | None = None,
    ledger: Ledger = ORM,
):
    """回访: the hotline calls the requester back and records their verdict."""
    check(order, actor, Step.FOLLOW_UP)
    if _rating(order, RatingSource.FOLLOW_UP) is not None:
        raise Conflict("本轮办理已回访", code="already_followed_up")
    at = at or utcnow()
    verdict = {"resolution": str(resolution), "satisfaction": str(satisfaction)}
    append_event(order, EventType.FOLLOWED_UP, actor, at, ledger, public_note=note, data=verdict)
    return ledger.rating(
        order,
        {
            "order_id": order.id,
            "round": order.round,
            "source": RatingSource.FOLLOW_UP,
            "resolution": resolution,
            "satisfaction": satisfaction,
            "rated_at": at,
            "unit_id": order.lead_unit_id,
            "actor_id": actor.user_id,
        },
    )


def rate(
    order,
    actor: Actor,
    resolution: Resolution,
    satisfaction: Satisfaction,
    *,
    comment: str | None = None,
    ask_reopen: bool = False,
    window_days: int = 7,
    at: datetime | None = None,
    ledger: Ledger = ORM,
):
    """评价 by the requester: once per completion, within the window. The comment is kept
    sealed on the rating and on its event, and shown redacted."""
    check(order, actor, Step.RATE)
    at = at or utcnow()
    if _rating(order, RatingSource.CITIZEN) is not None:
        raise Conflict("本次办结已评价过，不能重复评价", code="already_rated")
    if order.completed_at is None or (at - order.completed_at).days >= window_days:
        raise Conflict(f"已超过评价期限（办结后{window_days}天内）", code="rating_window_closed")
    if ask_reopen:
        if resolution != Resolution.NO or satisfaction != Satisfaction.DISSATISFIED:
            raise Invalid("仅在“未解决”且“不满意”时可申请重新办理")
        if any(r.reopen_requested for r in order.ratings):
            raise Conflict("该工单已申请过重新办理", code="reopen_used")
    verdict = {"resolution": str(resolution), "satisfaction": str(satisfaction)}
    append_event(order, EventType.RATED, actor, at, ledger, public_note=comment, data=verdict)
    rating = ledger.rating(
        order,
        {
            "order_id": order.id,
            "round": order.round,
            "source": RatingSource.CITIZEN,
            "resolution": resolution,
            "satisfaction": satisfaction,
            "reopen_requested": ask_reopen,
            "rated_at": at,
            "unit_id": order.lead_unit_id,
        },
    )
    _seal(ledger, rating, "comment", comment)
    if ask_reopen:
        reopen(order, actor, "诉求人评价未解决且不满意，申请重新办理", at=at, ledger=ledger)
    return rating


def reopen(order, actor: Actor, reason: str, at=None, ledger: Ledger = ORM) -> None:
    """重启办理 after a dissatisfied verdict: a new round with the same lead unit."""
    row = check(order, actor, Step.REOPEN).row
    verdicts = [r for r in order.ratings if r.round == order.round]
    if not any(r.satisfaction == Satisfaction.DISSATISFIED for r in verdicts):
        raise Conflict("只有不满意的工单可以重启办理", code="not_dissatisfied")
    if order.lead_unit_id is None:
        raise Conflict("工单没有承办单位，不能重启", code="no_lead_unit")
    at = at or utcnow()
    append_event(
        order,
        EventType.REOPENED,
        actor,
        at,
        ledger,
        reason=_note(reason, "重启理由"),
        target_unit_id=order.lead_unit_id,
        unit_id=None,
    )
    order.round += 1
    _assign(order, order.lead_unit_id, AR.LEAD, at, ledger)
    order.status = row.target
    order.deadline_at = ledger.deadline(at, order.time_limit)
    order.dispatched_at, order.contacted_at = at, None
    order.completed_at = order.closed_at = None


def close(order, actor: Actor, note: str | None = None, at=None, ledger: Ledger = ORM) -> None:
    """归档."""
    row = check(order, actor, Step.CLOSE).row
    at = at or utcnow()
    append_event(order, EventType.CLOSED, actor, at, ledger, public_note=note)
    order.status = row.target
    order.closed_at = at


# -- the requester's own steps ------------------------------------------------------------
URGE_EVERY = timedelta(hours=24)


def urge_opens_at(order) -> datetime:
    """When the requester may first urge: half-way through the current time limit (from
    receipt, or from the reopening of a later round, to the deadline, extensions included)."""
    start = order.received_at
    if order.round > 1 and order.dispatched_at is not None:
        start = order.dispatched_at
    return start + (order.deadline_at - start) / 2


def last_urged(order) -> datetime | None:
    return next((e.occurred_at for e in reversed(order.events) if e.type == EventType.URGED), None)


def urge(order, actor: Actor, at: datetime | None = None, ledger: Ledger = ORM):
    """催办: the requester chases an open order once it is past half of its time limit (or
    overdue), at most once every 24 hours. Addressed to the lead unit (``target_unit_id``),
    so that the unit's work list flags it and a notification can follow the event."""
    check(order, actor, Step.URGE)
    at = at or utcnow()
    opens = urge_opens_at(order)
    if at < opens:
        raise Conflict(
            "办理时限过半后才能催办",
            code="urge_too_early",
            details={"allowed_from": opens.isoformat()},
        )
    last = last_urged(order)
    if last is not None and at - last < URGE_EVERY:
        raise Conflict(
            "24小时内已催办过，请稍后再催",
            code="urge_too_soon",
            details={"allowed_from": (last + URGE_EVERY).isoformat()},
        )
    event = append_event(
        order,
        EventType.URGED,
        actor,
        at,
        ledger,
        unit_id=None,
        target_unit_id=order.lead_unit_id,
        data={"overdue": at > order.deadline_at},
    )
    order.last_urged_at = at
    order.urge_count = (order.urge_count or 0) + 1
    return event


def add_information(
    order, actor: Actor, text: str | None, photos: int = 0, at=None, ledger: Ledger = ORM
):
    """补充说明: the requester adds text (sealed, shown redacted like the request) and/or
    photos (attached to the returned event by the caller) to an open order."""
    check(order, actor, Step.ADD_INFO)
    text = (text or "").strip() or None
    if text is None and not photos:
        raise Invalid("请填写补充说明或添加照片", details={"field": "text"})
    return append_event(
        order,
        EventType.INFO_ADDED,
        actor,
        at,
        ledger,
        unit_id=None,
        target_unit_id=order.lead_unit_id,
        public_note=text,
        data={"photos": photos} if photos else None,
    )


def withdraw(order, actor: Actor, reason: str, at=None, ledger: Ledger = ORM):
    """撤回: the requester withdraws a request no unit has accepted; the order ends there
    (counted in the intake volume, not in the three rates)."""
    row = check(order, actor, Step.WITHDRAW).row
    if order.round > 1:
        raise Conflict("重新办理中的工单不能撤回", code="withdraw_reopened")
    if any(a.state == A.ACCEPTED for a in order.assignments):
        raise Conflict("承办单位已签收，不能撤回", code="already_accepted")
    at = at or utcnow()
    event = append_event(
        order,
        EventType.WITHDRAWN,
        actor,
        at,
        ledger,
        unit_id=None,
        reason=_note(reason, "撤回原因"),
    )
    _end(order, at, (A.PENDING, A.DISPUTED), tuple(AR), A.WITHDRAWN)
    order.status = row.target
    return event
