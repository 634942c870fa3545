"""The transactions of the notification tasks. The services flush; these commit — the job
runner is to a task what the request pipeline is to a request.

A delivery takes two transactions with the provider call between them: the claim is
committed before the call, the outcome after it (``hotline.services.notifications
.delivery`` says why that makes sends at most once). No database connection is held while
WeChat or the SMS gateway answers.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from hotline.extensions import db
from hotline.services.notifications import channels, delivery, fanout, relay
from privacy.orm import utcnow

log = logging.getLogger("hotline.jobs")


def fan_out(outbox_id: int) -> list[int]:
    try:
        ids = fanout.fan_out(outbox_id, utcnow())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker fanned it out at the same moment
        return []
    return ids


def deliver(delivery_id: int) -> list[int]:
    token = channels.access_token() if delivery.needs_access_token(delivery_id) else None
    claim, queued = delivery.claim(delivery_id, utcnow(), token)
    db.session.commit()  # the claim stands before the provider is called
    if claim is None:
        return queued
    outcome = delivery.send(claim)  # no transaction open, no connection held
    queued = delivery.record(claim, outcome, utcnow())
    db.session.commit()
    _log(claim, outcome)
    return queued


def _log(claim: delivery.Claim, outcome) -> None:
    log.info(
        '{"event": "notification_sent", "delivery": %d, "channel": "%s", "result": "%s", '
        '"error": "%s"}',
        claim.delivery_id,
        claim.channel.value,
        outcome.result,
        outcome.error or "",
    )


def relay_once(queue, *, now=None) -> tuple[int, int]:
    """One relay pass: sweep dead claims, then queue due outbox entries and deliveries.
    Returns how many of each were queued."""
    now = now or utcnow()
    delivery.sweep_claims(now)
    idle = queue.pending() == 0
    outbox_ids = relay.take_outbox(now, queue_idle=idle)
    delivery_ids = relay.take_deliveries(now, queue_idle=idle)
    db.session.commit()
    queue.put_outbox(outbox_ids)
    queue.put_deliveries(delivery_ids)
    return len(outbox_ids), len(delivery_ids)
