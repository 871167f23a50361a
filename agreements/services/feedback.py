"""The feedback call after a conference or indirect communication (DOMAIN §6).

Each key participant is called within 7 days of the activity. Their answers are kept keyed by
question key, in the version of the questions they were asked; what the returns count (satisfied,
would recommend, a worry raised) is worked out from each question's measure and its choices' flags,
so a service can reword its questions without changing the figures.

A victim's feedback is victim-side data: only the RJ team working the case records or reads it.
Timeline entries and task titles never hold an answer. The versions of the questions live in
agreements.services.question_sets (current_question_set and question_set_new are re-exported here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from accounts.models import Role, User
from agreements.models import (
    Conference,
    ConferenceStatus,
    FeedbackQuestion,
    IndirectCommunication,
    IndirectMessage,
    Measure,
    OffenderFeedback,
    QuestionKind,
    VictimFeedback,
)
from agreements.services.question_sets import current_question_set, question_set_new, question_sets_for
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions
from cases.models import Case, EventKind, Offender, Side, Task, TaskKind, Victim
from cases.services.common import event_add, now, task_add, tasks_complete, today

Activity = Conference | IndirectCommunication
Participant = Victim | Offender
Feedback = VictimFeedback | OffenderFeedback

CALL_WITHIN_DAYS = 7
WORKER_ROLES = frozenset({Role.FACILITATOR, Role.MANAGER})
TEXT_MAX = 2000
YES_NO_CODES = ("yes", "no")

SIDE_LABEL = {Side.VICTIM: "person harmed", Side.OFFENDER: "person responsible"}


# --- Activities and the people who took part --------------------------------------------------


def side_of(participant: Participant) -> str:
    return Side.VICTIM if isinstance(participant, Victim) else Side.OFFENDER


def feedback_model(side: str) -> type[VictimFeedback] | type[OffenderFeedback]:
    return VictimFeedback if side == Side.VICTIM else OffenderFeedback


def activity_kind(activity: Activity) -> str:
    return "conference" if isinstance(activity, Conference) else "indirect"


def activity_on(activity: Activity) -> dt.date:
    """The date the feedback call is counted from: the conference, or the end (else the start) of indirect work."""
    if isinstance(activity, Conference):
        return activity.date
    return activity.completed_on or activity.started_on


def call_due_from(day: dt.date) -> dt.date:
    """The feedback call is due within 7 days of the activity."""
    return day + dt.timedelta(days=CALL_WITHIN_DAYS)


def call_due_on(activity: Activity) -> dt.date:
    return call_due_from(activity_on(activity))


def activity_label(activity: Activity) -> str:
    if isinstance(activity, Conference):
        return f"Conference on {activity.date:%-d %B %Y}"
    return f"{activity.get_kind_display()} from {activity.started_on:%-d %B %Y}"


def activity_phrase(activity: Activity) -> str:
    """The activity in the middle of a sentence: "the conference on 3 March 2026"."""
    if isinstance(activity, Conference):
        return f"the conference on {activity.date:%-d %B %Y}"
    return f"the {activity.get_kind_display().lower()} from {activity.started_on:%-d %B %Y}"


def activity_ready(activity: Activity) -> bool:
    """Feedback can be asked for once the conference has been held or the indirect work has started."""
    if isinstance(activity, Conference):
        return activity.status == ConferenceStatus.HELD
    return activity.started_on <= today()


def _messages_naming(side: str, ids: Iterable[int]) -> Q:
    return Q(victim_id__in=list(ids)) if side == Side.VICTIM else Q(offender_id__in=list(ids))


def activity_people(activity: Activity) -> tuple[list[Victim], list[Offender]]:
    """The parties who took part: the conference's attending parties, or the people named in the messages."""
    if isinstance(activity, Conference):
        return (
            list(activity.attending_victims.order_by("last_name", "id")),
            list(activity.attending_offenders.order_by("last_name", "id")),
        )
    named = IndirectMessage.objects.filter(communication=activity)
    return (
        list(Victim.objects.filter(pk__in=named.values("victim_id")).order_by("last_name", "id")),
        list(Offender.objects.filter(pk__in=named.values("offender_id")).order_by("last_name", "id")),
    )


def took_part(participant: Participant, activity: Activity) -> bool:
    if activity.case_id != participant.case_id:
        return False
    if isinstance(activity, Conference):
        people = activity.attending_victims if isinstance(participant, Victim) else activity.attending_offenders
        return people.filter(pk=participant.pk).exists()
    return (
        IndirectMessage.objects.filter(communication=activity)
        .filter(_messages_naming(side_of(participant), [participant.pk]))
        .exists()
    )


def activities_for(participant: Participant) -> list[Activity]:
    """Every held conference and every indirect communication the person took part in, newest first."""
    conferences = participant.conferences.filter(status=ConferenceStatus.HELD)
    named = IndirectMessage.objects.filter(_messages_naming(side_of(participant), [participant.pk]))
    indirect = IndirectCommunication.objects.filter(
        case_id=participant.case_id, pk__in=named.values("communication_id"), started_on__lte=today()
    )
    activities: list[Activity] = [*conferences, *indirect]
    return sorted(activities, key=lambda a: (activity_on(a), a.pk), reverse=True)


def _activity_filter(activity: Activity) -> dict[str, Activity]:
    return {"conference": activity} if isinstance(activity, Conference) else {"indirect": activity}


def feedback_existing(participant: Participant, activity: Activity) -> Feedback | None:
    """The feedback already recorded from this person about this activity, if any."""
    model = feedback_model(side_of(participant))
    return model.objects.filter(participant=participant, **_activity_filter(activity)).first()


def call_task_key(activity: Activity, participant: Participant) -> str:
    """The dedupe key of the feedback call task for one person after one activity."""
    return f"feedback-call:{activity_kind(activity)}:{activity.pk}:{side_of(participant)}:{participant.pk}"


def feedback_new_link(participant: Participant, activity: Activity) -> str:
    """The page that records this person's feedback about this activity."""
    url = reverse("agreements:feedback_new", kwargs={"side": side_of(participant), "pk": participant.pk})
    return f"{url}?{activity_kind(activity)}={activity.pk}"


def feedback_detail_link(record: Feedback) -> str:
    side = Side.VICTIM if isinstance(record, VictimFeedback) else Side.OFFENDER
    return reverse("agreements:feedback_detail", kwargs={"side": side, "pk": record.pk})


def feedback_call_tasks_add(*, activity: Activity, case: Case) -> list[Task]:
    """A feedback call task per party for the lead facilitator, due 7 days after the activity.

    Called when a conference is recorded as held and when indirect communication is completed.
    Each task sits on its person's side, so a victim-side task stays victim-side.
    """
    lead = case.lead_facilitator
    if lead is None and isinstance(activity, Conference):
        lead = activity.lead_facilitator
    if lead is None:
        return []
    victims, offenders = activity_people(activity)
    tasks = []
    for person in [*victims, *offenders]:
        label = SIDE_LABEL[side_of(person)]
        tasks.append(
            task_add(
                case=case,
                assignee=lead,
                kind=TaskKind.FEEDBACK_CALL,
                title=f"Make the feedback call to the {label} on {case.reference}",
                due_on=call_due_on(activity),
                participant=person,
                dedupe_key=call_task_key(activity, person),
                link=feedback_new_link(person, activity),
            )
        )
    return tasks


# --- Answers ----------------------------------------------------------------------------------


def _labels(question: FeedbackQuestion) -> dict[str, str]:
    return {choice["code"]: choice["label"] for choice in question.choices}


def _codes(answer: Any) -> list[str]:
    """The choice codes of an answer (one, many or yes/no), as a list."""
    if isinstance(answer, dict):
        answer = answer.get("answer")
    if isinstance(answer, str):
        return [answer] if answer else []
    if isinstance(answer, list | tuple):
        return [str(a) for a in answer]
    return []


def answers_clean(questions: list[FeedbackQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    """The answers checked against the questions, in their stored form (errors keyed by question key).

    Stored form: "one" a code; "many" a list of codes; "yes_no_text" {"answer": "yes"|"no", "details"};
    "text" the text. Unanswered questions are left out.
    """
    by_key = {q.key: q for q in questions}
    errors: dict[str, str] = {}
    unknown = set(answers) - set(by_key)
    if unknown:
        raise ValidationError(f"These questions are not in this version of the questions: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    for question in questions:
        raw = answers.get(question.key)
        labels = _labels(question)
        if question.kind == QuestionKind.TEXT:
            text = str(raw or "").strip()
            if len(text) > TEXT_MAX:
                errors[question.key] = f"The answer must be {TEXT_MAX} characters or fewer"
            elif text:
                cleaned[question.key] = text
        elif question.kind == QuestionKind.YES_NO_TEXT:
            raw = raw if isinstance(raw, dict) else {"answer": raw}
            answer = str(raw.get("answer") or "")
            details = str(raw.get("details") or "").strip()
            if answer and answer not in YES_NO_CODES:
                errors[question.key] = "Select yes or no"
            elif len(details) > TEXT_MAX:
                errors[question.key] = f"The details must be {TEXT_MAX} characters or fewer"
            elif answer:
                cleaned[question.key] = {"answer": answer, "details": details if answer == "yes" else ""}
        elif question.kind == QuestionKind.ONE:
            code = raw if isinstance(raw, str) else ""
            if raw not in (None, "") and code not in labels:
                errors[question.key] = "Select one of the answers given"
            elif code:
                cleaned[question.key] = code
        else:
            codes = _codes(raw)
            exclusive = {c["code"] for c in question.choices if c.get("exclusive")}
            if any(code not in labels for code in codes) or len(set(codes)) != len(codes):
                errors[question.key] = "Select only answers that are given"
            elif len(codes) > 1 and exclusive & set(codes):
                only = next(labels[c] for c in codes if c in exclusive)
                errors[question.key] = f"Select “{only}” on its own, or other answers without it"
            elif codes:
                cleaned[question.key] = [c["code"] for c in question.choices if c["code"] in codes]
        if question.required and question.key not in cleaned and question.key not in errors:
            errors[question.key] = required_message(question)
    if errors:
        raise ValidationError(errors)
    return cleaned


def required_message(question: FeedbackQuestion) -> str:
    if question.kind == QuestionKind.TEXT:
        return f"Enter an answer to “{question.text}”"
    if question.kind == QuestionKind.MANY:
        return f"Select at least one answer to “{question.text}”"
    return f"Select an answer to “{question.text}”"


def _flagged(question: FeedbackQuestion, answer: Any, flag: str) -> bool:
    flagged = {c["code"] for c in question.choices if c.get(flag)}
    return bool(flagged & set(_codes(answer)))


def measures(questions: list[FeedbackQuestion], answers: dict[str, Any]) -> dict[str, Any]:
    """satisfied / would_recommend (None when not asked or not answered) and worry_raised, from the flags."""
    result: dict[str, Any] = {"satisfied": None, "would_recommend": None, "worry_raised": False}
    for question in questions:
        answer = answers.get(question.key)
        if answer is None:
            continue
        if _flagged(question, answer, "concern"):
            result["worry_raised"] = True
        if question.measure == Measure.SATISFACTION:
            result["satisfied"] = _flagged(question, answer, "positive")
        elif question.measure == Measure.RECOMMEND:
            result["would_recommend"] = _flagged(question, answer, "positive")
    return result


def answer_rows(questions: list[FeedbackQuestion], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Each question with its answer in words (for the record's page), in the record's own version."""
    rows = []
    for question in questions:
        answer = answers.get(question.key)
        labels = _labels(question)
        concern = False
        if answer is None:
            words: list[str] = []
        elif question.kind == QuestionKind.TEXT:
            words = [str(answer)]
        elif question.kind == QuestionKind.YES_NO_TEXT:
            words = [labels.get(answer.get("answer"), answer.get("answer", ""))]
            if answer.get("details"):
                words.append(answer["details"])
        else:
            words = [labels.get(code, code) for code in _codes(answer)]
            concern = _flagged(question, answer, "concern")
        rows.append({"question": question, "answer": words, "concern": concern})
    return rows


# --- Recording --------------------------------------------------------------------------------


def _check_worker(case: Case, actor: User, participant: Participant) -> None:
    view = permissions.VICTIM_VIEW if isinstance(participant, Victim) else permissions.OFFENDER_VIEW
    if (
        actor.role not in WORKER_ROLES
        or not permissions.has_object_perm(actor, permissions.CASE_CHANGE, case)
        or not permissions.has_object_perm(actor, view, participant)
    ):
        raise ValidationError("Only a facilitator or manager working this case can record feedback.")


def _lock_activity(activity: Activity) -> Activity:
    return type(activity).objects.select_for_update().get(pk=activity.pk)


def _safeguarding_tasks(case: Case, participant: Participant, record: Feedback, actor: User) -> list[Task]:
    """A worry or threat: a task for the lead facilitator and each of the service's managers, due today."""
    event = event_add(
        case=case, actor=actor, kind=EventKind.FEEDBACK, summary="Worry raised in feedback", participant=participant
    )
    assignees = list(User.objects.filter(service_id=case.service_id, role=Role.MANAGER, is_active=True))
    if case.lead_facilitator is not None:
        assignees.insert(0, case.lead_facilitator)
    seen: set[int] = set()
    tasks = []
    side = side_of(participant)
    for user in assignees:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        tasks.append(
            task_add(
                case=case,
                assignee=user,
                kind=TaskKind.SAFEGUARDING,
                title=f"Act on a worry raised in feedback on {case.reference}",
                due_on=today(),
                participant=participant,
                event=event,
                dedupe_key=f"feedback-worry:{side}:{record.pk}:{user.pk}",
                link=feedback_detail_link(record),
            )
        )
    return tasks


@transaction.atomic
def feedback_record(
    *,
    participant: Participant,
    actor: User,
    activity: Activity,
    called_on: dt.date | None,
    answers: dict[str, Any],
) -> Feedback:
    """Record one person's feedback call about one activity they took part in.

    Refused unless the activity is on the person's case, held (a conference) or started (indirect
    work), and the person took part; the call date must be between the activity and today; the
    answers must fit the current question set. A second record for the same person and activity is
    refused. A worry or threat raises safeguarding tasks; the person's feedback call task is done.
    """
    side = side_of(participant)
    participant = type(participant).objects.select_for_update().select_related("case").get(pk=participant.pk)
    case = Case.objects.select_related("lead_facilitator", "service").get(pk=participant.case_id)
    _check_worker(case, actor, participant)
    if not case.is_open:
        raise ValidationError("This case is closed. Feedback cannot be recorded on a closed case.")
    activity = _lock_activity(activity)
    what = "conference" if isinstance(activity, Conference) else "indirect communication"
    if activity.case_id != case.pk:
        raise ValidationError({"activity": f"Select a {what} on this person's case"})
    if not activity_ready(activity):
        if isinstance(activity, Conference):
            raise ValidationError(
                {"activity": "This conference has not been recorded as held. Record feedback after it has been held."}
            )
        raise ValidationError({"activity": "This indirect communication has not started yet."})
    if not took_part(participant, activity):
        raise ValidationError({"activity": f"This {SIDE_LABEL[side]} did not take part in this {what}"})
    if feedback_existing(participant, activity) is not None:
        raise ValidationError(
            f"Feedback from this {SIDE_LABEL[side]} about this {what} has already been recorded. View it instead.",
            code="duplicate",
        )
    held_on = activity_on(activity)
    if called_on is None:
        raise ValidationError({"called_on": "Enter the date of the call"})
    if called_on > today():
        raise ValidationError({"called_on": "The date of the call must be today or in the past"})
    if called_on < held_on:
        raise ValidationError(
            {"called_on": f"The date of the call must be on or after the {what} ({held_on:%-d %B %Y})"}
        )
    question_set = current_question_set(case.service)
    questions = list(question_set.questions.order_by("order"))
    cleaned = answers_clean(questions, answers or {})
    model = feedback_model(side)
    record = model.objects.create(
        participant=participant,
        question_set=question_set,
        activity_on=held_on,
        called_on=called_on,
        answers=cleaned,
        recorded_at=now(),
        recorded_by=actor,
        **_activity_filter(activity),
        **measures(questions, cleaned),
    )
    event_add(case=case, actor=actor, kind=EventKind.FEEDBACK, summary="Feedback recorded", participant=participant)
    if record.worry_raised:
        _safeguarding_tasks(case, participant, record, actor)
    # The call task added with the activity, and any the reminders added in its family (the same key and more).
    key = call_task_key(activity, participant)
    tasks_complete(
        tasks=Task.objects.filter(case=case, kind=TaskKind.FEEDBACK_CALL).filter(
            Q(dedupe_key=key) | Q(dedupe_key__startswith=f"{key}:")
        ),
        actor=actor,
    )
    log_processing(
        user=actor,
        operation=Operation.COLLECTION,
        person_kind=PersonKind.VICTIM if side == Side.VICTIM else PersonKind.OFFENDER,
        person_ids=[participant.pk],
        case_id=case.pk,
        object_type=model.__name__,
        object_id=record.pk,
        reason="Feedback call recorded",
    )
    return record


__all__ = [
    "activities_for",
    "activity_label",
    "activity_on",
    "activity_people",
    "activity_phrase",
    "answer_rows",
    "answers_clean",
    "call_due_from",
    "call_due_on",
    "current_question_set",
    "feedback_call_tasks_add",
    "feedback_detail_link",
    "feedback_existing",
    "feedback_new_link",
    "feedback_record",
    "measures",
    "question_set_new",
    "question_sets_for",
]
