"""An order's contribution to the statistics: the key it counts under and its facts.

This is the one place where an order's facts are derived for the rollups, in SQL, from the
same definitions the reports use (``scoring``: response in time, the verdict that counts;
``deadlines``: on time, late). Maintenance (``maintain``), rebuilding (``rebuild``) and
verification (``verify``) all run this select; they differ only in which orders it covers.
"""

from __future__ import annotations

from sqlalchemy import Date, Select, and_, case, func, literal, select, type_coerce

from hotline.models.enums import Resolution, Satisfaction
from hotline.models.orders import Order
from hotline.models.rollups import NONE
from hotline.reports import scoring
from hotline.reports.sqlfuncs import local_day
from hotline.services.lifecycle.table import FINISHED

KEY = ("day", "district_id", "street_id", "lead_unit_id", "category_id", "kind", "channel")

# The order's attributes the contribution is computed from: a change to any of them (or to
# the order's ratings) makes the session hook recompute it.
WATCHED = (
    "received_at",
    "deadline_at",
    "dispatched_at",
    "contacted_at",
    "completed_at",
    "district_id",
    "street_id",
    "lead_unit_id",
    "category_id",
    "kind",
    "channel",
    "status",
    "repeat_count",
    "urge_count",
    "district",
    "street",
    "lead_unit",
    "category",
)

RESOLUTION_FACTS = {
    Resolution.YES: "res_yes",
    Resolution.PARTLY: "res_partly",
    Resolution.NO: "res_no",
}
SATISFACTION_FACTS = {
    Satisfaction.SATISFIED: "sat_satisfied",
    Satisfaction.BASICALLY: "sat_basically",
    Satisfaction.DISSATISFIED: "sat_dissatisfied",
}


def _flag(condition):
    return case((condition, 1), else_=0)


def verdict_counts(order_filter) -> Select:
    """Per order: its rated rounds counted by the resolution and satisfaction that count."""
    rounds = scoring.picked_verdicts(order_filter).subquery("picked_verdicts")
    columns = [
        func.count(case((rounds.c.resolution == verdict, 1))).label(name)
        for verdict, name in RESOLUTION_FACTS.items()
    ]
    columns += [
        func.count(case((rounds.c.satisfaction == verdict, 1))).label(name)
        for verdict, name in SATISFACTION_FACTS.items()
    ]
    return select(rounds.c.order_id, *columns).group_by(rounds.c.order_id)


def contribution_select(window_hours: int, dialect: str, order_filter) -> Select:
    """One row per order matching ``order_filter``, with the columns of ``rollup_orders``."""
    dispatched = scoring.dispatched()
    verdicts = verdict_counts(order_filter).subquery("verdict_counts")
    rated = [
        case((dispatched, func.coalesce(verdicts.c[name], 0)), else_=0).label(name)
        for name in (*RESOLUTION_FACTS.values(), *SATISFACTION_FACTS.values())
    ]
    facts = {
        "received": literal(1),
        "answered": _flag(and_(Order.dispatched_at.is_(None), Order.completed_at.is_not(None))),
        "dispatched": _flag(dispatched),
        "withdrawn": _flag(scoring.withdrawn()),
        "responded": _flag(scoring.responded_in_time(window_hours, dialect)),
        "completed": _flag(and_(dispatched, Order.completed_at.is_not(None))),
        "on_time": _flag(and_(dispatched, Order.completed_at <= Order.deadline_at)),
        "late": _flag(and_(dispatched, Order.completed_at > Order.deadline_at)),
        "repeats": Order.repeat_count,
        "urged": Order.urge_count,
    }
    return (
        select(
            Order.id.label("order_id"),
            type_coerce(local_day(Order.received_at, dialect), Date).label("day"),
            Order.district_id.label("district_id"),
            func.coalesce(Order.street_id, NONE).label("street_id"),
            func.coalesce(Order.lead_unit_id, NONE).label("lead_unit_id"),
            func.coalesce(Order.category_id, NONE).label("category_id"),
            Order.kind.label("kind"),
            Order.channel.label("channel"),
            *(value.label(name) for name, value in facts.items()),
            *rated,
        )
        .select_from(Order)
        .outerjoin(verdicts, verdicts.c.order_id == Order.id)
        .where(order_filter)
    )


def open_overdue(as_of):
    """The live part of "overdue": dispatched, not completed, not finished, and past its
    deadline at ``as_of`` (with ``late`` from the rollups, exactly
    ``deadlines.overdue_clause`` for dispatched orders). ``completed_at IS NULL`` comes
    first, so that the partial index of open orders (``ix_orders_open``) serves it."""
    return and_(
        Order.completed_at.is_(None),
        Order.dispatched_at.is_not(None),
        Order.status.not_in(list(FINISHED)),
        Order.deadline_at < as_of,
    )
