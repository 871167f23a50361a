"""Planning and confirming a conference.

A conference is planned with the people who will attend. It can be confirmed only when the
case is not paused and every attending person has a current approved pre-conference risk
assessment (risk.gate); otherwise confirming is refused with every reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements.models import Conference, ConferenceStatus, VenueKind
from cases.models import Case, EventKind, Offender, TaskKind, Victim
from cases.services.common import event_add, now, task_add, today
from risk.gate import Blocker, conference_blockers

PLAN_FIELDS = ("date", "start_time", "end_time", "venue_kind", "venue_name", "video_link")

PAUSED_MESSAGE = (
    "This case is paused while a risk of serious harm escalation is resolved. "
    "A manager must resolve it before the conference can be confirmed."
)


def _check_case_can_plan(case: Case) -> None:
    if not case.is_open:
        raise ValidationError("This case is closed. Conferences cannot be planned on a closed case.")
    if case.is_paused:
        raise ValidationError(
            "This case is paused while a risk of serious harm escalation is resolved. "
            "A manager must resolve it before a conference can be planned."
        )


def _check_people(case: Case, victims: list[Victim], offenders: list[Offender]) -> None:
    if not victims and not offenders:
        raise ValidationError({"victims": "Select at least one person who will attend"})
    if any(person.case_id != case.pk for person in [*victims, *offenders]):
        raise ValidationError({"victims": "Select only people on this case"})


@transaction.atomic
def conference_plan(
    *,
    case: Case,
    actor: User,
    data: dict[str, Any],
    victims: Iterable[Victim],
    offenders: Iterable[Offender],
) -> Conference:
    """Plan a conference on the case with the people who will attend (status "planned")."""
    victims, offenders = list(victims), list(offenders)
    _check_case_can_plan(case)
    _check_people(case, victims, offenders)
    fields = {name: data[name] for name in PLAN_FIELDS if name in data}
    if not fields.get("date"):
        raise ValidationError({"date": "Enter the date of the conference"})
    if fields["date"] < today():
        raise ValidationError({"date": "The date of the conference must be today or in the future"})
    if not fields.get("start_time"):
        raise ValidationError({"start_time": "Enter the start time"})
    end_time = fields.get("end_time")
    if end_time is not None and end_time <= fields["start_time"]:
        raise ValidationError({"end_time": "The end time must be after the start time"})
    if not (fields.get("venue_name") or "").strip():
        raise ValidationError({"venue_name": "Enter the name of the venue"})
    fields.setdefault("venue_kind", VenueKind.COMMUNITY)
    conference = Conference.objects.create(
        case=case, status=ConferenceStatus.PLANNED, created_at=now(), created_by=actor, **fields
    )
    conference.attending_victims.set(victims)
    conference.attending_offenders.set(offenders)
    event_add(
        case=case, actor=actor, kind=EventKind.CONFERENCE, summary=f"Conference planned for {conference.date:%-d %B %Y}"
    )
    return conference


def starts_at(conference: Conference) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(conference.date, conference.start_time))


def confirm_blockers(conference: Conference) -> list[Blocker]:
    """Why the conference cannot be confirmed yet, person by person (empty: it can be).

    Assessments must still be current when the conference starts, not only today.
    """
    return conference_blockers(
        case=conference.case,
        victims=list(conference.attending_victims.all()),
        offenders=list(conference.attending_offenders.all()),
        at=max(now(), starts_at(conference)),
    )


@transaction.atomic
def conferences_reopen_for(*, person: Victim | Offender, actor: User, reason: str) -> int:
    """A person's approval stopped being current: their confirmed conferences still to come go back to planned."""
    field = "attending_victims" if isinstance(person, Victim) else "attending_offenders"
    reopened = 0
    for conference in Conference.objects.select_for_update().filter(
        **{field: person}, status=ConferenceStatus.CONFIRMED, date__gte=today()
    ):
        conference.status = ConferenceStatus.PLANNED
        conference.status_reason = reason[:300]
        conference.confirmed_at = None
        conference.confirmed_by = None
        conference.save(update_fields=["status", "status_reason", "confirmed_at", "confirmed_by"])
        case = conference.case
        event_add(
            case=case,
            actor=actor,
            kind=EventKind.CONFERENCE,
            summary=f"Conference on {conference.date:%-d %B %Y} needs confirming again: {reason}",
        )
        if case.lead_facilitator_id:
            task_add(
                case=case,
                assignee=case.lead_facilitator,
                kind=TaskKind.REMINDER,
                title=f"Confirm the conference on {case.reference} again",
                due_on=today(),
                dedupe_key=f"conference-reconfirm:{conference.pk}:{conference.status_reason[:40]}:{now():%Y%m%d%H%M%S}",
            )
        reopened += 1
    return reopened


@transaction.atomic
def conference_confirm(*, conference: Conference, actor: User) -> Conference:
    """Confirm a planned conference, if the case is not paused and every attendee's risk is approved and current.

    The refusal lists every reason. The messages hold no names (they can end up in logs);
    the confirmation page shows who each reason is about.
    """
    case = Case.objects.select_for_update().get(pk=conference.case_id)
    conference = Conference.objects.select_for_update().get(pk=conference.pk)
    if conference.status != ConferenceStatus.PLANNED:
        raise ValidationError(f"This conference is {conference.get_status_display().lower()}: it cannot be confirmed.")
    if case.is_paused:
        raise ValidationError(PAUSED_MESSAGE)
    if not case.is_open:
        raise ValidationError("This case is closed. Its conference cannot be confirmed.")
    blockers = confirm_blockers(conference)
    if blockers:
        raise ValidationError([blocker.reason for blocker in blockers])
    conference.status = ConferenceStatus.CONFIRMED
    conference.confirmed_at = now()
    conference.confirmed_by = actor
    conference.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.CONFERENCE,
        summary=f"Conference confirmed for {conference.date:%-d %B %Y}",
    )
    return conference


__all__ = ["PAUSED_MESSAGE", "conference_confirm", "conference_plan", "confirm_blockers"]
