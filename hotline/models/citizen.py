"""Citizens of the mini-program and the H5 page: SMS login codes, profiles, revoked tokens.

A citizen is known only by the blind index of their phone (``phone_bidx``). The one place
the phone itself is kept is the profile, sealed like every other personal field, so that a
submission can copy it into the new order without the citizen typing it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from privacy.crypto import Sealed
from privacy.fields import Encrypted
from privacy.orm import UTCDateTime, UUIDString, new_uuid, utcnow


class SmsCode(db.Model):
    """One login code sent by SMS. Only a keyed hash of the code is stored."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_phone_bidx_created", "phone_bidx", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    phone_bidx: Mapped[str] = mapped_column(String(80))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # Set once: when the code was used, replaced by a newer one, or locked by failures.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class CitizenProfile(db.Model):
    """The logged-in phone, sealed and bound to this row's UUID, keyed by its blind index."""

    __tablename__ = "citizen_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    phone_bidx: Mapped[str] = mapped_column(String(80), unique=True)
    phone: Mapped[Sealed | None] = mapped_column(Encrypted)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class CitizenTokenRevocation(db.Model):
    """A bearer token ended by logout before it expired, by its token id.

    Kept in the database so every worker and machine refuses it at once; rows can be
    deleted after ``expires_at``, when the token's signature refuses it anyway.
    """

    __tablename__ = "citizen_token_revocations"

    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
