"""The demo's history: years of orders, concentrated where the reports need them, growing
year on year, with a few surges planted for the weekly analysis (周分析).

Volume. Full volume goes to a few districts (``DEMO_DISTRICTS``: 西城区 and 石景山区, 24
street offices), a thin sample (``thin_share`` of all orders) to the other fourteen, by
their usual weights. Within the full districts every street gets the same expected volume,
``per_street_month`` orders a month on average over the first year, so that nearly every
street has enough rated orders as lead unit to be ranked every month (about 0.14 rated
street-led orders per order: 40 % are dispatched, 36 % of those to a street office, and
nearly all of those are followed up). A few street offices of the other districts
(``SAMPLE_STREETS``) get 40 % of a full street's volume, about 20 rated orders a month: the
ranking lists them as 样本不足. The rest of those districts' streets have a handful of orders a
month and no rates.

Growth. +10 % a year (``growth``), compounded continuously from the first day, on top of
the hour, weekday and season shapes of ``hotline.synth.timing``. The real hotline grew
faster in some years and slower in others; 10 % is a plain, credible middle.

Surges. ``PLANTED_SURGES`` adds orders to a few street × level-1 category cells in the last
complete weeks before now (ISO weeks, Monday to Sunday, Beijing time): a heating failure,
a construction site working at night, a burst water main. Each reaches its factor times
the cell's expected weekly count, and at least ``SURGE_MIN`` orders, so the weekly test of
``hotline.reports.hotspots`` finds it; nothing else is planted, and the seasons change
smoothly, so other cells stay flat.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.synth.plan import Planner
from hotline.synth.scenario import Focus, Mix, Rules
from hotline.synth.timing import DAY, SHANGHAI, Window, sample_received, slot_weights
from hotline.synth.world import World

DEMO_DISTRICTS = ("110102", "110107")  # 西城区, 石景山区
DEMO_YEARS = 3
PER_STREET_MONTH = 270
THIN_SHARE = 0.04
# A few street offices of other districts with a steady sample, 40 % of a full street's
# volume: about 20 rated orders a month, so the monthly ranking lists them as 样本不足.
SAMPLE_STREETS = ("110101011", "110105004", "110108010")  # 前门街道, 三里屯街道, 中关村街道
SAMPLE_FACTOR = 0.4
GROWTH = 0.10
SURGE_MIN = 15  # orders in a surge week, at least
SHARE_SAMPLE = 2000  # plans drawn to estimate a category's share of a street's orders


@dataclass(frozen=True)
class Surge:
    """A planted surge: ``factors`` times the usual weekly count of one street × level-1
    category cell, in the last complete weeks (the last factor is the last week)."""

    label: str
    street: str  # street code
    level1: str
    level2: tuple[str, ...]  # the surge's orders take their categories from these
    factors: tuple[float, ...]


PLANTED_SURGES = (
    Surge("集中供暖故障", "110102004", "住房", ("供暖",), (4.5,)),  # 展览路街道
    Surge("工地夜间施工扰民", "110107009", "城乡建设", ("施工扰民",), (4.0, 5.0)),  # 鲁谷街道
    Surge("供水管道爆裂停水", "110102015", "公共服务", ("供水",), (4.0,)),  # 广安门外街道
)


@dataclass(frozen=True)
class PlantedCell:
    """What was planted in one week of one cell: the weekly analysis should find it."""

    label: str
    district_code: str
    street_code: str
    street_name: str
    level1: str
    week: str  # Monday of the ISO week, Beijing date, YYYY-MM-DD
    expected: float  # the cell's expected count without the surge
    added: int  # surge orders added


@dataclass(frozen=True)
class History:
    years: int = DEMO_YEARS
    districts: tuple[str, ...] = DEMO_DISTRICTS  # codes at full volume; () = all alike
    per_street_month: float = PER_STREET_MONTH
    thin_share: float = THIN_SHARE
    growth: float = GROWTH
    surges: tuple[Surge, ...] = PLANTED_SURGES
    sample_streets: tuple[str, ...] = SAMPLE_STREETS  # in other districts, a steady sample
    sample_factor: float = SAMPLE_FACTOR  # of a full street's volume
    days: int | None = None  # instead of years: the last so many days (tests, quick looks)

    def window(self, now: datetime) -> Window:
        if self.days is not None:
            end = int(now.timestamp())
            return Window(end - self.days * DAY, end, end)
        return Window.for_years(self.years, now)

    def _streets(self, world: World) -> tuple[set[int], dict[int, int]]:
        """The full districts' ids, and each sample street's id with its district's."""
        known = {world.district_codes[d]: d for d in world.district_ids}
        unknown = [code for code in self.districts if code not in known]
        if unknown:
            raise ValueError(f"no district with code {', '.join(unknown)} has streets")
        full = {known[code] for code in self.districts}
        samples = {}
        for code in self.sample_streets:
            street = next((s for s, c in world.street_codes.items() if c == code), None)
            district = next(
                (d for d, ids in world.streets_by_district.items() if street in ids), None
            )
            if district is None:
                raise ValueError(f"no street with code {code} takes orders")
            if district not in full:
                samples[street] = district
        return full, samples

    def mix(self, world: World) -> Mix:
        """Full districts weighted by their number of streets (every street alike), the
        sample streets at ``sample_factor`` of a full street; the rest of the other
        districts share ``thin_share`` by their usual weights."""
        if not self.districts:
            return Mix(tuple(world.district_ids), tuple(world.district_weights))
        full, samples = self._streets(world)
        full_streets = sum(len(world.streets_by_district[d]) for d in full)
        street = (1 - self.thin_share) / (full_streets + len(samples) * self.sample_factor)
        thin_total = sum(
            w
            for d, w in zip(world.district_ids, world.district_weights, strict=True)
            if d not in full
        )
        weights, streets = [], []
        for d, w in zip(world.district_ids, world.district_weights, strict=True):
            ids = world.streets_by_district[d]
            if d in full:
                weights.append(street * len(ids))
                continue
            thin = self.thin_share * w / thin_total if thin_total else 0.0
            extra = {s: street * self.sample_factor for s, sd in samples.items() if sd == d}
            weights.append(thin + sum(extra.values()))
            if extra:
                streets.append(
                    (d, tuple(ids), tuple(thin / len(ids) + extra.get(s, 0.0) for s in ids))
                )
        return Mix(tuple(world.district_ids), tuple(weights), tuple(streets))

    def size(self, world: World, window: Window) -> int:
        """Orders for ``per_street_month`` a month in every full-district street over the
        first year (and the sample streets' share), grown and shaped over the window."""
        full, samples = self._streets(world)
        if not full:
            raise ValueError("a size from streets needs full-volume districts")
        streets = sum(len(world.streets_by_district[d]) for d in full)
        streets += len(samples) * self.sample_factor
        slots, weights = slot_weights(window, self.growth)
        first_year_end = datetime.fromtimestamp(window.start, SHANGHAI)
        first_year_end = int(first_year_end.replace(year=first_year_end.year + 1).timestamp())
        first = sum(w for s, w in zip(slots, weights, strict=True) if s < first_year_end)
        per_first_year = self.per_street_month * 12 * streets / (1 - self.thin_share)
        return round(per_first_year * sum(weights) / first)


# The 10-million-order benchmark: the same planner, timelines and surges as the demo, but
# every district at its usual weight (a slice of the whole city, not a concentrated sample).
BENCH = History(districts=(), thin_share=0.0, sample_streets=())


def last_weeks(now: int, count: int) -> list[tuple[int, int]]:
    """[start, end) of the last ``count`` complete ISO weeks before ``now``, oldest first."""
    local = datetime.fromtimestamp(now, SHANGHAI)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    end = int(monday.timestamp())
    return [(end - (count - i) * 7 * DAY, end - (count - i - 1) * 7 * DAY) for i in range(count)]


def focus_of(world: World, surge: Surge) -> Focus:
    street = next((s for s, code in world.street_codes.items() if code == surge.street), None)
    if street is None or world.street_unit.get(street) is None:
        raise ValueError(f"street {surge.street} of surge {surge.label!r} is not in the data")
    district = next(d for d, streets in world.streets_by_district.items() if street in streets)
    leaves = tuple(
        leaf
        for level2 in surge.level2
        for leaf in world.leaves.get(surge.level1, {}).get(level2, ())
    )
    if not leaves:
        raise ValueError(f"no categories {surge.level1}/{surge.level2} for {surge.label!r}")
    return Focus(surge.label, district, street, leaves)


def level1_share(planner: Planner, at: int, level1: str) -> float:
    """Share of ``level1`` among orders planned at ``at`` (a sample, as the planner draws)."""
    counts = Counter(planner.plan(at, "0").leaf.level1 for _ in range(SHARE_SAMPLE))
    return counts[level1] / SHARE_SAMPLE


def plant(
    history: History,
    world: World,
    window: Window,
    rules: Rules,
    mix: Mix,
    times: list[int],
    seed: int,
) -> tuple[list[int], list[int], list[PlantedCell]]:
    """Receipt times of the surges' orders, the index of each one's focus, and what was
    planted; ``times`` are the orders already sampled, sorted (to know each week's
    volume)."""
    rng = random.Random(f"{seed}/surges")
    planner = Planner(world, random.Random(f"{seed}/shares"), window, rules, mix)
    weights = dict(zip(mix.district_ids, mix.weights, strict=True))
    total_weight = sum(weights.values())
    added_times: list[int] = []
    focus_index: list[int] = []
    planted: list[PlantedCell] = []
    for index, surge in enumerate(history.surges):
        focus = focus_of(world, surge)
        street_share = weights.get(focus.district_id, 0.0) / total_weight
        street_share /= len(world.streets_by_district[focus.district_id])
        for (start, end), factor in zip(
            last_weeks(window.now, len(surge.factors)), surge.factors, strict=True
        ):
            if start < window.start:
                continue
            in_week = bisect_left(times, end) - bisect_left(times, start)
            share = level1_share(planner, (start + end) // 2, surge.level1)
            expected = in_week * street_share * share
            added = max(SURGE_MIN - round(expected), round((factor - 1) * expected))
            week = Window(start, end, window.now)
            added_times += sample_received(rng, added, week)
            focus_index += [index] * added
            planted.append(
                PlantedCell(
                    label=surge.label,
                    district_code=world.district_codes[focus.district_id],
                    street_code=surge.street,
                    street_name=world.street_names[focus.street_id],
                    level1=surge.level1,
                    week=datetime.fromtimestamp(start, SHANGHAI).strftime("%Y-%m-%d"),
                    expected=expected,
                    added=added,
                )
            )
    return added_times, focus_index, planted


def focuses(history: History, world: World) -> tuple[Focus, ...]:
    return tuple(focus_of(world, surge) for surge in history.surges)


def merge_planted(
    times: list[int], added: list[int], focus_index: list[int]
) -> tuple[list[int], dict[int, int]]:
    """``times`` (sorted) with the planted orders' times merged in: all the times in order,
    and the position of each planted order with the index of its focus. Of equal times,
    the sampled orders come first."""
    merged: list[int] = []
    focus: dict[int, int] = {}
    taken = 0
    for t, f in sorted(zip(added, focus_index, strict=True)):
        cut = bisect_right(times, t, taken)
        merged += times[taken:cut]
        focus[len(merged)] = f
        merged.append(t)
        taken = cut
    merged += times[taken:]
    return merged, focus
