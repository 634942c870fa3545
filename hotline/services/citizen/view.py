"""The 阳光办理 view of one order: what a citizen may see, built from an explicit whitelist.

Everything personal is masked, even for the owner: the requester block shows the masked
name and phone, and the address as the requester typed it cut before the building
(``privacy.masking.mask_own_address``: only the requester, by login or query code, ever
sees this block; none at all for a confidential order), and every free text (request,
public notes, reasons, replies) passes through ``privacy.redaction``. Internal notes are
never read. Masked values are computed on the server without an access-log
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
from hotline.services.citizen import photos as citizen_photos
from hotline.services.citizen.actions import ActionFacts, Available, action_facts, available
from hotline.services.citizen.reference import Names, UnitInfo, names
from hotline.services.lifecycle import table as lifecycle_table
from privacy.access import masked
from privacy.fields import open_field
from privacy.masking import mask_name, mask_own_address
from privacy.orm import utcnow
from privacy.redaction import redact_text
from privacy.runtime import runtime

E = EventType
# The requester block a citizen sees: their name and phone masked (the address has a rule
# of its own, ``requester_block``); never the ID number.
MASKED_REQUESTER = ("requester_name", "requester_phone")
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
    E.URGED: "催办",
    E.INFO_ADDED: "补充说明",
    E.WITHDRAWN: "撤回",
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
    E.INFO_ADDED,
}
REASON_SHOWN = {E.RETURNED, E.EXTENSION_APPROVED, E.ESCALATED, E.REOPENED, E.WITHDRAWN}
HANDLER_STEPS = {E.ACCEPTED, E.CONTACTED, E.PROGRESS, E.COMPLETED}


@lru_cache(maxsize=8192)
def _redacted(text: str | None) -> str | None:
    """Redaction of staff-written public text (notes, reasons, replies), memoised: the same
    few notes are shown again and again, and a pure function cannot be stale."""
    return redact_text(text)


@dataclass(frozen=True)
class TimelinePhoto:
    """A photo on the timeline: where to fetch it, never its pixels."""

    order_no: str
    photo_id: str
    source: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int


@dataclass(frozen=True)
class StepHandler:
    """Who acted on a handling step: masked name and staff number (as the handler block)."""

    name: str | None
    staff_no: str | None


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
    photos: list[TimelinePhoto] = field(default_factory=list)
    handler: StepHandler | None = None


@dataclass
class Handler:
    name: str | None
    staff_no: str | None
    service_phone: str | None


@dataclass(frozen=True)
class RatingFacts:
    """What the rating window (and the requester's other actions) need from the order:
    they change only with an event."""

    rated_this_round: bool
    reopen_used: bool
    actions: ActionFacts | None = None


@dataclass
class MyRating:
    """The citizen's own rating of one round, its comment redacted."""

    resolution: str
    satisfaction: str
    comment: str | None
    reopen_requested: bool
    rated_at: datetime
    round: int = 1


@dataclass
class RatingState:
    can_rate: bool
    rate_until: datetime | None
    can_request_reopen: bool
    mine: MyRating | None = None  # this round's
    history: list[MyRating] = field(default_factory=list)  # every round's, oldest first


@dataclass
class LiveState:
    """The parts of the view that move with the clock, not with the order's events."""

    overdue: bool
    seconds_remaining: int | None
    overdue_seconds: int | None
    rating: RatingState
    actions: Available | None = None


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
    return RatingFacts(
        _mine(order) is not None,
        any(r.reopen_requested for r in order.ratings),
        action_facts(order),
    )


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
        actions=available(facts.actions, now) if facts.actions is not None else None,
    )


def _text(event: OrderEvent, column: str) -> str | None:
    """A note or reason of the event, opened and redacted (the redaction is memoised)."""
    sealed = getattr(event, column)
    if sealed is None:
        return None
    return _redacted(open_field(runtime().cipher, event, column))


def _step_handler(event: OrderEvent) -> StepHandler | None:
    if event.type not in HANDLER_STEPS or event.actor is None:
        return None
    return StepHandler(mask_name(event.actor.display_name), event.actor.staff_no)


def _entry(
    event: OrderEvent,
    first_dispatch: bool,
    known: Names,
    pictures: list[TimelinePhoto],
    show_handler: bool = False,
) -> TimelineEntry:
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
        photos=pictures,
        handler=_step_handler(event) if show_handler else None,
    )


def _pictures(order: Order) -> dict[int, list[TimelinePhoto]]:
    return {
        event_id: [
            TimelinePhoto(
                order.order_no,
                r.photo_id,
                r.source,
                r.width,
                r.height,
                r.thumb_width,
                r.thumb_height,
            )
            for r in refs
        ]
        for event_id, refs in citizen_photos.by_event(order.id).items()
    }


def timeline(
    order: Order, known: Names, *, handlers: bool = False, has_photos: bool = True
) -> list[TimelineEntry]:
    """The steps a citizen sees; with ``handlers`` (and ``CITIZEN_SHOW_HANDLER``) each
    handling step names the staff member who took it, masked. ``has_photos`` False (known
    from the query that loaded the order) spares looking for photos."""
    entries, dispatched = [], False
    pictures = _pictures(order) if has_photos and order.id is not None else {}
    show_handler = handlers and current_app.config["CITIZEN_SHOW_HANDLER"]
    for event in order.events:
        if event.type not in SHOWN_LABELS:
            continue
        entry = _entry(event, not dispatched, known, pictures.get(event.id, []), show_handler)
        entries.append(entry)
        dispatched = dispatched or event.type == E.DISPATCHED
    return entries


def handler(order: Order, lead: UnitInfo | None) -> Handler | None:
    """The lead unit's staff member who acted last in the current round (a reopened order
    has nobody until someone of the unit takes it up again): masked name, staff number,
    and the unit's service phone (``CITIZEN_SHOW_HANDLER``)."""
    if not current_app.config["CITIZEN_SHOW_HANDLER"] or lead is None:
        return None
    for event in reversed(order.events):
        if event.round != order.round:
            break
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
    """The requester as they see themselves: name and phone masked; the address as they
    typed it, up to the community (``mask_own_address``), not the staff mask that keeps
    only the street. Shown only to the requester (login or query code), never to a
    follower or a unit."""
    if order.confidential:
        return None
    values = masked(order, MASKED_REQUESTER)
    address = None
    if order.requester_address is not None:
        typed = open_field(runtime().cipher, order, "requester_address")
        address = redact_text(mask_own_address(typed))
    return {
        "name": values["requester_name"],
        "phone": values["requester_phone"],
        "address": address,
    }


@dataclass
class OrderSummary:
    order: Order
    overdue: bool
    seconds_remaining: int | None
    summary: str | None
    unit: str | None
    category: str | None
    following: bool = False  # followed, not filed, by the caller (重复件)


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
    actions: Available | None = None


def _my_ratings(order: Order) -> list[MyRating]:
    """The requester's own ratings, one per round, oldest first, comments redacted."""
    mine = sorted(
        (r for r in order.ratings if r.source == RatingSource.CITIZEN), key=lambda r: r.round
    )
    return [
        MyRating(
            r.resolution,
            r.satisfaction,
            masked(r, ("comment",))["comment"],
            r.reopen_requested,
            r.rated_at,
            r.round,
        )
        for r in mine
    ]


def public_view(
    order: Order, now: datetime | None = None, *, has_photos: bool = True
) -> PublicOrder:
    known = names(fresh_for=[order, *order.events])
    entries = timeline(order, known, handlers=True, has_photos=has_photos)
    replies = [e for e in entries if e.type in (E.COMPLETED.value, E.ANSWERED.value)]
    facts = rating_facts(order)
    live = live_state(order, facts, now)
    history = _my_ratings(order)
    live.rating.history = history
    live.rating.mine = next((r for r in history if r.round == order.round), None)
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
        actions=live.actions,
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
