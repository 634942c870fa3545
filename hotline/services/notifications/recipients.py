"""Who hears about an order, and how to reach them.

The recipients of an order's news are its requester (the phone whose blind index is on the
order, unless the order's personal data was erased) and the phones following it. An SMS
needs the phone itself: the requester's comes from the order, a follower's from their
follow, anyone's from their login profile. It is decrypted in memory only to hand it to the
SMS gateway — it is never shown to anyone, so this is not an access in the sense of the
access log (as with the SMS login codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hotline.extensions import db
from hotline.models.citizen import CitizenProfile
from hotline.models.orders import Order
from hotline.services.notifications import follows
from privacy.fields import open_field
from privacy.runtime import runtime


@dataclass(frozen=True)
class Recipient:
    phone_bidx: str
    following: bool


def of_order(order: Order) -> list[Recipient]:
    out = []
    if order.phone_bidx and order.personal_erased_at is None:
        out.append(Recipient(order.phone_bidx, False))
    seen = {r.phone_bidx for r in out}
    for follow in follows.active_followers(order.id):
        if follow.phone_bidx not in seen:
            out.append(Recipient(follow.phone_bidx, True))
            seen.add(follow.phone_bidx)
    return out


def phone_of(order: Order, phone_bidx: str) -> str | None:
    cipher = runtime().cipher
    if phone_bidx == order.phone_bidx and order.requester_phone is not None:
        return open_field(cipher, order, "requester_phone")
    follow = follows.follow_of(order.id, phone_bidx)
    if follow is not None and follow.phone is not None:
        return open_field(cipher, follow, "phone")
    profile = db.session.scalar(
        select(CitizenProfile).where(CitizenProfile.phone_bidx == phone_bidx)
    )
    if profile is not None and profile.phone is not None:
        return open_field(cipher, profile, "phone")
    return None


def has_phone(order: Order, phone_bidx: str) -> bool:
    if phone_bidx == order.phone_bidx and order.requester_phone is not None:
        return True
    follow = follows.follow_of(order.id, phone_bidx)
    if follow is not None and follow.phone is not None:
        return True
    return (
        db.session.scalar(
            select(CitizenProfile.id).where(
                CitizenProfile.phone_bidx == phone_bidx, CitizenProfile.phone.is_not(None)
            )
        )
        is not None
    )
