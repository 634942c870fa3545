"""The transactional outbox: an ``OutboxEntry`` is written in the same flush, and so the same
transaction, as every new ``OrderEvent`` a citizen should hear about.

The hook is a session event (``before_flush``), so the lifecycle stays one declaration and
no step function has to remember to notify: whatever appends a notifying event through the
ORM writes its entry too, and a rolled-back step takes its entry with it. The bulk
generator of synthetic data writes rows without the ORM and notifies nobody; events that
the demo or an import replays with a time older than ``NOTIFY_MAX_EVENT_AGE_MINUTES`` are
history and notify nobody either.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from hotline.models.notifications import OutboxEntry
from hotline.models.orders import Order, OrderEvent
from hotline.services.notifications.kinds import kind_of
from privacy.orm import utcnow

DEFAULT_MAX_AGE_MINUTES = 60


def _max_age() -> timedelta:
    minutes = DEFAULT_MAX_AGE_MINUTES
    if has_app_context():
        minutes = current_app.config.get("NOTIFY_MAX_EVENT_AGE_MINUTES", minutes)
    return timedelta(minutes=minutes)


def _before_flush(session: Session, flush_context, instances) -> None:
    new_events = [obj for obj in session.new if isinstance(obj, OrderEvent)]
    if not new_events:
        return
    now = utcnow()
    oldest = now - _max_age()
    for event in new_events:
        order = event.order
        if order is None and event.order_id is not None:
            with session.no_autoflush:
                order = session.get(Order, event.order_id)
        if order is None or event.occurred_at is None or event.occurred_at < oldest:
            continue
        kind = kind_of(event, order)
        if kind is not None:
            session.add(OutboxEntry(event=event, order=order, kind=kind, created_at=now))


def install() -> None:
    """Listen on every ORM session (once per process)."""
    if not sa_event.contains(Session, "before_flush", _before_flush):
        sa_event.listen(Session, "before_flush", _before_flush)
