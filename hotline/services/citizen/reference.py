"""Reference lists for the citizen's pickers: districts → streets → communities, and the
category tree one level at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from hotline.cache import local_cache
from hotline.errors import NotFound
from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import UnitKind
from hotline.models.places import Community, District, Street
from hotline.models.units import Unit


def _parent(model, code: str, label: str):
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        raise NotFound(f"{label}编码 {code} 不存在", code="parent_not_found")
    return row


def districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.code)))


def streets(district_code: str) -> list[Street]:
    district = _parent(District, district_code, "区")
    return list(
        db.session.scalars(
            select(Street).where(Street.district_id == district.id).order_by(Street.code)
        )
    )


def communities(street_code: str) -> list[Community]:
    street = _parent(Street, street_code, "街道乡镇")
    return list(
        db.session.scalars(
            select(Community).where(Community.street_id == street.id).order_by(Community.code)
        )
    )


def categories(parent_code: str | None) -> list[Category]:
    query = select(Category).order_by(Category.code)
    if parent_code:
        parent = _parent(Category, parent_code, "分类")
        query = query.where(Category.parent_id == parent.id)
    else:
        query = query.where(Category.parent_id.is_(None))
    return list(db.session.scalars(query))


# -- names for the public view, cached per process ----------------------------------------
@dataclass(frozen=True)
class UnitInfo:
    name: str
    kind: UnitKind
    service_phone: str | None


@dataclass
class Names:
    """Public names of units, places and categories by id: reference data that changes
    rarely, so the order views read it from memory instead of joining it every time."""

    units: dict[int, UnitInfo]
    districts: dict[int, str]
    streets: dict[int, str]
    communities: dict[int, str]
    categories: dict[int, str]

    def unit(self, unit_id: int | None) -> UnitInfo | None:
        return self.units.get(unit_id) if unit_id is not None else None

    def unit_name(self, unit_id: int | None) -> str | None:
        info = self.unit(unit_id)
        return info.name if info else None

    def covers(self, order) -> bool:
        pairs = (
            (self.units, order.lead_unit_id),
            (self.districts, order.district_id),
            (self.streets, order.street_id),
            (self.communities, order.community_id),
            (self.categories, order.category_id),
        )
        return all(key is None or key in table for table, key in pairs)


def _load_names() -> Names:
    def pairs(*columns):
        return {row[0]: row[1] for row in db.session.execute(select(*columns))}

    units = {
        row.id: UnitInfo(row.name, row.kind, row.service_phone)
        for row in db.session.execute(select(Unit.id, Unit.name, Unit.kind, Unit.service_phone))
    }
    return Names(
        units=units,
        districts=pairs(District.id, District.name),
        streets=pairs(Street.id, Street.name),
        communities=pairs(Community.id, Community.name),
        categories=pairs(Category.id, Category.name),
    )


def names(*, fresh_for: Iterable | None = None) -> Names:
    """The names, kept for ``CITIZEN_NAMES_TTL_SECONDS`` (``hotline.cache``) and reloaded at
    once when one of ``fresh_for`` (orders, events) refers to an id they do not know yet."""
    cache = local_cache(
        "citizen.names", size=1, ttl=current_app.config["CITIZEN_NAMES_TTL_SECONDS"]
    )
    cached: Names | None = cache.get("names")
    if cached is not None and fresh_for is not None:
        if not all(_known(cached, item) for item in fresh_for):
            cached = None
    if cached is None:
        cached = _load_names()
        cache.put("names", cached)
    return cached


def _known(names_: Names, item) -> bool:
    if hasattr(item, "district_id"):
        return names_.covers(item)
    return all(
        unit_id is None or unit_id in names_.units
        for unit_id in (item.unit_id, item.target_unit_id)
    )
