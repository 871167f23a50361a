"""Days and moments as integers, turned into the database's text form by table lookups.

A day is a proleptic ordinal (date.toordinal()); a moment is a whole minute, day * 1440 + minute of the day,
in UTC. Text forms come from precomputed lists, which is far cheaper than formatting date objects millions
of times. Working days (no weekends, no England and Wales bank holidays) come from core.workdays.
"""

from __future__ import annotations

import datetime as dt

from core.workdays import is_working_day

MINUTES = 1440


class Timebase:
    def __init__(self, today: dt.date, years: int) -> None:
        self.today = today.toordinal()
        self.start = self.today - round(365.25 * years)
        self.now = self.today * MINUTES  # midnight at the start of today: every generated moment is before it
        self.first = self.today - 110 * 366  # oldest date of birth
        self.last = self.today + 3 * 366  # latest target date
        self.days = [dt.date.fromordinal(o).isoformat() for o in range(self.first, self.last)]
        self.hm = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(MINUTES)]
        work_from = self.start - 800
        self._work_from = work_from
        self.working = bytes(is_working_day(dt.date.fromordinal(o)) for o in range(work_from, self.last))

    def day(self, d: int) -> str:
        return self.days[d - self.first]

    def ts(self, t: int) -> str:
        return self.days[t // MINUTES - self.first] + " " + self.hm[t % MINUTES]

    def time(self, t: int) -> str:
        return self.hm[t % MINUTES]

    def year(self, d: int) -> int:
        return int(self.days[d - self.first][:4])

    def is_working(self, d: int) -> bool:
        return bool(self.working[d - self._work_from])

    def add_working_days(self, d: int, n: int) -> int:
        """As core.workdays.add_working_days, on ordinals."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        working = self.working
        base = self._work_from
        while remaining:
            d += step
            if working[d - base]:
                remaining -= 1
        return d

    def next_working(self, d: int) -> int:
        while not self.working[d - self._work_from]:
            d += 1
        return d
