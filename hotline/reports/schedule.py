"""The release calendar: when each edition is due (``REPORT_SCHEDULE``).

- a month's 月通报: on the Nth working day of the following month (``monthly_working_day``);
- a year's 年度报告: by a date in January of the next year (``yearly_by``, "MM-DD");
- a week's 周分析: on the Nth working day after the week (``weekly_working_day``).

Working days are Monday to Friday less China's public holidays, plus the weekend days worked
in exchange (调休), from the ``holidays`` package, which carries the State Council's yearly
arrangements; a year whose arrangement is not yet known is computed from the statutory
holidays alone (the calendar page says so). An edition is on time when its first version is
published on or before its due date (Beijing time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache

import holidays

from hotline.models.reports import ReportKind
from hotline.reports.periods import Period, _next_month


@lru_cache(maxsize=16)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year, language="zh_CN")


def is_working_day(day: date) -> bool:
    return _china(day.year).is_working_day(day)


def nth_working_day(after: date, n: int) -> date:
    """The ``n``th working day on or after ``after``."""
    day, seen = after, 0
    while True:
        if is_working_day(day):
            seen += 1
            if seen >= max(1, n):
                return day
        day += timedelta(days=1)


def due_date(period: Period, rules: Mapping) -> date:
    if period.kind == ReportKind.YEAR:
        month, day = (int(x) for x in str(rules["yearly_by"]).split("-"))
        return date(period.year + 1, month, day)
    if period.kind == ReportKind.WEEK:
        return nth_working_day(period.full.end, int(rules["weekly_working_day"]))
    return nth_working_day(_next_month(period.full.start), int(rules["monthly_working_day"]))


def upcoming(today: date, rules: Mapping, months: int = 12) -> list[tuple[Period, date]]:
    """Monthly and yearly editions due from ``today`` to ``months`` months on, by date."""
    end_month = date(
        today.year + (today.month - 1 + months) // 12, (today.month - 1 + months) % 12 + 1, 1
    )
    end = end_month + timedelta(days=today.day - 1)  # the same day, months later (or after)
    out = []
    first = date(today.year - 1, today.month, 1)  # a due date lags its period by a month
    month = first
    while month <= end:
        period = Period.of(month.year, month.month)
        due = due_date(period, rules)
        if today <= due < end:
            out.append((period, due))
        month = _next_month(month)
    for year in range(today.year - 1, end.year + 1):
        period = Period.of(year)
        due = due_date(period, rules)
        if today <= due < end:
            out.append((period, due))
    out.sort(key=lambda item: (item[1], item[0].kind != ReportKind.YEAR))
    return out


def arrangement_known(year: int) -> bool:
    """Whether the year's holiday arrangement (with its 调休 working weekends) is in the
    ``holidays`` data, rather than only the statutory holidays computed by rule."""
    china = _china(year)
    workdays = getattr(china, "weekend_workdays", set())
    return any(d.year == year for d in workdays) or any("调休" in n for n in china.values())
