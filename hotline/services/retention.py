"""Retention: erasing the personal data of orders that ended longer ago than the retention
period, and of citizens who have not logged in for as long.

An order has ended when it was archived (归档, ``closed_at``), or when it was answered
directly or completed and then nothing more happened to it: an order left unarchived is not
kept for ever. An order still being handled is never erased, however old.

Erased: the five personal fields, the blind indexes and content fingerprint that could link
the order to a person, the free text of its events (notes, reasons: the requester's 补充说明
and 撤回 reasons among them), the comments of its ratings and the pixels of its photos.
Kept: everything statistics are built from (kind, channel, category, place, units,
timestamps, status, events, ratings' resolution and satisfaction), so published numbers do
not change. Events are append-only for the lifecycle; erasure is the one sanctioned change
to them, done with a plain UPDATE and recorded in the access log.

Each erased order gets its own access-log entry (action ``erase``): the log is searched by
order, and an officer asking "who touched this order's personal data" must see the erasure
as the last word; one entry per order costs one small row next to a much larger order.

An erased order's notifications go with it: the inbox messages about it (their sealed
bodies quote the reply) and their delivery records, and the follows of other phones (each
holding a sealed phone). The outbox rows and the units' 催办 notices say nothing personal
and stay.

Citizen profiles (the sealed phone kept to fill in new submissions) of phones not logged in
since the cutoff are deleted, one access-log entry per batch, and with them everything kept
about that phone: its WeChat binding and the consents of that WeChat user, its notification
settings and its inbox; the citizen simply logs in again. Login leftovers that protect
nothing any more go too: SMS codes and WeChat login tickets expired a day ago and
revocations of tokens that have expired anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from hotline.models.citizen import CitizenProfile, CitizenTokenRevocation, SmsCode
from hotline.models.enums import OrderStatus
from hotline.models.notifications import (
    Delivery,
    InboxMessage,
    NotificationPreference,
    OrderFollow,
    SubscriptionConsent,
    WeChatBinding,
    WeChatTicket,
)
from hotline.models.orders import Order, OrderEvent, Rating
from hotline.services.citizen.photos import erase_for_orders
from privacy import catalog
from privacy.accesslog import ACTION_ERASE, AccessContext, append_entry
from privacy.orm import utcnow
from privacy.runtime import runtime

DEFAULT_RETENTION_YEARS = 3
PURPOSE = "retention erasure"
# Every personal field of an order and its events and ratings (``privacy.catalog``), and
# what could link them to a person: blind indexes and the fingerprint.
ERASED_TABLES = ("orders", "order_events", "ratings", "attachments")
ERASED_FIELDS = (
    *(f.qualified for f in catalog.FIELDS if f.table in ERASED_TABLES),
    "orders.phone_bidx",
    "orders.id_number_bidx",
    "orders.content_simhash",
    "order_follows.phone",
    "order_follows.phone_bidx",
    "inbox_messages.body",
    "inbox_messages.phone_bidx",
)
# What goes with an idle citizen's profile.
PROFILE_FIELDS = (
    "citizen_profiles.phone",
    "citizen_profiles.phone_bidx",
    "wechat_bindings.openid",
    "wechat_bindings.phone_bidx",
    "subscription_consents.openid_bidx",
    "notification_preferences.phone_bidx",
    "inbox_messages.body",
    "inbox_messages.phone_bidx",
)


SMS_CODE_KEEP = timedelta(days=1)


@dataclass
class RetentionResult:
    cutoff: datetime
    erased: int
    dry_run: bool
    profiles: int = 0
    login_rows: int = 0


def retention_years() -> int:
    return int(current_app.config.get("RETENTION_YEARS") or DEFAULT_RETENTION_YEARS)


def cutoff_for(years: int, now: datetime) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _expired(cutoff: datetime):
    touched_since = exists().where(
        OrderEvent.order_id == Order.id, OrderEvent.occurred_at >= cutoff
    )
    return select(Order.id, Order.uuid, Order.order_no).where(
        Order.personal_erased_at.is_(None),
        or_(
            and_(Order.status == OrderStatus.CLOSED, Order.closed_at < cutoff),
            and_(
                Order.status.in_(
                    (OrderStatus.ANSWERED, OrderStatus.COMPLETED, OrderStatus.WITHDRAWN)
                ),
                Order.received_at < cutoff,
                ~touched_since,
            ),
        ),
    )


def _count(session: Session, query) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery()))


def count_expired(session: Session, cutoff: datetime) -> int:
    return _count(session, _expired(cutoff))


def erase_orders(
    session: Session, rows, *, now: datetime, ctx: AccessContext | None = None
) -> None:
    """Erase the personal data of the given ``(id, uuid, order_no)`` rows and log it. Flushes.

    ``ctx`` says who erases and why (default: the retention task); a privacy officer
    approving a requester's erasure request passes their own."""
    ids = [row.id for row in rows]
    if not ids:
        return
    nulls = dict.fromkeys(catalog.columns("orders"))
    session.execute(
        update(Order.__table__)
        .where(Order.__table__.c.id.in_(ids))
        .values(
            **nulls,
            phone_bidx=None,
            id_number_bidx=None,
            content_simhash=None,
            personal_erased_at=now,
        )
    )
    events = OrderEvent.__table__
    session.execute(
        update(events)
        .where(events.c.order_id.in_(ids))
        .values(dict.fromkeys(catalog.columns("order_events")))
    )
    ratings = Rating.__table__
    session.execute(
        update(ratings)
        .where(ratings.c.order_id.in_(ids))
        .values(dict.fromkeys(catalog.columns("ratings")))
    )
    erase_for_orders(session, ids, now)
    _delete_messages(session, InboxMessage.order_id.in_(ids))
    session.execute(delete(OrderFollow).where(OrderFollow.order_id.in_(ids)))
    ring = runtime().ring
    base = ctx or AccessContext.for_system("retention", purpose=PURPOSE)
    for row in rows:
        append_entry(
            session,
            ring,
            base.for_order(row.id, row.order_no),
            action=ACTION_ERASE,
            records=[f"orders:{row.uuid}"],
            fields=ERASED_FIELDS,
            value_hashes={},
        )


def _delete_messages(session: Session, which) -> None:
    """Delete the inbox messages matching ``which`` and their delivery records."""
    messages = select(InboxMessage.id).where(which)
    session.execute(delete(Delivery).where(Delivery.message_id.in_(messages)))
    session.execute(delete(InboxMessage).where(which))


def _idle_profiles(cutoff: datetime):
    last_seen = func.coalesce(CitizenProfile.last_login_at, CitizenProfile.created_at)
    return select(CitizenProfile.id, CitizenProfile.uuid).where(last_seen < cutoff)


def _login_leftovers(now: datetime):
    """(table, condition) of login rows that protect nothing any more."""
    return (
        (SmsCode, SmsCode.expires_at < now - SMS_CODE_KEEP),
        (WeChatTicket, WeChatTicket.expires_at < now - SMS_CODE_KEEP),
        (CitizenTokenRevocation, CitizenTokenRevocation.expires_at < now),
    )


def erase_profiles(session: Session, rows) -> None:
    """Delete the given ``(id, uuid)`` citizen profiles, with the WeChat binding, consents,
    notification settings and inbox of their phones, and log it in one entry. Flushes."""
    if not rows:
        return
    ids = [r.id for r in rows]
    phones = select(CitizenProfile.phone_bidx).where(CitizenProfile.id.in_(ids))
    openids = select(WeChatBinding.openid_bidx).where(WeChatBinding.phone_bidx.in_(phones))
    session.execute(delete(SubscriptionConsent).where(SubscriptionConsent.openid_bidx.in_(openids)))
    session.execute(delete(WeChatBinding).where(WeChatBinding.phone_bidx.in_(phones)))
    session.execute(
        delete(NotificationPreference).where(NotificationPreference.phone_bidx.in_(phones))
    )
    _delete_messages(session, InboxMessage.phone_bidx.in_(phones))
    session.execute(delete(CitizenProfile).where(CitizenProfile.id.in_(ids)))
    append_entry(
        session,
        runtime().ring,
        AccessContext.for_system("retention", purpose=PURPOSE),
        action=ACTION_ERASE,
        records=[f"citizen_profiles:{row.uuid}" for row in rows],
        fields=PROFILE_FIELDS,
        value_hashes={},
    )


def erase_expired(
    session: Session,
    *,
    years: int | None = None,
    now: datetime | None = None,
    batch_size: int = 500,
    dry_run: bool = False,
) -> RetentionResult:
    """Erase every order that ended more than ``years`` ago and every citizen profile idle
    as long, committing batch by batch.

    A maintenance task, so it commits itself: each batch (orders, events, ratings and their
    log entries) is one transaction, keeping locks short while the service runs.
    """
    years = retention_years() if years is None else years
    if years < 1:
        raise ValueError("the retention period is at least one year")
    now = now or utcnow()
    cutoff = cutoff_for(years, now)
    if dry_run:
        leftovers = sum(
            _count(session, select(model).where(condition))
            for model, condition in _login_leftovers(now)
        )
        return RetentionResult(
            cutoff,
            count_expired(session, cutoff),
            True,
            profiles=_count(session, _idle_profiles(cutoff)),
            login_rows=leftovers,
        )
    erased = profiles = 0
    while True:
        rows = session.execute(_expired(cutoff).order_by(Order.id).limit(batch_size)).all()
        if not rows:
            break
        erase_orders(session, rows, now=now)
        session.commit()
        erased += len(rows)
    while True:
        rows = session.execute(
            _idle_profiles(cutoff).order_by(CitizenProfile.id).limit(batch_size)
        ).all()
        if not rows:
            break
        erase_profiles(session, rows)
        session.commit()
        profiles += len(rows)
    login_rows = sum(
        session.execute(delete(model).where(condition)).rowcount
        for model, condition in _login_leftovers(now)
    )
    session.commit()
    session.expire_all()
    return RetentionResult(cutoff, erased, False, profiles=profiles, login_rows=login_rows)
