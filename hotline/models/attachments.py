"""Photos on an order: the requester's (with a request or added later) and a handler's
"after" photos on a progress or completion step.

One row per photo, its two variants in two sealed columns (``full_image``, ``thumb_image``):
the variant is bound by the column, as every sealed field is. The row's ``uuid`` — what the
ciphertexts are bound to — is not random but derived from the order and the photo's public
id (``binding_uuid``), and checked before anything is opened: a ciphertext copied to another
row or the other variant does not authenticate, and a row moved to another order no longer
matches its binding. A photo uploaded before its order exists (a new request's) is bound to
"staged" until the request is filed, then sealed again under the order.

Only the re-encoded pixels are stored (``hotline.media.images``): no metadata of the upload.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from hotline.extensions import db
from hotline.models.enums import AttachmentSource, AttachmentState, enum_column
from privacy.crypto import Sealed
from privacy.fields import EncryptedBytes
from privacy.orm import UTCDateTime, UUIDString, new_uuid, utcnow

# Namespace of the binding uuids (fixed: changing it would orphan every stored photo).
BINDING_NAMESPACE = uuid.UUID("6f3c0a52-9a51-4c61-8f5e-2d1b7e4a9c10")
VARIANTS = {"full": "full_image", "thumb": "thumb_image"}


def binding_uuid(order_uuid: str | None, public_id: str) -> str:
    """The uuid a photo's ciphertexts are bound to: its order (or "staged") and its id."""
    return str(uuid.uuid5(BINDING_NAMESPACE, f"{order_uuid or 'staged'}/{public_id}"))


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_order_event", "order_id", "event_id"),
        Index("ix_attachments_staged", "state", "created_at"),
        Index("ix_attachments_owner_state", "owner_phone_bidx", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True)  # binding_uuid(...)
    public_id: Mapped[str] = mapped_column(UUIDString, unique=True)  # in URLs
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("order_events.id"))
    source: Mapped[AttachmentSource] = mapped_column(enum_column(AttachmentSource))
    state: Mapped[AttachmentState] = mapped_column(enum_column(AttachmentState))
    # Who uploaded it: a citizen by their phone's blind index, or a staff member.
    owner_phone_bidx: Mapped[str | None] = mapped_column(String(80))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    mime: Mapped[str] = mapped_column(String(16))
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    thumb_mime: Mapped[str] = mapped_column(String(16))
    thumb_width: Mapped[int]
    thumb_height: Mapped[int]

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Loaded only when a variant is served: a list of photos never reads the pixels.
    full_image: Mapped[Sealed | None] = deferred(mapped_column(EncryptedBytes))
    thumb_image: Mapped[Sealed | None] = deferred(mapped_column(EncryptedBytes))

    def __init__(self, **kwargs):
        kwargs.setdefault("public_id", new_uuid())
        kwargs.setdefault("uuid", binding_uuid(None, kwargs["public_id"]))
        super().__init__(**kwargs)
