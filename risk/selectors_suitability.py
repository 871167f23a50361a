"""Reads for suitability assessments (used by the case's Assessments tab)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.models import User
from cases import permissions, selectors
from cases.models import Case, Side
from risk.services.suitability import MODELS, case_problem

_LABELS = {Side.OFFENDER: "Person responsible", Side.VICTIM: "Person harmed"}
_CHANGE = {Side.OFFENDER: permissions.OFFENDER_CHANGE, Side.VICTIM: permissions.VICTIM_CHANGE}


def suitability_for_case(case: Case, user: User) -> list[dict[str, Any]]:
    """Each person on the case the user may see, people responsible first, with their latest suitability
    assessment (or None) and links. Constant queries, whatever the number of people or assessments.

    Each row: side, label, person, assessment, may_change, new_url (only if they may change it),
    detail_url and change_url (None without an assessment; change_url only if they may change it).
    """
    people = selectors.case_people(case=case, user=user)
    perms = permissions.perms_on(user, [*people[Side.OFFENDER], *people[Side.VICTIM]])
    workable = case_problem(case) is None
    rows: list[dict[str, Any]] = []
    for side in (Side.OFFENDER, Side.VICTIM):
        persons = people[side]
        if not persons:
            continue
        latest: dict[int, Any] = {}
        for assessment in (
            MODELS[side]
            .objects.filter(participant__in=[p.pk for p in persons])
            .select_related("recorded_by")
            .order_by("participant_id", "-assessed_on", "-id")
        ):
            latest.setdefault(assessment.participant_id, assessment)
        for person in persons:
            assessment = latest.get(person.pk)
            may_change = workable and _CHANGE[side] in perms.get((type(person), person.pk), set())
            rows.append(
                {
                    "side": str(side),
                    "label": _LABELS[side],
                    "person": person,
                    "assessment": assessment,
                    "may_change": may_change,
                    "new_url": reverse("risk:suitability_new", args=[side, person.pk]) if may_change else None,
                    "detail_url": reverse("risk:suitability_detail", args=[side, assessment.pk])
                    if assessment
                    else None,
                    "change_url": reverse("risk:suitability_edit", args=[side, assessment.pk])
                    if assessment and may_change
                    else None,
                }
            )
    return rows
