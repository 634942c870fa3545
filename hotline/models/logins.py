"""Staff sign-in records: every login attempt at the staff API and the privacy office
console (lockouts are computed from them), and the console officers' TOTP secrets.

``console_totp`` holds each officer's TOTP secret sealed with the field cipher (bound to the
row's uuid like any personal field, so key rotation re-encrypts it too).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from privacy.crypto import Sealed
from privacy.fields import Encrypted
from privacy.orm import UTCDateTime, UUIDString, new_uuid, utcnow


class ConsoleTotp(db.Model):
    __tablename__ = "console_totp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(Integer, unique=True)  # staff_users.id, no FK
    secret: Mapped[Sealed | None] = mapped_column(Encrypted)
    # The last TOTP time step accepted: a code is never accepted twice.
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class LoginAttempt(db.Model):
    """One sign-in attempt, successful or not, at one door (``staff_api`` or ``console``)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_door_username_at", "door", "username", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    door: Mapped[str] = mapped_column(String(16), default="console")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(default=False)
    # "ok", "bad_password", "bad_totp", "no_totp", "not_officer", "locked", "logout"
    outcome: Mapped[str] = mapped_column(String(24))
    client_addr: Mapped[str | None] = mapped_column(String(64))
