"""The personal parts of the staff order view, decided by the privacy role matrix: the
requester block and the free text of the timeline (notes, reasons, replies).

Masked (redacted) by default; a caller asks for plaintext (``?reveal=phone``,
``?reveal=notes``), the matrix decides (``visibility`` says who the caller is on this
order), and every plaintext read leaves one access-log entry in the request's transaction
before the value is returned.
"""

from __future__ import annotations

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.orders import Order
from hotline.services.actors import Actor
from hotline.services.visibility import OrderAccess
from privacy.access import present, reveal_many
from privacy.accesslog import AccessContext
from privacy.catalog import NOTE_COLUMNS, REVEALABLE
from privacy.fields import open_field
from privacy.matrix import PlaintextRefused, Visibility, check_purpose, note_visibility
from privacy.redaction import redact_text
from privacy.runtime import runtime


def requester_view(
    order: Order,
    actor: Actor,
    access: OrderAccess,
    reveal: tuple[str, ...] = (),
    purpose: str | None = None,
) -> dict:
    wanted = [REVEALABLE[name] for name in reveal]
    ctx = None
    if wanted:
        ctx = AccessContext.for_staff(actor.user_id, actor.role, actor.unit_id, purpose=purpose)
        ctx = ctx.for_order(order.id, order.order_no).with_request()
    values = present(
        db.session,
        order,
        list(REVEALABLE.values()),
        viewer=access.viewer,
        facts=access.facts,
        ctx=ctx,
        reveal=wanted,
    )
    requester = {name: values[column] for name, column in REVEALABLE.items() if name != "content"}
    return {
        "requester": requester,
        "identity_hidden": order.confidential and all(v is None for v in requester.values()),
        "revealed": sorted(reveal),
        "content": values["content"],
    }


def events_view(
    order: Order,
    actor: Actor,
    access: OrderAccess,
    reveal: bool = False,
    purpose: str | None = None,
) -> list[dict]:
    """Each event's free text as the caller may see it: redacted by default; with
    ``reveal`` the plaintext of the notes the role matrix grants (the caller's own notes; a
    privacy officer's, with a purpose, all), after one access-log entry for all of them."""
    cipher = runtime().cipher
    opened = [
        {column: open_field(cipher, event, column) for column in NOTE_COLUMNS}
        for event in order.events
    ]
    plain: list[tuple] = []
    if reveal:
        viewer = access.viewer
        for event, texts in zip(order.events, opened, strict=True):
            if any(texts.values()) and note_visibility(viewer, event.actor_id) is Visibility.PLAIN:
                plain.append((event, [c for c, v in texts.items() if v]))
        if not plain:
            raise PlaintextRefused("您无权查看这些办理记录的明文", fields=["notes"])
        if viewer.role == Role.PRIVACY_OFFICER:
            purpose = check_purpose(purpose)
        ctx = AccessContext.for_staff(actor.user_id, actor.role, actor.unit_id, purpose=purpose)
        reveal_many(db.session, plain, ctx=ctx.for_order(order.id, order.order_no))
    shown = {id(event) for event, _ in plain}
    out = []
    for event, texts in zip(order.events, opened, strict=True):
        if id(event) in shown:
            view = {"public_note": texts["public_note"], "reason": texts["reason"]}
            view["internal_note"] = texts["internal_note"]
        else:
            view = {"public_note": redact_text(texts["public_note"])}
            view["reason"] = redact_text(texts["reason"])
        view["notes_revealed"] = id(event) in shown
        out.append(view)
    return out
