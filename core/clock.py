"""The time as the services see it.

Services read the time through now() and today(), never datetime or timezone
directly, so that a job can be run "as of" another moment (demonstration data
recorded over past months, reminder jobs catching up a missed day) without
touching the system clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_source: ContextVar[Callable[[], dt.datetime] | None] = ContextVar("rjcase_clock", default=None)


def now() -> dt.datetime:
    source = _source.get()
    return source() if source is not None else timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def use(source: Callable[[], dt.datetime]) -> Iterator[None]:
    """Within the block, now() and today() answer from `source` (an aware-datetime callable)."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)
