"""Tables of the privacy office console: TOTP secrets and the record of every login.

``console_totp`` holds each officer's TOTP secret sealed with the field cipher (bound to the
row's uuid like any personal field, so key rotation re-encrypts it too). ``console_logins``
records every login attempt, success or failure; lockout is computed from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privacy.crypto import Sealed
from privacy.fields import Encrypted
from privacy.orm import Base, UTCDateTime, UUIDString, new_uuid, utcnow


class ConsoleTotp(Base):
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


class ConsoleLogin(Base):
    __tablename__ = "console_logins"
    __table_args__ = (Index("ix_console_logins_username_at", "username", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(default=False)
    # "ok", "bad_password", "bad_totp", "no_totp", "not_officer", "locked", "logout", "idle"
    outcome: Mapped[str] = mapped_column(String(24))
    client_addr: Mapped[str | None] = mapped_column(String(64))
