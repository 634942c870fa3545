"""The order lifecycle (DESIGN §2): every step is one function that checks who may take it
and whether the order's state allows it, appends an event and updates the milestones.

Functions flush nothing themselves beyond what the ORM does on query; the caller commits.
``at`` lets the synthetic data generator replay history; the APIs never pass it.
"""

from __future__ import annotations

from datetime import datetime

from hotline.errors import Conflict, Forbidden, Invalid
from hotline.models.enums import (
    ASSIGNMENT_STATE_LABELS,
    STATUS_LABELS,
    EventType,
    OrderStatus,
    RatingSource,
    Resolution,
    Role,
    Satisfaction,
    UnitKind,
)
from hotline.models.enums import (
    AssignmentRole as ARole,
)
from hotline.models.enums import (
    AssignmentState as AState,
)
from hotline.models.orders import Assignment, Order, OrderEvent, Rating
from hotline.models.units import Unit
from hotline.services import deadlines
from hotline.services.actors import Actor
from privacy.fields import seal_field
from privacy.orm import utcnow
from privacy.runtime import runtime

S = OrderStatus
INTAKE_ROLES = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
DISPATCH_ROLES = (Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR)
HOTLINE_ROLES = (Role.AGENT, Role.SUPERVISOR)


# -- guards -------------------------------------------------------------------------------
def require_role(actor: Actor, *roles: Role) -> None:
    if actor.kind == "system":
        return
    if not actor.is_staff or actor.role not in roles:
        raise Forbidden("您的角色无权执行此操作", code="role_forbidden")


def _require_status(order: Order, *allowed: OrderStatus, step: str) -> None:
    if order.status not in allowed:
        raise Conflict(
            f"工单当前状态为“{STATUS_LABELS[order.status]}”，不能{step}",
            code="illegal_step",
            details={"status": order.status.value, "step": step},
        )


def _unit_assignment(
    order: Order, actor: Actor, *states: AState, roles: tuple[ARole, ...] | None = None
) -> Assignment:
    """The acting unit's live assignment on this order, or a 403/409 saying why not."""
    if actor.kind == "system" and actor.unit_id is None:
        raise Invalid("系统操作必须指明承办单位")
    require_role(actor, Role.HANDLER)
    mine = [a for a in order.assignments if a.unit_id == actor.unit_id]
    if roles is not None:
        mine = [a for a in mine if a.role in roles]
    if not mine:
        raise Forbidden("该工单未派给您所在的单位", code="not_your_unit")
    live = [a for a in mine if a.state in states]
    if not live:
        current = mine[-1].state.value
        raise Conflict(
            f"本单位对该工单的处理状态为“{ASSIGNMENT_STATE_LABELS[mine[-1].state]}”，不能执行此操作",
            code="illegal_step",
            details={"assignment_state": current},
        )
    return live[-1]


def _lead(order: Order) -> Assignment | None:
    for a in reversed(order.assignments):
        if a.role == ARole.LEAD and a.state not in (AState.RETURNED,):
            return a
    return None


def _note(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid(f"请填写{what}", details={"field": what})
    return text


# -- events -------------------------------------------------------------------------------
def append_event(
    order: Order, type_: EventType, actor: Actor, at: datetime | None = None, **fields
) -> OrderEvent:
    at = at or utcnow()
    last = order.events[-1] if order.events else None
    if last is not None and at < last.occurred_at:
        raise Invalid("事件时间不能早于上一事件")
    event = OrderEvent(
        seq=(last.seq + 1) if last else 1,
        type=type_,
        occurred_at=at,
        round=order.round,
        actor_id=actor.user_id,
        actor_role=actor.role,
        unit_id=fields.pop("unit_id", actor.unit_id),
        **fields,
    )
    order.events.append(event)
    return event


def _seal(obj, attr: str, text: str | None) -> None:
    """Store free text in one of ``obj``'s encrypted columns (nothing when empty)."""
    if text:
        seal_field(runtime().cipher, obj, attr, text)


# -- steps --------------------------------------------------------------------------------
def answer_directly(order: Order, actor: Actor, reply: str, at: datetime | None = None) -> None:
    require_role(actor, *HOTLINE_ROLES)
    _require_status(order, S.RECEIVED, step="直接解答")
    at = at or utcnow()
    append_event(order, EventType.ANSWERED, actor, at, public_note=_note(reply, "答复内容"))
    order.status = S.ANSWERED
    order.completed_at = at


def dispatch(
    order: Order,
    actor: Actor,
    unit: Unit,
    *,
    joint_unit: Unit | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    """直派 to one unit, or 双派 to a street and its district at once."""
    require_role(actor, *DISPATCH_ROLES)
    _require_status(order, S.RECEIVED, S.RETURNED, S.DISPUTED, step="派单")
    if not unit.active or (joint_unit is not None and not joint_unit.active):
        raise Invalid("承办单位已停用")
    if joint_unit is not None and (unit.kind != UnitKind.STREET or joint_unit.id == unit.id):
        raise Invalid("双派须派给街道乡镇及其所在区")
    at = at or utcnow()
    for a in order.assignments:
        if a.state in (AState.PENDING, AState.ACCEPTED, AState.DISPUTED) and a.role in (
            ARole.LEAD,
            ARole.JOINT,
        ):
            a.state, a.ended_at = AState.RETURNED, at
    append_event(
        order,
        EventType.DISPATCHED,
        actor,
        at,
        target_unit_id=unit.id,
        public_note=note,
        data={"joint_unit_id": joint_unit.id} if joint_unit is not None else None,
    )
    order.assignments.append(
        Assignment(unit_id=unit.id, role=ARole.LEAD, state=AState.PENDING, dispatched_at=at)
    )
    if joint_unit is not None:
        order.assignments.append(
            Assignment(
                unit_id=joint_unit.id, role=ARole.JOINT, state=AState.PENDING, dispatched_at=at
            )
        )
    order.status = S.DISPATCHED
    order.lead_unit_id = unit.id
    order.dispatched_at = at
    order.contacted_at = None


def accept(order: Order, actor: Actor, at: datetime | None = None) -> None:
    assignment = _unit_assignment(order, actor, AState.PENDING)
    at = at or utcnow()
    append_event(order, EventType.ACCEPTED, actor, at)
    assignment.state, assignment.accepted_at = AState.ACCEPTED, at
    if assignment.role == ARole.LEAD:
        order.status = S.ACCEPTED


def contact_requester(
    order: Order, actor: Actor, note: str | None = None, at: datetime | None = None
) -> None:
    """联系诉求人: the first contact by the lead unit is the order's "response"."""
    assignment = _unit_assignment(order, actor, AState.ACCEPTED)
    at = at or utcnow()
    append_event(order, EventType.CONTACTED, actor, at, public_note=note)
    if assignment.role == ARole.LEAD and order.contacted_at is None:
        order.contacted_at = at


def add_progress(
    order: Order,
    actor: Actor,
    note: str,
    internal_note: str | None = None,
    at: datetime | None = None,
) -> None:
    _unit_assignment(order, actor, AState.ACCEPTED)
    event = append_event(order, EventType.PROGRESS, actor, at, public_note=_note(note, "办理进展"))
    _seal(event, "internal_note", internal_note)


def return_order(order: Order, actor: Actor, reason: str, at: datetime | None = None) -> None:
    """退单: the lead unit sends the order back as not its business."""
    assignment = _unit_assignment(
        order, actor, AState.PENDING, AState.ACCEPTED, roles=(ARole.LEAD,)
    )
    at = at or utcnow()
    append_event(order, EventType.RETURNED, actor, at, reason=_note(reason, "退单理由"))
    for a in order.assignments:
        if a.state in (AState.PENDING, AState.ACCEPTED) and a.role in (ARole.LEAD, ARole.JOINT):
            a.state, a.ended_at = AState.RETURNED, at
    assignment.state = AState.RETURNED
    order.status = S.RETURNED
    order.lead_unit_id = None


def dispute_dispatch(order: Order, actor: Actor, reason: str, at: datetime | None = None) -> None:
    """派单异议: the lead unit contests the dispatch; the dispatcher decides."""
    assignment = _unit_assignment(
        order, actor, AState.PENDING, AState.ACCEPTED, roles=(ARole.LEAD,)
    )
    append_event(
        order,
        EventType.DISPUTED,
        actor,
        at,
        reason=_note(reason, "异议理由"),
        data={"previous_state": assignment.state.value},
    )
    assignment.state = AState.DISPUTED
    order.status = S.DISPUTED


def reject_dispute(order: Order, actor: Actor, note: str, at: datetime | None = None) -> None:
    """The dispatcher upholds the dispatch: the order goes back to the same unit."""
    require_role(actor, Role.DISPATCHER, Role.SUPERVISOR)
    _require_status(order, S.DISPUTED, step="驳回派单异议")
    assignment = next(a for a in reversed(order.assignments) if a.state == AState.DISPUTED)
    dispute = next(e for e in reversed(order.events) if e.type == EventType.DISPUTED)
    previous = AState((dispute.data or {}).get("previous_state", "pending"))
    append_event(
        order,
        EventType.DISPUTE_REJECTED,
        actor,
        at,
        reason=_note(note, "驳回理由"),
        target_unit_id=assignment.unit_id,
    )
    assignment.state = previous
    order.status = S.ACCEPTED if previous == AState.ACCEPTED else S.DISPATCHED


def pending_extension(order: Order) -> OrderEvent | None:
    decided = (EventType.EXTENSION_APPROVED, EventType.EXTENSION_REJECTED)
    for event in reversed(order.events):
        if event.type in decided:
            return None
        if event.type == EventType.EXTENSION_REQUESTED:
            return event
    return None


def request_extension(
    order: Order, actor: Actor, reason: str, new_deadline: datetime, at: datetime | None = None
) -> None:
    _unit_assignment(order, actor, AState.ACCEPTED, roles=(ARole.LEAD,))
    _require_status(order, S.ACCEPTED, step="申请延期")
    if pending_extension(order) is not None:
        raise Conflict("已有待审批的延期申请", code="extension_pending")
    if new_deadline <= order.deadline_at:
        raise Invalid("新的办理期限须晚于当前期限", details={"field": "new_deadline"})
    append_event(
        order,
        EventType.EXTENSION_REQUESTED,
        actor,
        at,
        reason=_note(reason, "延期理由"),
        new_deadline=new_deadline,
    )


def decide_extension(
    order: Order, actor: Actor, approve: bool, note: str | None = None, at: datetime | None = None
) -> None:
    require_role(actor, Role.SUPERVISOR)
    request = pending_extension(order)
    if request is None:
        raise Conflict("没有待审批的延期申请", code="no_extension_pending")
    if approve:
        append_event(
            order,
            EventType.EXTENSION_APPROVED,
            actor,
            at,
            reason=request.reason,
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
            reason=_note(note, "驳回理由"),
            target_unit_id=request.unit_id,
        )


def whistle(
    order: Order, actor: Actor, units: list[Unit], note: str, at: datetime | None = None
) -> None:
    """吹哨报到: a street summons departments to handle the order with it."""
    assignment = _unit_assignment(order, actor, AState.ACCEPTED, roles=(ARole.LEAD,))
    if assignment.unit.kind != UnitKind.STREET:
        raise Forbidden("只有街道乡镇可以吹哨", code="not_a_street")
    if not units:
        raise Invalid("请选择报到的部门")
    at = at or utcnow()
    live = {a.unit_id for a in order.assignments if a.state in (AState.PENDING, AState.ACCEPTED)}
    for unit in units:
        if unit.id in live:
            raise Conflict(f"{unit.name}已在办理该工单", code="already_assigned")
        append_event(
            order,
            EventType.WHISTLE,
            actor,
            at,
            target_unit_id=unit.id,
            public_note=_note(note, "吹哨事由"),
        )
        order.assignments.append(
            Assignment(unit_id=unit.id, role=ARole.CO, state=AState.PENDING, dispatched_at=at)
        )


def escalate(
    order: Order,
    actor: Actor,
    reason: str,
    coordinator: Unit | None = None,
    at: datetime | None = None,
) -> None:
    """提级统筹: a higher level takes up coordination of a hard order."""
    if actor.role == Role.SUPERVISOR:
        _require_status(order, S.DISPATCHED, S.ACCEPTED, step="提级统筹")
    else:
        _unit_assignment(order, actor, AState.ACCEPTED, roles=(ARole.LEAD,))
    at = at or utcnow()
    append_event(
        order,
        EventType.ESCALATED,
        actor,
        at,
        reason=_note(reason, "提级理由"),
        target_unit_id=coordinator.id if coordinator else None,
    )
    if coordinator is not None:
        order.assignments.append(
            Assignment(
                unit_id=coordinator.id,
                role=ARole.COORDINATOR,
                state=AState.PENDING,
                dispatched_at=at,
            )
        )


def complete(order: Order, actor: Actor, reply: str, at: datetime | None = None) -> None:
    _unit_assignment(order, actor, AState.ACCEPTED, roles=(ARole.LEAD,))
    _require_status(order, S.ACCEPTED, step="办结")
    at = at or utcnow()
    append_event(order, EventType.COMPLETED, actor, at, public_note=_note(reply, "办结答复"))
    for a in order.assignments:
        if a.state in (AState.PENDING, AState.ACCEPTED):
            a.state, a.ended_at = AState.DONE, at
    order.status = S.COMPLETED
    order.completed_at = at


def _rating(order: Order, source: RatingSource) -> Rating | None:
    return next((r for r in order.ratings if r.round == order.round and r.source == source), None)


def follow_up(
    order: Order,
    actor: Actor,
    resolution: Resolution,
    satisfaction: Satisfaction,
    note: str | None = None,
    at: datetime | None = None,
) -> Rating:
    """回访: the hotline calls the requester back and records their verdict."""
    require_role(actor, *HOTLINE_ROLES)
    _require_status(order, S.COMPLETED, step="回访")
    if _rating(order, RatingSource.FOLLOW_UP) is not None:
        raise Conflict("本轮办理已回访", code="already_followed_up")
    at = at or utcnow()
    append_event(
        order,
        EventType.FOLLOWED_UP,
        actor,
        at,
        public_note=note,
        data={"resolution": resolution.value, "satisfaction": satisfaction.value},
    )
    rating = Rating(
        round=order.round,
        source=RatingSource.FOLLOW_UP,
        resolution=resolution,
        satisfaction=satisfaction,
        rated_at=at,
        unit_id=order.lead_unit_id,
        actor_id=actor.user_id,
    )
    order.ratings.append(rating)
    return rating


def rate(
    order: Order,
    actor: Actor,
    resolution: Resolution,
    satisfaction: Satisfaction,
    *,
    comment: str | None = None,
    comment_public: str | None = None,
    ask_reopen: bool = False,
    window_days: int = 7,
    at: datetime | None = None,
) -> Rating:
    """评价 by the requester: once per completion, within the window."""
    if actor.kind not in ("citizen", "system"):
        raise Forbidden("只有诉求人可以评价", code="role_forbidden")
    _require_status(order, S.COMPLETED, S.CLOSED, step="评价")
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
    append_event(
        order,
        EventType.RATED,
        actor,
        at,
        public_note=comment_public,
        data={"resolution": resolution.value, "satisfaction": satisfaction.value},
    )
    rating = Rating(
        round=order.round,
        source=RatingSource.CITIZEN,
        resolution=resolution,
        satisfaction=satisfaction,
        comment_public=comment_public,
        reopen_requested=ask_reopen,
        rated_at=at,
        unit_id=order.lead_unit_id,
    )
    order.ratings.append(rating)
    _seal(rating, "comment", comment)
    if ask_reopen:
        reopen(order, actor, "诉求人评价未解决且不满意，申请重新办理", at=at)
    return rating


def reopen(order: Order, actor: Actor, reason: str, at: datetime | None = None) -> None:
    """重启办理 after a dissatisfied verdict: a new round with the same lead unit."""
    if actor.is_staff:
        require_role(actor, Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR)
    _require_status(order, S.COMPLETED, S.CLOSED, step="重启办理")
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
        reason=_note(reason, "重启理由"),
        target_unit_id=order.lead_unit_id,
        unit_id=None,
    )
    order.round += 1
    order.assignments.append(
        Assignment(
            unit_id=order.lead_unit_id, role=ARole.LEAD, state=AState.PENDING, dispatched_at=at
        )
    )
    order.status = S.DISPATCHED
    order.deadline_at = deadlines.deadline_for(at, order.time_limit)
    order.dispatched_at, order.contacted_at = at, None
    order.completed_at = order.closed_at = None


def close(order: Order, actor: Actor, note: str | None = None, at: datetime | None = None) -> None:
    """归档."""
    require_role(actor, *HOTLINE_ROLES)
    _require_status(order, S.COMPLETED, S.ANSWERED, step="归档")
    at = at or utcnow()
    append_event(order, EventType.CLOSED, actor, at, public_note=note)
    order.status = S.CLOSED
    order.closed_at = at
