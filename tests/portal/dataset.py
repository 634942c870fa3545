"""A known synthetic dataset for the report tests, and the expected numbers computed from it
in plain Python, independently of the report builder (zoneinfo for local dates, no SQL).

Orders are written straight into the tables with fixed times; the spec list is the truth the
expectations are computed from.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from hotline.extensions import db
from hotline.models.categories import Category
from hotline.models.enums import TimeLimit, UnitKind
from hotline.models.orders import Order, Rating
from hotline.models.places import District, Street
from hotline.models.units import Unit
from hotline.reports import rollups

BEIJING = ZoneInfo("Asia/Shanghai")
YEAR = 2025

# (district key, street key or None) -> orders in YEAR and in YEAR - 1
STREET_QUOTAS = {
    ("chaoyang", "wangjing"): (230, 150),
    ("chaoyang", "jiuxianqiao"): (120, 0),
    ("chaoyang", "jiangtai"): (3, 0),  # small, alone: needs a complementary cell
    ("chaoyang", "maizidian"): (11, 0),
    ("haidian", "zhongguancun"): (150, 100),
    ("haidian", "xueyuanlu"): (40, 0),
    ("haidian", None): (2, 0),  # no street given
    ("yanqing", "rulin"): (5, 20),  # two small cells protect each other
    ("yanqing", "xiangshuiyuan"): (4, 0),
    ("yanqing", "badaling"): (30, 0),
}
CHANNELS = ["phone"] * 6 + ["wechat", "miniapp", "app", "web", "national", "weibo"]
KINDS = ["consultation", "complaint", "help", "complaint", "help", "suggestion", "tip_off"]
OTHER_UNITS = ["chaoyang_housing", "city_transport", "gas", "platform"]


@dataclass
class Spec:
    received_at: datetime
    district: str
    street: str | None
    channel: str
    kind: str
    category: str  # level-3 key
    dispatched_at: datetime | None = None
    lead_unit: str | None = None
    contacted_at: datetime | None = None
    completed_at: datetime | None = None
    deadline_at: datetime | None = None
    status: str = "received"
    round: int = 1
    repeat_count: int = 0
    ratings: list = field(default_factory=list)  # (round, source, resolution, satisfaction)


def add_places(world) -> dict:
    """Extend the conftest world: a third district, more streets, units and categories."""
    d1, d2 = world.districts["chaoyang"], world.districts["haidian"]
    d3 = District(code="110119", name="延庆区", urban=False)
    db.session.add(d3)
    streets = dict(world.streets)
    for key, code, name, district in (
        ("jiangtai", "110105003", "将台地区", d1),
        ("maizidian", "110105004", "麦子店街道", d1),
        ("xueyuanlu", "110108002", "学院路街道", d2),
        ("rulin", "110119001", "儒林街道", d3),
        ("xiangshuiyuan", "110119002", "香水园街道", d3),
        ("badaling", "110119003", "八达岭镇", d3),
    ):
        streets[key] = Street(code=code, name=name, kind="街道", district=district)
        db.session.add(streets[key])
    db.session.flush()

    units = dict(world.units)
    for key, street in streets.items():
        if f"{key}" in units:
            continue
        units[key] = Unit(
            code=f"S{street.code}",
            name=f"北京市{street.district.name}{street.name}办事处",
            kind=UnitKind.STREET,
            district_id=street.district_id,
            street_id=street.id,
        )
    units["city_transport"] = Unit(code="C0001", name="北京市交通委员会", kind=UnitKind.CITY_DEPT)
    units["platform"] = Unit(code="P0001", name="某外卖平台企业", kind=UnitKind.PLATFORM)
    db.session.add_all(units.values())

    housing = world.categories["housing"]
    traffic = Category(code="05", name="交通管理", level=1)
    parking = Category(code="0501", name="停车管理", level=2, parent=traffic)
    cats = {
        "lift": world.categories["lift"],
        "gas": world.categories["gas"],
        "parking": Category(
            code="050101", name="违章停车", level=3, parent=parking, time_limit=TimeLimit.NORMAL
        ),
        "bus": Category(
            code="050102", name="公交线路", level=3, parent=parking, time_limit=TimeLimit.NORMAL
        ),
    }
    db.session.add_all([traffic, parking, *cats.values()])
    db.session.flush()
    return {
        "districts": {"chaoyang": d1, "haidian": d2, "yanqing": d3},
        "streets": streets,
        "units": units,
        "categories": cats,
        "level1": {"lift": housing, "gas": housing, "parking": traffic, "bus": traffic},
    }


def _local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


def _month_for(rng: random.Random, year: int) -> int:
    roll = rng.random()
    if roll < 0.4:
        return 6
    if roll < 0.6:
        return 5
    return rng.choice([1, 2, 3, 4, 7, 8, 9, 10, 11, 12])


def make_specs(seed: int = 20250601) -> list[Spec]:
    rng = random.Random(seed)
    specs: list[Spec] = []
    for (district, street), quotas in STREET_QUOTAS.items():
        for year, count in zip((YEAR, YEAR - 1), quotas, strict=True):
            for _ in range(count):
                month = _month_for(rng, year)
                at = _local(year, month, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
                specs.append(_spec(rng, at, district, street))
    # Around local midnight: UTC dates differ from Beijing dates here.
    specs.append(_spec(rng, _local(YEAR, 1, 1, 0, 30), "chaoyang", "wangjing"))
    specs.append(_spec(rng, _local(YEAR - 1, 12, 31, 23, 30), "chaoyang", "wangjing"))
    specs.append(_spec(rng, _local(YEAR, 12, 31, 23, 59), "haidian", "zhongguancun"))
    return specs


def _spec(rng: random.Random, at: datetime, district: str, street: str | None) -> Spec:
    category = rng.choice(["lift", "lift", "parking", "parking", "parking", "bus", "gas"])
    s = Spec(
        received_at=at,
        district=district,
        street=street,
        channel=rng.choice(CHANNELS),
        kind=rng.choice(KINDS),
        category=category,
        repeat_count=1 if rng.random() < 0.05 else 0,
    )
    urgent = category == "gas"
    s.deadline_at = at + (timedelta(hours=2) if urgent else timedelta(days=7))
    roll = rng.random()
    if roll < 0.3:
        s.status, s.completed_at = "answered", at + timedelta(minutes=5)
        return s
    if roll < 0.35:
        return s  # still with the hotline
    s.dispatched_at = at + timedelta(minutes=rng.randint(5, 50))
    s.lead_unit = street if street and rng.random() < 0.75 else rng.choice(OTHER_UNITS)
    contact = rng.random()
    if contact < 0.8:
        s.contacted_at = s.dispatched_at + timedelta(minutes=rng.randint(10, 60 * 30))
    elif contact < 0.85:  # exactly on the edge of the window
        s.contacted_at = min(s.dispatched_at + timedelta(hours=24), s.deadline_at)
    s.status = "accepted"
    if rng.random() < 0.85:
        s.completed_at = s.dispatched_at + timedelta(hours=rng.randint(1, 24 * 9))
        s.status = "completed"
        if rng.random() < 0.8:
            s.ratings.append((1, "follow_up", _res(rng), _sat(rng)))
        if rng.random() < 0.4:
            s.ratings.append((1, "citizen", _res(rng), _sat(rng)))
        if s.ratings and rng.random() < 0.1:
            s.round = 2
            s.ratings.append((2, "follow_up", _res(rng), _sat(rng)))
    return s


def _res(rng):
    return rng.choice(["yes", "yes", "yes", "partly", "no"])


def _sat(rng):
    return rng.choice(["satisfied", "satisfied", "satisfied", "basically", "dissatisfied"])


def insert_specs(specs: list[Spec], places: dict, first: int = 1) -> None:
    """Insert the orders (numbered from ``first``: a second batch starts after the first)."""
    rows = []
    for i, s in enumerate(specs, start=first):
        rows.append(
            {
                "uuid": f"00000000-0000-4000-8000-{i:012d}",
                "order_no": f"T{i:08d}",
                "query_code_hash": "x",
                "kind": s.kind,
                "channel": s.channel,
                "category_id": places["categories"][s.category].id,
                "district_id": places["districts"][s.district].id,
                "street_id": places["streets"][s.street].id if s.street else None,
                "time_limit": "urgent" if s.category == "gas" else "normal",
                "confidential": False,
                "status": s.status,
                "round": s.round,
                "lead_unit_id": places["units"][s.lead_unit].id if s.lead_unit else None,
                "received_at": s.received_at,
                "deadline_at": s.deadline_at,
                "dispatched_at": s.dispatched_at,
                "contacted_at": s.contacted_at,
                "completed_at": s.completed_at,
                "repeat_count": s.repeat_count,
            }
        )
    db.session.execute(insert(Order), rows)
    ids = dict(db.session.execute(select(Order.order_no, Order.id)).all())
    ratings = []
    for i, s in enumerate(specs, start=first):
        for n, (rnd, source, res, sat) in enumerate(s.ratings):
            ratings.append(
                {
                    "uuid": f"00000000-0000-4000-9000-{i * 10 + n:012d}",
                    "order_id": ids[f"T{i:08d}"],
                    "round": rnd,
                    "source": source,
                    "resolution": res,
                    "satisfaction": sat,
                    "rated_at": s.completed_at + timedelta(days=1),
                    "reopen_requested": False,
                }
            )
    if ratings:
        db.session.execute(insert(Rating), ratings)
    rollups.rebuild(db.session)  # bulk inserts bypass the session hook that keeps rollups
    db.session.commit()


# -- expectations, in plain Python ---------------------------------------------------------
RES = {"yes": 1.0, "partly": 0.5, "no": 0.0}
SAT = {"satisfied": 1.0, "basically": 0.8, "dissatisfied": 0.0}


def local_date(at: datetime):
    return at.astimezone(BEIJING).date()


def in_year(specs, year):
    return [s for s in specs if local_date(s.received_at).year == year]


def verdicts(s: Spec) -> list[tuple[float, float]]:
    """One (resolution, satisfaction) score per rated round; the citizen's rating wins."""
    out = []
    for rnd in sorted({r[0] for r in s.ratings}):
        mine = {r[1]: r for r in s.ratings if r[0] == rnd}
        pick = mine.get("citizen") or mine["follow_up"]
        out.append((RES[pick[2]], SAT[pick[3]]))
    return out


def responded(s: Spec) -> bool:
    if s.dispatched_at is None or s.contacted_at is None:
        return False
    return s.contacted_at <= min(s.dispatched_at + timedelta(hours=24), s.deadline_at)


def expected_rates(specs: list[Spec], min_n: int = 10) -> dict:
    dispatched = [s for s in specs if s.dispatched_at]
    scores = [v for s in dispatched for v in verdicts(s)]
    out = {"dispatched": len(dispatched), "rated": len(scores)}
    resp = sum(responded(s) for s in dispatched) / len(dispatched) if dispatched else None
    res = sum(v[0] for v in scores) / len(scores) if scores else None
    sat = sum(v[1] for v in scores) / len(scores) if scores else None
    ok_d, ok_r = len(dispatched) >= min_n, len(scores) >= min_n
    out["response_rate"] = round(100 * resp, 1) if ok_d else None
    out["resolution_rate"] = round(100 * res, 1) if ok_r else None
    out["satisfaction_rate"] = round(100 * sat, 1) if ok_r else None
    out["composite"] = (
        round(100 * (0.30 * resp + 0.35 * res + 0.35 * sat), 2) if ok_d and ok_r else None
    )
    return out


def expected_volume(specs: list[Spec]) -> dict:
    days = Counter(local_date(s.received_at).isoformat() for s in specs)
    peak = sorted(days.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return {
        "received": len(specs),
        "answered": sum(1 for s in specs if s.dispatched_at is None and s.completed_at),
        "dispatched": sum(1 for s in specs if s.dispatched_at),
        "repeats_merged": sum(s.repeat_count for s in specs),
        "channels": Counter(s.channel for s in specs),
        "kinds": Counter(s.kind for s in specs),
        "months": Counter(local_date(s.received_at).strftime("%Y-%m") for s in specs),
        "peak": peak,
        "on_time": sum(
            1
            for s in specs
            if s.dispatched_at and s.completed_at and s.completed_at <= s.deadline_at
        ),
        "overdue": sum(
            1
            for s in specs
            if s.dispatched_at
            and (
                (s.completed_at and s.completed_at > s.deadline_at)
                or (s.completed_at is None and s.deadline_at < datetime.now(UTC))
            )
        ),
    }


def by(specs: list[Spec], key) -> dict:
    groups = defaultdict(list)
    for s in specs:
        groups[key(s)].append(s)
    return groups
