"""The monthly street ranking: 先进类, 进步类, 整改类 and 治理类 (DESIGN §2).

Input rows are the street offices' monthly sums from ``Queries.street_units_by_month``; the
rules are ``RANKING_RULES`` (see ``settings``). A street is ranked in a month when its
composite score can be shown (enough dispatched and rated orders) and at least
``REPORT_RANKING_MIN_RATED`` (30) of its orders were rated that month: a score over a handful
of ratings says little, and one quick fix must not top the list (FixMyStreet issues #1630 and
#1957). A street with a score but fewer ratings is listed as 样本不足 (too few rated), apart
from privacy suppression. Equal scores share a rank.
Bands are ``max(1, round(N × share))`` places of the N ranked (by rank, so tied streets
share a class), and are assigned in this order, each street getting the first class that
applies:

1. 治理类: the bottom ``governance_share`` band, or a score below ``governance_floor``;
2. 整改类: the ``rectify_share`` band just above it, or a score below ``rectify_floor``;
3. 先进类: the top ``advanced_share`` band;
4. 进步类: ranked the month before too, and up at least ``improving_places`` places or
   ``improving_points`` points.

With fewer than ``min_streets`` ranked streets no class is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotline.reports.scoring import Rates, compute_rates
from hotline.reports.settings import ReportSettings
from hotline.reports.sqlfuncs import bucket_key

ADVANCED, IMPROVING, RECTIFY, GOVERNANCE = "先进类", "进步类", "整改类", "治理类"
CLASSES = (ADVANCED, IMPROVING, RECTIFY, GOVERNANCE)
TOO_FEW = "样本不足"


@dataclass
class StreetMonth:
    unit_code: str
    street: str
    district: str
    rates: Rates
    street_code: str | None = None
    district_code: str | None = None
    too_few: bool = False  # a score, but fewer rated orders than the ranking needs
    rank: int | None = None
    klass: str | None = None
    previous_rank: int | None = None
    previous_composite: float | None = None
    urged: int = 0  # 催办 of the month's orders led by this street office


def _band(n: int, share: float) -> int:
    return max(1, math.floor(n * share + 0.5))


def street_months(settings: ReportSettings, rows) -> dict[str, list[StreetMonth]]:
    """Group the query rows by month, with each street's rates."""
    out: dict[str, list[StreetMonth]] = {}
    for r in rows:
        rates = compute_rates(
            settings,
            dispatched=r.dispatched,
            responded=r.responded,
            rated=int(r.rated),
            res_sum=r.res_sum,
            sat_sum=r.sat_sum,
        )
        out.setdefault(bucket_key(r.month, 7), []).append(
            StreetMonth(
                r.unit_code,
                r.street_name or r.unit_code,
                r.district_name or "",
                rates,
                street_code=r.street_code,
                district_code=r.district_code,
                urged=int(r.urged),
            )
        )
    return out


def rank_month(
    settings: ReportSettings, streets: list[StreetMonth], previous: list[StreetMonth] | None
) -> list[StreetMonth]:
    """Rank one month's streets and give them their classes; returns ranked ones first."""
    rules = settings.ranking
    for s in streets:
        s.too_few = s.rates.composite is None or s.rates.rated < settings.ranking_min_rated
    ranked = sorted(
        (s for s in streets if not s.too_few),
        key=lambda s: (-s.rates.composite, s.unit_code),
    )
    for s in ranked:
        s.rank = 1 + sum(1 for o in ranked if o.rates.composite > s.rates.composite)
    before = {s.unit_code: s for s in previous or [] if s.rank is not None}
    for s in ranked:
        if (p := before.get(s.unit_code)) is not None:
            s.previous_rank, s.previous_composite = p.rank, p.rates.composite

    n = len(ranked)
    if n >= rules["min_streets"]:
        k_gov = _band(n, rules["governance_share"])
        k_rect = _band(n, rules["rectify_share"])
        k_adv = _band(n, rules["advanced_share"])
        for s in ranked:  # by rank, not position: tied streets share their class
            score = s.rates.composite
            if s.rank > n - k_gov or score < rules["governance_floor"]:
                s.klass = GOVERNANCE
            elif s.rank > n - k_gov - k_rect or score < rules["rectify_floor"]:
                s.klass = RECTIFY
            elif s.rank <= k_adv:
                s.klass = ADVANCED
            elif s.previous_rank is not None and (
                s.previous_rank - s.rank >= rules["improving_places"]
                or score - s.previous_composite >= rules["improving_points"]
            ):
                s.klass = IMPROVING
    unranked = sorted((s for s in streets if s.rank is None), key=lambda s: s.unit_code)
    return ranked + unranked


def rank_months(settings: ReportSettings, rows, months: list[str]) -> dict[str, list]:
    """Rank every month in ``months``; the month before the first is used for 进步类 only."""
    by_month = street_months(settings, rows)
    result: dict[str, list[StreetMonth]] = {}
    previous: list[StreetMonth] | None = None
    all_months = sorted(set(by_month) | set(months))
    for month in all_months:
        ranked = rank_month(settings, by_month.get(month, []), previous)
        if month in months:
            result[month] = ranked
        previous = ranked
    return result
