"""The requester block of the staff order view, decided by the privacy role matrix.

Masked by default; a caller asks for plaintext field by field (``?reveal=phone``), the
matrix decides, and every plaintext read leaves one access-log entry in the request's
transaction before the value is returned.
"""

from __future__ import annotations

from hotline.extensions import db
from hotline.models.enums import AssignmentState
from hotline.models.orders import Order
from hotline.models.units import StaffUser
from hotline.services.actors import Actor
from privacy.access import present
from privacy.accesslog import AccessContext
from privacy.matrix import OrderFacts, Viewer

# Public names of the fields in the API → the sealed columns they come from.
FIELDS = {
    "name": "requester_name",
    "phone": "requester_phone",
    "id_number": "requester_id_number",
    "address": "requester_address",
    "content": "content",
}


def order_facts(order: Order) -> OrderFacts:
    """A unit that handed the order back no longer counts as assigned."""
    return OrderFacts(
        confidential=order.confidential,
        created_by_id=order.created_by_id,
        assigned_unit_ids=frozenset(
            a.unit_id for a in order.assignments if a.state != AssignmentState.RETURNED
        ),
    )


def requester_view(
    order: Order,
    actor: Actor,
    user: StaffUser,
    reveal: tuple[str, ...] = (),
    purpose: str | None = None,
) -> dict:
    columns = [FIELDS[name] for name in FIELDS]
    wanted = [FIELDS[name] for name in reveal]
    ctx = None
    if wanted:
        ctx = AccessContext.for_staff(user.id, user.role.value, user.unit_id, purpose=purpose)
        ctx = ctx.for_order(order.id, order.order_no).with_request()
    values = present(
        db.session,
        order,
        columns,
        viewer=Viewer(role=user.role.value, user_id=user.id, unit_id=user.unit_id),
        facts=order_facts(order),
        ctx=ctx,
        reveal=wanted,
    )
    requester = {name: values[column] for name, column in FIELDS.items() if name != "content"}
    return {
        "requester": requester,
        "identity_hidden": order.confidential and all(v is None for v in requester.values()),
        "revealed": sorted(reveal),
        "content": values["content"],
    }
