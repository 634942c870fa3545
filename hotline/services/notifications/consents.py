"""Subscription consents: what a WeChat user allowed us to send with each template.

The mini-program calls ``wx.requestSubscribeMessage`` and posts the template ids the user
accepted. A one-time consent allows one message (accepting again allows one more); a
long-term consent (offered to government and public-service mini-programs) has no count.
A one-time consent is reserved when a worker claims a send and given back if WeChat
certainly did not send; WeChat's own answer is the final word (43101: nothing left).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select, update

from hotline.errors import Conflict, Invalid
from hotline.extensions import db
from hotline.models.notifications import NotificationKind, SubscriptionConsent, WeChatBinding
from hotline.services.citizen import wechat as citizen_wechat
from privacy.orm import utcnow

MAX_ONE_TIME = 100  # one-time consents kept per template (WeChat caps what it keeps, too)


@dataclass(frozen=True)
class Template:
    key: str
    id: str
    keywords: dict[str, str]


def templates() -> dict[str, Template]:
    """The configured templates that have an id."""
    out = {}
    for key, spec in (current_app.config["WECHAT_TEMPLATES"] or {}).items():
        if isinstance(spec, dict) and spec.get("id"):
            out[key] = Template(key, str(spec["id"]), dict(spec.get("keywords") or {}))
    return out


def template_for(kind: NotificationKind) -> Template | None:
    """Every kind is one step of the same order's progress: one template serves them all
    (``progress``); a deployment may name a template per kind instead (its key = kind)."""
    known = templates()
    return known.get(kind.value) or known.get("progress")


@dataclass(frozen=True)
class ConsentState:
    template_id: str
    long_term: bool
    remaining: int


def record(phone_bidx: str, template_ids: list[str], long_term: bool) -> list[ConsentState]:
    """Record what ``wx.requestSubscribeMessage`` returned as accepted."""
    binding = citizen_wechat.binding_of(phone_bidx)
    if binding is None:
        raise Conflict(
            "请先在小程序中使用微信登录并绑定手机号，再订阅消息", code="wechat_not_bound"
        )
    known = {t.id for t in templates().values()}
    unknown = sorted(set(template_ids) - known)
    if unknown:
        raise Invalid("订阅消息模板不存在", details={"fields": {"template_ids": ["模板不存在"]}})
    now = utcnow()
    out = []
    for template_id in dict.fromkeys(template_ids):
        row = db.session.scalar(
            select(SubscriptionConsent).where(
                SubscriptionConsent.openid_bidx == binding.openid_bidx,
                SubscriptionConsent.template_id == template_id,
            )
        )
        if row is None:
            row = SubscriptionConsent(
                openid_bidx=binding.openid_bidx,
                template_id=template_id,
                long_term=False,
                remaining=0,
            )
            db.session.add(row)
        if long_term:
            row.long_term = True
        else:
            row.remaining = min((row.remaining or 0) + 1, MAX_ONE_TIME)
        row.updated_at = now
        out.append(ConsentState(template_id, row.long_term, row.remaining))
    db.session.flush()
    return out


def usable_by_phone(phone_bidx: str, template_id: str) -> bool:
    """Whether the WeChat user bound to ``phone_bidx`` holds a consent for the template."""
    found = db.session.scalar(
        select(SubscriptionConsent.id)
        .join(WeChatBinding, WeChatBinding.openid_bidx == SubscriptionConsent.openid_bidx)
        .where(
            WeChatBinding.phone_bidx == phone_bidx,
            SubscriptionConsent.template_id == template_id,
            or_(SubscriptionConsent.long_term.is_(True), SubscriptionConsent.remaining > 0),
        )
        .limit(1)
    )
    return found is not None


def usable(openid_bidx: str, template_id: str) -> bool:
    row = _row(openid_bidx, template_id)
    return row is not None and (row.long_term or row.remaining > 0)


def _row(openid_bidx: str, template_id: str) -> SubscriptionConsent | None:
    return db.session.scalar(
        select(SubscriptionConsent).where(
            SubscriptionConsent.openid_bidx == openid_bidx,
            SubscriptionConsent.template_id == template_id,
        )
    )


def reserve(openid_bidx: str, template_id: str) -> str | None:
    """Take one consent for a send: ``"long_term"``, ``"one_time"`` (one used up) or None."""
    row = _row(openid_bidx, template_id)
    if row is None:
        return None
    if row.long_term:
        return "long_term"
    taken = db.session.execute(
        update(SubscriptionConsent)
        .where(SubscriptionConsent.id == row.id, SubscriptionConsent.remaining > 0)
        .values(remaining=SubscriptionConsent.remaining - 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return "one_time" if taken.rowcount == 1 else None


def give_back(openid_bidx: str, template_id: str) -> None:
    """WeChat certainly did not send: the one-time consent is still the user's."""
    db.session.execute(
        update(SubscriptionConsent)
        .where(
            SubscriptionConsent.openid_bidx == openid_bidx,
            SubscriptionConsent.template_id == template_id,
            SubscriptionConsent.long_term.is_(False),
        )
        .values(remaining=SubscriptionConsent.remaining + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def used_up(openid_bidx: str, template_id: str) -> None:
    """WeChat says there is nothing left (43101): a long-term consent was withdrawn in
    WeChat's settings, or the one-time ones are gone."""
    db.session.execute(
        update(SubscriptionConsent)
        .where(
            SubscriptionConsent.openid_bidx == openid_bidx,
            SubscriptionConsent.template_id == template_id,
        )
        .values(remaining=0, long_term=False, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
