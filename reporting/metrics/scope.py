from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from cases.models import Case
from reporting.quarters import Quarter
from reporting.sql import moment


@dataclass(frozen=True)
class Scope:
    """Which services and which quarter a set of figures covers."""

    service_ids: tuple[int, ...]
    quarter: Quarter

    @property
    def start(self) -> dt.date:
        return self.quarter.start

    @property
    def end(self) -> dt.date:
        return self.quarter.end

    @property
    def days(self) -> tuple[dt.date, dt.date]:
        """For `__range` lookups on dates (both ends included)."""
        return self.quarter.start, self.quarter.end

    @property
    def start_at(self) -> dt.datetime:
        return moment(self.quarter.start)

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the quarter (compare with `lt`)."""
        return moment(self.quarter.end_exclusive)

    def during(self, field: str) -> dict[str, dt.datetime]:
        """Lookups for a timestamp within the quarter."""
        return {f"{field}__gte": self.start_at, f"{field}__lt": self.end_at}

    def cases(self) -> QuerySet[Case]:
        return Case.objects.filter(service_id__in=self.service_ids)

    @property
    def previous(self) -> Scope:
        return Scope(self.service_ids, self.quarter.previous)
