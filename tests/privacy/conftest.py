"""Fixtures for the privacy tests: orders with known personal data, staff contexts."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import text

from hotline.extensions import db
from hotline.models.enums import Channel, OrderKind
from hotline.services.actors import Actor
from hotline.services.intake import Requester, receive
from privacy.accesslog import AccessContext
from privacy.matrix import OrderFacts, Viewer
from privacy.runtime import runtime

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id(first17: str) -> str:
    """An 18-character ID number with the right GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the digit that makes it pass the Luhn check."""
    for last in "0123456789":
        digits = [int(d) for d in prefix + last]
        total = 0
        for i, d in enumerate(reversed(digits)):
            total += (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
        if total % 10 == 0:
            return prefix + last
    raise AssertionError("unreachable")


PERSON = {
    "name": "欧阳娜娜",
    "phone": "13812345678",
    "id_number": valid_id("11010519900307123"),
    "address": "北京市朝阳区望京街道望京西园三区5号楼2单元501",
}
CONTENT = "望京西园三区5号楼电梯停运三天，物业一直不修，老人上下楼很困难。"


@pytest.fixture
def ring(app):
    return runtime().ring


@pytest.fixture
def cipher(app):
    return runtime().cipher


@pytest.fixture
def make_order(world):
    """Record an order through intake, as the agent, with known personal data."""

    def factory(person=None, *, content=CONTENT, confidential=False, street="wangjing"):
        person = {**PERSON, **(person or {})}
        result = receive(
            Actor.of(world.users["agent"]),
            channel=Channel.PHONE,
            kind=OrderKind.COMPLAINT,
            district=world.districts["chaoyang"],
            street=world.streets[street],
            content=content,
            requester=Requester(**person),
            confidential=confidential,
        )
        db.session.flush()
        return result.order

    return factory


@pytest.fixture
def staff(world):
    """``staff("h_wangjing")`` -> (Viewer, AccessContext) of a world user."""

    def factory(username: str, purpose: str | None = None):
        user = world.users[username]
        viewer = Viewer(user.role, user.id, user.unit_id)
        ctx = AccessContext.for_staff(user.id, user.role, user.unit_id, purpose=purpose)
        return viewer, ctx

    return factory


def facts_of(order) -> OrderFacts:
    return OrderFacts(
        confidential=order.confidential,
        created_by_id=order.created_by_id,
        assigned_unit_ids=frozenset(a.unit_id for a in order.assignments),
    )


@contextmanager
def raw_connection():
    """A connection that bypasses the append-only trigger, as a superuser attacker would."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield conn
