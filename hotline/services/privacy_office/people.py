"""Who and which unit an access-log entry names, in words an officer reads.

The log refers to people and units by plain ids (``staff:7``, ``unit_id`` 12) so that it
outlives them; the console shows them by name: display name and username, the role the
entry recorded and the unit's full name. ``names_for`` looks a whole page of entries up in
two queries; a person or unit that no longer exists is said to be so, with its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from hotline.extensions import db
from hotline.models.units import StaffUser, Unit
from privacy.roles import CITIZEN_LABEL, CITIZEN_ROLE, SYSTEM_LABEL

STAFF_PREFIX = "staff:"
SYSTEM_PREFIX = "system:"
# The system's own tasks that read or erase personal data.
SYSTEM_TASKS = {"retention": "到期删除个人信息"}
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Person:
    actor: str  # as the log writes it
    name: str  # 王建国, 系统任务：到期删除个人信息, 诉求人本人
    username: str | None = None
    unit: str | None = None  # the unit the person belongs to now

    @property
    def label(self) -> str:
        """王建国（agent01）."""
        return f"{self.name}（{self.username}）" if self.username else self.name


def staff_id(actor: str) -> int | None:
    if actor.startswith(STAFF_PREFIX) and actor[len(STAFF_PREFIX) :].isdigit():
        value = int(actor[len(STAFF_PREFIX) :])
        return value if value <= MAX_ID else None
    return None


def _other(actor: str) -> Person:
    if actor == CITIZEN_ROLE:
        return Person(actor, CITIZEN_LABEL)
    if actor.startswith(SYSTEM_PREFIX):
        task = actor[len(SYSTEM_PREFIX) :]
        return Person(actor, f"{SYSTEM_LABEL}：{SYSTEM_TASKS.get(task, task)}")
    if staff_id(actor) is not None:
        return Person(actor, f"已删除的工作人员（{actor}）")
    return Person(actor, actor)


class Names:
    """People and units of a page of entries, looked up once."""

    def __init__(self, people: dict[str, Person], units: dict[int, str]):
        self._people, self._units = people, units

    def person(self, actor: str) -> Person:
        return self._people.get(actor) or _other(actor)

    def actor(self, actor: str) -> str:
        return self.person(actor).label

    def unit(self, unit_id: int | None) -> str:
        if unit_id is None:
            return ""
        return self._units.get(unit_id) or f"已撤销的单位（编号 {unit_id}）"


def names_for(actors: Iterable[str] = (), unit_ids: Iterable[int | None] = ()) -> Names:
    ids = {i for a in set(actors) if (i := staff_id(a)) is not None}
    people: dict[str, Person] = {}
    if ids:
        rows = db.session.execute(
            select(StaffUser.id, StaffUser.display_name, StaffUser.username, Unit.name)
            .outerjoin(Unit, Unit.id == StaffUser.unit_id)
            .where(StaffUser.id.in_(ids))
        )
        for uid, name, username, unit in rows:
            actor = f"{STAFF_PREFIX}{uid}"
            people[actor] = Person(actor, name, username, unit)
    wanted = {u for u in unit_ids if u is not None}
    units: dict[int, str] = {}
    if wanted:
        rows = db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted)))
        units = {unit_id: name for unit_id, name in rows}
    return Names(people, units)


def names_of_entries(entries: Iterable) -> Names:
    """Names of the people and units ``entries`` (access-log rows) mention."""
    entries = list(entries)
    return names_for((e.actor for e in entries), (e.unit_id for e in entries))


def resolve_actor(text: str) -> Person | None:
    """What the officer typed in the 操作人 filter: a username (``agent01``), the id the log
    writes (``staff:12``) or the bare number (``12``). ``None`` when nobody has it."""
    text = text.strip()
    if text.startswith(SYSTEM_PREFIX) or text == CITIZEN_ROLE:
        return _other(text)  # system:retention, citizen: as the log writes them
    if text.isdigit():
        text = f"{STAFF_PREFIX}{text}"
    if text.startswith(STAFF_PREFIX):
        uid = staff_id(text)
        user = db.session.get(StaffUser, uid) if uid is not None else None
    else:
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == text))
    if user is None:
        return None
    unit = user.unit.name if user.unit else None
    return Person(f"{STAFF_PREFIX}{user.id}", user.display_name, user.username, unit)
