import datetime as dt

from core.workdays import add_working_days, is_working_day, working_days_between


def test_bank_holiday_weekend_is_skipped():
    # Friday 22 May 2026; Monday 25 May 2026 is the spring bank holiday.
    assert not is_working_day(dt.date(2026, 5, 25))
    assert add_working_days(dt.date(2026, 5, 22), 1) == dt.date(2026, 5, 26)
    assert add_working_days(dt.date(2026, 5, 22), 3) == dt.date(2026, 5, 28)


def test_christmas_and_boxing_day_2026_substitute_days():
    # 26 December 2026 is a Saturday: the Boxing Day holiday moves to Monday 28 December.
    assert not is_working_day(dt.date(2026, 12, 25))
    assert not is_working_day(dt.date(2026, 12, 28))
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)


def test_counting_working_days_between_dates():
    assert working_days_between(dt.date(2026, 5, 22), dt.date(2026, 5, 29)) == 4
    assert working_days_between(dt.date(2026, 5, 29), dt.date(2026, 5, 22)) == 0
    assert add_working_days(dt.date(2026, 5, 26), -1) == dt.date(2026, 5, 22)
