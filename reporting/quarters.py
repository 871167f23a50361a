"""Reporting quarters and the dates returns are due.

Quarters follow the financial year (April to June, July to September, October to December,
January to March). A quarter's return is due two whole months after it ends, on the 1st
(1 September, 1 December, 1 March, 1 June); when that day falls on a weekend, the Friday
before. A service's schedule can change the first month of the year and the lag
(`Schedule`), so the same code serves a service that reports on other boundaries.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Schedule:
    """When quarters start and how long after one ends its return is due."""

    first_month: int = 4  # the year's first quarter starts in April
    due_months_after_end: int = 2  # two whole months after the quarter ends: due on the 1st of the next
    due_day: int = 1

    def quarter_containing(self, day: dt.date) -> Quarter:
        offset = (day.month - self.first_month) % 3
        return Quarter(_add_months(day.replace(day=1), -offset), self)

    def parse(self, key: str) -> Quarter | None:
        """The quarter a key like "2026-07" names, or None when it names no quarter of this schedule."""
        match = _KEY.match(key or "")
        if not match:
            return None
        year, month = int(match.group(1)), int(match.group(2))
        if not (2000 <= year <= 2100 and 1 <= month <= 12) or (month - self.first_month) % 3:
            return None
        return Quarter(dt.date(year, month, 1), self)

    def last_ended(self, today: dt.date) -> Quarter:
        return self.quarter_containing(today).previous


DEFAULT_SCHEDULE = Schedule()


@dataclass(frozen=True)
class Quarter:
    start: dt.date
    schedule: Schedule = DEFAULT_SCHEDULE

    @property
    def end(self) -> dt.date:
        """The last day of the quarter (inclusive)."""
        return _add_months(self.start, 3) - dt.timedelta(days=1)

    @property
    def end_exclusive(self) -> dt.date:
        return _add_months(self.start, 3)

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        end = self.end
        if self.start.year == end.year:
            return f"{MONTHS[self.start.month - 1]} to {MONTHS[end.month - 1]} {end.year}"
        return f"{MONTHS[self.start.month - 1]} {self.start.year} to {MONTHS[end.month - 1]} {end.year}"

    @property
    def due_on(self) -> dt.date:
        """The due date: the schedule's day after the quarter ends, or the Friday before a weekend."""
        day = _add_months(self.end, self.schedule.due_months_after_end + 1).replace(day=self.schedule.due_day)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return day

    @property
    def previous(self) -> Quarter:
        return Quarter(_add_months(self.start, -3), self.schedule)

    @property
    def next(self) -> Quarter:
        return Quarter(_add_months(self.start, 3), self.schedule)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label
