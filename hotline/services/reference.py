"""Reference data shipped as files: places, the category taxonomy and handling units."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import TimeLimit, UnitKind
from hotline.models.places import Community, District, Street
from hotline.models.units import Unit

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


@cache
def data_file(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_places() -> int:
    """Insert districts, streets and communities; returns how many rows were added."""
    if db.session.scalar(select(func.count(District.id))):
        return 0
    added = 0
    for d in data_file("places.json")["districts"]:
        district = District(code=d["code"], name=d["name"], urban=d.get("urban", True))
        db.session.add(district)
        added += 1
        for s in d["streets"]:
            street = Street(code=s["code"], name=s["name"], kind=s["kind"], district=district)
            db.session.add(street)
            added += 1
            for c in s["communities"]:
                db.session.add(Community(code=c["code"], name=c["name"], street=street))
                added += 1
    db.session.flush()
    return added


def load_categories() -> int:
    if db.session.scalar(select(func.count(Category.id))):
        return 0
    added = 0

    def walk(nodes: list[dict], parent: Category | None, level: int) -> None:
        nonlocal added
        for node in nodes:
            limit = node.get("time_limit")
            category = Category(
                code=node["code"],
                name=node["name"],
                level=level,
                parent=parent,
                time_limit=TimeLimit(limit) if limit else None,
            )
            db.session.add(category)
            added += 1
            walk(node.get("children", []), category, level + 1)

    walk(data_file("categories.json")["categories"], None, 1)
    db.session.flush()
    return added


def district_service_phones() -> dict[str, str]:
    return {d["name"]: d.get("service_phone") for d in data_file("places.json")["districts"]}


def load_units() -> int:
    """One unit per street/township, district departments for every district, city
    departments, state-owned enterprises and platform companies."""
    if db.session.scalar(select(func.count(Unit.id))):
        return 0
    spec = data_file("units.json")
    phones = district_service_phones()
    units: list[Unit] = []
    districts = db.session.scalars(select(District).order_by(District.code)).all()
    for district in districts:
        phone = phones.get(district.name)
        for street in district.streets:
            office = "办事处" if street.kind == "街道" else "人民政府"
            name = f"北京市{district.name}{street.name}{office}"
            units.append(
                Unit(
                    code=f"S{street.code}",
                    name=name,
                    kind=UnitKind.STREET,
                    district_id=district.id,
                    street_id=street.id,
                    service_phone=phone,
                )
            )
        for i, dept in enumerate(spec["district_departments"], start=1):
            units.append(
                Unit(
                    code=f"D{district.code}{i:02d}",
                    name=f"北京市{district.name}{dept['suffix']}",
                    kind=UnitKind.DISTRICT_DEPT,
                    district_id=district.id,
                    service_phone=phone,
                )
            )
    for kind, key, prefix in (
        (UnitKind.CITY_DEPT, "city_departments", "C"),
        (UnitKind.SOE, "state_enterprises", "E"),
        (UnitKind.PLATFORM, "platform_companies", "P"),
    ):
        for i, name in enumerate(spec[key], start=1):
            units.append(Unit(code=f"{prefix}{i:03d}", name=name, kind=kind, service_phone="12345"))
    db.session.add_all(units)
    db.session.flush()
    return len(units)


def district_government(district_id: int) -> Unit | None:
    """The district-level unit that a 双派 (double dispatch) goes to."""
    return db.session.scalar(
        select(Unit).where(
            Unit.district_id == district_id,
            Unit.kind == UnitKind.DISTRICT_DEPT,
            Unit.name.like("%人民政府"),
        )
    )
