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

from accounts.models import Role, User
from agreements.models import AttendeeKind, Conference, ConferenceAttendee, ConferenceStatus, VenueKind
from agreements.services.feedback import feedback_call_tasks_add
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases.models import Case, EventKind, Offender, Stage, TaskKind, Victim
from cases.models.case import allowed_transitions
from cases.services.common import event_add, now, task_add, today
from cases.services.lifecycle import case_set_stage
from risk.gate import Blocker, conference_blockers

PLAN_FIELDS = ("date", "start_time", "end_time", "venue_kind", "venue_name", "video_link")
DETAIL_FIELDS = (
    "lead_facilitator",
    "lead_facilitator_agency",
    "second_facilitator",
    "second_facilitator_agency",
    "venue_visited",
    "venue_accessible",
    "separate_waiting_rooms",
    "break_out_room",
    "venue_safe",
    "venue_notes",
    "security_liaison",
    "visitor_list_sent",
    "id_requirements",
    "arrival_plan",
)
EDITABLE = (ConferenceStatus.PLANNED, ConferenceStatus.CONFIRMED, ConferenceStatus.POSTPONED)

CUSTODY_MESSAGE = "Complete the custody arrangements before confirming"

PAUSED_MESSAGE = (
    "This case is paused while a risk of serious harm escalation is resolved. "
    "A manager must resolve it before the conference can be confirmed."
)


def facilitator_choices(case: Case):
    """The service's active facilitators and managers, who may facilitate a conference on the case."""
    return User.objects.filter(
        service_id=case.service_id, role__in=[Role.FACILITATOR, Role.MANAGER], is_active=True
    ).order_by("last_name", "first_name", "id")


def _detail_fields(case: Case, data: dict[str, Any], *, defaults: bool = True) -> dict[str, Any]:
    """Facilitators, venue checklist and custody fields from `data` (facilitators default to the case's)."""
    fields = {name: data[name] for name in DETAIL_FIELDS if name in data}
    for name, text_max in (
        ("lead_facilitator_agency", 200),
        ("second_facilitator_agency", 200),
        ("security_liaison", 300),
        ("id_requirements", 300),
    ):
        if name in fields:
            fields[name] = (fields[name] or "").strip()[:text_max]
    for name in ("venue_notes", "arrival_plan"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if defaults:
        if "lead_facilitator" not in data:
            fields["lead_facilitator"] = case.lead_facilitator
        if "second_facilitator" not in data:
            fields["second_facilitator"] = case.second_facilitator
    allowed = set(facilitator_choices(case).values_list("pk", flat=True))
    for name in ("lead_facilitator", "second_facilitator"):
        person = fields.get(name)
        if person is not None and person.pk not in allowed:
            raise ValidationError({name: "Select a facilitator or manager of this service"})
    lead, second = fields.get("lead_facilitator"), fields.get("second_facilitator")
    if lead is not None and second is not None and lead.pk == second.pk:
        raise ValidationError({"second_facilitator": "Select a different person as second facilitator"})
    for name in ("lead_facilitator", "second_facilitator"):
        person = fields.get(name)
        if person is not None and not fields.get(f"{name}_agency") and f"{name}_agency" not in data:
            fields[f"{name}_agency"] = person.agency[:200]
    return fields


def custody_missing(conference: Conference) -> list[str]:
    """The custody arrangements still to record for a conference in a prison (empty: none missing)."""
    if conference.venue_kind != VenueKind.PRISON:
        return []
    missing = []
    if not conference.security_liaison.strip():
        missing.append("security liaison")
    if not conference.visitor_list_sent:
        missing.append("visitor list sent")
    if not conference.id_requirements.strip():
        missing.append("ID requirements")
    if not conference.arrival_plan.strip():
        missing.append("arrival plan")
    return missing


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
    fields.update(_detail_fields(case, data))
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
        _back_to_planned(conference, reason[:300])
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
    blockers = [blocker.reason for blocker in confirm_blockers(conference)]
    if custody_missing(conference):
        blockers.append(CUSTODY_MESSAGE)
    if blockers:
        raise ValidationError(blockers)
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


def _lock(conference: Conference) -> tuple[Case, Conference]:
    """The case and the conference, locked for a change; a closed case's conferences no longer change."""
    case = Case.objects.select_for_update().get(pk=conference.case_id)
    if not case.is_open:
        raise ValidationError("This case is closed: its conferences can no longer be changed.")
    return case, Conference.objects.select_for_update().get(pk=conference.pk)


ARRANGEMENT_FIELDS = (
    "date",
    "start_time",
    "end_time",
    "venue_kind",
    "venue_name",
    "video_link",
    "lead_facilitator",
    "second_facilitator",
    "security_liaison",
    "visitor_list_sent",
    "id_requirements",
    "arrival_plan",
)


def _back_to_planned(conference: Conference, reason: str) -> bool:
    """A confirmed conference whose arrangements changed must pass the gate again (not saved here)."""
    if conference.status != ConferenceStatus.CONFIRMED:
        return False
    conference.status = ConferenceStatus.PLANNED
    conference.status_reason = reason
    conference.confirmed_at = None
    conference.confirmed_by = None
    return True


def _event(case: Case, actor: User, summary: str) -> None:
    event_add(case=case, actor=actor, kind=EventKind.CONFERENCE, summary=summary)


def _log_parties(conference: Conference, actor: User, operation: str, reason: str) -> None:
    """Recording who else attends is processing of the attending parties' records."""
    for kind, people in (
        (PersonKind.VICTIM, conference.attending_victims.all()),
        (PersonKind.OFFENDER, conference.attending_offenders.all()),
    ):
        ids = [person.pk for person in people]
        if ids:
            log_processing(
                user=actor,
                operation=operation,
                person_kind=kind,
                person_ids=ids,
                case_id=conference.case_id,
                object_type="Conference",
                object_id=conference.pk,
                reason=reason,
            )


def _refuse_unless(conference: Conference, statuses: Iterable[str], action: str) -> None:
    if conference.status not in statuses:
        raise ValidationError(f"This conference is {conference.get_status_display().lower()}: it cannot be {action}.")


@transaction.atomic
def conference_update(
    *,
    conference: Conference,
    actor: User,
    data: dict[str, Any],
    victims: Iterable[Victim] | None = None,
    offenders: Iterable[Offender] | None = None,
) -> Conference:
    """Change a planned, confirmed or postponed conference."""
    case, conference = _lock(conference)
    _refuse_unless(conference, EDITABLE, "changed")
    _check_case_can_plan(case)
    old_victims = set(conference.attending_victims.values_list("pk", flat=True))
    old_offenders = set(conference.attending_offenders.values_list("pk", flat=True))
    victims = list(victims) if victims is not None else None
    offenders = list(offenders) if offenders is not None else None
    if victims is not None or offenders is not None:
        victims = victims if victims is not None else list(conference.attending_victims.all())
        offenders = offenders if offenders is not None else list(conference.attending_offenders.all())
        _check_people(case, victims, offenders)
    fields = {name: data[name] for name in PLAN_FIELDS if name in data}
    fields.update(_detail_fields(case, data, defaults=False))
    before = {name: getattr(conference, name) for name in fields}
    for name, value in fields.items():
        setattr(conference, name, value)
    if not conference.date:
        raise ValidationError({"date": "Enter the date of the conference"})
    if conference.date != before.get("date", conference.date) and conference.date < today():
        raise ValidationError({"date": "The date of the conference must be today or in the future"})
    if not conference.start_time:
        raise ValidationError({"start_time": "Enter the start time"})
    if conference.end_time is not None and conference.end_time <= conference.start_time:
        raise ValidationError({"end_time": "The end time must be after the start time"})
    if not (conference.venue_name or "").strip():
        raise ValidationError({"venue_name": "Enter the name of the venue"})
    people_changed = (victims is not None and {v.pk for v in victims} != old_victims) or (
        offenders is not None and {o.pk for o in offenders} != old_offenders
    )
    # What the gate, the custody check or the people attending depend on sends a confirmed conference
    # back to planned; the venue checklist and notes can be completed without that.
    arrangements_changed = any(
        name in before and before[name] != getattr(conference, name) for name in ARRANGEMENT_FIELDS
    )
    summary = f"Conference on {conference.date:%-d %B %Y} changed"
    if (arrangements_changed or people_changed) and _back_to_planned(
        conference, "The arrangements or the people attending changed"
    ):
        summary += ": it needs confirming again"
    elif conference.status == ConferenceStatus.POSTPONED and before.get("date", conference.date) != conference.date:
        conference.status = ConferenceStatus.PLANNED
        conference.status_reason = ""
        summary = f"Conference planned again for {conference.date:%-d %B %Y}"
    conference.save()
    if victims is not None:
        conference.attending_victims.set(victims)
    if offenders is not None:
        conference.attending_offenders.set(offenders)
    _event(case, actor, summary)
    return conference


@transaction.atomic
def attendee_add(*, conference: Conference, actor: User, data: dict[str, Any]) -> ConferenceAttendee:
    """Add someone other than the parties. Observers and researchers need everyone's recorded agreement."""
    case, conference = _lock(conference)
    _refuse_unless(conference, EDITABLE, "changed")
    kind = data.get("kind") or ""
    if kind not in AttendeeKind.values:
        raise ValidationError({"kind": "Select who the person is"})
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": "Enter the person's name"})
    agreed = bool(data.get("agreement_recorded"))
    if kind in (AttendeeKind.OBSERVER, AttendeeKind.RESEARCHER) and not agreed:
        raise ValidationError(
            {"agreement_recorded": "Observers and researchers can attend only if everyone taking part agreed"}
        )
    attendee = ConferenceAttendee.objects.create(
        conference=conference,
        kind=kind,
        name=name[:200],
        relationship_or_organisation=(data.get("relationship_or_organisation") or "").strip()[:200],
        agreement_recorded=agreed,
    )
    _log_parties(conference, actor, Operation.COLLECTION, "Conference attendee added")
    again = _back_to_planned(conference, "Someone was added to the people attending")
    if again:
        conference.save(update_fields=["status", "status_reason", "confirmed_at", "confirmed_by"])
    _event(
        case,
        actor,
        f"Someone was added to the conference on {conference.date:%-d %B %Y}"
        + (": it needs confirming again" if again else ""),
    )
    return attendee


@transaction.atomic
def attendee_remove(*, attendee: ConferenceAttendee, actor: User) -> None:
    case, conference = _lock(attendee.conference)
    _refuse_unless(conference, EDITABLE, "changed")
    attendee.delete()
    _log_parties(conference, actor, Operation.ALTERATION, "Conference attendee removed")
    again = _back_to_planned(conference, "Someone was removed from the people attending")
    if again:
        conference.save(update_fields=["status", "status_reason", "confirmed_at", "confirmed_by"])
    _event(
        case,
        actor,
        f"Someone was removed from the conference on {conference.date:%-d %B %Y}"
        + (": it needs confirming again" if again else ""),
    )


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Enter why the conference is {what}"})
    if len(reason) > 300:
        raise ValidationError({"reason": "The reason must be 300 characters or fewer"})
    return reason


@transaction.atomic
def conference_postpone(*, conference: Conference, actor: User, reason: str) -> Conference:
    """A planned or confirmed conference is postponed; editing its date later plans it again."""
    reason = _reason(reason, "postponed")
    case, conference = _lock(conference)
    _refuse_unless(conference, (ConferenceStatus.PLANNED, ConferenceStatus.CONFIRMED), "postponed")
    conference.status = ConferenceStatus.POSTPONED
    conference.status_reason = reason
    conference.confirmed_at = None
    conference.confirmed_by = None
    conference.save(update_fields=["status", "status_reason", "confirmed_at", "confirmed_by"])
    _event(case, actor, f"Conference on {conference.date:%-d %B %Y} postponed")
    return conference


@transaction.atomic
def conference_cancel(*, conference: Conference, actor: User, reason: str) -> Conference:
    reason = _reason(reason, "cancelled")
    case, conference = _lock(conference)
    _refuse_unless(conference, EDITABLE, "cancelled")
    conference.status = ConferenceStatus.CANCELLED
    conference.status_reason = reason
    conference.save(update_fields=["status", "status_reason"])
    _event(case, actor, f"Conference on {conference.date:%-d %B %Y} cancelled")
    return conference


HELD_REQUIRED = {
    "held_start_time": "Enter the time the conference started",
    "held_end_time": "Enter the time the conference ended",
    "background": "Enter the background",
    "how_it_went": "Enter how the conference went and its turning points",
    "lessons_learnt": "Enter the lessons learnt",
}
VIDEO_REQUIRED = {
    "video_worked_for_victim": "Select whether the video link worked for the person harmed",
    "video_worked_for_offender": "Select whether the video link worked for the person responsible",
    "video_how_we_know": "Enter how we know whether the video link worked",
}


@transaction.atomic
def conference_record_held(*, conference: Conference, actor: User, data: dict[str, Any]) -> Conference:
    """Record a confirmed conference as held, with its write-up. Moves the case on to "activity"."""
    case, conference = _lock(conference)
    _refuse_unless(conference, (ConferenceStatus.CONFIRMED,), "recorded as held")
    if conference.date > today():
        raise ValidationError("A conference can be recorded as held only on or after its date.")
    required = dict(HELD_REQUIRED, **(VIDEO_REQUIRED if conference.video_link else {}))
    errors = {}
    for name, message in required.items():
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = message
    start, end = data.get("held_start_time"), data.get("held_end_time")
    if start and end and end <= start:
        errors["held_end_time"] = "The end time must be after the start time"
    if errors:
        raise ValidationError(errors)
    conference.held_start_time, conference.held_end_time = start, end
    for name in ("background", "how_it_went", "lessons_learnt"):
        setattr(conference, name, data[name].strip())
    if conference.video_link:
        conference.video_worked_for_victim = bool(data["video_worked_for_victim"])
        conference.video_worked_for_offender = bool(data["video_worked_for_offender"])
        conference.video_how_we_know = data["video_how_we_know"].strip()
    conference.status = ConferenceStatus.HELD
    conference.status_reason = ""
    conference.recorded_at = now()
    conference.recorded_by = actor
    conference.save()
    _event(case, actor, f"Conference on {conference.date:%-d %B %Y} held")
    feedback_call_tasks_add(activity=conference, case=case)
    for step in (Stage.PREPARATION, Stage.ACTIVITY):
        if case.stage in (Stage.ASSESSMENT, Stage.PREPARATION) and step in allowed_transitions(case.stage):
            case = case_set_stage(case=case, actor=actor, stage=step)
    return conference


__all__ = [
    "CUSTODY_MESSAGE",
    "PAUSED_MESSAGE",
    "attendee_add",
    "attendee_remove",
    "conference_cancel",
    "conference_confirm",
    "conference_plan",
    "conference_postpone",
    "conference_record_held",
    "conference_update",
    "confirm_blockers",
    "custody_missing",
    "facilitator_choices",
]
