"""Shared pieces of the notification tests: the configuration of an app wired to the fake
WeChat server, a recording SMS sender, and shortcuts for staff steps and the worker."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import delete, select

from hotline.extensions import db
from hotline.jobs import worker
from hotline.models.enums import Channel, OrderKind
from hotline.models.notifications import Delivery, InboxMessage, OutboxEntry
from hotline.services import intake, lifecycle
from hotline.services.actors import Actor
from privacy.orm import utcnow

TEMPLATE = "tmpl-order-progress"
KEYWORDS = {"character_string1", "phrase2", "thing3", "time4"}
PHONE = "13812345678"
OTHER_PHONE = "13987654321"


class RecordingSender:
    """An SMS gateway for tests: remembers codes and notifications (thread-safe)."""

    sent: list[tuple[str, str, str]] = []
    codes: list[tuple[str, str]] = []
    fail_next = 0
    dedupes_by_key = False
    _lock = threading.Lock()

    def __init__(self, app):
        self.app = app

    def send(self, phone: str, code: str, ttl_minutes: int) -> None:
        with self._lock:
            RecordingSender.codes.append((phone, code))

    def send_notification(self, phone: str, text: str, key: str) -> str:
        with self._lock:
            if RecordingSender.fail_next > 0:
                RecordingSender.fail_next -= 1
                raise ConnectionError("gateway down")
            RecordingSender.sent.append((phone, text, key))
            return f"sms-{len(RecordingSender.sent)}"

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.sent.clear()
            cls.codes.clear()
            cls.fail_next = 0


def notify_config(wechat_server, tmp_path, **overrides) -> dict:
    wechat_server.add_template(TEMPLATE, KEYWORDS)
    return {
        "WECHAT_APPID": wechat_server.appid,
        "WECHAT_SECRET": wechat_server.secret,
        "WECHAT_API_BASE": wechat_server.base_url,
        "WECHAT_CONNECT_TIMEOUT": 1.0,
        "WECHAT_READ_TIMEOUT": 2.0,
        "WECHAT_TOKEN_STORE": "database",
        "WECHAT_TEMPLATES": {
            "progress": {
                "id": TEMPLATE,
                "keywords": {
                    "order_no": "character_string1",
                    "status": "phrase2",
                    "summary": "thing3",
                    "time": "time4",
                },
            }
        },
        "JOBS_URL": f"sqlite:///{tmp_path}/jobs.db",
        "SMS_SENDER": "tests.hotline.notifications.support:RecordingSender",
        # Daytime all day, unless a test sets quiet hours of its own.
        "NOTIFY_QUIET_HOURS": [0, 0],
        "NOTIFY_RETRY_SECONDS": [30, 600],
        **overrides,
    }


def forget_tokens() -> None:
    """The token table is not emptied between tests (it is not a model): start afresh."""
    from hotline.clients.wechat_token import wechat_access_tokens

    with db.engine.begin() as conn:
        conn.execute(delete(wechat_access_tokens))


def actor(world, name: str) -> Actor:
    return Actor.of(world.users[name])


def new_order(
    world, phone: str | None = PHONE, *, time_limit=None, content=None, at=None
) -> object:
    """A request received just now (no notification: receipt is the citizen's own act)."""
    result = intake.receive(
        actor(world, "agent"),
        channel=Channel.PHONE,
        kind=OrderKind.COMPLAINT,
        district=world.districts["chaoyang"],
        street=world.streets["wangjing"],
        community=world.communities["wangjing_xiyuan"],
        category=world.categories["lift"],
        content=content or "望京西园三区5号楼电梯停运三天，物业一直不修，老人上下楼很困难。",
        requester=intake.Requester(name="欧阳娜娜", phone=phone),
        time_limit=time_limit,
        at=at,
    )
    db.session.commit()
    return result.order


def dispatch(world, order) -> None:
    lifecycle.dispatch(order, actor(world, "dispatcher"), world.units["wangjing"])
    db.session.commit()


def drain(app) -> worker.BurstStats:
    return worker.burst(app)


def messages_of(phone_bidx: str) -> list[InboxMessage]:
    return list(
        db.session.scalars(
            select(InboxMessage)
            .where(InboxMessage.phone_bidx == phone_bidx)
            .order_by(InboxMessage.id)
        )
    )


def deliveries() -> list[Delivery]:
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def outbox() -> list[OutboxEntry]:
    return list(db.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))


def make_due(delivery_id: int) -> None:
    """Move a waiting delivery's time to now (instead of waiting for its backoff)."""
    row = db.session.get(Delivery, delivery_id)
    row.due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def bind_wechat(phone: str, openid: str, *, consent: int = 0, long_term: bool = False):
    """Bind ``phone`` to a WeChat user (as the phone-number exchange would) and record
    consents for the template (``consent`` one-time ones, or a long-term one)."""
    from hotline.services.citizen import auth as citizen_auth
    from hotline.services.citizen import wechat as citizen_wechat
    from hotline.services.notifications import consents

    profile = citizen_auth.login_profile(phone)
    citizen_wechat.bind(openid, citizen_wechat.openid_bidx(openid), profile.phone_bidx, utcnow())
    for _ in range(consent):
        consents.record(profile.phone_bidx, [TEMPLATE], long_term=False)
    if long_term:
        consents.record(profile.phone_bidx, [TEMPLATE], long_term=True)
    db.session.commit()
    return profile.phone_bidx
