from __future__ import annotations

import datetime as dt

import pytest

from reporting.quarters import DEFAULT_SCHEDULE, Schedule


@pytest.mark.parametrize(
    ("day", "start", "end", "due"),
    [
        (dt.date(2026, 4, 1), dt.date(2026, 4, 1), dt.date(2026, 6, 30), dt.date(2026, 9, 1)),
        # 1 December 2026 is a Tuesday
        (dt.date(2026, 9, 30), dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2026, 12, 1)),
        # 1 March 2026 is a Sunday: due the Friday before
        (dt.date(2025, 12, 31), dt.date(2025, 10, 1), dt.date(2025, 12, 31), dt.date(2026, 2, 27)),
        # 1 June 2025 is a Sunday
        (dt.date(2025, 2, 14), dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 5, 30)),
    ],
)
def test_quarters_and_due_dates(day, start, end, due):
    quarter = DEFAULT_SCHEDULE.quarter_containing(day)
    assert (quarter.start, quarter.end, quarter.due_on) == (start, end, due)
    assert quarter.contains(day) and not quarter.contains(end + dt.timedelta(days=1))
    assert DEFAULT_SCHEDULE.parse(quarter.key) == quarter


def test_previous_next_labels_and_keys():
    quarter = DEFAULT_SCHEDULE.quarter_containing(dt.date(2026, 11, 30))
    assert quarter.label == "October to December 2026"
    assert quarter.previous.label == "July to September 2026"
    assert quarter.next.label == "January to March 2027"
    assert DEFAULT_SCHEDULE.last_ended(dt.date(2026, 11, 30)) == quarter.previous
    assert DEFAULT_SCHEDULE.quarter_containing(dt.date(2026, 12, 1)).previous.previous.next.next == quarter


@pytest.mark.parametrize("key", ["", "2026-08", "2026-13", "26-10", "1899-10", "2026-10; drop", "abcd-ef"])
def test_keys_that_name_no_quarter(key):
    assert DEFAULT_SCHEDULE.parse(key) is None


def test_a_calendar_year_schedule():
    schedule = Schedule(first_month=1, due_months_after_end=1)
    quarter = schedule.quarter_containing(dt.date(2026, 5, 5))
    assert (quarter.start, quarter.end, quarter.due_on) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 31),
    )
