"""The feedback call: recording one person's feedback about one activity, reading it, the case's
list of feedback calls, and a service's versions of the questions.

A person's feedback is their side's data: only the RJ team working the case (the allocated
facilitators and the service's managers, who hold the permission to work the case and to see
the person) records or reads it. Everyone else gets 404, as for a record that does not exist.
Reading writes a consultation to the processing log; recording writes a collection.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from agreements.access import refused
from agreements.forms.feedback import (
    FeedbackForm,
    QuestionSetForm,
    answer_field_name,
    choice_meaning,
)
from agreements.models import (
    Conference,
    ConferenceStatus,
    FeedbackQuestionSet,
    IndirectCommunication,
    IndirectMessage,
    OffenderFeedback,
    VictimFeedback,
)
from agreements.services import feedback as services
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions
from cases.models import Case, Offender, Side, Victim
from cases.views.case_page import case_header_context
from cases.views.participants import SIDES  # also registers the <side:...> converter
from core import clock
from core.access import require_capability
from core.forms import add_service_errors, record_id

CAPABILITY = "core.configure_service"
_PERSON_RELATED = ("case", "case__lead_facilitator", "case__second_facilitator", "case__service")
SIDE_NAMES = {Side.VICTIM: "Person harmed", Side.OFFENDER: "Person responsible"}


# --- Access ----------------------------------------------------------------------------------


def person_for_team(user: User, side: str, pk: int) -> Victim | Offender:
    """The person, if the user sees them and may work their case (404 otherwise: a break-glass reason, which
    opens a case to read, would not open these pages)."""
    spec = SIDES[side]
    queryset = spec.model.objects.select_related(*_PERSON_RELATED)
    person = spec.get(user, pk, spec.view, queryset=queryset, break_glass=False)
    if not permissions.has_object_perm(user, permissions.CASE_CHANGE, person.case):
        raise refused(spec.model.__name__, pk, user)
    return person


def feedback_for_user(user: User, side: str, pk: int) -> VictimFeedback | OffenderFeedback:
    model = services.feedback_model(side)
    record = (
        model.objects.filter(pk=pk)
        .select_related("conference", "indirect", "question_set", "question_set__service", "recorded_by")
        .first()
    )
    if record is None:
        raise refused(model.__name__, pk, user)
    record.participant = person_for_team(user, side, record.participant_id)
    return record


def _activity_from_query(request: HttpRequest, person: Victim | Offender) -> services.Activity | None:
    """The activity named by ?conference=<id> or ?indirect=<id> on the person's case (404 if not found there)."""
    for name, model in (("conference", Conference), ("indirect", IndirectCommunication)):
        if name in request.GET:
            pk = record_id(request.GET.get(name, ""))
            activity = model.objects.filter(pk=pk, case_id=person.case_id).first() if pk is not None else None
            if activity is None:
                raise refused(model.__name__, pk or 0, request.user)
            return activity
    return None


def _person_kind(side: str) -> str:
    return PersonKind.VICTIM if side == Side.VICTIM else PersonKind.OFFENDER


def _log(request: HttpRequest, person: Victim | Offender, side: str, object_type: str, object_id: int, reason: str):
    log_processing(
        user=request.user,
        operation=Operation.CONSULTATION,
        person_kind=_person_kind(side),
        person_ids=[person.pk],
        case_id=person.case_id,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        request=request,
    )


# --- URLs ------------------------------------------------------------------------------------


def new_url(person: Victim | Offender, activity: services.Activity | None = None) -> str:
    if activity is not None:
        return services.feedback_new_link(person, activity)
    return reverse("agreements:feedback_new", kwargs={"side": services.side_of(person), "pk": person.pk})


detail_url = services.feedback_detail_link


def _activity_url(activity: services.Activity) -> str:
    if isinstance(activity, Conference):
        return reverse("agreements:conference_detail", args=[activity.pk])
    return reverse("agreements:indirect_detail", args=[activity.pk])


# --- Recording -------------------------------------------------------------------------------


def _chooser(request: HttpRequest, person: Victim | Offender, side: str, status: int) -> HttpResponse:
    """No activity named: the activities the person took part in, each with its feedback or a link to record it."""
    activities = services.activities_for(person)
    model = services.feedback_model(side)
    recorded = {
        (r.conference_id, r.indirect_id): r
        for r in model.objects.filter(participant=person).only("pk", "conference_id", "indirect_id", "called_on")
    }
    rows = []
    for activity in activities:
        key = (activity.pk, None) if isinstance(activity, Conference) else (None, activity.pk)
        record = recorded.get(key)
        rows.append(
            {
                "label": services.activity_label(activity),
                "phrase": services.activity_phrase(activity),
                "due_on": services.call_due_on(activity),
                "record": record,
                "url": detail_url(record) if record else new_url(person, activity),
            }
        )
    _log(request, person, side, type(person).__name__, person.pk, "Feedback call: choosing the activity")
    context = {
        **case_header_context(person.case, request.user, "activity"),
        "side": side,
        "person": person,
        "side_name": SIDE_NAMES[side],
        "rows": rows,
        "problem": "Select the conference or indirect communication the call was about" if status == 422 else "",
        "back_url": reverse("agreements:case_activity", args=[person.case_id]),
    }
    return render(request, "agreements/feedback/choose.html", context, status=status)


def _problem(person: Victim | Offender, activity: services.Activity) -> tuple[str, Any]:
    """Why feedback cannot be recorded for this person and activity (empty: it can), and any record to view."""
    existing = services.feedback_existing(person, activity)
    if existing is not None:
        return "Feedback from this person about this activity has already been recorded.", existing
    if not services.activity_ready(activity):
        if isinstance(activity, Conference):
            return "This conference has not been recorded as held yet. Record feedback after it has been held.", None
        return "This indirect communication has not started yet.", None
    if not services.took_part(person, activity):
        return "This person did not take part in this activity.", None
    if not person.case.is_open:
        return "This case is closed. Feedback cannot be recorded on a closed case.", None
    return "", None


@require_http_methods(["GET", "POST"])
def feedback_new(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    person = person_for_team(request.user, side, pk)
    case = person.case
    activity = _activity_from_query(request, person)
    if activity is None:
        return _chooser(request, person, side, 422 if request.method == "POST" else 200)
    due_on = services.call_due_on(activity)
    context: dict[str, Any] = {
        **case_header_context(case, request.user, "activity"),
        "side": side,
        "person": person,
        "side_name": SIDE_NAMES[side],
        "activity": activity,
        "activity_label": services.activity_label(activity),
        "activity_phrase": services.activity_phrase(activity),
        "activity_url": _activity_url(activity),
        "due_on": due_on,
        "late": clock.today() > due_on,
        "back_url": reverse("agreements:case_activity", args=[case.pk]),
    }
    problem, existing = _problem(person, activity)
    if problem:
        context.update(problem=problem, existing_url=detail_url(existing) if existing else "")
        _log(request, person, side, type(person).__name__, person.pk, "Feedback call form")
        return render(
            request, "agreements/feedback/form.html", context, status=422 if request.method == "POST" else 200
        )
    question_set = services.current_question_set(case.service)
    form = FeedbackForm(
        request.POST if request.method == "POST" else None,
        questions=list(question_set.questions.order_by("order")),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = services.feedback_record(
                    participant=person,
                    actor=request.user,
                    activity=activity,
                    called_on=form.cleaned_data["called_on"],
                    answers=form.answers(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc, lambda key: key if key in form.fields else answer_field_name(key))
            else:
                text = "Feedback recorded"
                if record.worry_raised:
                    text += ". A worry was raised: the team has a safeguarding task to act on it today"
                messages.success(request, text)
                return redirect(detail_url(record))
        status = 422
    else:
        _log(request, person, side, type(person).__name__, person.pk, "Feedback call form")
    context.update(form=form, question_set=question_set, rows=form.question_rows())
    return render(request, "agreements/feedback/form.html", context, status=status)


# --- Reading ---------------------------------------------------------------------------------


@require_GET
def feedback_detail(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    record = feedback_for_user(request.user, side, pk)
    person = record.participant
    activity = record.conference or record.indirect
    questions = list(record.question_set.questions.order_by("order"))
    _log(request, person, side, type(record).__name__, record.pk, "Feedback call record")
    context = {
        **case_header_context(person.case, request.user, "activity"),
        "side": side,
        "person": person,
        "side_name": SIDE_NAMES[side],
        "record": record,
        "activity_label": services.activity_label(activity),
        "activity_url": _activity_url(activity),
        "due_on": services.call_due_from(record.activity_on),
        "rows": services.answer_rows(questions, record.answers),
        "back_url": reverse("agreements:case_activity", args=[person.case_id]),
    }
    return render(request, "agreements/feedback/detail.html", context)


# --- The case's section (used by the agreements_tags template tag) ----------------------------


def case_section(case: Case, user: User) -> dict[str, Any]:
    """Every feedback call on the case for the people the user may see, if they may work the case.

    A fixed number of queries, however many activities, people and records.
    """
    perms = permissions.perms_on(user, [case])
    if permissions.CASE_CHANGE not in perms.get((Case, case.pk), set()):
        return {"show": False}
    victims = {v.pk: v for v in permissions.visible(case.victims.all(), user, permissions.VICTIM_VIEW)}
    offenders = {o.pk: o for o in permissions.visible(case.offenders.all(), user, permissions.OFFENDER_VIEW)}
    if not victims and not offenders:
        return {"show": False}
    held = list(Conference.objects.filter(case=case, status=ConferenceStatus.HELD))
    people: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for through, field, side in (
        (Conference.attending_victims.through, "victim_id", Side.VICTIM),
        (Conference.attending_offenders.through, "offender_id", Side.OFFENDER),
    ):
        for conference_id, person_id in through.objects.filter(conference__in=held).values_list("conference_id", field):
            people.setdefault(("conference", conference_id), []).append((side, person_id))
    indirect = list(IndirectCommunication.objects.filter(case=case, started_on__lte=clock.today()))
    for communication_id, victim_id, offender_id in (
        IndirectMessage.objects.filter(communication__in=indirect)
        .values_list("communication_id", "victim_id", "offender_id")
        .distinct()
    ):
        named = people.setdefault(("indirect", communication_id), [])
        for entry in ((Side.VICTIM, victim_id), (Side.OFFENDER, offender_id)):
            if entry not in named:
                named.append(entry)
    records: dict[tuple[str, str, int, int], Any] = {}
    for side, model, ids in (
        (Side.VICTIM, VictimFeedback, victims),
        (Side.OFFENDER, OffenderFeedback, offenders),
    ):
        for record in model.objects.filter(participant_id__in=list(ids)).only(
            "pk", "participant_id", "conference_id", "indirect_id", "activity_on", "called_on", "worry_raised"
        ):
            if record.conference_id:
                records[("conference", side, record.conference_id, record.participant_id)] = record
            else:
                records[("indirect", side, record.indirect_id, record.participant_id)] = record
    today = clock.today()
    may_record = case.is_open
    rows = []
    for activity in sorted([*held, *indirect], key=lambda a: (services.activity_on(a), a.pk), reverse=True):
        kind = services.activity_kind(activity)
        due_on = services.call_due_on(activity)
        for side, person_id in sorted(people.get((kind, activity.pk), []), key=lambda e: (e[0] != Side.VICTIM, e[1])):
            person = (victims if side == Side.VICTIM else offenders).get(person_id)
            if person is None:
                continue
            record = records.get((kind, side, activity.pk, person_id))
            rows.append(
                {
                    "person": person,
                    "side_name": SIDE_NAMES[side],
                    "activity_label": services.activity_label(activity),
                    "activity_phrase": services.activity_phrase(activity),
                    "due_on": due_on,
                    "record": record,
                    "overdue": record is None and today > due_on,
                    "url": detail_url(record) if record else (new_url(person, activity) if may_record else ""),
                }
            )
    return {"show": True, "case": case, "rows": rows}


# --- A service's versions of the questions (administrators) ----------------------------------


def _service(request: HttpRequest):
    if not request.user.service_id:
        raise Http404("Not found")
    return request.user.service


@require_capability(CAPABILITY)
@require_GET
def feedback_sets(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    current = services.current_question_set(service)
    sets = list(services.question_sets_for(service))
    return render(request, "agreements/feedback/sets.html", {"current": current, "sets": sets, "service": service})


def _set_for_service(request: HttpRequest, pk: int) -> FeedbackQuestionSet:
    """A version the user's service uses or may start from: its own, or a default one (404 otherwise)."""
    service = _service(request)
    question_set = services.question_sets_for(service).filter(pk=pk).first()
    if question_set is None:
        raise refused("FeedbackQuestionSet", pk, request.user)
    return question_set


@require_capability(CAPABILITY)
@require_GET
def feedback_set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question_set = _set_for_service(request, pk)
    current = services.current_question_set(_service(request))
    questions = [
        {
            "question": q,
            "choices": [{"label": c["label"], "meaning": choice_meaning(c)} for c in q.choices],
        }
        for q in question_set.questions.order_by("order")
    ]
    return render(
        request,
        "agreements/feedback/set_detail.html",
        {"question_set": question_set, "questions": questions, "current": current},
    )


@require_capability(CAPABILITY)
@require_http_methods(["GET", "POST"])
def feedback_set_new(request: HttpRequest) -> HttpResponse:
    service = _service(request)
    based_on = services.current_question_set(service)
    questions = list(based_on.questions.order_by("order"))
    form = QuestionSetForm(request.POST if request.method == "POST" else None, based_on=based_on, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            question_set = services.question_set_new(
                service=service,
                actor=request.user,
                based_on=based_on,
                questions=form.edits(),
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, errors in exc.error_dict.items():
                    for error in errors:
                        form.add_error(key if key in form.fields else None, error.messages)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, f"Feedback questions version {question_set.version} published")
            return redirect("agreements:feedback_set_detail", pk=question_set.pk)
    return render(
        request,
        "agreements/feedback/set_new.html",
        {"form": form, "based_on": based_on, "rows": form.question_rows()},
        status=422 if form.is_bound else 200,
    )


urlpatterns: list[URLPattern] = [
    path("<side:side>/<int:pk>/feedback/new/", feedback_new, name="feedback_new"),
    path("<side:side>/feedback/<int:pk>/", feedback_detail, name="feedback_detail"),
    path("settings/feedback/", feedback_sets, name="feedback_sets"),
    path("settings/feedback/new/", feedback_set_new, name="feedback_set_new"),
    path("settings/feedback/<int:pk>/", feedback_set_detail, name="feedback_set_detail"),
]
