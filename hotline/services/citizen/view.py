"""The 阳光办理 view of one order: what a citizen may see, built from an explicit whitelist.

Everything personal is masked, even for the owner: the requester block shows the masked
name, phone and address (none at all for a confidential order), and every free text
(request, public notes, reasons, replies) passes through ``privacy.redaction``. Internal
notes are never read. Masked values are computed on the server without an access-log
entry (``privacy.access.masked``): no plaintext leaves, so nothing is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app

from hotline.cache import local_cache
from hotline.models.enums import EventType, RatingSource
from hotline.models.orders import Order, OrderEvent, Rating
from hotline.services import deadlines
from hotline.services.citizen.reference import Names, UnitInfo, names
from hotline.services.lifecycle import table as lifecycle_table
from privacy import catalog
from privacy.access import masked
from privacy.fields import open_field
from privacy.masking import mask_name
from privacy.orm import utcnow
from privacy.redaction import redact_text
from privacy.runtime import runtime

E = EventType
# The requester block a citizen sees: their identity masked, without the ID number.
REQUESTER_FIELDS = tuple(c for c in catalog.IDENTITY_COLUMNS if c != "requester_id_number")
RATABLE = lifecycle_table.sources(lifecycle_table.Step.RATE)

# Steps a citizen sees, with the label shown for them. Internal deliberation (an extension
# asked for or refused) is left out; a dispatch dispute shows without its reasons.
SHOWN_LABELS: dict[EventType, str] = {
    E.RECEIVED: "受理",
    E.MERGED_REPEAT: "收到重复诉求",
    E.ANSWERED: "直接解答",
    E.DISPATCHED: "派单",
    E.ACCEPTED: "签收",
    E.CONTACTED: "联系诉求人",
    E.PROGRESS: "办理进展",
    E.RETURNED: "退单",
    E.DISPUTED: "派单复核",
    E.DISPUTE_REJECTED: "派单复核完成",
    E.EXTENSION_APPROVED: "延期",
    E.WHISTLE: "吹哨报到",
    E.ESCALATED: "提级统筹",
    E.COMPLETED: "办结",
    E.FOLLOWED_UP: "回访",
    E.RATED: "评价",
    E.REOPENED: "重启办理",
    E.CLOSED: "归档",
}
NOTE_SHOWN = {
    E.ANSWERED,
    E.DISPATCHED,
    E.CONTACTED,
    E.PROGRESS,
    E.EXTENSION_APPROVED,
    E.WHISTLE,
    E.COMPLETED,
    E.FOLLOWED_UP,
    E.RATED,
}
REASON_SHOWN = {E.RETURNED, E.EXTENSION_APPROVED, E.ESCALATED, E.REOPENED}
HANDLER_STEPS = {E.ACCEPTED, E.CONTACTED, E.PROGRESS, E.COMPLETED}


@lru_cache(maxsize=8192)
def _redacted(text: str | None) -> str | None:
    """Redaction of staff-written public text (notes, reasons, replies), memoised: the same
    few notes are shown again and again, and a pure function cannot be stale."""
    return redact_text(text)


@dataclass
class TimelineEntry:
    seq: int
    type: str
    label: str
    occurred_at: datetime
    round: int
    unit: str | None = None
    target_unit: str | None = None
    note: str | None = None
    reason: str | None = None
    new_deadline: datetime | None = None
    resolution: str | None = None
    satisfaction: str | None = None


@dataclass
class Handler:
    name: str | None
    staff_no: str | None
    service_phone: str | None


@dataclass(frozen=True)
class RatingFacts:
    """What the rating window needs from the ratings: they change only with an event."""

    rated_this_round: bool
    reopen_used: bool


@dataclass
class MyRating:
    """The citizen's own rating of this round, its comment redacted."""

    resolution: str
    satisfaction: str
    comment: str | None
    reopen_requested: bool
    rated_at: datetime


@dataclass
class RatingState:
    can_rate: bool
    rate_until: datetime | None
    can_request_reopen: bool
    mine: MyRating | None = None


@dataclass
class LiveState:
    """The parts of the view that move with the clock, not with the order's events."""

    overdue: bool
    seconds_remaining: int | None
    overdue_seconds: int | None
    rating: RatingState


def overdue_seconds(order, now: datetime) -> int | None:
    """How long past the deadline: until completion, or now for an open order."""
    if not deadlines.is_overdue(order, now):
        return None
    end = order.completed_at or now
    return max(0, int((end - order.deadline_at).total_seconds()))


def _mine(order: Order) -> Rating | None:
    return next(
        (r for r in order.ratings if r.round == order.round and r.source == RatingSource.CITIZEN),
        None,
    )


def rating_facts(order: Order) -> RatingFacts:
    return RatingFacts(_mine(order) is not None, any(r.reopen_requested for r in order.ratings))


def live_state(order, facts: RatingFacts, now: datetime | None = None) -> LiveState:
    """``order`` is an ``Order`` or a row with its status, round, deadline and completion."""
    now = now or utcnow()
    window = timedelta(days=current_app.config["RATING_WINDOW_DAYS"])
    ratable = order.status in RATABLE
    until = order.completed_at + window if ratable and order.completed_at else None
    can_rate = not facts.rated_this_round and until is not None and now < until
    return LiveState(
        overdue=deadlines.is_overdue(order, now),
        seconds_remaining=deadlines.seconds_remaining(order, now),
        overdue_seconds=overdue_seconds(order, now),
        rating=RatingState(can_rate, until, can_rate and not facts.reopen_used),
    )


def _text(event: OrderEvent, column: str) -> str | None:
    """A note or reason of the event, opened and redacted (the redaction is memoised)."""
    sealed = getattr(event, column)
    if sealed is None:
        return None
    return _redacted(open_field(runtime().cipher, event, column))


def _entry(event: OrderEvent, first_dispatch: bool, known: Names) -> TimelineEntry:
    label = SHOWN_LABELS[event.type]
    if event.type == E.DISPATCHED and not first_dispatch:
        label = "重新派单"
    data = event.data or {}
    verdict = event.type in (E.RATED, E.FOLLOWED_UP)
    return TimelineEntry(
        seq=event.seq,
        type=event.type.value,
        label=label,
        occurred_at=event.occurred_at,
        round=event.round,
        unit=known.unit_name(event.unit_id),
        target_unit=known.unit_name(event.target_unit_id),
        note=_text(event, "public_note") if event.type in NOTE_SHOWN else None,
        reason=_text(event, "reason") if event.type in REASON_SHOWN else None,
        new_deadline=event.new_deadline if event.type == E.EXTENSION_APPROVED else None,
        resolution=data.get("resolution") if verdict else None,
        satisfaction=data.get("satisfaction") if verdict else None,
    )


def timeline(order: Order, known: Names) -> list[TimelineEntry]:
    entries, dispatched = [], False
    for event in order.events:
        if event.type not in SHOWN_LABELS:
            continue
        entries.append(_entry(event, not dispatched, known))
        dispatched = dispatched or event.type == E.DISPATCHED
    return entries


def handler(order: Order, lead: UnitInfo | None) -> Handler | None:
    """The lead unit's staff member who acted last: masked name, staff number, and the
    unit's service phone (``CITIZEN_SHOW_HANDLER``)."""
    if not current_app.config["CITIZEN_SHOW_HANDLER"] or lead is None:
        return None
    for event in reversed(order.events):
        if (
            event.type in HANDLER_STEPS
            and event.unit_id == order.lead_unit_id
            and event.actor is not None
        ):
            return Handler(
                mask_name(event.actor.display_name), event.actor.staff_no, lead.service_phone
            )
    return Handler(None, None, lead.service_phone)


def requester_block(order: Order) -> dict | None:
    if order.confidential:
        return None
    values = masked(order, REQUESTER_FIELDS)
    return {
        "name": values["requester_name"],
        "phone": values["requester_phone"],
        "address": values["requester_address"],
    }


@dataclass
class OrderSummary:
    order: Order
    overdue: bool
    seconds_remaining: int | None
    summary: str | None
    unit: str | None
    category: str | None


@dataclass
class PublicOrder(OrderSummary):
    unit_info: UnitInfo | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    overdue_seconds: int | None = None
    requester: dict | None = None
    content: str | None = None
    handler: Handler | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    extensions: list[TimelineEntry] = field(default_factory=list)
    returns: list[TimelineEntry] = field(default_factory=list)
    reply: str | None = None
    rating: RatingState | None = None
    facts: RatingFacts | None = None


def public_view(order: Order, now: datetime | None = None) -> PublicOrder:
    known = names(fresh_for=[order, *order.events])
    entries = timeline(order, known)
    replies = [e for e in entries if e.type in (E.COMPLETED.value, E.ANSWERED.value)]
    facts = rating_facts(order)
    live = live_state(order, facts, now)
    mine = _mine(order)
    if mine is not None:
        live.rating.mine = MyRating(
            mine.resolution,
            mine.satisfaction,
            masked(mine, ("comment",))["comment"],
            mine.reopen_requested,
            mine.rated_at,
        )
    lead = known.unit(order.lead_unit_id)
    content = masked(order, ("content",))["content"]
    return PublicOrder(
        order=order,
        overdue=live.overdue,
        seconds_remaining=live.seconds_remaining,
        summary=_shorten(content),
        unit=lead.name if lead else None,
        category=known.categories.get(order.category_id),
        unit_info=lead,
        district=known.districts.get(order.district_id),
        street=known.streets.get(order.street_id),
        community=known.communities.get(order.community_id),
        overdue_seconds=live.overdue_seconds,
        requester=requester_block(order),
        content=content,
        handler=handler(order, lead),
        timeline=entries,
        extensions=[e for e in entries if e.type == E.EXTENSION_APPROVED.value],
        returns=[e for e in entries if e.type == E.RETURNED.value],
        reply=replies[-1].note if replies else None,
        rating=live.rating,
        facts=facts,
    )


SUMMARY_CHARS = 40
SUMMARY_CACHE = 16384


def _shorten(text: str | None) -> str:
    text = text or ""
    return text[:SUMMARY_CHARS] + "…" if len(text) > SUMMARY_CHARS else text


def _summary_text(order: Order) -> str:
    """The masked summary, kept by (order uuid, erasure): the request text never changes
    after intake, and decrypting ten of them for every page of "my orders" is most of its
    cost (``hotline.cache``)."""
    summaries = local_cache("citizen.summaries", size=SUMMARY_CACHE)
    return summaries.get_or_load(
        (order.uuid, order.personal_erased_at),
        lambda: _shorten(masked(order, ("content",))["content"]),
    )


def summaries(orders: list[Order], now: datetime | None = None) -> list[OrderSummary]:
    now = now or utcnow()
    known = names(fresh_for=orders)
    out = []
    for order in orders:
        lead = known.unit(order.lead_unit_id)
        out.append(
            OrderSummary(
                order=order,
                overdue=deadlines.is_overdue(order, now),
                seconds_remaining=deadlines.seconds_remaining(order, now),
                summary=_summary_text(order),
                unit=lead.name if lead else None,
                category=known.categories.get(order.category_id),
            )
        )
    return out
