"""The service case list as a CSV file: case-level facts only, one row per case, streamed.

A file leaves the system, so it holds no more than the list is about: the reference, dates, stage,
allocation, outcome, flags and how many people are on each side. Nobody's name, address or contact
details, no offence narrative and no free-text notes or reasons. The facilitators are staff, named as on
the list page.

case_rows() reads every row in one query (facilitators' names and outcome labels joined, the people
counted by subqueries) through a database cursor, 2,000 rows at a time, so the export costs the same
number of queries and the same memory for 30 cases as for 100,000. The benchmark (bench/baselines.py)
streams the same rows over a bigger queryset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Service, staff_name
from cases.models import Case, Offender, Stage, Victim
from cases.selectors import with_next_due
from reporting.csv_export import ROWS_PER_CHUNK

HEADER = (
    "Reference",
    "Referred on",
    "Referral source",
    "Stage",
    "Paused",
    "Lead facilitator",
    "Second facilitator",
    "Allocated on",
    "First contact on",
    "Last contact on",
    "Next due on",
    "Closed on",
    "Outcome",
    "Domestic abuse",
    "Sexual offence",
    "Hate crime",
    "Offence caused death",
    "Child victim",
    "Youth justice route",
    "Number of persons harmed",
    "Number of persons responsible",
)

# The list's own order: newest first, as on the page.
ORDER = ("-created_at", "-id")
FLAG_FIELDS = (
    "flag_domestic_abuse",
    "flag_sexual",
    "flag_hate_crime",
    "flag_caused_death",
    "flag_child_victim",
    "youth_route",
)
COLUMNS = (
    "reference",
    "referral_date",
    "referral_source__label",
    "stage",
    "is_paused",
    "lead_facilitator__first_name",
    "lead_facilitator__last_name",
    "lead_facilitator__username",
    "second_facilitator__first_name",
    "second_facilitator__last_name",
    "second_facilitator__username",
    "allocated_at",
    "first_contact_at",
    "last_contact_at",
    "next_due_on",
    "closed_on",
    "outcome__label",
    *FLAG_FIELDS,
    "export_harmed",
    "export_responsible",
)
STAGE_LABELS = dict(Stage.choices)


def _people_on_case(model: type[Victim] | type[Offender]) -> Coalesce:
    """How many of `model` the case has: a subquery per row on the (case_id) index, no GROUP BY over the list."""
    counted = (
        model.objects.filter(case_id=OuterRef("pk")).order_by().values("case_id").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def export_values(cases: QuerySet[Case]) -> QuerySet:
    """`cases` as the export's columns (COLUMNS), in the list's order: one query, whatever the number of rows."""
    if "next_due_on" not in cases.query.annotations:
        cases = with_next_due(cases)
    return (
        cases.select_related(None)
        .annotate(export_harmed=_people_on_case(Victim), export_responsible=_people_on_case(Offender))
        .order_by(*ORDER)
        .values_list(*COLUMNS)
    )


def _day(value: dt.date | dt.datetime | None) -> str:
    """An ISO date; a moment as the day it fell on in the service's time zone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _row(values: tuple) -> list[str]:
    (
        reference,
        referred_on,
        source,
        stage,
        paused,
        lead_first,
        lead_last,
        lead_username,
        second_first,
        second_last,
        second_username,
        allocated_at,
        first_contact_at,
        last_contact_at,
        next_due_on,
        closed_on,
        outcome,
        *flags,
        harmed,
        responsible,
    ) = values
    return [
        reference,
        _day(referred_on),
        source or "",
        STAGE_LABELS.get(stage, stage),
        _yes_no(paused),
        staff_name(lead_first, lead_last, lead_username),
        staff_name(second_first, second_last, second_username),
        _day(allocated_at),
        _day(first_contact_at),
        _day(last_contact_at),
        _day(next_due_on),
        _day(closed_on),
        outcome or "",
        *(_yes_no(flag) for flag in flags),
        str(harmed),
        str(responsible),
    ]


def case_rows(cases: QuerySet[Case], *, limit: int | None = None) -> Iterator[list[str]]:
    """The export's rows for `cases` (at most `limit`), as text, read ROWS_PER_CHUNK at a time.

    The query runs when the first row is asked for. Inside a transaction, PostgreSQL's server-side cursor hands
    the rows over as they are read; outside one, Django would hold the cursor open past the commit and
    PostgreSQL would build the whole result before the first row.
    """
    values = export_values(cases)
    if limit is not None:
        values = values[:limit]
    with transaction.atomic():
        for found in values.iterator(chunk_size=ROWS_PER_CHUNK):
            yield _row(found)


def filename(service: Service | None, day: dt.date) -> str:
    """`<service code>-cases-<date>.csv`, with only letters, digits and hyphens from the code."""
    code = re.sub(r"[^A-Za-z0-9-]", "", service.code) if service is not None else ""
    return f"{code or 'rj'}-cases-{day.isoformat()}.csv"


__all__ = ["HEADER", "case_rows", "export_values", "filename"]
