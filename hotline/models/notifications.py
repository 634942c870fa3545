"""Citizens on WeChat and the notifications they receive (issue 12).

- ``WeChatBinding``: one WeChat user (openid, sealed, found by its blind index) bound to one
  phone (blind index). ``WeChatTicket``: the short-lived, single-use ticket that carries a
  new WeChat user from ``wx.login`` to the phone-number exchange.
- ``SubscriptionConsent``: what a WeChat user allowed us to send with one template
  (``wx.requestSubscribeMessage``): one message per one-time consent, or any number with a
  long-term one.
- ``NotificationPreference``: a phone's choice of channels and of the kinds it hears about.
- ``OrderFollow``: a phone following an order that is not its own (its request was merged
  into it), with the phone sealed so that an SMS can reach it.
- ``OutboxEntry``: the transactional outbox — one row per lifecycle event a citizen should
  hear about, written in the same transaction as the event.
- ``InboxMessage``: one notification for one phone, the in-app inbox (always written).
- ``Delivery``: one attempt to push a message through one channel (WeChat or SMS); its
  unique (message, channel) pair is the idempotency key of the send.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.extensions import db
from hotline.models.enums import enum_column
from hotline.models.orders import Order, OrderEvent
from privacy.crypto import Sealed
from privacy.fields import Encrypted
from privacy.orm import UTCDateTime, UUIDString, new_uuid, utcnow


class NotificationKind(StrEnum):
    """What a citizen hears about (DESIGN §7); internal steps notify nobody."""

    DISPATCHED = "dispatched"  # 派单 (or 重新派单) to a named unit
    ACCEPTED = "accepted"  # 签收 by the lead unit
    CONTACTED = "contacted"  # 联系诉求人 by the lead unit
    EXTENDED = "extended"  # 延期 approved, with the new deadline
    COMPLETED = "completed"  # 办结 with the reply, and a request to rate
    REOPENED = "reopened"  # 重启办理
    CLOSED = "closed"  # 归档
    URGED = "urged"  # 催办: told to the unit, not to citizens (``UnitMessage``)


# The kinds a citizen hears about (and may mute).
CITIZEN_KINDS = tuple(k for k in NotificationKind if k is not NotificationKind.URGED)

KIND_LABELS = {
    NotificationKind.DISPATCHED: "派单",
    NotificationKind.ACCEPTED: "签收",
    NotificationKind.CONTACTED: "联系诉求人",
    NotificationKind.EXTENDED: "延期",
    NotificationKind.COMPLETED: "办结",
    NotificationKind.REOPENED: "重启办理",
    NotificationKind.CLOSED: "归档",
    NotificationKind.URGED: "催办",
}


class DeliveryChannel(StrEnum):
    WECHAT = "wechat"  # subscription message (subscribeMessage.send)
    SMS = "sms"  # the pluggable SMS sender


CHANNEL_LABELS = {DeliveryChannel.WECHAT: "微信订阅消息", DeliveryChannel.SMS: "短信"}


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for a worker (due_at)
    HELD = "held"  # an SMS held back by quiet hours until due_at (07:00)
    RETRY = "retry"  # failed, tried again at due_at
    SENDING = "sending"  # claimed: a worker committed the claim and is sending
    SENT = "sent"
    DEAD = "dead"  # failed NOTIFY_MAX_ATTEMPTS times, or could never succeed: dead letters
    UNCERTAIN = "uncertain"  # the worker died (or timed out) mid-send: never sent again
    REFUSED = "refused"  # WeChat: no consent left (43101); fell back to SMS
    SKIPPED = "skipped"  # no longer wanted (preferences changed before the send)


STATE_LABELS = {
    DeliveryState.PENDING: "待发送",
    DeliveryState.HELD: "夜间暂缓",
    DeliveryState.RETRY: "等待重试",
    DeliveryState.SENDING: "发送中",
    DeliveryState.SENT: "已发送",
    DeliveryState.DEAD: "发送失败",
    DeliveryState.UNCERTAIN: "结果不明",
    DeliveryState.REFUSED: "用户未订阅",
    DeliveryState.SKIPPED: "已取消",
}
WAITING_STATES = (DeliveryState.PENDING, DeliveryState.HELD, DeliveryState.RETRY)
FINAL_STATES = (
    DeliveryState.SENT,
    DeliveryState.DEAD,
    DeliveryState.UNCERTAIN,
    DeliveryState.REFUSED,
    DeliveryState.SKIPPED,
)


class WeChatBinding(db.Model):
    """A WeChat user of the mini-program bound to a phone: one each way."""

    __tablename__ = "wechat_bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    openid_bidx: Mapped[str] = mapped_column(String(80), unique=True)
    openid: Mapped[Sealed | None] = mapped_column(Encrypted)
    phone_bidx: Mapped[str] = mapped_column(String(80), unique=True)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class WeChatTicket(db.Model):
    """A WeChat user who logged in but has no phone bound yet: the ticket's id (signed,
    handed to the mini-program) finds this row; it is used once, within its lifetime."""

    __tablename__ = "wechat_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    ticket_id: Mapped[str] = mapped_column(String(32), unique=True)
    openid_bidx: Mapped[str] = mapped_column(String(80))
    openid: Mapped[Sealed | None] = mapped_column(Encrypted)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class SubscriptionConsent(db.Model):
    """Consents of one WeChat user (by openid) for one template. ``remaining`` counts the
    one-time consents not yet used; a long-term consent has no count."""

    __tablename__ = "subscription_consents"
    __table_args__ = (UniqueConstraint("openid_bidx", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid_bidx: Mapped[str] = mapped_column(String(80))
    template_id: Mapped[str] = mapped_column(String(64))
    long_term: Mapped[bool] = mapped_column(default=False)
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationPreference(db.Model):
    """A phone's notification settings; without a row every channel and kind is on."""

    __tablename__ = "notification_preferences"

    phone_bidx: Mapped[str] = mapped_column(String(80), primary_key=True)
    wechat: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=True)
    muted_kinds: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderFollow(db.Model):
    """A phone following an order it did not file (its repeat was merged into it)."""

    __tablename__ = "order_follows"
    __table_args__ = (
        UniqueConstraint("order_id", "phone_bidx"),
        Index("ix_order_follows_phone_bidx", "phone_bidx"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    phone_bidx: Mapped[str] = mapped_column(String(80))
    phone: Mapped[Sealed | None] = mapped_column(Encrypted)
    source: Mapped[str] = mapped_column(String(16), default="merged")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class OutboxEntry(db.Model):
    """A lifecycle event to tell citizens about, written with the event (same transaction).

    ``enqueued_at`` is when the relay last handed it to the job queue; ``fanned_out_at``
    when its inbox messages and deliveries were written (then the entry is done)."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_pending", "fanned_out_at", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("order_events.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[OrderEvent] = relationship()
    order: Mapped[Order] = relationship()


class InboxMessage(db.Model):
    """One notification for one phone. The body is sealed: it quotes the reply."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("outbox_id", "phone_bidx"),
        Index("ix_inbox_messages_phone_created", "phone_bidx", "created_at"),
        Index("ix_inbox_messages_phone_read", "phone_bidx", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(UUIDString, unique=True, default=new_uuid)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("notification_outbox.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    phone_bidx: Mapped[str] = mapped_column(String(80))
    following: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    title: Mapped[str] = mapped_column(String(40))
    body: Mapped[Sealed | None] = mapped_column(Encrypted)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    outbox: Mapped[OutboxEntry] = relationship()

    def __init__(self, **kwargs):
        kwargs.setdefault("uuid", new_uuid())
        super().__init__(**kwargs)


class Delivery(db.Model):
    """One message pushed through one channel; (message, channel) is unique, so a message
    goes through each channel at most once whatever the workers do."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "channel"),
        Index("ix_notification_deliveries_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbox_messages.id"))
    channel: Mapped[DeliveryChannel] = mapped_column(enum_column(DeliveryChannel))
    state: Mapped[DeliveryState] = mapped_column(enum_column(DeliveryState))
    template_id: Mapped[str | None] = mapped_column(String(64))
    consent_reserved: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))
    provider_id: Mapped[str | None] = mapped_column(String(64))

    message: Mapped[InboxMessage] = relationship()


class UnitMessage(db.Model):
    """A notice to a handling unit (today: the requester urged the order, 催办), written by
    the worker from the outbox like a citizen's message, read in the staff API."""

    __tablename__ = "unit_messages"
    __table_args__ = (Index("ix_unit_messages_unit_read", "unit_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("notification_outbox.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    title: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
