"""The role matrix: the one place that says who sees which personal field in plaintext.

It decides from plain facts about the viewer and the order, so that ``privacy`` needs nothing
from the domain packages:

=================================  ================================================  =========
viewer                             plaintext                                          purpose
=================================  ================================================  =========
agent who recorded the order       what they entered at intake: name, phone, ID        no
                                   number, address, content
handler of a unit currently       the phone, to contact the requester; nothing on    no
handling the order                 a confidential order
privacy officer                    every personal field                                required
author of an event's note          that note, reason or internal note                  no
anyone else (and the citizen API)  nothing                                             —
=================================  ================================================  =========

Everything not plaintext is masked (``privacy.masking``), except that on a confidential
order a unit sees no identity at all: name, phone, ID number and address are hidden, not
masked, because even ``张*`` with a street tells a unit who complained (DESIGN §4, "the
hotline relays"). The request content stays visible in redacted form: the unit must know
what to handle. Plaintext is never the default: the caller asks for it field by field, and
each grant costs one access-log entry (``privacy.access``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from privacy import catalog
from privacy.roles import Role

# The requester's fields on an order (``privacy.catalog``): the identity, and the request.
IDENTITY_FIELDS = catalog.IDENTITY_COLUMNS
REQUESTER_FIELDS = catalog.columns("orders")
# Every personal field a privacy officer may read, on whichever record it is.
ALL_FIELDS = tuple(f.column for f in catalog.FIELDS if f.kind != catalog.Kind.SECRET)

PURPOSE_MAX = 200


class Visibility(StrEnum):
    PLAIN = "plain"
    MASKED = "masked"
    HIDDEN = "hidden"


class PlaintextRefused(PermissionError):
    """The viewer asked for plaintext the matrix does not grant. The message is Chinese."""

    def __init__(self, message: str, *, code: str = "plaintext_refused", fields=()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = tuple(fields)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a staff ``Role`` with their staff id and unit, or ``None`` for a
    citizen or anonymous caller (``Viewer(None)``), who is never granted plaintext here."""

    role: Role | None
    user_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class OrderFacts:
    """What the matrix needs to know about an order, as plain values. ``assigned_unit_ids``
    are the units currently handling it (``hotline.services.visibility`` decides which
    assignments count as current)."""

    confidential: bool = False
    created_by_id: int | None = None
    assigned_unit_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Grant:
    """The matrix's answer for one viewer and one order."""

    plain: frozenset[str]
    hidden: frozenset[str]
    purpose_required: bool
    default_purpose: str | None

    def visibility(self, field_name: str) -> Visibility:
        if field_name in self.hidden:
            return Visibility.HIDDEN
        return Visibility.MASKED


def grant_for(viewer: Viewer, order: OrderFacts) -> Grant:
    """Which fields ``viewer`` may see in plaintext on ``order``, and on what terms."""
    role = viewer.role
    in_unit = viewer.unit_id is not None and viewer.unit_id in order.assigned_unit_ids
    unit_hidden = order.confidential and role == Role.HANDLER
    hidden = frozenset(IDENTITY_FIELDS) if unit_hidden else frozenset()
    if role == Role.PRIVACY_OFFICER:
        return Grant(frozenset(ALL_FIELDS), hidden, True, None)
    if role == Role.AGENT and viewer.user_id is not None and viewer.user_id == order.created_by_id:
        return Grant(frozenset(REQUESTER_FIELDS), hidden, False, "核对本人受理录入的信息")
    if role == Role.HANDLER and in_unit and not order.confidential:
        return Grant(frozenset({"requester_phone"}), hidden, False, "联系诉求人")
    return Grant(frozenset(), hidden, False, None)


def decide(
    viewer: Viewer,
    order: OrderFacts,
    fields: Iterable[str],
    *,
    reveal: Iterable[str] = (),
    purpose: str | None = None,
) -> dict[str, Visibility]:
    """The visibility of each field for this request, or ``PlaintextRefused``.

    ``reveal`` lists the fields the caller asks to see in plaintext; every other field is
    masked (or hidden). Asking for a field the matrix does not grant is refused rather than
    silently masked, so the client knows why.
    """
    grant = grant_for(viewer, order)
    fields = tuple(fields)
    wanted = set(reveal)
    unknown = wanted - set(fields)
    if unknown:
        raise PlaintextRefused(
            "请求明文的字段不在本次返回范围内", code="unknown_field", fields=sorted(unknown)
        )
    refused = wanted - grant.plain
    if refused:
        raise PlaintextRefused("您的角色无权查看这些个人信息的明文", fields=sorted(refused))
    if wanted and grant.purpose_required:
        check_purpose(purpose)
    return {name: Visibility.PLAIN if name in wanted else grant.visibility(name) for name in fields}


def check_purpose(purpose: str | None) -> str:
    text = (purpose or "").strip()
    if not text:
        raise PlaintextRefused("查看个人信息明文须说明用途", code="purpose_required")
    if len(text) > PURPOSE_MAX:
        raise PlaintextRefused(f"用途说明不能超过{PURPOSE_MAX}个字", code="purpose_too_long")
    return text


def note_visibility(viewer: Viewer, author_id: int | None) -> Visibility:
    """Who reads an event's free text (a public note, a reason, an internal note) in
    plaintext: its author, and a privacy officer (with a stated purpose). Everyone else
    reads it redacted."""
    if viewer.role == Role.PRIVACY_OFFICER:
        return Visibility.PLAIN
    if viewer.user_id is not None and viewer.user_id == author_id:
        return Visibility.PLAIN
    return Visibility.MASKED
