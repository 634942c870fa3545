"""Which lifecycle events a citizen hears about, and what the message says.

Messages are short, Chinese, and say nothing the citizen's own order view does not show:
the order number, the unit's public name, the new deadline, the reply redacted
(``privacy.redaction``) — never the requester's name, phone or ID, never internal notes. A
follower (a phone whose repeat was merged into the order) is told about "the order you
follow", is not asked to rate, and is not told that "you" were contacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from hotline.extensions import db
from hotline.models.enums import EventType
from hotline.models.notifications import NotificationKind
from hotline.models.orders import Order, OrderEvent
from hotline.services import deadlines
from hotline.services.citizen.reference import names
from privacy.fields import open_field
from privacy.redaction import redact_text
from privacy.runtime import runtime

E, K = EventType, NotificationKind
# The events that notify; every other step (a return, a dispute, a whistle, an extension
# asked for or refused, progress notes, follow-up calls, ratings) is internal or the
# citizen's own act, and the timeline shows it when they next look.
NOTIFYING: dict[EventType, NotificationKind] = {
    E.DISPATCHED: K.DISPATCHED,
    E.ACCEPTED: K.ACCEPTED,
    E.CONTACTED: K.CONTACTED,
    E.EXTENSION_APPROVED: K.EXTENDED,
    E.COMPLETED: K.COMPLETED,
    E.REOPENED: K.REOPENED,
    E.CLOSED: K.CLOSED,
    E.URGED: K.URGED,  # told to the lead unit (``UnitMessage``), not to citizens
}
# Only the lead unit's acceptance and contact count: a joint district or a department
# summoned by a whistle accepting too is the hotline's business, not the citizen's.
LEAD_ONLY = frozenset({E.ACCEPTED, E.CONTACTED})

REPLY_CHARS_INBOX = 300
REPLY_CHARS_SMS = 40
THING_CHARS = 20  # WeChat's limit for a "thing" keyword
PHRASE_CHARS = 5  # and for a "phrase"


def kind_of(event: OrderEvent, order: Order) -> NotificationKind | None:
    kind = NOTIFYING.get(event.type)
    if kind is not None and event.type in LEAD_ONLY and event.unit_id != order.lead_unit_id:
        return None
    return kind


@dataclass(frozen=True)
class Rendered:
    title: str  # the inbox title
    body: str  # the inbox text
    sms: str  # the SMS text, without the signature
    status: str  # WeChat "phrase": at most 5 characters
    summary: str  # WeChat "thing": at most 20 characters
    time: str  # WeChat "time"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _day(value: datetime, *, year: bool = False) -> str:
    local = deadlines.to_local(value)
    day = f"{local.year}年" if year else ""
    return f"{day}{local.month}月{local.day}日 {local:%H:%M}"


def _dispatched_before(event: OrderEvent) -> bool:
    """A re-dispatch (重新派单): an earlier dispatch on the same order."""
    earlier = select(OrderEvent.id).where(
        OrderEvent.order_id == event.order_id,
        OrderEvent.type == E.DISPATCHED,
        OrderEvent.seq < event.seq,
    )
    return db.session.scalar(earlier.limit(1)) is not None


def _stamp(event: OrderEvent) -> str:
    return _day(event.occurred_at, year=True)


def _reply(event: OrderEvent) -> str:
    text = open_field(runtime().cipher, event, "public_note") if event.public_note else None
    return (redact_text(text) or "").strip() if text else ""


def render(kind: NotificationKind, order: Order, event: OrderEvent, following: bool) -> Rendered:
    no = order.order_no
    known = names(fresh_for=[order, event])
    unit = known.unit_name(event.target_unit_id or event.unit_id) or "承办单位"
    yours = "您关注的工单" if following else "您的工单"
    if kind == K.DISPATCHED:
        again = _dispatched_before(event)
        title = "工单已重新派单" if again else "工单已派单"
        body = f"{yours}{no}已{'重新' if again else ''}派至{unit}办理。"
        return Rendered(title, body, body, "已派单", f"已派至{unit}", _stamp(event))
    if kind == K.ACCEPTED:
        body = f"{unit}已签收{yours}{no}，正在办理。"
        return Rendered("承办单位已签收", body, body, "已签收", f"{unit}已签收", _stamp(event))
    if kind == K.CONTACTED:
        if following:
            body = f"{unit}已就{yours}{no}联系诉求人。"
        else:
            body = f"{unit}已就{yours}{no}与您联系。"
        title = "承办单位已联系诉求人" if following else "承办单位已联系您"
        return Rendered(title, body, body, "已联系", f"{unit}已联系", _stamp(event))
    if kind == K.EXTENDED:
        new_deadline = event.new_deadline or order.deadline_at
        until = _day(new_deadline)
        body = f"{yours}{no}的办理期限已延长至{until}。"
        return Rendered(
            "办理期限已延长",
            body,
            body,
            "已延期",
            f"期限延至{until}",
            _day(new_deadline, year=True),
        )
    if kind == K.COMPLETED:
        reply = _reply(event)
        ask = ""
        if not following:
            days = current_app.config["RATING_WINDOW_DAYS"]
            ask = f"请在{_day(event.occurred_at + timedelta(days=days))}前评价办理结果。"
        body = f"{yours}{no}已办结。" + (f"答复：{_cut(reply, REPLY_CHARS_INBOX)}" if reply else "")
        body = body.rstrip("。") + "。" + ask
        sms = f"{yours}{no}已办结。" + (f"答复：{_cut(reply, REPLY_CHARS_SMS)}。" if reply else "")
        summary = "请查看答复并评价" if not following else "请查看办理答复"
        return Rendered("工单已办结", body, sms + ask, "已办结", summary, _stamp(event))
    if kind == K.REOPENED:
        body = f"{yours}{no}已重新办理，请留意办理进度。"
        return Rendered("工单已重新办理", body, body, "重新办理", "工单已重新办理", _stamp(event))
    body = f"{yours}{no}已办理完毕并归档。"
    return Rendered("工单已归档", body, body, "已归档", "工单已办理完毕", _stamp(event))


def wechat_data(rendered: Rendered, order: Order, keywords: dict[str, str]) -> dict[str, str]:
    """The template's data: each keyword named in the configuration gets its part."""
    parts = {
        "order_no": order.order_no,
        "status": _cut(rendered.status, PHRASE_CHARS),
        "summary": _cut(rendered.summary, THING_CHARS),
        "time": rendered.time,
    }
    return {keyword: parts[part] for part, keyword in keywords.items() if part in parts}


def unit_notice(order: Order, event: OrderEvent) -> str:
    """The title of a unit's notice of 催办: the order, when, and whether it is overdue."""
    late = "（已超期）" if (event.data or {}).get("overdue") else ""
    return f"诉求人于{_day(event.occurred_at)}催办工单{order.order_no}{late}"
