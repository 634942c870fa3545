"""Which unit a dispatcher would send an order to, given its category and place.

The lead unit's kind follows the published three-year shares (DESIGN §2); within a kind
the unit is the one a dispatcher would pick: the order's own street, the matching
department of its district, the matching city department, the utility that runs the
service. Orders for companies draw their category from what those companies handle.
"""

from __future__ import annotations

import random

from hotline.models.enums import UnitKind
from hotline.synth.weighted import Weighted, pick
from hotline.synth.world import Leaf, World

# Published shares of dispatched orders by unit kind (per cent).
UNIT_KIND_SHARES = {
    UnitKind.STREET.value: 36.0,
    UnitKind.DISTRICT_DEPT.value: 37.8,
    UnitKind.CITY_DEPT.value: 16.1,
    UnitKind.SOE.value: 7.4,
    UnitKind.PLATFORM.value: 2.7,
}

# Level-1 category → suffixes of the district departments that handle it.
DISTRICT_DEPTS = {
    "住房": ("住房和城乡建设委员会",),
    "城乡建设": ("住房和城乡建设委员会", "城市管理综合行政执法局"),
    "市场管理": ("市场监督管理局",),
    "商务": ("市场监督管理局",),
    "卫生健康": ("卫生健康委员会",),
    "疫情防控": ("卫生健康委员会",),
    "医疗保障": ("卫生健康委员会",),
    "教育": ("教育委员会",),
    "劳动和社会保障": ("人力资源和社会保障局",),
    "环境保护": ("生态环境局",),
    "城市管理": ("城市管理委员会", "城市管理综合行政执法局"),
    "公共服务": ("城市管理委员会",),
    "交通管理": ("交通支队",),
    "民政": ("民政局",),
    "退役军人事务": ("民政局",),
    "社会秩序": ("城市管理综合行政执法局", "人民政府"),
}

# Level-1 category → city departments.
CITY_DEPTS = {
    "住房": ("北京市住房和城乡建设委员会",),
    "城乡建设": ("北京市住房和城乡建设委员会", "北京市规划和自然资源委员会"),
    "规划和自然资源": ("北京市规划和自然资源委员会",),
    "市场管理": ("北京市市场监督管理局",),
    "交通管理": ("北京市公安局公安交通管理局",),
    "交通运输": ("北京市交通委员会",),
    "卫生健康": ("北京市卫生健康委员会",),
    "疫情防控": ("北京市卫生健康委员会",),
    "教育": ("北京市教育委员会",),
    "劳动和社会保障": ("北京市人力资源和社会保障局",),
    "城市管理": ("北京市城市管理委员会",),
    "公共服务": ("北京市城市管理委员会",),
    "环境保护": ("北京市生态环境局",),
    "水务": ("北京市水务局",),
    "民政": ("北京市民政局",),
    "医疗保障": ("北京市医疗保障局",),
    "文化旅游": ("北京市文化和旅游局",),
    "农业农村": ("北京市农业农村局",),
    "商务": ("北京市商务局",),
}

# Level-2 category → (company, weight): what state-owned enterprises are asked about.
SOE_WORK = {
    "供暖": ("北京市热力集团有限责任公司", 3.0),
    "供电": ("国网北京市电力公司", 3.0),
    "供水": ("北京市自来水集团有限责任公司", 2.5),
    "农村供水": ("北京市自来水集团有限责任公司", 0.3),
    "燃气": ("北京市燃气集团有限责任公司", 2.0),
    "公共汽车": ("北京公共交通控股（集团）有限公司", 1.0),
    "轨道交通": ("北京市地铁运营有限公司", 1.0),
    "排水": ("北京排水集团有限责任公司", 0.8),
    "物业管理": ("北京首都开发控股（集团）有限公司", 0.8),
    "老旧小区改造": ("北京首都开发控股（集团）有限公司", 0.3),
    "邮政快递": ("中国邮政集团有限公司北京市分公司", 0.5),
    "环境卫生": ("北京环境卫生工程集团有限公司", 0.4),
    "垃圾分类": ("北京环境卫生工程集团有限公司", 0.3),
}

# Level-2 category → (companies, weight): platform companies and others.
PLATFORM_WORK = {
    "出租汽车": (("北京小桔科技有限公司（滴滴出行）",), 2.0),
    "网络交易": (
        (
            "北京京东世纪贸易有限公司",
            "北京三快科技有限公司（美团）",
            "北京抖音信息服务有限公司",
            "北京小米移动软件有限公司",
        ),
        2.0,
    ),
    "消费纠纷": (
        (
            "北京三快科技有限公司（美团）",
            "拉扎斯网络科技（上海）有限公司北京分公司（饿了么）",
            "北京京东世纪贸易有限公司",
        ),
        1.5,
    ),
    "房屋租赁": (("北京链家置业房地产经纪有限公司", "北京我爱我家房地产经纪有限公司"), 1.2),
    "房屋买卖": (("北京链家置业房地产经纪有限公司", "北京我爱我家房地产经纪有限公司"), 0.5),
    "便民商业网点": (("北京三快科技有限公司（美团）",), 0.4),
}


class Router:
    def __init__(self, world: World):
        self.world = world
        self.kinds = list(UNIT_KIND_SHARES)
        self.kind_weights = list(UNIT_KIND_SHARES.values())
        self.soe_work = self._work(
            UnitKind.SOE.value, {k: ((n,), w) for k, (n, w) in SOE_WORK.items()}
        )
        self.platform_work = self._work(UnitKind.PLATFORM.value, PLATFORM_WORK)
        if not self.soe_work:
            self._drop_kind(UnitKind.SOE.value)
        if not self.platform_work:
            self._drop_kind(UnitKind.PLATFORM.value)
        if not world.by_name.get(UnitKind.CITY_DEPT.value):
            self._drop_kind(UnitKind.CITY_DEPT.value)
        if not world.departments:
            self._drop_kind(UnitKind.DISTRICT_DEPT.value)
        self.kind = Weighted(self.kinds, self.kind_weights)
        self.soe_pick = Weighted(self.soe_work, [w for *_, w in self.soe_work])
        self.platform_pick = Weighted(self.platform_work, [w for *_, w in self.platform_work])

    def _drop_kind(self, kind: str) -> None:
        i = self.kinds.index(kind)
        del self.kinds[i], self.kind_weights[i]

    def _work(self, kind: str, table: dict) -> list[tuple[str, list[int], float]]:
        """(level-2 name, unit ids, weight) for the work the known companies of a kind do."""
        names = self.world.by_name.get(kind, {})
        work = []
        for level2, (companies, weight) in table.items():
            ids = [names[c] for c in companies if c in names]
            if ids and level2 in self.world.leaves_by_level2:
                work.append((level2, ids, weight))
        return work

    def lead_kind(self, rng: random.Random) -> str:
        return self.kind(rng)

    def company_work(self, rng: random.Random, kind: str) -> tuple[Leaf, int]:
        """A category and the company that handles it, for an SOE or platform order."""
        work = self.soe_pick if kind == UnitKind.SOE.value else self.platform_pick
        level2, ids, _ = work(rng)
        return pick(rng, self.world.leaves_by_level2[level2]), pick(rng, ids)

    def company_for(self, kind: str, leaf: Leaf) -> int | None:
        work = self.soe_work if kind == UnitKind.SOE.value else self.platform_work
        for level2, ids, _ in work:
            if level2 == leaf.level2:
                return ids[0]
        return None

    def unit_for(
        self,
        rng: random.Random,
        kind: str,
        leaf: Leaf,
        district_id: int,
        street_id: int,
        exclude: set[int] = frozenset(),
    ) -> int | None:
        """A unit of ``kind`` for this category and place, or None if there is none."""
        world = self.world
        if kind == UnitKind.STREET.value:
            candidates = [world.street_unit[street_id]]
        elif kind == UnitKind.DISTRICT_DEPT.value:
            depts = world.departments.get(district_id, {})
            matching = [depts[s] for s in DISTRICT_DEPTS.get(leaf.level1, ()) if s in depts]
            candidates = matching if matching and rng.random() < 0.85 else list(depts.values())
        elif kind == UnitKind.CITY_DEPT.value:
            names = world.by_name.get(kind, {})
            matching = [names[n] for n in CITY_DEPTS.get(leaf.level1, ()) if n in names]
            candidates = matching if matching and rng.random() < 0.9 else list(names.values())
        else:
            own = self.company_for(kind, leaf)
            candidates = [own] if own else list(world.by_name.get(kind, {}).values())
        candidates = [c for c in candidates if c not in exclude]
        return pick(rng, candidates) if candidates else None

    def other_unit(
        self, rng: random.Random, leaf: Leaf, district_id: int, street_id: int, exclude: set[int]
    ) -> int:
        """The right unit after a return or an upheld dispute: any kind but a new unit."""
        for _ in range(8):
            kind = self.lead_kind(rng)
            if kind in (UnitKind.SOE.value, UnitKind.PLATFORM.value) and not self.company_for(
                kind, leaf
            ):
                continue
            unit = self.unit_for(rng, kind, leaf, district_id, street_id, exclude)
            if unit is not None:
                return unit
        depts = self.world.departments.get(district_id, {})
        spare = [u for u in depts.values() if u not in exclude]
        return pick(rng, spare or [self.world.street_unit[street_id]])

    def co_handlers(
        self, rng: random.Random, leaf: Leaf, district_id: int, exclude: set[int]
    ) -> list[int]:
        """Departments a street summons when it blows the whistle (吹哨报到)."""
        depts = self.world.departments.get(district_id, {})
        matching = [depts[s] for s in DISTRICT_DEPTS.get(leaf.level1, ()) if s in depts]
        pool = [u for u in dict.fromkeys(matching + list(depts.values())) if u not in exclude]
        pool = [u for u in pool if u != self.world.government.get(district_id)]
        if not pool:
            return []
        first = pool[0] if pool[0] in matching and rng.random() < 0.7 else pick(rng, pool)
        chosen = [first]
        rest = [u for u in pool if u != first]
        if rest and rng.random() < 0.35:
            chosen.append(pick(rng, rest))
        return chosen

    def coordinator(
        self, rng: random.Random, leaf: Leaf, district_id: int, exclude: set[int]
    ) -> int | None:
        """Who takes up coordination when an order is escalated (提级统筹)."""
        government = self.world.government.get(district_id)
        if government is not None and government not in exclude:
            return government
        names = self.world.by_name.get(UnitKind.CITY_DEPT.value, {})
        matching = [names[n] for n in CITY_DEPTS.get(leaf.level1, ()) if n in names]
        pool = [u for u in (matching or list(names.values())) if u not in exclude]
        return pick(rng, pool) if pool else None
