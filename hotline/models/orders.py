"""Work orders 工单, their append-only timeline, unit assignments and ratings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import (
    AssignmentRole,
    AssignmentState,
    Channel,
    EventType,
    OrderKind,
    OrderStatus,
    RatingSource,
    Resolution,
    Role,
    Satisfaction,
    TimeLimit,
    enum_column,
)
from hotline.models.places import Community, District, Street
from hotline.models.units import StaffUser, Unit
from privacy.crypto import Sealed
from privacy.fields import Encrypted
from privacy.orm import UTCDateTime, UUIDString, new_uuid, utcnow


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_received_at", "received_at"),
        Index("ix_orders_district_received", "district_id", "received_at"),
        Index("ix_orders_phone_bidx_received", "phone_bidx", "received_at"),
        # Repeats from other phones are looked for in the same community (intake).
        Index("ix_orders_community_received", "community_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    order_no: Mapped[str] = mapped_column(String(20), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(80))

    kind: Mapped[OrderKind] = mapped_column(enum_column(OrderKind))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    time_limit: Mapped[TimeLimit] = mapped_column(enum_column(TimeLimit))
    confidential: Mapped[bool] = mapped_column(default=False)

    status: Mapped[OrderStatus] = mapped_column(enum_column(OrderStatus), index=True)
    round: Mapped[int] = mapped_column(default=1)  # completion round; a reopen starts a new one
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    # Milestones, written only by the lifecycle service from the events it appends.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repeat_count: Mapped[int] = mapped_column(default=0)
    # The requester's 催办: the last one (flags the order in the unit's work list) and how many.
    last_urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urge_count: Mapped[int] = mapped_column(default=0, server_default="0")

    requester_name: Mapped[Sealed | None] = mapped_column(Encrypted)
    requester_phone: Mapped[Sealed | None] = mapped_column(Encrypted)
    requester_id_number: Mapped[Sealed | None] = mapped_column(Encrypted)
    requester_address: Mapped[Sealed | None] = mapped_column(Encrypted)
    content: Mapped[Sealed | None] = mapped_column(Encrypted)
    phone_bidx: Mapped[str | None] = mapped_column(String(80))
    id_number_bidx: Mapped[str | None] = mapped_column(String(80), index=True)
    content_simhash: Mapped[int | None] = mapped_column(BigInteger)
    personal_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    category: Mapped[Category | None] = relationship()
    district: Mapped[District] = relationship()
    street: Mapped[Street | None] = relationship()
    community: Mapped[Community | None] = relationship()
    lead_unit: Mapped[Unit | None] = relationship()
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.seq", cascade="save-update, merge"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="order", order_by="Assignment.id"
    )
    ratings: Mapped[list[Rating]] = relationship(back_populates="order", order_by="Rating.id")

    def __init__(self, **kwargs):
        # The UUID binds the sealed fields, so it must exist before the first insert; the
        # counters are read by the lifecycle before the first flush.
        kwargs.setdefault("uuid", new_uuid())
        kwargs.setdefault("round", 1)
        kwargs.setdefault("repeat_count", 0)
        kwargs.setdefault("urge_count", 0)
        super().__init__(**kwargs)


class OrderEvent(db.Model):
    """One step of an order's timeline. Rows are appended, never changed or deleted."""

    __tablename__ = "order_events"
    __table_args__ = (UniqueConstraint("order_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    seq: Mapped[int]
    type: Mapped[EventType] = mapped_column(enum_column(EventType))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    round: Mapped[int] = mapped_column(default=1)

    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    actor_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    # Free text written by staff (or the citizen's rating comment), sealed like every
    # personal field: notes and reasons may name or number the requester.
    public_note: Mapped[Sealed | None] = mapped_column(Encrypted)
    internal_note: Mapped[Sealed | None] = mapped_column(Encrypted)
    reason: Mapped[Sealed | None] = mapped_column(Encrypted)
    new_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[StaffUser | None] = relationship()
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    target_unit: Mapped[Unit | None] = relationship(foreign_keys=[target_unit_id])

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


@event.listens_for(OrderEvent, "before_update")
@event.listens_for(OrderEvent, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise RuntimeError("order events are append-only")


class Assignment(db.Model):
    """An order in the hands of one unit: the lead, a joint district, a co-handler."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_unit_state", "unit_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[AssignmentRole] = mapped_column(enum_column(AssignmentRole))
    state: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()


class Rating(db.Model):
    """Resolution and satisfaction for one completion round, from follow-up or the citizen."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("order_id", "round", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    round: Mapped[int]
    source: Mapped[RatingSource] = mapped_column(enum_column(RatingSource))
    resolution: Mapped[Resolution] = mapped_column(enum_column(Resolution))
    satisfaction: Mapped[Satisfaction] = mapped_column(enum_column(Satisfaction))
    comment: Mapped[Sealed | None] = mapped_column(Encrypted)  # shown redacted
    reopen_requested: Mapped[bool] = mapped_column(default=False)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    order: Mapped[Order] = relationship(back_populates="ratings")

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)
