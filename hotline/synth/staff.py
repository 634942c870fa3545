"""Demo staff: hotline agents, dispatchers, supervisors, officers, and a handler per unit."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.enums import Role
from hotline.models.units import StaffUser, Unit
from hotline.services import staff
from hotline.synth.names import person_name

CENTRE_STAFF = (
    ("admin", Role.ADMIN, 1),
    ("agent", Role.AGENT, 6),
    ("dispatcher", Role.DISPATCHER, 3),
    ("supervisor", Role.SUPERVISOR, 2),
    ("privacy", Role.PRIVACY_OFFICER, 1),
    ("publisher", Role.PUBLISHER, 1),
)


def create_demo_staff(password: str, seed: int = 7) -> int:
    """Create the demo accounts if there are none; all share one password hash."""
    if db.session.scalar(select(func.count(StaffUser.id))):
        return 0
    rng = random.Random(seed)
    password_hash = staff.hash_password(password)  # hashed once: scrypt is slow on purpose
    users: list[StaffUser] = []
    number = 1000
    for prefix, role, count in CENTRE_STAFF:
        for i in range(1, count + 1):
            number += 1
            users.append(
                StaffUser(
                    username=f"{prefix}{i:02d}" if count > 1 else prefix,
                    password_hash=password_hash,
                    role=role,
                    display_name=person_name(rng),
                    staff_no=f"A{number}",
                )
            )
    for unit in db.session.scalars(select(Unit).order_by(Unit.id)):
        number += 1
        users.append(
            StaffUser(
                username=f"h-{unit.code.lower()}",
                password_hash=password_hash,
                role=Role.HANDLER,
                display_name=person_name(rng),
                staff_no=f"U{number}",
                unit_id=unit.id,
            )
        )
    db.session.add_all(users)
    db.session.flush()
    return len(users)
