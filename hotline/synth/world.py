"""A plain snapshot of the reference data the planner draws from.

The planner runs in worker processes without an app or a session, so it works on this
picklable copy: ids, names, weights and who may act for which unit. Only units with an
active handler are offered, because every unit step needs someone to take it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import Role, UnitKind
from hotline.models.places import Community, District, Street
from hotline.models.units import StaffUser, Unit
from hotline.services.reference import data_file


@dataclass(frozen=True, slots=True)
class Leaf:
    """A level-3 category with the names of its ancestors."""

    id: int
    name: str
    level2: str
    level1: str
    time_limit: str


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: int
    kind: str
    name: str
    district_id: int | None
    street_id: int | None
    active: bool = True  # only active units with a handler are offered


@dataclass
class World:
    district_ids: list[int] = field(default_factory=list)
    district_weights: list[float] = field(default_factory=list)
    district_names: dict[int, str] = field(default_factory=dict)
    district_codes: dict[int, str] = field(default_factory=dict)
    streets_by_district: dict[int, list[int]] = field(default_factory=dict)
    street_names: dict[int, str] = field(default_factory=dict)
    street_codes: dict[int, str] = field(default_factory=dict)
    street_unit: dict[int, int] = field(default_factory=dict)
    communities: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    level1_names: list[str] = field(default_factory=list)
    level1_weights: list[float] = field(default_factory=list)
    leaves: dict[str, dict[str, list[Leaf]]] = field(default_factory=dict)  # l1 → l2 → leaves
    leaves_by_level2: dict[str, list[Leaf]] = field(default_factory=dict)
    units: dict[int, UnitRef] = field(default_factory=dict)
    government: dict[int, int] = field(default_factory=dict)  # district → 区人民政府
    departments: dict[int, dict[str, int]] = field(default_factory=dict)  # district → suffix
    by_name: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → name → unit
    handler: dict[int, int] = field(default_factory=dict)  # unit → handler user
    agents: list[int] = field(default_factory=list)
    dispatchers: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)

    def dispatchable_districts(self) -> list[int]:
        return [d for d in self.district_ids if self.streets_by_district.get(d)]


def load_world() -> World:
    """Read the reference tables of the current app's database into a ``World``."""
    session = db.session
    world = World()
    place_weights = {d["code"]: d.get("weight", 1.0) for d in data_file("places.json")["districts"]}
    for d in session.execute(
        select(District.id, District.code, District.name).order_by(District.code)
    ):
        world.district_names[d.id] = d.name
        world.district_codes[d.id] = d.code
    streets: dict[int, list[int]] = defaultdict(list)
    for s in session.execute(
        select(Street.id, Street.code, Street.name, Street.district_id).order_by(Street.code)
    ):
        streets[s.district_id].append(s.id)
        world.street_names[s.id] = s.name
        world.street_codes[s.id] = s.code
    communities: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for c in session.execute(
        select(Community.id, Community.name, Community.street_id).order_by(Community.code)
    ):
        communities[c.street_id].append((c.id, c.name))
    world.communities = dict(communities)

    handlers = {}
    for u in session.execute(
        select(StaffUser.id, StaffUser.role, StaffUser.unit_id)
        .where(StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    ):
        if u.role == Role.HANDLER and u.unit_id is not None:
            handlers.setdefault(u.unit_id, u.id)
        elif u.role == Role.AGENT:
            world.agents.append(u.id)
        elif u.role == Role.DISPATCHER:
            world.dispatchers.append(u.id)
        elif u.role == Role.SUPERVISOR:
            world.supervisors.append(u.id)
    world.handler = handlers

    by_name: dict[str, dict[str, int]] = defaultdict(dict)
    departments: dict[int, dict[str, int]] = defaultdict(dict)
    for u in session.execute(
        select(Unit.id, Unit.kind, Unit.name, Unit.district_id, Unit.street_id)
        .where(Unit.active.is_(True))
        .order_by(Unit.id)
    ):
        if u.id not in handlers:
            continue
        ref = UnitRef(u.id, UnitKind(u.kind).value, u.name, u.district_id, u.street_id)
        world.units[u.id] = ref
        by_name[ref.kind][u.name] = u.id
        if ref.kind == UnitKind.STREET and u.street_id is not None:
            world.street_unit[u.street_id] = u.id
        elif ref.kind == UnitKind.DISTRICT_DEPT and u.district_id is not None:
            prefix = f"北京市{world.district_names.get(u.district_id, '')}"
            suffix = u.name.removeprefix(prefix)
            departments[u.district_id][suffix] = u.id
            if suffix == "人民政府":
                world.government[u.district_id] = u.id
    world.by_name = dict(by_name)
    world.departments = dict(departments)

    # Orders are placed only in streets whose unit can take them.
    for district_id in world.district_names:
        usable = [s for s in streets.get(district_id, []) if s in world.street_unit]
        if usable:
            world.streets_by_district[district_id] = usable
            world.district_ids.append(district_id)
            code = world.district_codes[district_id]
            world.district_weights.append(float(place_weights.get(code, 1.0)))

    _load_categories(world)
    if not world.district_ids or not world.leaves:
        raise RuntimeError("reference data missing: run `flask hotline seed` first")
    if not (world.agents and world.dispatchers and world.supervisors):
        raise RuntimeError("demo staff missing: run `flask hotline seed` first")
    return world


def _load_categories(world: World) -> None:
    weights = {c["code"]: c.get("weight", 1.0) for c in data_file("categories.json")["categories"]}
    rows = db.session.execute(
        select(
            Category.id, Category.code, Category.name, Category.level, Category.parent_id
        ).order_by(Category.code)
    ).all()
    by_id = {r.id: r for r in rows}
    leaves: dict[str, dict[str, list[Leaf]]] = defaultdict(lambda: defaultdict(list))
    level1_weight: dict[str, float] = {}
    time_limits = dict(
        db.session.execute(
            select(Category.id, Category.time_limit).where(Category.level == 3)
        ).all()
    )
    for r in rows:
        if r.level != 3:
            continue
        level2 = by_id[r.parent_id]
        level1 = by_id[level2.parent_id]
        limit = time_limits.get(r.id)
        leaf = Leaf(r.id, r.name, level2.name, level1.name, limit.value if limit else "normal")
        leaves[level1.name][level2.name].append(leaf)
        world.leaves_by_level2.setdefault(level2.name, []).append(leaf)
        level1_weight[level1.name] = float(weights.get(level1.code, 1.0))
    world.leaves = {k: dict(v) for k, v in leaves.items()}
    world.level1_names = list(world.leaves)
    world.level1_weights = [level1_weight[n] for n in world.level1_names]
