"""Who may see an order, and as what: the one rule that order detail, the work lists, the
lifecycle guards and every reveal of personal data use (DESIGN §3).

Staff
  - The hotline centre (agents, dispatchers, supervisors, administrators and privacy
    officers) sees every order. Publishers see none: they work on published statistics.
  - A handler sees the orders their unit was given, in one of two standings:

    * **current** — the unit holds an assignment that is pending, accepted or disputed.
      The order is in the unit's work list, the unit may take the steps the lifecycle
      table gives its role (lead, joint, co-handler, coordinator), and the role matrix lets
      it ask for the requester's phone (never on a confidential order).
    * **past** — every assignment the unit held has ended: it handed the order back (退单),
      a re-dispatch withdrew it, or the order was completed (办结). The unit may still open
      the order, masked: its own steps are on the timeline and it may have to account for
      them. It is no longer in the unit's work list (``scope=all`` lists it), the unit can
      take no step, and it sees nothing in plaintext.

  Anyone else (a handler of another unit) is refused with 403.

Citizens
  - The phone that filed the order (its blind index is on the order) sees the public view;
    for anyone else the order does not exist (404, exactly like an unknown number).
  - A phone following the order — its own request was merged into it (重复件) — sees the
    public view without anything about the requester (no requester block, request text,
    rating or rating notes: ``notifications.follows.follower_view``) and takes no step.

Photos (``photo_access``)
  - The requester sees every photo of their order (theirs and the handlers' "after" photos).
  - Staff see a photo's pixels only as a logged read (``privacy.access.reveal``): a unit
    currently handling the order (also on a confidential order: the photo comes alone,
    with no requester data), the staff member who took it, and a privacy officer with a
    stated purpose. The rest of the centre and units whose part has ended see that a photo
    exists (its place on the timeline), not the photo: 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import selectinload

from hotline.errors import Forbidden, NotFound  # noqa: F401  (NotFound: callers catch it)
from hotline.extensions import db
from hotline.models.enums import AssignmentRole, AssignmentState, Role
from hotline.models.orders import Assignment, Order, OrderEvent
from hotline.services.actors import Actor
from hotline.services.notifications import follows
from privacy.matrix import Grant, OrderFacts, Viewer, grant_for

CENTRE_ROLES = frozenset(
    {Role.AGENT, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.PRIVACY_OFFICER}
)
# The assignment states in which a unit is handling an order.
CURRENT_STATES = (AssignmentState.PENDING, AssignmentState.ACCEPTED, AssignmentState.DISPUTED)
NOT_YOURS = "该工单未派给您所在的单位"


class Standing(StrEnum):
    CENTRE = "centre"
    CURRENT_UNIT = "current_unit"
    PAST_UNIT = "past_unit"
    OWNER = "owner"
    FOLLOWER = "follower"
    NONE = "none"


@dataclass(frozen=True)
class OrderAccess:
    """A viewer's standing on one order and what the role matrix grants them."""

    standing: Standing
    viewer: Viewer
    facts: OrderFacts
    unit_roles: frozenset[AssignmentRole] = frozenset()  # of the unit's current assignments

    @property
    def visible(self) -> bool:
        return self.standing != Standing.NONE

    @property
    def grant(self) -> Grant:
        return grant_for(self.viewer, self.facts)


def current_unit_ids(order: Order) -> frozenset[int]:
    return frozenset(a.unit_id for a in order.assignments if a.state in CURRENT_STATES)


def order_facts(order: Order) -> OrderFacts:
    return OrderFacts(
        confidential=order.confidential,
        created_by_id=order.created_by_id,
        assigned_unit_ids=current_unit_ids(order),
    )


def viewer_of(actor: Actor) -> Viewer:
    return Viewer(actor.role if actor.is_staff else None, actor.user_id, actor.unit_id)


def for_staff(order: Order, actor: Actor) -> OrderAccess:
    viewer, facts = viewer_of(actor), order_facts(order)
    if actor.role in CENTRE_ROLES:
        return OrderAccess(Standing.CENTRE, viewer, facts)
    if actor.role == Role.HANDLER and actor.unit_id is not None:
        mine = [a for a in order.assignments if a.unit_id == actor.unit_id]
        current = frozenset(a.role for a in mine if a.state in CURRENT_STATES)
        if current:
            return OrderAccess(Standing.CURRENT_UNIT, viewer, facts, current)
        if mine:
            return OrderAccess(Standing.PAST_UNIT, viewer, facts)
    return OrderAccess(Standing.NONE, viewer, facts)


def require_staff(order: Order, actor: Actor) -> OrderAccess:
    access = for_staff(order, actor)
    if not access.visible:
        raise Forbidden(NOT_YOURS, code="not_your_unit")
    return access


def load_order(order_no: str, *, for_update: bool = False) -> Order:
    """An order with its timeline, assignments and ratings, or 404. ``for_update`` locks
    the order's row first (PostgreSQL), for a step: a second step on the same order waits
    for the first to commit and then sees what it did, so the lifecycle's guards decide
    between them (409) instead of the timeline's unique sequence number (a 500)."""
    query = (
        select(Order)
        .where(Order.order_no == order_no)
        .options(
            selectinload(Order.events).selectinload(OrderEvent.actor),
            selectinload(Order.assignments).selectinload(Assignment.unit),
            selectinload(Order.ratings),
        )
    )
    if for_update:
        query = query.with_for_update(of=Order)
    order = db.session.scalar(query)
    if order is None:
        raise NotFound("工单不存在", code="order_not_found")
    return order


def staff_order(order_no: str, actor: Actor) -> tuple[Order, OrderAccess]:
    """Load an order for a staff member who may see it (404 unknown, 403 not theirs)."""
    order = load_order(order_no)
    return order, require_staff(order, actor)


def staff_list_clause(actor: Actor, *, scope: str = "current") -> ColumnElement[bool]:
    """The same rule as ``for_staff``, as SQL over ``orders``: a handler's work list holds
    the orders their unit currently handles (``scope="all"``: also the past ones)."""
    if actor.role in CENTRE_ROLES:
        return true()
    if actor.role != Role.HANDLER or actor.unit_id is None:
        raise Forbidden("您的角色无权查看工单列表", code="role_forbidden")
    given = select(Assignment.order_id).where(Assignment.unit_id == actor.unit_id)
    if scope != "all":
        given = given.where(Assignment.state.in_(CURRENT_STATES))
    return Order.id.in_(given)


def unit_clause(unit_id: int, *, scope: str = "current") -> ColumnElement[bool]:
    """Orders a given unit handles (centre staff filtering by unit)."""
    given = select(Assignment.order_id).where(Assignment.unit_id == unit_id)
    if scope != "all":
        given = given.where(Assignment.state.in_(CURRENT_STATES))
    return Order.id.in_(given)


def owned_by(order: Order, phone_bidx: str | None) -> bool:
    return phone_bidx is not None and order.phone_bidx == phone_bidx


def citizen_standing(order_id: int, order_phone_bidx: str | None, phone_bidx: str) -> Standing:
    """A logged-in citizen's standing on an order: its requester, a follower, or none."""
    if order_phone_bidx is not None and order_phone_bidx == phone_bidx:
        return Standing.OWNER
    return Standing.FOLLOWER if follows.follows(order_id, phone_bidx) else Standing.NONE


@dataclass(frozen=True)
class PhotoGrant:
    """May a staff member see an order's photo, and on what terms."""

    purpose_required: bool
    default_purpose: str | None


PHOTO_REFUSED = "您无权查看该工单的照片"


def photo_access(order: Order, actor: Actor, uploaded_by_id: int | None) -> PhotoGrant:
    """The rule for a staff member opening one photo of ``order`` (403 when refused)."""
    access = require_staff(order, actor)
    if actor.role == Role.PRIVACY_OFFICER:
        return PhotoGrant(True, None)
    if actor.user_id is not None and actor.user_id == uploaded_by_id:
        return PhotoGrant(False, "查看本人上传的照片")
    if access.standing == Standing.CURRENT_UNIT:
        return PhotoGrant(False, "办理工单查看照片")
    raise Forbidden(PHOTO_REFUSED, code="photo_forbidden")
