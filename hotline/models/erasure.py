"""A requester's request to erase the personal data of their ended orders, and the privacy
officer's decision on it (PIPL's right to deletion).

The request keeps the phone's blind index and the order numbers it covers, so that the
requester still sees the decision after the orders themselves no longer point to them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.extensions import db
from hotline.models.enums import ErasureStatus, enum_column
from privacy.crypto import Sealed
from privacy.fields import Encrypted
from privacy.orm import UTCDateTime, UUIDString, new_uuid, utcnow


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"
    __table_args__ = (Index("ix_erasure_requests_phone_bidx", "phone_bidx", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    phone_bidx: Mapped[str] = mapped_column(String(80))
    status: Mapped[ErasureStatus] = mapped_column(enum_column(ErasureStatus), index=True)
    # [{"id": 12, "order_no": "20261122000123"}, ...]: the ended orders asked for.
    orders: Mapped[list] = mapped_column(JSON)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # The officer's reasons, shown to the requester (redacted); sealed like all free text.
    decision_note: Mapped[Sealed | None] = mapped_column(Encrypted)
    # A refusal names the legal retention that applies and until when data is kept.
    retain_until: Mapped[date | None] = mapped_column(Date)
    erased_orders: Mapped[int] = mapped_column(default=0)

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        kwargs.setdefault("erased_orders", 0)
        super().__init__(**kwargs)
