"""Deadlines and lateness, all derived from the order's milestones and configuration.

Nothing here is stored by hand: the deadline comes from the time-limit class and approved
extensions; "overdue" and "responded in time" are computed when asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case, or_

from hotline.models.enums import TimeLimit
from hotline.models.orders import Order
from hotline.services.lifecycle.table import FINISHED
from privacy.orm import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def limit_hours(time_limit: TimeLimit) -> int:
    return current_app.config["TIME_LIMIT_HOURS"][TimeLimit(time_limit).value]


def deadline_for(start: datetime, time_limit: TimeLimit) -> datetime:
    return start + timedelta(hours=limit_hours(time_limit))


def response_due(order: Order) -> datetime | None:
    """The requester must be contacted within the response window of the latest dispatch
    (a re-dispatch or a reopen restarts the clock for the unit now answerable), and never
    later than the deadline itself (which matters for 2-hour emergencies)."""
    if order.dispatched_at is None:
        return None
    window = timedelta(hours=current_app.config["RESPONSE_WINDOW_HOURS"])
    return min(order.dispatched_at + window, order.deadline_at)


def responded_in_time(order: Order) -> bool | None:
    """None while not dispatched or still inside the window without contact."""
    due = response_due(order)
    if due is None:
        return None
    if order.contacted_at is not None:
        return order.contacted_at <= due
    return False if utcnow() > due else None


def is_overdue(order: Order, now: datetime | None = None) -> bool:
    """Completed after the deadline, or still open past it."""
    if order.completed_at is not None:
        return order.completed_at > order.deadline_at
    if order.status in FINISHED:
        return False
    return (now or utcnow()) > order.deadline_at


def seconds_remaining(order: Order, now: datetime | None = None) -> int | None:
    """Positive while time is left, negative when overdue, None once completed."""
    if order.completed_at is not None or order.status in FINISHED:
        return None
    return int((order.deadline_at - (now or utcnow())).total_seconds())


def overdue_clause(now: datetime):
    """SQL form of ``is_overdue`` for list filters and reports."""
    return or_(
        and_(Order.completed_at.is_not(None), Order.completed_at > Order.deadline_at),
        and_(
            Order.completed_at.is_(None),
            Order.status.not_in(list(FINISHED)),
            Order.deadline_at < now,
        ),
    )


def overdue_sort_key(now: datetime):
    return case((overdue_clause(now), 0), else_=1)


def to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(SHANGHAI) if value is not None else None
