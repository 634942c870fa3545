"""The lifecycle's transition table (DESIGN §2): the only place a state rule is written.

Each row says, for one step: the order states it may be taken from, the state it leads to,
who may take it (staff roles, the requester), and for a unit's step which assignment the
acting unit must hold (its state and its role on the order: lead, joint, co-handler or
coordinator). A step may have several rows (the lead's acceptance moves the order; a
co-handler's does not). ``check`` applies the table; the step functions (``steps``), the
intake, the synthetic generator and the README's step table all read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from hotline.errors import Conflict, Forbidden, Invalid
from hotline.models.enums import (
    ASSIGNMENT_STATE_LABELS,
    STATUS_LABELS,
    AssignmentRole,
    AssignmentState,
    EventType,
    OrderStatus,
    Role,
)

S, A, R, AR = OrderStatus, AssignmentState, Role, AssignmentRole


class Step(StrEnum):
    RECEIVE = "receive"  # 受理
    MERGE = "merge"  # 重复诉求合并
    ANSWER = "answer"  # 直接解答
    DISPATCH = "dispatch"  # 派单
    ACCEPT = "accept"  # 签收
    CONTACT = "contact"  # 联系诉求人
    PROGRESS = "progress"  # 办理
    RETURN = "return"  # 退单
    DISPUTE = "dispute"  # 派单异议
    REJECT_DISPUTE = "reject_dispute"  # 异议不成立
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    DECIDE_EXTENSION = "decide_extension"  # 审批延期
    WHISTLE = "whistle"  # 吹哨报到
    ESCALATE = "escalate"  # 提级统筹
    COMPLETE = "complete"  # 办结
    FOLLOW_UP = "follow_up"  # 回访
    RATE = "rate"  # 评价
    REOPEN = "reopen"  # 重启办理
    CLOSE = "close"  # 归档
    URGE = "urge"  # 催办 by the requester
    ADD_INFO = "add_info"  # 补充说明 by the requester
    WITHDRAW = "withdraw"  # 撤回 by the requester


@dataclass(frozen=True)
class UnitRule:
    """The assignment a unit must hold to take the step."""

    states: frozenset[AssignmentState]
    roles: frozenset[AssignmentRole]


@dataclass(frozen=True)
class Transition:
    step: Step
    label: str
    event: EventType
    sources: frozenset[OrderStatus]  # empty: the step creates the order
    targets: tuple[OrderStatus, ...] = ()  # empty: the state does not change
    roles: frozenset[Role] = frozenset()  # staff roles that may take it
    citizen: bool = False  # the requester may take it
    unit: UnitRule | None = None  # for a handler: the assignment their unit must hold
    refusal: str = "您的角色无权执行此操作"

    @property
    def target(self) -> OrderStatus | None:
        """The state the step leads to, when it is one state (``None``: unchanged or, for
        a row with several targets, decided by the step)."""
        return self.targets[0] if len(self.targets) == 1 else None


def _states(*states: OrderStatus) -> frozenset[OrderStatus]:
    return frozenset(states)


INTAKE_ROLES = frozenset({R.AGENT, R.DISPATCHER, R.SUPERVISOR, R.ADMIN})
DISPATCH_ROLES = frozenset({R.AGENT, R.DISPATCHER, R.SUPERVISOR})
HOTLINE_ROLES = frozenset({R.AGENT, R.SUPERVISOR})
LEAD = frozenset({AR.LEAD})
SUPPORTING = frozenset({AR.JOINT, AR.CO, AR.COORDINATOR})
# Order states in which units may still be at work on it (a co-handler summoned by a
# whistle, or a joint district, keeps working while the lead's part moves on).
WITH_UNITS = _states(S.DISPATCHED, S.ACCEPTED, S.DISPUTED, S.RETURNED)
OPEN = _states(S.RECEIVED, *WITH_UNITS)
# The hotline's work on the order is over: no deadline runs (completion has its own time).
FINISHED = _states(S.ANSWERED, S.CLOSED, S.WITHDRAWN)
# No unit has taken the order on: the requester may still withdraw it (the step also checks
# that no unit holds an accepted assignment, e.g. a joint district of a 双派).
NOT_ACCEPTED = _states(S.RECEIVED, S.DISPATCHED, S.RETURNED)


def _unit(states: Iterable[AssignmentState], roles: frozenset[AssignmentRole]) -> UnitRule:
    return UnitRule(frozenset(states), roles)


_T = Transition
TRANSITIONS: tuple[Transition, ...] = (
    _T(Step.RECEIVE, "受理", EventType.RECEIVED, frozenset(), (S.RECEIVED,), INTAKE_ROLES, True),
    _T(
        Step.MERGE,
        "重复诉求合并",
        EventType.MERGED_REPEAT,
        _states(*OPEN, S.COMPLETED),
        (),
        INTAKE_ROLES,
        True,
    ),
    _T(
        Step.ANSWER,
        "直接解答",
        EventType.ANSWERED,
        _states(S.RECEIVED),
        (S.ANSWERED,),
        HOTLINE_ROLES,
    ),
    _T(
        Step.DISPATCH,
        "派单",
        EventType.DISPATCHED,
        _states(S.RECEIVED, S.RETURNED, S.DISPUTED),
        (S.DISPATCHED,),
        DISPATCH_ROLES,
    ),
    _T(
        Step.ACCEPT,
        "签收",
        EventType.ACCEPTED,
        _states(S.DISPATCHED),
        (S.ACCEPTED,),
        unit=_unit([A.PENDING], LEAD),
    ),
    _T(Step.ACCEPT, "签收", EventType.ACCEPTED, WITH_UNITS, unit=_unit([A.PENDING], SUPPORTING)),
    _T(
        Step.CONTACT,
        "联系诉求人",
        EventType.CONTACTED,
        _states(S.ACCEPTED),
        unit=_unit([A.ACCEPTED], LEAD),
    ),
    _T(
        Step.CONTACT,
        "联系诉求人",
        EventType.CONTACTED,
        WITH_UNITS,
        unit=_unit([A.ACCEPTED], SUPPORTING),
    ),
    _T(
        Step.PROGRESS,
        "办理进展",
        EventType.PROGRESS,
        _states(S.ACCEPTED),
        unit=_unit([A.ACCEPTED], LEAD),
    ),
    _T(
        Step.PROGRESS,
        "办理进展",
        EventType.PROGRESS,
        WITH_UNITS,
        unit=_unit([A.ACCEPTED], SUPPORTING),
    ),
    _T(
        Step.RETURN,
        "退单",
        EventType.RETURNED,
        _states(S.DISPATCHED, S.ACCEPTED),
        (S.RETURNED,),
        unit=_unit([A.PENDING, A.ACCEPTED], LEAD),
    ),
    _T(
        Step.DISPUTE,
        "派单异议",
        EventType.DISPUTED,
        _states(S.DISPATCHED, S.ACCEPTED),
        (S.DISPUTED,),
        unit=_unit([A.PENDING, A.ACCEPTED], LEAD),
    ),
    _T(
        Step.REJECT_DISPUTE,
        "驳回派单异议",
        EventType.DISPUTE_REJECTED,
        _states(S.DISPUTED),
        (S.DISPATCHED, S.ACCEPTED),  # as the lead's assignment was before the dispute
        frozenset({R.DISPATCHER, R.SUPERVISOR}),
    ),
    _T(
        Step.REQUEST_EXTENSION,
        "申请延期",
        EventType.EXTENSION_REQUESTED,
        _states(S.ACCEPTED),
        unit=_unit([A.ACCEPTED], LEAD),
    ),
    _T(
        Step.DECIDE_EXTENSION,
        "审批延期",
        EventType.EXTENSION_APPROVED,  # or EXTENSION_REJECTED
        _states(S.ACCEPTED),
        (),
        frozenset({R.SUPERVISOR}),
    ),
    _T(
        Step.WHISTLE,
        "吹哨报到",
        EventType.WHISTLE,
        _states(S.ACCEPTED),
        unit=_unit([A.ACCEPTED], LEAD),
    ),
    _T(
        Step.ESCALATE,
        "提级统筹",
        EventType.ESCALATED,
        _states(S.DISPATCHED, S.ACCEPTED),
        (),
        frozenset({R.SUPERVISOR}),
    ),
    _T(
        Step.ESCALATE,
        "提级统筹",
        EventType.ESCALATED,
        _states(S.ACCEPTED),
        unit=_unit([A.ACCEPTED], LEAD),
    ),
    _T(
        Step.COMPLETE,
        "办结",
        EventType.COMPLETED,
        _states(S.ACCEPTED),
        (S.COMPLETED,),
        unit=_unit([A.ACCEPTED], LEAD),
    ),
    _T(Step.FOLLOW_UP, "回访", EventType.FOLLOWED_UP, _states(S.COMPLETED), (), HOTLINE_ROLES),
    _T(
        Step.RATE,
        "评价",
        EventType.RATED,
        _states(S.COMPLETED, S.CLOSED),
        (),
        citizen=True,
        refusal="只有诉求人可以评价",
    ),
    _T(
        Step.REOPEN,
        "重启办理",
        EventType.REOPENED,
        _states(S.COMPLETED, S.CLOSED),
        (S.DISPATCHED,),
        DISPATCH_ROLES,
        True,
    ),
    _T(
        Step.CLOSE,
        "归档",
        EventType.CLOSED,
        _states(S.COMPLETED, S.ANSWERED),
        (S.CLOSED,),
        HOTLINE_ROLES,
    ),
    # The requester's own steps on an open order (the time and frequency rules of 催办 are
    # the step's guard, ``steps.urge``).
    _T(
        Step.URGE,
        "催办",
        EventType.URGED,
        OPEN,
        citizen=True,
        refusal="只有诉求人可以催办",
    ),
    _T(
        Step.ADD_INFO,
        "补充说明",
        EventType.INFO_ADDED,
        OPEN,
        citizen=True,
        refusal="只有诉求人可以补充说明",
    ),
    _T(
        Step.WITHDRAW,
        "撤回",
        EventType.WITHDRAWN,
        NOT_ACCEPTED,
        (S.WITHDRAWN,),
        citizen=True,
        refusal="只有诉求人可以撤回诉求",
    ),
)

BY_STEP: dict[Step, tuple[Transition, ...]] = {}
for _row in TRANSITIONS:
    BY_STEP[_row.step] = (*BY_STEP.get(_row.step, ()), _row)


def sources(step: Step) -> frozenset[OrderStatus]:
    """Every state the step may be taken from, by anyone."""
    out: frozenset[OrderStatus] = frozenset()
    for row in BY_STEP[step]:
        out |= row.sources
    return out


# -- applying the table ------------------------------------------------------------------
@dataclass
class Permit:
    """What ``check`` found: the row that applies and the acting unit's assignment."""

    row: Transition
    assignment: object | None = field(default=None)


def check(order, actor, step: Step) -> Permit:
    """Whether ``actor`` may take ``step`` on ``order`` now: 403 when the actor (or their
    unit) has no part in it, 409 when the order's or the assignment's state forbids it.

    ``order`` and ``actor`` need only the attributes the table speaks of (``status`` and
    ``assignments`` with ``unit_id``, ``role``, ``state``; ``kind``, ``role``, ``unit_id``),
    so the synthetic generator checks its plain objects with the same function.
    """
    unit_rows, row = _rows_for(step, actor.kind, actor.role, actor.unit_id is None)
    if unit_rows:
        permit = _unit_permit(order, actor, unit_rows)
    else:
        permit = Permit(row)
    if order is not None and order.status not in permit.row.sources:
        raise Conflict(
            f"工单当前状态为“{STATUS_LABELS[order.status]}”，不能{permit.row.label}",
            code="illegal_step",
            details={"status": str(order.status), "step": permit.row.label},
        )
    return permit


@cache
def _rows_for(
    step: Step, kind: str, role, no_unit: bool
) -> tuple[tuple[Transition, ...], Transition]:
    """The rows that apply to an actor of this kind and role: those a unit's assignment
    decides between (a handler's or the system's), or else the one row. Depends on the
    table only, so it is worked out once per combination (the bulk generator checks
    millions of steps)."""
    rows = BY_STEP[step]
    if kind == "citizen":
        rows = tuple(r for r in rows if r.citizen)
        if not rows:
            raise Forbidden(BY_STEP[step][0].refusal, code="role_forbidden")
    elif kind == "staff":
        rows = tuple(r for r in rows if role in r.roles or (r.unit and role == R.HANDLER))
        if not rows:
            raise Forbidden(BY_STEP[step][0].refusal, code="role_forbidden")
    elif kind == "system" and no_unit:
        rows = tuple(r for r in rows if r.unit is None)
        if not rows:
            raise Invalid("系统操作必须指明承办单位")
    unit_rows = tuple(r for r in rows if r.unit is not None)
    if unit_rows and (kind == "system" or role == R.HANDLER):
        return unit_rows, unit_rows[0]
    return (), (tuple(r for r in rows if r.unit is None) or rows)[0]


def _unit_permit(order, actor, rows: tuple[Transition, ...]) -> Permit:
    mine = [a for a in order.assignments if a.unit_id == actor.unit_id]
    if not any(a.role in r.unit.roles for a in mine for r in rows):
        raise Forbidden("该工单未派给您所在的单位", code="not_your_unit")
    for row in rows:  # the lead's row first, as declared
        live = [a for a in mine if a.role in row.unit.roles and a.state in row.unit.states]
        if live:
            return Permit(row, live[-1])
    last = [a for a in mine if any(a.role in r.unit.roles for r in rows)][-1]
    raise Conflict(
        f"本单位对该工单的处理状态为“{ASSIGNMENT_STATE_LABELS[AssignmentState(last.state)]}”，"
        "不能执行此操作",
        code="illegal_step",
        details={"assignment_state": str(last.state)},
    )


# -- the README's table --------------------------------------------------------------------
def _who(row: Transition) -> str:
    who = sorted(str(r) for r in row.roles)
    if row.citizen:
        who.append("citizen")
    if row.unit is not None:
        roles = "/".join(sorted(str(r) for r in row.unit.roles))
        states = "/".join(sorted(str(s) for s in row.unit.states))
        who.append(f"handler ({roles}, {states})")
    return ", ".join(who)


def markdown_table() -> str:
    lines = ["| step | from | to | who |", "|---|---|---|---|"]
    for row in TRANSITIONS:
        frm = ", ".join(sorted(str(s) for s in row.sources)) or "—"
        to = " or ".join(str(s) for s in row.targets) or "unchanged"
        lines.append(f"| {row.label} `{row.step}` | {frm} | {to} | {_who(row)} |")
    return "\n".join(lines)
