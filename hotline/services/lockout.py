"""Sign-in attempts and lockouts, for the staff API and the privacy office console.

Every attempt is recorded (``login_attempts``). A username is locked for a while after too
many failures: ``max_per_address`` from one client address, or ``max_total`` from all
addresses together. Counting per address first means that someone who knows a username
cannot lock its owner out from elsewhere with a few wrong passwords; the total still stops
guessing spread over many addresses. A success from an address resets that address's
count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from hotline.errors import ApiError
from hotline.extensions import db
from hotline.models.logins import LoginAttempt
from privacy.orm import utcnow

# Outcomes that count as a failed guess (a lockout or a logout does not).
FAILURES = ("bad_password", "bad_totp", "no_totp", "not_officer", "disabled")


@dataclass(frozen=True)
class Policy:
    door: str
    max_per_address: int
    max_total: int
    minutes: int

    @classmethod
    def of(cls, door: str) -> Policy:
        cfg = current_app.config
        prefix = {"console": "CONSOLE", "staff_api": "STAFF_LOGIN"}[door]
        return cls(
            door,
            cfg[f"{prefix}_MAX_FAILURES"],
            cfg[f"{prefix}_MAX_FAILURES_TOTAL"],
            cfg[f"{prefix}_LOCKOUT_MINUTES"],
        )


class LockedOut(ApiError):
    """Too many failed sign-ins; the refusal itself is recorded, so the request commits."""

    status, code, commit = 423, "account_locked", True


def record(
    policy: Policy, username: str, user_id: int | None, outcome: str, addr: str | None
) -> LoginAttempt:
    row = LoginAttempt(
        door=policy.door,
        username=username[:64],
        user_id=user_id,
        success=outcome == "ok",
        outcome=outcome,
        client_addr=(addr or "")[:64] or None,
        occurred_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def _failures(policy: Policy, username: str, since: datetime, addr: str | None = None) -> int:
    same = [LoginAttempt.door == policy.door, LoginAttempt.username == username]
    if addr is not None:
        same.append(LoginAttempt.client_addr == addr)
    last_ok = db.session.scalar(
        select(func.max(LoginAttempt.occurred_at)).where(*same, LoginAttempt.outcome == "ok")
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(*same, LoginAttempt.outcome.in_(FAILURES), LoginAttempt.occurred_at > since)
    )


def is_locked(policy: Policy, username: str, addr: str | None) -> bool:
    since = utcnow() - timedelta(minutes=policy.minutes)
    if _failures(policy, username, since, addr) >= policy.max_per_address:
        return True
    return _failures(policy, username, since) >= policy.max_total


def refuse_if_locked(policy: Policy, username: str, addr: str | None) -> None:
    if is_locked(policy, username, addr):
        record(policy, username, None, "locked", addr)
        raise LockedOut(f"登录失败次数过多，账号已临时锁定，请{policy.minutes}分钟后再试")
