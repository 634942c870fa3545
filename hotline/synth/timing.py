"""When requests arrive: years shaped by hour of day, day of week, season and growth.

Times are whole seconds since the epoch (UTC) while planning, and become aware UTC
datetimes only when rows are written. Order numbers are ``YYYYMMDD`` (Beijing date) plus a
per-day counter, assigned in order of receipt.

Seasons change smoothly from day to day (the month weights hold at mid-month and are
interpolated in between), and so does the heating season's share of heating complaints: a
weekly comparison of one street and category then sees no step that the data does not
have, and the planted surges (``hotline.synth.history``) stand out alone.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import accumulate, repeat
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
DAY = 86400
YEAR = 365.2425 * DAY
BEIJING_OFFSET = 8 * HOUR  # no daylight saving time since 1991

# Calls per hour of the (Beijing) day: a quiet night, a morning peak, an afternoon plateau.
HOUR_WEIGHTS = (
    0.8, 0.5, 0.35, 0.3, 0.3, 0.45, 1.2, 2.6, 4.6, 6.2, 6.6, 6.0,
    4.6, 4.8, 5.8, 5.9, 5.5, 4.9, 4.0, 3.8, 3.6, 3.0, 2.1, 1.3,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.97, 0.74, 0.7)  # Monday first
# Summer rain and heat, and the heating season, bring more calls; the Spring Festival and
# the National Day week fewer (at mid-month; gentle from one week to the next).
MONTH_WEIGHTS = (1.06, 0.92, 0.98, 0.97, 1.0, 1.05, 1.12, 1.1, 1.0, 0.97, 1.0, 1.04)
# Heating complaints: Beijing heats from 15 November to 15 March; complaints build up from
# the trial runs in late October to the cold of mid-December, stay high until February and
# fade out in March (day of year, Beijing: ramp up from, full from, full until, gone at).
HEATING_RAMP = (288, 349, 59, 90)


def _local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts + BEIJING_OFFSET, UTC)


@lru_cache(maxsize=4096)
def _day_of_year(day: int) -> int:
    """Day of the year (1–366) of a Beijing day number (days since the epoch)."""
    return datetime.fromtimestamp(day * DAY, UTC).timetuple().tm_yday


def heating_intensity(ts: int) -> float:
    """0 outside the heating season, 1 at its height, in between while it starts and ends."""
    doy = _day_of_year((ts + BEIJING_OFFSET) // DAY)
    up, full, full_until, gone = HEATING_RAMP
    if doy >= full or doy <= full_until:
        return 1.0
    if up < doy < full:
        return (doy - up) / (full - up)
    if full_until < doy < gone:
        return (gone - doy) / (gone - full_until)
    return 0.0


def seasonal_weight(local: datetime) -> float:
    """The month weights, interpolated linearly between mid-months."""
    position = local.month - 1 + (local.day - 1) / 31 - 0.5  # months since mid-January
    lower = math.floor(position)
    frac = position - lower
    return MONTH_WEIGHTS[lower % 12] * (1 - frac) + MONTH_WEIGHTS[(lower + 1) % 12] * frac


def as_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@lru_cache(maxsize=4096)
def _day_label(day: int) -> str:
    return datetime.fromtimestamp(day * DAY, UTC).strftime("%Y%m%d")


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

    @classmethod
    def for_years(cls, years: int, now: datetime) -> Window:
        """``years`` full (Beijing) years before the current one, and this year so far."""
        now_ts = int(now.timestamp())
        first = now.astimezone(SHANGHAI).year - years
        return cls(int(datetime(first, 1, 1, tzinfo=SHANGHAI).timestamp()), now_ts, now_ts)


def slot_weights(window: Window, growth: float = 0.0) -> tuple[list[int], list[float]]:
    """Hourly slots of the window and their expected shares of the orders: hour of day,
    day of week, season, and ``growth`` a year (compounded continuously from the start)."""
    slots: list[int] = []
    weights: list[float] = []
    rate = math.log1p(growth) / YEAR
    first = window.start - window.start % HOUR
    day_weight, day = 0.0, None
    for slot in range(first, window.end, HOUR):
        local = _local(slot)
        if local.day != day:
            day = local.day
            day_weight = WEEKDAY_WEIGHTS[local.weekday()] * seasonal_weight(local)
        lo, hi = max(slot, window.start), min(slot + HOUR, window.end)
        weight = HOUR_WEIGHTS[local.hour] * day_weight * (hi - lo) / HOUR
        if rate:
            weight *= math.exp(rate * (slot - window.start))
        slots.append(slot)
        weights.append(weight)
    return slots, weights


def sample_received(rng: random.Random, n: int, window: Window, growth: float = 0.0) -> list[int]:
    """``n`` receipt times in the window, sorted.

    How many orders fall in each hourly slot is drawn first (each order picks its slot by
    the slots' weights), then each one's second within its slot, uniformly. Slots come in
    order, so only each slot's own few times are sorted: ten million times take seconds,
    not the minute a sort of all of them would."""
    slots, weights = slot_weights(window, growth)
    indexes = list(range(len(slots)))  # one int object per slot, shared by the draws
    counts = Counter(rng.choices(indexes, cum_weights=list(accumulate(weights)), k=n))
    rand = rng.random
    times: list[int] = []
    for i in sorted(counts):
        lo, hi = max(slots[i], window.start), min(slots[i] + HOUR, window.end)
        span = hi - lo
        times += sorted([lo + int(rand() * span) for _ in repeat(None, counts[i])])
    return times


def order_numbers(times: list[int], taken: dict[str, int] | None = None) -> list[str]:
    """``YYYYMMDD`` + a six-digit counter per Beijing day, after the numbers already taken."""
    return number_orders(times, dict(taken or {}))


def number_orders(times: list[int], counters: dict[str, int]) -> list[str]:
    """Numbers for ``times`` (in order of receipt), counting on from ``counters`` (the last
    counter used on each day), which are updated: chunk after chunk, numbers run on."""
    numbers = []
    day, counter, start, end = "", 0, 0, 0
    for ts in times:
        if not start <= ts < end:  # another Beijing day than the previous order's
            if day:
                counters[day] = counter
            local = (ts + BEIJING_OFFSET) // DAY
            day, start = _day_label(local), local * DAY - BEIJING_OFFSET
            end = start + DAY
            counter = counters.get(day, 0)
        counter += 1
        if counter >= 10**6:
            raise ValueError(f"more than 999,999 orders on {day}")
        numbers.append(f"{day}{counter:06d}")
    if day:
        counters[day] = counter
    return numbers


def minutes(m: float) -> int:
    return int(m * 60)


def hours(h: float) -> int:
    return int(h * HOUR)


def days(d: float) -> int:
    return int(d * DAY)
