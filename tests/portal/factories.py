"""Orders made to measure for the portal tests: one order per call, deterministic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from tests.portal import dataset

BEIJING = ZoneInfo("Asia/Shanghai")
GOOD = ("yes", "satisfied")
BAD = ("no", "dissatisfied")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING).astimezone(UTC)


def order(
    when: datetime,
    district: str,
    street: str | None,
    category: str = "parking",
    *,
    verdict: tuple[str, str] | None = None,
    unit: str | None = None,
    answered: bool = False,
) -> dataset.Spec:
    """A dispatched order handled by the street's office (or ``unit``), contacted within the
    hour and completed the next day; rated with ``verdict`` when given."""
    spec = dataset.Spec(
        received_at=when,
        district=district,
        street=street,
        channel="phone",
        kind="complaint",
        category=category,
        deadline_at=when + timedelta(days=7),
    )
    if answered:
        spec.status, spec.completed_at = "answered", when + timedelta(minutes=5)
        return spec
    spec.dispatched_at = when + timedelta(minutes=10)
    spec.lead_unit = unit or street
    spec.contacted_at = when + timedelta(hours=1)
    spec.completed_at = when + timedelta(days=1)
    spec.status = "completed"
    if verdict:
        spec.ratings.append((1, "follow_up", verdict[0], verdict[1]))
    return spec


def rated(year: int, month: int, district: str, street: str, n: int, good: float) -> list:
    """``n`` rated orders of a street in a month, a share ``good`` of them resolved and
    satisfied (composite = 30 + 70 × good), spread over the month's first 28 days."""
    n_good = round(n * good)
    return [
        order(
            at(year, month, 1 + i % 28, 8 + i % 10),
            district,
            street,
            verdict=GOOD if i < n_good else BAD,
        )
        for i in range(n)
    ]


def world_with_places(world) -> SimpleNamespace:
    return SimpleNamespace(world=world, places=dataset.add_places(world))
