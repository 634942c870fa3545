"""The three rates 三率 and the composite score: their one definition.

- 响应率 response rate: of the dispatched orders, the share whose requester was contacted in
  time, i.e. ``contacted_at <= min(dispatched_at + RESPONSE_WINDOW_HOURS, deadline_at)``
  (the same rule as ``hotline.services.deadlines.response_due``).
- 解决率 resolution rate and 满意率 satisfaction rate: over rated (order, round) pairs. For
  each completion round the citizen's own rating counts if there is one, else the hotline's
  follow-up. Each verdict scores as configured in ``RATE_SCORES`` (by default resolved 1,
  partly 0.5, not 0; satisfied 1, basically satisfied 0.8, dissatisfied 0); the rate is the
  mean score.
- composite 综合得分 = 100 × Σ weight × rate (``COMPOSITE_WEIGHTS``, by default 0.30 × response
  + 0.35 × resolution + 0.35 × satisfaction).

A rate over fewer than ``REPORT_MIN_RATED`` orders (dispatched orders for the response rate,
rated ones for the others) is not shown, and neither is a composite that lacks one of them.
The sums are computed in SQL; this module turns the sums into the published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Select,
    Table,
    and_,
    case,
    func,
    select,
)

from hotline.models.enums import OrderStatus, RatingSource, Resolution, Satisfaction
from hotline.models.orders import Order, Rating
from hotline.reports.settings import ReportSettings
from hotline.reports.sqlfuncs import within_seconds

RATE_KEYS = ("response", "resolution", "satisfaction")
RATE_LABELS = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率"}
SCORE_DECIMALS = 6  # verdict scores (``RATE_SCORES``) have at most this many decimals


def dispatched():
    """SQL condition: an order dispatched to a unit and not withdrawn by its requester.
    A withdrawn order (撤回件, ended before any unit accepted it) counts in the intake
    volume only, never in a rate's denominator."""
    return and_(Order.dispatched_at.is_not(None), Order.status != OrderStatus.WITHDRAWN)


def withdrawn():
    """SQL condition: the requester withdrew the order."""
    return Order.status == OrderStatus.WITHDRAWN


def responded_in_time(window_hours: int, dialect: str):
    """SQL condition: a dispatched order whose requester was contacted in time."""
    return and_(
        dispatched(),
        Order.contacted_at.is_not(None),
        Order.contacted_at <= Order.deadline_at,
        within_seconds(Order.dispatched_at, Order.contacted_at, window_hours * 3600, dialect),
    )


def picked_verdicts(order_filter) -> Select:
    """Per rated (order, round): the verdict that counts, i.e. the citizen's own rating if
    there is one, else the hotline's follow-up (each at most once per round, by the
    ratings' unique key). ``order_filter`` limits the ratings to some orders."""
    citizen = Rating.source == RatingSource.CITIZEN
    follow_up = Rating.source == RatingSource.FOLLOW_UP

    def pick(verdict):
        return func.coalesce(
            func.max(case((citizen, verdict))), func.max(case((follow_up, verdict)))
        )

    return (
        select(
            Rating.order_id.label("order_id"),
            pick(Rating.resolution).label("resolution"),
            pick(Rating.satisfaction).label("satisfaction"),
        )
        .where(Rating.order_id.in_(select(Order.id).where(order_filter)))
        .group_by(Rating.order_id, Rating.round)
    )


def rated_orders(settings: ReportSettings, order_filter) -> Select:
    """Per order: how many completion rounds were rated and the summed verdict scores.

    Two GROUP BYs: first (order, round) picking the verdict that counts
    (``picked_verdicts``), then per order.
    """
    res_scores = settings.scores["resolution"]
    sat_scores = settings.scores["satisfaction"]
    per_round = picked_verdicts(order_filter).subquery("rating_rounds")
    res = case(
        {Resolution(k): float(v) for k, v in res_scores.items()}, value=per_round.c.resolution
    )
    sat = case(
        {Satisfaction(k): float(v) for k, v in sat_scores.items()},
        value=per_round.c.satisfaction,
    )
    return select(
        per_round.c.order_id,
        func.count().label("rated"),
        func.sum(res).label("res_sum"),
        func.sum(sat).label("sat_sum"),
    ).group_by(per_round.c.order_id)


# The per-order rating sums are needed by four of a report's queries; they are computed once
# per build into this temporary table (dropped at the end of the build, or at commit on
# PostgreSQL) instead of four times.
RATED_ORDERS = Table(
    "report_rated_orders",
    MetaData(),
    Column("order_id", Integer, nullable=False),
    Column("rated", Integer, nullable=False),
    Column("res_sum", Float, nullable=False),
    Column("sat_sum", Float, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


@dataclass(frozen=True)
class Rates:
    """Published rates in percent (one decimal) and the composite (two decimals), or None
    where too few orders stand behind them."""

    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None
    dispatched: int
    rated: int

    def as_dict(self) -> dict:
        return {
            "response_rate": self.response,
            "resolution_rate": self.resolution,
            "satisfaction_rate": self.satisfaction,
            "composite": self.composite,
        }


def compute_rates(
    settings: ReportSettings,
    *,
    dispatched: int,
    responded: int,
    rated: int,
    res_sum: float,
    sat_sum: float,
) -> Rates:
    enough_dispatched = dispatched >= settings.min_rated
    enough_rated = rated >= settings.min_rated
    # A sum of scores is exact at the scores' precision: rounding it there drops the noise
    # of floating-point addition, so the same verdicts give the same rate whichever way
    # they were summed (per order from the ratings, or as verdict counts in the rollups).
    res_sum, sat_sum = round(float(res_sum), SCORE_DECIMALS), round(float(sat_sum), SCORE_DECIMALS)
    fractions = {
        "response": responded / dispatched if enough_dispatched else None,
        "resolution": res_sum / rated if enough_rated else None,
        "satisfaction": sat_sum / rated if enough_rated else None,
    }
    composite = None
    if all(v is not None for v in fractions.values()):
        composite = round(100 * sum(settings.weights[k] * fractions[k] for k in RATE_KEYS), 2)
    return Rates(
        *(None if fractions[k] is None else round(100 * fractions[k], 1) for k in RATE_KEYS),
        composite=composite,
        dispatched=dispatched,
        rated=rated,
    )
