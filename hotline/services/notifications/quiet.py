"""Quiet hours: no SMS at night, Beijing time, except for 2-hour emergency orders."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app

from hotline.models.enums import TimeLimit
from hotline.services import deadlines


def _hours() -> tuple[int, int]:
    start, end = current_app.config["NOTIFY_QUIET_HOURS"]
    return int(start), int(end)


def is_quiet(now: datetime) -> bool:
    """Whether ``now`` (UTC) falls in the quiet hours, e.g. 22:00–07:00 Beijing time."""
    start, end = _hours()
    if start == end:
        return False
    hour = deadlines.to_local(now).hour
    return start <= hour or hour < end if start > end else start <= hour < end


def quiet_ends(now: datetime) -> datetime:
    """The end of the quiet hours that ``now`` is in (UTC): the next ``end`` o'clock."""
    _, end = _hours()
    local = deadlines.to_local(now)
    ends = datetime.combine(local.date(), time(end), tzinfo=local.tzinfo)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(now.tzinfo)


def sms_allowed(now: datetime, time_limit: TimeLimit) -> bool:
    return time_limit == TimeLimit.URGENT or not is_quiet(now)
