"""Sending one delivery, at most once.

``claim`` moves a due delivery to ``sending`` with a fresh claim token (compare-and-set:
only one worker can win it) and gathers what the send needs; the caller commits the claim
*before* it calls the provider. ``send`` calls the provider outside any transaction.
``record`` stores the outcome under the same token and commits.

Why at most once: a delivery is sent only by the worker that holds its claim, and a claim
that was committed is never claimed again. If the worker dies after committing the claim,
the delivery stays in ``sending``; after ``NOTIFY_CLAIM_TIMEOUT_SECONDS`` ``sweep_claims``
marks it ``uncertain`` and it is not sent again (WeChat's API has no idempotency key, so
nothing can tell whether the message left). The residual risk is therefore a *lost* push,
never a duplicate: the worker dies in the few milliseconds between committing the claim and
WeChat receiving the request. The citizen still has the message in the in-app inbox, and
staff see the uncertain delivery. An SMS gateway that deduplicates by our key
(``dedupes_by_key``) lets an uncertain SMS be sent again instead.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from hotline.extensions import db
from hotline.models.notifications import (
    WAITING_STATES,
    Delivery,
    DeliveryChannel,
    DeliveryState,
    InboxMessage,
    OutboxEntry,
)
from hotline.services.citizen import wechat as citizen_wechat
from hotline.services.notifications import channels, consents, preferences, quiet, recipients
from hotline.services.notifications.kinds import render, wechat_data

log = logging.getLogger("hotline.notifications")
S = DeliveryState


@dataclass(frozen=True)
class Claim:
    """Everything one send needs, read while the claim was taken (no ORM objects)."""

    delivery_id: int
    token: str
    channel: DeliveryChannel
    to: str = field(repr=False)  # openid or phone
    text: str | None = None  # SMS
    key: str | None = None  # SMS idempotency key
    template_id: str | None = None  # WeChat
    data: dict | None = None
    page: str | None = None
    state: str | None = None
    openid_bidx: str | None = None
    access_token: str | None = field(default=None, repr=False)


def _finish(delivery: Delivery, state: DeliveryState, error: str | None, now: datetime) -> None:
    delivery.state, delivery.last_error, delivery.finished_at = state, error, now
    delivery.claim_token = None if state in WAITING_STATES else delivery.claim_token


# The delivery with what a send needs, in one query.
_CLAIMED = select(Delivery).options(
    joinedload(Delivery.message).options(
        joinedload(InboxMessage.order),
        joinedload(InboxMessage.outbox).joinedload(OutboxEntry.event),
    )
)


def needs_access_token(delivery_id: int) -> bool:
    """Whether the delivery goes by WeChat: then the caller fetches the access token
    *before* ``claim`` (``channels.access_token``), while it holds no write lock (a refresh
    writes the token store, which on SQLite is the same database)."""
    channel = db.session.scalar(select(Delivery.channel).where(Delivery.id == delivery_id))
    return channel == DeliveryChannel.WECHAT


def claim(
    delivery_id: int, now: datetime, access_token: str | None = None
) -> tuple[Claim | None, list[int]]:
    """Take a due delivery for sending. Returns the claim (None when there is nothing to
    send now) and the ids of new deliveries to queue (a fallback to SMS). ``access_token``
    is WeChat's, fetched beforehand: after the claim is committed nothing but the request
    itself stands between the claim and WeChat (see the module docstring)."""
    token = secrets.token_hex(16)
    won = db.session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state.in_(WAITING_STATES),
            Delivery.due_at <= now + timedelta(seconds=1),
        )
        .values(state=S.SENDING, claim_token=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        return None, []
    delivery = db.session.scalars(
        _CLAIMED.where(Delivery.id == delivery_id).execution_options(populate_existing=True)
    ).one()
    message = delivery.message
    order = message.order
    prefs = preferences.get(message.phone_bidx)
    wanted = prefs.pushes(message.kind) and (
        prefs.wechat if delivery.channel == DeliveryChannel.WECHAT else prefs.sms
    )
    if not wanted:
        _finish(delivery, S.SKIPPED, "preferences", now)
        return None, []
    if delivery.channel == DeliveryChannel.SMS:
        if not quiet.sms_allowed(now, order.time_limit):
            delivery.state, delivery.due_at = S.HELD, quiet.quiet_ends(now)
            delivery.enqueued_at = delivery.claim_token = None
            return None, []
        phone = recipients.phone_of(order, message.phone_bidx)
        if not phone:
            _finish(delivery, S.DEAD, "no_phone", now)
            return None, []
        rendered = render(message.kind, order, message.outbox.event, message.following)
        text = current_app.config["NOTIFY_SMS_PREFIX"] + rendered.sms
        return Claim(delivery.id, token, delivery.channel, phone, text, f"{message.uuid}:sms"), []
    binding = citizen_wechat.binding_of(message.phone_bidx)
    reserved = (
        consents.reserve(binding.openid_bidx, delivery.template_id) if binding is not None else None
    )
    if reserved is None:
        _finish(delivery, S.REFUSED, "no_consent" if binding else "wechat_not_bound", now)
        return None, fallback(message, now)
    delivery.consent_reserved = reserved == "one_time"
    template = next(
        (t for t in consents.templates().values() if t.id == delivery.template_id), None
    )
    rendered = render(message.kind, order, message.outbox.event, message.following)
    cfg = current_app.config
    return (
        Claim(
            delivery.id,
            token,
            delivery.channel,
            citizen_wechat.openid_of(binding),
            template_id=delivery.template_id,
            data=wechat_data(rendered, order, template.keywords if template else {}),
            page=f"{cfg['WECHAT_MESSAGE_PAGE']}?order_no={order.order_no}",
            state=cfg["WECHAT_MINIPROGRAM_STATE"] or None,
            openid_bidx=binding.openid_bidx,
            access_token=access_token,
        ),
        [],
    )


def send(claim: Claim) -> channels.Outcome:
    if claim.channel == DeliveryChannel.SMS:
        return channels.send_sms(claim.to, claim.text, claim.key)
    return channels.send_wechat(
        claim.to, claim.template_id, claim.data, claim.page, claim.state, claim.access_token
    )


def backoff(attempts: int, retry_after: int | None = None) -> timedelta:
    """Doubling from the first wait to the longest, with up to 10 % jitter."""
    first, longest = current_app.config["NOTIFY_RETRY_SECONDS"]
    seconds = min(float(longest), float(first) * 2 ** max(0, attempts - 1))
    seconds = max(seconds, float(retry_after or 0))
    return timedelta(seconds=seconds * (1 + secrets.randbelow(101) / 1000))


def record(claim: Claim, outcome: channels.Outcome, now: datetime) -> list[int]:
    """Store what the send came to; the ids of new deliveries to queue (SMS fallback)."""
    if outcome.result in (channels.SENT, channels.UNCERTAIN):  # the common case: one UPDATE
        state = S.SENT if outcome.result == channels.SENT else S.UNCERTAIN
        done = db.session.execute(
            update(Delivery)
            .where(Delivery.id == claim.delivery_id, Delivery.claim_token == claim.token)
            .values(
                state=state,
                attempts=Delivery.attempts + 1,
                provider_id=outcome.provider_id,
                last_error=outcome.error,
                finished_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            log.warning('{"event": "delivery_claim_lost", "delivery": %d}', claim.delivery_id)
        return []
    delivery = db.session.get(Delivery, claim.delivery_id, populate_existing=True)
    if delivery is None or delivery.claim_token != claim.token:
        log.warning('{"event": "delivery_claim_lost", "delivery": %d}', claim.delivery_id)
        return []
    delivery.attempts += 1
    delivery.provider_id = outcome.provider_id
    message = delivery.message
    openid_bidx = claim.openid_bidx
    not_sent = outcome.result in (channels.RETRY, channels.DEAD)
    if not_sent and delivery.consent_reserved and openid_bidx:
        consents.give_back(openid_bidx, delivery.template_id)
        delivery.consent_reserved = False
    if outcome.result == channels.REFUSED:
        if openid_bidx:
            consents.used_up(openid_bidx, delivery.template_id)
        _finish(delivery, S.REFUSED, outcome.error, now)
        return fallback(message, now)
    give_up = outcome.result == channels.DEAD or (
        delivery.attempts >= current_app.config["NOTIFY_MAX_ATTEMPTS"]
    )
    if give_up:
        _finish(delivery, S.DEAD, outcome.error, now)
        return fallback(message, now) if delivery.channel == DeliveryChannel.WECHAT else []
    delivery.state, delivery.last_error = S.RETRY, outcome.error
    delivery.due_at = now + backoff(delivery.attempts, outcome.retry_after)
    delivery.enqueued_at = delivery.claim_token = None
    return []


def fallback(message: InboxMessage, now: datetime) -> list[int]:
    """WeChat certainly did not deliver ``message``: send it by SMS instead, if the citizen
    allows SMS and we can reach the phone (and no SMS of it exists yet)."""
    prefs = preferences.get(message.phone_bidx)
    if not (prefs.sms and prefs.pushes(message.kind)):
        return []
    if not recipients.has_phone(message.order, message.phone_bidx):
        return []
    exists = db.session.scalar(
        select(Delivery.id).where(
            Delivery.message_id == message.id, Delivery.channel == DeliveryChannel.SMS
        )
    )
    if exists is not None:
        return []
    sms = Delivery(
        message_id=message.id,
        channel=DeliveryChannel.SMS,
        state=S.PENDING,
        created_at=now,
        due_at=now,
        enqueued_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(sms)
    except IntegrityError:
        return []  # another worker wrote it a moment ago
    return [sms.id]


def sweep_claims(now: datetime) -> int:
    """Claims older than ``NOTIFY_CLAIM_TIMEOUT_SECONDS`` belong to a worker that died (or
    hung) mid-send: uncertain, never sent again — unless the SMS gateway deduplicates."""
    stale = now - timedelta(seconds=current_app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"])
    rows = db.session.scalars(
        select(Delivery).where(Delivery.state == S.SENDING, Delivery.claimed_at < stale)
    ).all()
    dedupes = channels.sender_dedupes()
    for delivery in rows:
        if delivery.channel == DeliveryChannel.SMS and dedupes:
            delivery.state, delivery.due_at, delivery.last_error = S.RETRY, now, "worker_lost"
            delivery.enqueued_at = delivery.claim_token = None
        else:
            delivery.state, delivery.finished_at = S.UNCERTAIN, now
            delivery.last_error = "worker_lost"
    db.session.flush()
    return len(rows)
