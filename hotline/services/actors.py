"""Who is acting: a staff member with a role and unit, a citizen, or the system."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.models.enums import Role
from hotline.models.units import StaffUser


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff", "citizen" or "system"
    user_id: int | None = None
    role: Role | None = None
    unit_id: int | None = None
    phone_bidx: str | None = None  # a logged-in citizen, known only by blind index

    @classmethod
    def of(cls, user: StaffUser) -> Actor:
        return cls("staff", user.id, user.role, user.unit_id)

    @classmethod
    def citizen(cls, phone_bidx: str | None = None) -> Actor:
        return cls("citizen", phone_bidx=phone_bidx)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"


SYSTEM = Actor("system")
