"""The relay between the database and the job queue.

Each pass takes the outbox entries not yet fanned out and the deliveries that are due, and
stamps them ``enqueued_at`` in one ``UPDATE … RETURNING`` (so two relays never take the
same row at once); the caller commits, then puts one task per id on the queue. A row whose
task was lost — the worker was killed after taking the task off the queue, or between the
commit and the put — is taken again once its stamp is older than
``JOBS_TASK_LEASE_SECONDS`` and the queue has drained (a task still waiting in a long
queue is not lost, only late; after ten leases it is queued again regardless). Tasks are
idempotent, so a row queued twice costs a little work and nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from hotline.extensions import db
from hotline.models.notifications import WAITING_STATES, Delivery, OutboxEntry

BATCH = 500
LONG_LEASES = 10


def _stale(now: datetime, queue_idle: bool) -> datetime:
    lease = timedelta(seconds=current_app.config["JOBS_TASK_LEASE_SECONDS"])
    return now - (lease if queue_idle else lease * LONG_LEASES)


def take_outbox(now: datetime, *, queue_idle: bool = True, limit: int = BATCH) -> list[int]:
    """Outbox entries to fan out, stamped as queued now."""
    stale = _stale(now, queue_idle)
    due = (OutboxEntry.fanned_out_at.is_(None),) + (
        or_(OutboxEntry.enqueued_at.is_(None), OutboxEntry.enqueued_at < stale),
    )
    ids = select(OutboxEntry.id).where(*due).order_by(OutboxEntry.id).limit(limit)
    taken = db.session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.id.in_(ids.scalar_subquery()), *due)
        .values(enqueued_at=now)
        .returning(OutboxEntry.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(taken.scalars().all())


def take_deliveries(now: datetime, *, queue_idle: bool = True, limit: int = BATCH) -> list[int]:
    """Deliveries due to be sent (new, retried, held until morning), stamped as queued."""
    stale = _stale(now, queue_idle)
    due = (
        Delivery.state.in_(WAITING_STATES),
        Delivery.due_at <= now,
        or_(Delivery.enqueued_at.is_(None), Delivery.enqueued_at < stale),
    )
    ids = select(Delivery.id).where(*due).order_by(Delivery.due_at, Delivery.id).limit(limit)
    taken = db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids.scalar_subquery()), *due)
        .values(enqueued_at=now)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(taken.scalars().all())
