"""From one outbox entry to its inbox messages and deliveries.

Every recipient gets an inbox message, whatever else happens. Each message is pushed
through at most one channel first: WeChat when the citizen's phone is bound to a WeChat
user holding a consent for the template, else SMS when the citizen allows it and we can
reach the phone; the worker falls back from WeChat to SMS only when WeChat certainly did
not send (``delivery``). Muted kinds and switched-off channels are respected.

Running twice does nothing more: the entry is marked done in the same transaction, and
(outbox entry, phone) and (message, channel) are unique.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hotline.extensions import db
from hotline.models.notifications import (
    Delivery,
    DeliveryChannel,
    DeliveryState,
    InboxMessage,
    NotificationKind,
    OutboxEntry,
    UnitMessage,
)
from hotline.models.orders import Order
from hotline.services.citizen import wechat as citizen_wechat
from hotline.services.notifications import consents, preferences, recipients
from hotline.services.notifications.kinds import render, unit_notice
from privacy.fields import seal_field
from privacy.runtime import runtime


def choose_channel(
    order: Order, phone_bidx: str, kind: NotificationKind
) -> tuple[DeliveryChannel | None, str | None]:
    """The push channel for this recipient and kind, and the WeChat template it uses."""
    prefs = preferences.get(phone_bidx)
    if not prefs.pushes(kind):
        return None, None
    if prefs.wechat and citizen_wechat.configured():
        template = consents.template_for(kind)
        if template is not None and consents.usable_by_phone(phone_bidx, template.id):
            return DeliveryChannel.WECHAT, template.id
    if prefs.sms and recipients.has_phone(order, phone_bidx):
        return DeliveryChannel.SMS, None
    return None, None


def fan_out(outbox_id: int, now: datetime) -> list[int]:
    """Write the entry's messages and deliveries; the ids of the deliveries to queue."""
    entry = db.session.scalars(
        select(OutboxEntry)
        .where(OutboxEntry.id == outbox_id)
        .options(joinedload(OutboxEntry.order), joinedload(OutboxEntry.event))
    ).first()
    if entry is None or entry.fanned_out_at is not None:
        return []
    order, event = entry.order, entry.event
    if entry.kind is NotificationKind.URGED:
        _notify_unit(entry, order, event)
        entry.fanned_out_at = now
        db.session.flush()
        return []
    cipher = runtime().cipher
    deliveries = []
    for recipient in recipients.of_order(order):
        rendered = render(entry.kind, order, event, recipient.following)
        message = InboxMessage(
            outbox_id=entry.id,
            order_id=order.id,
            phone_bidx=recipient.phone_bidx,
            following=recipient.following,
            kind=entry.kind,
            title=rendered.title,
            created_at=event.occurred_at,
        )
        seal_field(cipher, message, "body", rendered.body)
        db.session.add(message)
        channel, template_id = choose_channel(order, recipient.phone_bidx, entry.kind)
        if channel is not None:
            delivery = Delivery(
                message=message,
                channel=channel,
                state=DeliveryState.PENDING,
                template_id=template_id,
                created_at=now,
                due_at=now,
                enqueued_at=now,
            )
            db.session.add(delivery)
            deliveries.append(delivery)
    entry.fanned_out_at = now
    db.session.flush()
    return [d.id for d in deliveries]


def _notify_unit(entry: OutboxEntry, order: Order, event) -> None:
    """催办 goes to the unit it was addressed to (the lead unit when the citizen urged), in
    the staff API's notices; citizens are not told about their own act."""
    unit_id = event.target_unit_id or order.lead_unit_id
    if unit_id is None:  # not dispatched yet: the hotline centre sees the flag in its list
        return
    db.session.add(
        UnitMessage(
            outbox_id=entry.id,
            unit_id=unit_id,
            order_id=order.id,
            kind=entry.kind,
            title=unit_notice(order, event),
            created_at=event.occurred_at,
        )
    )
