"""When requests arrive: a year shaped by hour of day, day of week and season.

Times are whole seconds since the epoch (UTC) while planning, and become aware UTC
datetimes only when rows are written. Order numbers are ``YYYYMMDD`` (Beijing date) plus a
per-day counter, assigned in order of receipt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
DAY = 86400

# Calls per hour of the (Beijing) day: a quiet night, a morning peak, an afternoon plateau.
HOUR_WEIGHTS = (
    0.8, 0.5, 0.35, 0.3, 0.3, 0.45, 1.2, 2.6, 4.6, 6.2, 6.6, 6.0,
    4.6, 4.8, 5.8, 5.9, 5.5, 4.9, 4.0, 3.8, 3.6, 3.0, 2.1, 1.3,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.97, 0.74, 0.7)  # Monday first
# Summer rain and heat, and the heating season, bring more calls.
MONTH_WEIGHTS = (1.08, 0.9, 0.98, 0.95, 1.0, 1.05, 1.15, 1.12, 0.98, 0.9, 1.06, 1.12)


def in_heating_season(ts: int) -> bool:
    """Beijing heats from 15 November to 15 March."""
    local = datetime.fromtimestamp(ts, SHANGHAI)
    return (local.month, local.day) >= (11, 15) or (local.month, local.day) <= (3, 15)


def as_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def local_day(ts: int) -> str:
    return datetime.fromtimestamp(ts, SHANGHAI).strftime("%Y%m%d")


@dataclass(frozen=True)
class Window:
    """Orders are received in [start, end); ``now`` cuts off every later step."""

    start: int
    end: int
    now: int

    @classmethod
    def for_year(cls, year: int | None, now: datetime) -> Window:
        now_ts = int(now.timestamp())
        if year is None:
            return cls(now_ts - 365 * DAY, now_ts, now_ts)
        start = int(datetime(year, 1, 1, tzinfo=SHANGHAI).timestamp())
        end = min(int(datetime(year + 1, 1, 1, tzinfo=SHANGHAI).timestamp()), now_ts)
        if end <= start:
            raise ValueError(f"{year} has not begun yet; orders cannot be in the future")
        return cls(start, end, now_ts)


def sample_received(rng: random.Random, n: int, window: Window) -> list[int]:
    """``n`` receipt times in the window, sorted."""
    slots: list[int] = []
    weights: list[float] = []
    first = window.start - window.start % HOUR
    for slot in range(first, window.end, HOUR):
        local = datetime.fromtimestamp(slot, SHANGHAI)
        lo, hi = max(slot, window.start), min(slot + HOUR, window.end)
        weight = (
            HOUR_WEIGHTS[local.hour]
            * WEEKDAY_WEIGHTS[local.weekday()]
            * MONTH_WEIGHTS[local.month - 1]
            * (hi - lo)
            / HOUR
        )
        slots.append(slot)
        weights.append(weight)
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    times = []
    for slot in rng.choices(slots, cum_weights=cumulative, k=n):
        lo, hi = max(slot, window.start), min(slot + HOUR, window.end)
        times.append(lo + int(rng.random() * (hi - lo)))
    times.sort()
    return times


def order_numbers(times: list[int], taken: dict[str, int] | None = None) -> list[str]:
    """``YYYYMMDD`` + a six-digit counter per Beijing day, after the numbers already taken."""
    counters = dict(taken or {})
    numbers = []
    for ts in times:
        day = local_day(ts)
        counter = counters.get(day, 0) + 1
        if counter >= 10**6:
            raise ValueError(f"more than 999,999 orders on {day}")
        counters[day] = counter
        numbers.append(f"{day}{counter:06d}")
    return numbers


def minutes(m: float) -> int:
    return int(m * 60)


def hours(h: float) -> int:
    return int(h * HOUR)


def days(d: float) -> int:
    return int(d * DAY)
