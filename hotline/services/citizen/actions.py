"""What a requester does to their own open order besides rating it: 催办 (urge), 补充说明
(add text and/or photos) and 撤回 (withdraw a request no unit has accepted yet).

The states each may be taken from are the transition table's (``lifecycle.table``); the
other rules are the steps' (``lifecycle.steps``: 催办 once half the time limit has passed,
at most once in 24 hours; 撤回 before any unit accepted it). Here: ownership (another
phone's order is 404, like an unknown one), the photos, and what the detail view offers
the requester now (``available``).

An urge is an event addressed to the lead unit (``target_unit_id``): the unit's work list
flags the order (``orders.last_urged_at``), the monthly statistics count the events per
unit, and the notifications outbox can pick the event up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.extensions import db
from hotline.models.enums import AssignmentState
from hotline.models.orders import Order
from hotline.services import lifecycle
from hotline.services.actors import Actor
from hotline.services.citizen import photos
from hotline.services.citizen.orders import own_order
from hotline.services.lifecycle import table
from hotline.services.lifecycle.steps import URGE_EVERY, last_urged, urge_opens_at
from privacy.orm import utcnow

URGEABLE = table.sources(table.Step.URGE)
INFO_OPEN = table.sources(table.Step.ADD_INFO)
WITHDRAWABLE = table.sources(table.Step.WITHDRAW)


def urge(phone_bidx: str, order_no: str) -> Order:
    order = own_order(phone_bidx, order_no, for_update=True)
    # The URGED event writes its outbox entry in this transaction (notifications.outbox);
    # the worker turns it into a notice to the lead unit (notifications.unit_notices).
    lifecycle.urge(order, Actor.citizen(phone_bidx))
    db.session.flush()
    return order


def add_information(phone_bidx: str, order_no: str, text: str | None = None, photo_ids=()) -> Order:
    order = own_order(phone_bidx, order_no, for_update=True)
    ids = photos.check_ids(photo_ids)
    event = lifecycle.add_information(order, Actor.citizen(phone_bidx), text, photos=len(ids))
    photos.attach_citizen(order, event, phone_bidx, ids)
    db.session.flush()
    return order


def withdraw(phone_bidx: str, order_no: str, reason: str) -> Order:
    order = own_order(phone_bidx, order_no, for_update=True)
    lifecycle.withdraw(order, Actor.citizen(phone_bidx), reason)
    db.session.flush()
    return order


# -- what the detail view offers ----------------------------------------------------------
@dataclass(frozen=True)
class ActionFacts:
    """What the requester may do, as far as it depends on the order's events (it is kept
    with a rendered view, which changes with every event); only 催办 also waits for a time."""

    urge_from: datetime | None  # when 催办 opens (again); None: not on this order now
    can_add_info: bool
    can_withdraw: bool


def action_facts(order: Order) -> ActionFacts:
    urge_from = None
    if order.status in URGEABLE:
        urge_from = urge_opens_at(order)
        if (last := last_urged(order)) is not None:
            urge_from = max(urge_from, last + URGE_EVERY)
    # The assignments are read (a query of their own when not loaded) only for an order
    # that could be withdrawn at all: most orders are past that.
    can_withdraw = (
        order.status in WITHDRAWABLE
        and order.round == 1
        and not any(a.state == AssignmentState.ACCEPTED for a in order.assignments)
    )
    return ActionFacts(
        urge_from=urge_from,
        can_add_info=order.status in INFO_OPEN,
        can_withdraw=can_withdraw,
    )


@dataclass
class Available:
    can_urge: bool
    urge_from: datetime | None
    can_add_info: bool
    can_withdraw: bool


def available(facts: ActionFacts, now: datetime | None = None) -> Available:
    now = now or utcnow()
    return Available(
        can_urge=facts.urge_from is not None and now >= facts.urge_from,
        urge_from=facts.urge_from,
        can_add_info=facts.can_add_info,
        can_withdraw=facts.can_withdraw,
    )
