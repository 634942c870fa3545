"""Report periods in Beijing local dates, and their UTC bounds for the queries.

A period that has not ended yet is cut at the start of the build day (Beijing time), so a
report always covers whole days; its comparison period covers the same span one year (for
a yearly report) or one month (for a monthly report) earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hotline.models.reports import ReportKind
from hotline.reports.settings import LOCAL_OFFSET_HOURS

LOCAL = timedelta(hours=LOCAL_OFFSET_HOURS)
PERIOD_RE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2])|-W(?P<week>0[1-9]|[1-4]\d|5[0-3]))?$"
)


class BadPeriod(ValueError):
    pass


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _previous_month(d: date) -> date:
    return date(d.year - (d.month == 1), (d.month - 2) % 12 + 1, 1)


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return date(d.year - 1, 3, 1)


def local_midnight_utc(d: date) -> datetime:
    """00:00 Beijing time of a local date, as an aware UTC datetime."""
    return datetime.combine(d, time(), tzinfo=UTC) - LOCAL


def local_today(now: datetime) -> date:
    return (now.astimezone(UTC) + LOCAL).date()


@dataclass(frozen=True)
class Span:
    """Whole local days [start, end)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_utc(self) -> datetime:
        return local_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return local_midnight_utc(self.end)

    def months(self) -> list[str]:
        out, d = [], date(self.start.year, self.start.month, 1)
        while d < self.end:
            out.append(f"{d.year:04d}-{d.month:02d}")
            d = _next_month(d)
        return out

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": (self.end - timedelta(days=1)).isoformat(),  # inclusive, as people read it
            "days": self.days,
        }


@dataclass(frozen=True)
class Period:
    """A yearly ("2026"), monthly ("2026-10") or weekly ("2026-W48", ISO week: Monday to
    Sunday, the year being the ISO year) report period."""

    kind: ReportKind
    year: int
    month: int | None = None
    week: int | None = None

    @classmethod
    def parse(cls, key: str) -> Period:
        m = PERIOD_RE.match(key or "")
        if not m:
            raise BadPeriod(key)
        year = int(m["year"])
        if m["month"]:
            return cls(ReportKind.MONTH, year, int(m["month"]))
        if m["week"]:
            return cls.of_week(year, int(m["week"]))
        return cls(ReportKind.YEAR, year)

    @classmethod
    def of_week(cls, year: int, week: int) -> Period:
        if not 2000 <= year <= 2999:
            raise BadPeriod(f"{year}-W{week}")
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise BadPeriod(f"{year}-W{week}") from None
        return cls(ReportKind.WEEK, year, None, week)

    @classmethod
    def week_of(cls, day: date) -> Period:
        """The ISO week a local date falls in."""
        iso = day.isocalendar()
        return cls(ReportKind.WEEK, iso.year, None, iso.week)

    @classmethod
    def of(cls, year: int, month: int | None = None) -> Period:
        if not 2000 <= year <= 2999 or (month is not None and not 1 <= month <= 12):
            raise BadPeriod(f"{year}-{month}")
        return cls(ReportKind.MONTH if month else ReportKind.YEAR, year, month)

    @property
    def key(self) -> str:
        if self.week is not None:
            return f"{self.year:04d}-W{self.week:02d}"
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        if self.week is not None:
            full = self.full
            last = full.end - timedelta(days=1)
            return (
                f"{self.year}年第{self.week}周（{full.start.month}月{full.start.day}日至"
                f"{last.month}月{last.day}日）"
            )
        return f"{self.year}年" if self.month is None else f"{self.year}年{self.month}月"

    @property
    def full(self) -> Span:
        if self.week is not None:
            monday = date.fromisocalendar(self.year, self.week, 1)
            return Span(monday, monday + timedelta(days=7))
        if self.month is None:
            return Span(date(self.year, 1, 1), date(self.year + 1, 1, 1))
        start = _month_start(self.year, self.month)
        return Span(start, _next_month(start))

    def covered(self, now: datetime) -> Span:
        """The whole days of the period that have ended by ``now``."""
        full = self.full
        end = min(full.end, max(full.start, local_today(now)))
        return Span(full.start, end)

    def comparison(self, covered: Span) -> tuple[str, str, Span]:
        """(label, period key, span) of the period it is compared with: the whole previous
        year or month when this one is complete, else the same stretch of it."""
        complete = covered.end >= self.full.end
        if self.week is not None:
            start = self.full.start - timedelta(days=7)
            previous = Period.week_of(start)
            return "环比", previous.key, Span(start, start + (covered.end - covered.start))
        if self.month is None:
            start = date(self.year - 1, 1, 1)
            end = self.full.start if complete else _year_earlier(covered.end)
            return "同比", f"{self.year - 1:04d}", Span(start, end)
        start = _previous_month(self.full.start)
        end = _next_month(start)
        if not complete:
            end = min(end, start + (covered.end - covered.start))
        return "环比", f"{start.year:04d}-{start.month:02d}", Span(start, end)

    def ranking_span(self, covered: Span) -> Span:
        """The months whose street ranking the report shows, plus the month before the
        first one (进步类 compares with it)."""
        return Span(_previous_month(covered.start), covered.end)

    def is_complete(self, now: datetime) -> bool:
        return self.covered(now).end >= self.full.end

    def is_started(self, now: datetime) -> bool:
        return self.covered(now).days > 0
