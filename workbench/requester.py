"""The requester block of the staff order view, decided by the privacy role matrix.

Masked by default; a caller asks for plaintext field by field (``?reveal=phone``), the
matrix decides (``visibility`` says who the caller is on this order), and every plaintext
read leaves one access-log entry in the request's transaction before the value is returned.
"""

from __future__ import annotations

from hotline.extensions import db
from hotline.models.orders import Order
from hotline.services.actors import Actor
from hotline.services.visibility import OrderAccess
from privacy.access import present
from privacy.accesslog import AccessContext
from privacy.catalog import REVEALABLE


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
