"""The feedback call after a conference or indirect work, and the question sets kept as data."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.feedback_questions import DEFAULT_QUESTIONS, TOPICS
from agreements.models import (
    Conference,
    ConferenceStatus,
    FeedbackQuestionSet,
    MessageDirection,
    OffenderFeedback,
    VictimFeedback,
)
from agreements.services import conferences as conference_services
from agreements.services import feedback as services
from agreements.services.indirect import indirect_complete, indirect_start, message_record
from audit.models import Operation, ProcessingLogEntry
from cases.models import CaseEvent, EventKind, Side, Task, TaskKind
from cases.services import participants as participant_services
from tests.agreements.matrix_feedback import CALM_ANSWERS, ROWS, feedback_world, held_conference_for
from tests.factories import VICTIM_MARKERS, victim_data

pytestmark = pytest.mark.django_db

OUTSIDERS = ["unallocated_facilitator", "administrator", "offender_manager", "vlo", "commissioner", "other_manager"]
WORRY_DETAILS = "He drove past my house twice last week"


def _today() -> dt.date:
    return timezone.localdate()


def _date(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(value.day), f"{prefix}_month": str(value.month), f"{prefix}_year": str(value.year)}


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


@pytest.fixture
def held(allocated_case, victim, offender, facilitator):
    return held_conference_for(allocated_case, victim, offender, facilitator, days_ago=3)


@pytest.fixture
def vlo_victim(victim, manager, vlo):
    participant_services.participant_update(participant=victim, actor=manager, data={"vlo": vlo})
    return victim


def _record(person, activity, actor, *, called_on=None, answers=None):
    return services.feedback_record(
        participant=person,
        actor=actor,
        activity=activity,
        called_on=called_on or _today(),
        answers=CALM_ANSWERS if answers is None else answers,
    )


def _new_url(side, person, activity=None):
    url = reverse("agreements:feedback_new", kwargs={"side": side, "pk": person.pk})
    if activity is not None:
        url += f"?{'conference' if isinstance(activity, Conference) else 'indirect'}={activity.pk}"
    return url


def _detail_url(side, record):
    return reverse("agreements:feedback_detail", kwargs={"side": side, "pk": record.pk})


def _post(called_on=None, **answers):
    data = _date("called_on", called_on or _today())
    data.update({f"answer_{key}": value for key, value in answers.items()})
    return data


def _default_v1() -> FeedbackQuestionSet:
    """Version 1 of the default set (seeded by migration 0004; recreated from the module after a test flush)."""
    services.current_question_set(None)
    return FeedbackQuestionSet.objects.get(service__isnull=True, version=1)


GOOD_POST = {"worries": "none", "overall_satisfaction": "very_satisfied", "would_recommend": "yes"}


# --- The questions -----------------------------------------------------------------------------------


def test_the_seeded_set_has_every_topic_and_the_flags():
    question_set = _default_v1()
    questions = {q.key: q for q in question_set.questions.all()}
    assert set(TOPICS.values()) <= set(questions)
    kinds = {key: q.kind for key, q in questions.items()}
    assert kinds["how_it_went"] == "many"
    assert kinds["pleased_by"] == kinds["disappointed_by"] == "yes_no_text"
    assert kinds["felt_straight_after"] == kinds["feel_now"] == kinds["worries"] == "many"
    assert kinds["overall_impact"] == kinds["would_recommend"] == kinds["overall_satisfaction"] == "one"

    worries = questions["worries"]
    assert worries.measure == "worry" and worries.required
    concern = {c["code"] for c in worries.choices if c.get("concern")}
    assert concern == {"threatened", "may_find_or_contact", "knows_where_i_live"}
    assert "none" in {c["code"] for c in worries.choices} and "none" not in concern

    measures = {q.measure: key for key, q in questions.items() if q.measure}
    assert measures == {
        "worry": "worries",
        "impact": "overall_impact",
        "prepared": "felt_prepared",
        "supported": "felt_supported",
        "recommend": "would_recommend",
        "satisfaction": "overall_satisfaction",
    }
    recommend = {c["code"]: bool(c.get("positive")) for c in questions["would_recommend"].choices}
    assert recommend == {"yes": True, "no": False, "not_sure": False}
    satisfaction = [(c["code"], bool(c.get("positive"))) for c in questions["overall_satisfaction"].choices]
    assert satisfaction == [
        ("very_satisfied", True),
        ("satisfied", True),
        ("neither", False),
        ("dissatisfied", False),
        ("very_dissatisfied", False),
    ]


def test_the_seeded_set_matches_the_module_it_was_frozen_from():
    migration = importlib.import_module("agreements.migrations.0004_feedback_default_questions")
    assert migration.QUESTIONS == DEFAULT_QUESTIONS
    question_set = _default_v1()
    seeded = [
        {f: getattr(q, f) for f in ("key", "text", "hint", "kind", "choices", "measure", "required")}
        for q in question_set.questions.order_by("order")
    ]
    assert seeded == DEFAULT_QUESTIONS


def test_a_service_uses_the_default_set_until_it_writes_its_own(service, other_service):
    default = _default_v1()
    assert services.current_question_set(service) == default
    assert services.current_question_set(other_service) == default


# --- Recording ---------------------------------------------------------------------------------------


def test_recording_for_a_conference_attendee(facilitator, allocated_case, victim, held):
    record = _record(victim, held, facilitator, answers={**CALM_ANSWERS, "overall_satisfaction": "very_satisfied"})
    assert isinstance(record, VictimFeedback)
    assert record.conference == held and record.indirect is None
    assert record.activity_on == held.date and record.called_on == _today()
    assert record.satisfied is True and record.would_recommend is True and record.worry_raised is False
    assert record.question_set.version == 1 and record.question_set.service is None
    assert not record.is_late
    event = CaseEvent.objects.get(case=allocated_case, kind=EventKind.FEEDBACK)
    assert event.summary == "Feedback recorded" and event.side == Side.VICTIM and event.victim == victim
    log = ProcessingLogEntry.objects.get(object_type="VictimFeedback", object_id=record.pk)
    assert log.operation == Operation.COLLECTION and log.person_id == victim.pk and log.person_kind == "victim"


def test_recording_through_the_page(as_user, facilitator, offender, held):
    client = as_user(facilitator)
    url = _new_url("offender", offender, held)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Call due by" in html and (held.date + dt.timedelta(days=7)).strftime("%-d %B %Y") in html
    assert 'data-behaviour="exclusive"' in html and "govuk-radios__conditional" in html
    assert "Offender side" in html
    data = _post(
        **GOOD_POST,
        how_it_went=["went_well", "said_what_i_wanted"],
        pleased_by="yes",
        pleased_by_details="The apology",
        overall_impact="positive",
        could_be_better="Shorter wait at the start",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    record = OffenderFeedback.objects.get(participant=offender)
    assert response["Location"] == _detail_url("offender", record)
    assert record.answers["how_it_went"] == ["went_well", "said_what_i_wanted"]
    assert record.answers["pleased_by"] == {"answer": "yes", "details": "The apology"}
    assert record.answers["could_be_better"] == "Shorter wait at the start"
    assert "disappointed_by" not in record.answers
    detail = client.get(response["Location"]).content.decode()
    assert "The apology" in detail and "I managed to say what I wanted to say" in detail
    assert "Offender side" in detail


def test_recording_for_a_party_to_indirect_work(facilitator, allocated_case, victim, offender):
    communication = indirect_start(
        case=allocated_case, actor=facilitator, kind="letter_of_apology", started_on=_today() - dt.timedelta(days=6)
    )
    message_record(
        communication=communication,
        actor=facilitator,
        direction=MessageDirection.TO_VICTIM,
        victim=victim,
        offender=offender,
        content="A letter",
        received_on=_today() - dt.timedelta(days=4),
    )
    record = _record(victim, communication, facilitator)
    assert record.indirect == communication and record.conference is None
    assert record.activity_on == communication.started_on
    offender_record = _record(offender, communication, facilitator)
    assert offender_record.indirect == communication


def test_refused_for_someone_not_at_the_conference(facilitator, allocated_case, held):
    other = participant_services.participant_add(
        case=allocated_case, actor=facilitator, side="victim", data=victim_data(first_name="Wendy", last_name="Other")
    )
    with pytest.raises(ValidationError) as exc:
        _record(other, held, facilitator)
    assert "did not take part" in str(exc.value)
    assert not VictimFeedback.objects.exists()


def test_refused_for_someone_not_named_in_the_indirect_messages(facilitator, allocated_case, victim):
    communication = indirect_start(
        case=allocated_case, actor=facilitator, kind="letter_of_apology", started_on=_today() - dt.timedelta(days=2)
    )
    with pytest.raises(ValidationError) as exc:
        _record(victim, communication, facilitator)
    assert "did not take part" in str(exc.value)


def test_refused_before_the_conference_is_held(facilitator, allocated_case, victim, offender):
    planned = conference_services.conference_plan(
        case=allocated_case,
        actor=facilitator,
        data={"date": _today(), "start_time": dt.time(9), "venue_kind": "community", "venue_name": "Hall"},
        victims=[victim],
        offenders=[offender],
    )
    with pytest.raises(ValidationError) as exc:
        _record(victim, planned, facilitator)
    assert "has not been recorded as held" in str(exc.value)


@pytest.mark.parametrize(
    ("called", "message"),
    [(1, "must be today or in the past"), (-4, "must be on or after the conference")],
)
def test_refused_for_a_call_date_in_the_future_or_before_the_conference(facilitator, victim, held, called, message):
    with pytest.raises(ValidationError) as exc:
        _record(victim, held, facilitator, called_on=_today() + dt.timedelta(days=called))
    assert message in exc.value.message_dict["called_on"][0]


def test_a_second_record_for_the_same_person_and_activity_is_refused(as_user, facilitator, victim, held):
    first = _record(victim, held, facilitator)
    with pytest.raises(ValidationError) as exc:
        _record(victim, held, facilitator)
    assert "already been recorded" in str(exc.value)
    client = as_user(facilitator)
    page = client.get(_new_url("victim", victim, held))
    assert page.status_code == 200
    html = page.content.decode()
    assert "already been recorded" in html and _detail_url("victim", first) in html
    assert client.post(_new_url("victim", victim, held), _post(**GOOD_POST)).status_code == 422
    assert VictimFeedback.objects.count() == 1


def test_answers_are_checked_against_the_questions(facilitator, victim, held):
    cases = [
        ({**CALM_ANSWERS, "worries": ["bogus"]}, "worries"),
        ({**CALM_ANSWERS, "overall_satisfaction": "ecstatic"}, "overall_satisfaction"),
        ({**CALM_ANSWERS, "worries": ["none", "threatened"]}, "worries"),
        ({"worries": ["none"], "would_recommend": "yes"}, "overall_satisfaction"),
        ({**CALM_ANSWERS, "pleased_by": {"answer": "maybe"}}, "pleased_by"),
    ]
    for answers, key in cases:
        with pytest.raises(ValidationError) as exc:
            _record(victim, held, facilitator, answers=answers)
        assert key in exc.value.message_dict, answers
    with pytest.raises(ValidationError):
        _record(victim, held, facilitator, answers={**CALM_ANSWERS, "not_a_question": "x"})
    assert not VictimFeedback.objects.exists()


def test_bad_input_on_the_form_is_422_with_the_message_at_the_field(as_user, facilitator, victim, held):
    data = _post(called_on=_today() + dt.timedelta(days=2), worries=["none", "threatened"], would_recommend="bogus")
    response = as_user(facilitator).post(_new_url("victim", victim, held), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_answer_overall_satisfaction-error"' in html
    assert "Select an answer to “How satisfied are you with the restorative justice service overall?”" in html
    assert 'id="id_answer_would_recommend-error"' in html and "Select one of the answers given" in html
    assert "Date of the call must be today or in the past" in html
    assert "govuk-error-summary" in html and 'href="#id_answer_overall_satisfaction_0"' in html
    assert 'value="threatened" checked' in html  # what was typed is kept
    assert not VictimFeedback.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.FEEDBACK).exists()


def test_a_service_refusal_shows_at_the_field(as_user, facilitator, victim, held):
    data = _post(called_on=held.date - dt.timedelta(days=1), **GOOD_POST)
    response = as_user(facilitator).post(_new_url("victim", victim, held), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_called_on-error"' in html and "must be on or after the conference" in html
    assert 'value="none" checked' in html and 'href="#id_called_on_0"' in html


def test_exclusive_answer_on_the_form(as_user, facilitator, victim, held):
    data = _post(**{**GOOD_POST, "worries": ["none", "threatened"]})
    response = as_user(facilitator).post(_new_url("victim", victim, held), data)
    assert response.status_code == 422
    assert 'id="id_answer_worries-error"' in response.content.decode()
    assert not VictimFeedback.objects.exists()


# --- Worries -----------------------------------------------------------------------------------------


def test_a_worry_raises_safeguarding_tasks_for_the_lead_and_managers_only(
    facilitator, facilitator2, manager, offender_manager, vlo, administrator, allocated_case, victim, held
):
    answers = {**CALM_ANSWERS, "worries": ["may_find_or_contact"], "disappointed_by": {"answer": "yes"}}
    answers["disappointed_by"]["details"] = WORRY_DETAILS
    record = _record(victim, held, facilitator, answers=answers)
    assert record.worry_raised is True
    tasks = Task.objects.filter(case=allocated_case, kind=TaskKind.SAFEGUARDING)
    assert {t.assignee for t in tasks} == {facilitator, manager}
    for task in tasks:
        assert task.side == Side.VICTIM and task.victim == victim and task.offender is None
        assert task.due_on == _today() and task.done_at is None
        assert task.link == _detail_url("victim", record)
        assert WORRY_DETAILS not in task.title and "may_find" not in task.title
    assert not Task.objects.filter(assignee__in=[offender_manager, vlo, administrator, facilitator2]).exists()
    summaries = set(
        CaseEvent.objects.filter(case=allocated_case, kind=EventKind.FEEDBACK).values_list("summary", flat=True)
    )
    assert summaries == {"Feedback recorded", "Worry raised in feedback"}
    for event in CaseEvent.objects.filter(case=allocated_case):
        assert WORRY_DETAILS not in event.summary and "track me down" not in event.summary
    assert CaseEvent.objects.filter(kind=EventKind.FEEDBACK, side="").count() == 0


def test_an_offenders_worry_stays_offender_side(facilitator, allocated_case, offender, held):
    _record(offender, held, facilitator, answers={**CALM_ANSWERS, "worries": ["threatened"]})
    tasks = Task.objects.filter(case=allocated_case, kind=TaskKind.SAFEGUARDING)
    assert tasks.exists() and all(t.side == Side.OFFENDER and t.offender == offender for t in tasks)


def test_a_worry_shows_on_the_record_and_in_the_banner(as_user, facilitator, victim, held):
    data = _post(**{**GOOD_POST, "worries": ["knows_where_i_live"]})
    response = as_user(facilitator).post(_new_url("victim", victim, held), data, follow=True)
    html = response.content.decode()
    assert "safeguarding task" in html and "Worry raised" in html and "I am afraid they know my address" in html


# --- Timeliness and feedback call tasks --------------------------------------------------------------


def test_a_late_call_is_flagged_but_allowed(as_user, facilitator, allocated_case, victim, offender):
    late = held_conference_for(allocated_case, victim, offender, facilitator, days_ago=10)
    page = as_user(facilitator).get(_new_url("victim", victim, late)).content.decode()
    assert "govuk-warning-text" in page and "was due by" in page
    record = _record(victim, late, facilitator)
    assert record.is_late
    on_time = _record(offender, late, facilitator, called_on=late.date + dt.timedelta(days=7))
    assert not on_time.is_late
    detail = as_user(facilitator).get(_detail_url("victim", record)).content.decode()
    assert "Late" in detail


def test_feedback_call_tasks_when_held_and_done_when_recorded(facilitator, allocated_case, victim, offender):
    conference = conference_services.conference_plan(
        case=allocated_case,
        actor=facilitator,
        data={"date": _today(), "start_time": dt.time(9), "venue_kind": "community", "venue_name": "Hall"},
        victims=[victim],
        offenders=[offender],
    )
    Conference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.CONFIRMED)
    conference_services.conference_record_held(
        conference=conference,
        actor=facilitator,
        data={
            "held_start_time": dt.time(9, 5),
            "held_end_time": dt.time(10, 30),
            "background": "Burglary",
            "how_it_went": "Well",
            "lessons_learnt": "None",
        },
    )
    tasks = Task.objects.filter(case=allocated_case, kind=TaskKind.FEEDBACK_CALL)
    assert tasks.count() == 2
    assert {(t.side, t.victim_id, t.offender_id) for t in tasks} == {
        (Side.VICTIM, victim.pk, None),
        (Side.OFFENDER, None, offender.pk),
    }
    assert all(t.assignee == facilitator and t.due_on == _today() + dt.timedelta(days=7) for t in tasks)
    assert all(allocated_case.reference in t.title and victim.last_name not in t.title for t in tasks)
    assert tasks.get(side=Side.VICTIM).link == _new_url("victim", victim, conference)
    conference.refresh_from_db()
    _record(victim, conference, facilitator)
    assert tasks.get(side=Side.VICTIM).done_at is not None
    assert tasks.get(side=Side.OFFENDER).done_at is None


def test_recording_also_completes_reminder_tasks_of_the_same_call(facilitator, allocated_case, victim, held):
    from cases.services.common import task_add

    key = services.call_task_key(held, victim)
    reminder = task_add(
        case=allocated_case,
        assignee=facilitator,
        kind=TaskKind.FEEDBACK_CALL,
        title="Make the feedback call",
        participant=victim,
        dedupe_key=f"{key}:reminder",
    )
    unrelated = task_add(
        case=allocated_case,
        assignee=facilitator,
        kind=TaskKind.FEEDBACK_CALL,
        title="Make the feedback call",
        participant=victim,
        dedupe_key=f"{key}9:reminder",
    )
    _record(victim, held, facilitator)
    reminder.refresh_from_db()
    unrelated.refresh_from_db()
    assert reminder.done_at is not None and unrelated.done_at is None


def test_feedback_call_tasks_when_indirect_work_is_completed(facilitator, allocated_case, victim, offender):
    communication = indirect_start(
        case=allocated_case, actor=facilitator, kind="shuttle", started_on=_today() - dt.timedelta(days=9)
    )
    message_record(
        communication=communication,
        actor=facilitator,
        direction=MessageDirection.TO_OFFENDER,
        victim=victim,
        offender=offender,
        content="A message",
        received_on=_today() - dt.timedelta(days=8),
    )
    indirect_complete(
        communication=communication,
        actor=facilitator,
        completed_on=_today() - dt.timedelta(days=1),
        effective=True,
        how_we_know="Both said so",
    )
    tasks = Task.objects.filter(case=allocated_case, kind=TaskKind.FEEDBACK_CALL)
    assert {t.side for t in tasks} == {Side.VICTIM, Side.OFFENDER}
    assert all(t.due_on == _today() + dt.timedelta(days=6) for t in tasks)
    communication.refresh_from_db()
    record = _record(offender, communication, facilitator)
    assert record.activity_on == communication.completed_on
    assert tasks.get(side=Side.OFFENDER).done_at is not None


# --- Versions of the questions -----------------------------------------------------------------------


def test_a_new_version_leaves_old_records_on_their_version(administrator, facilitator, service, victim, offender, held):
    old = _record(victim, held, facilitator)
    v1 = old.question_set
    new_set = services.question_set_new(
        service=service,
        actor=administrator,
        based_on=v1,
        questions={
            "overall_satisfaction": {"text": "All things considered, how happy are you with our service?"},
            "worries": {"labels": {"threatened": "I have felt threatened since"}},
        },
    )
    assert new_set.version == 2 and new_set.service == service and new_set.introduced_by == administrator
    assert services.current_question_set(service) == new_set
    copied = {q.key: q for q in new_set.questions.all()}
    original = {q.key: q for q in v1.questions.all()}
    assert set(copied) == set(original)
    for key, question in copied.items():
        assert question.measure == original[key].measure and question.kind == original[key].kind
        assert [c["code"] for c in question.choices] == [c["code"] for c in original[key].choices]
    threatened = next(c for c in copied["worries"].choices if c["code"] == "threatened")
    assert threatened == {"code": "threatened", "label": "I have felt threatened since", "concern": True}
    newer = _record(offender, held, facilitator, answers={**CALM_ANSWERS, "worries": ["threatened"]})
    assert newer.question_set == new_set and newer.worry_raised
    old.refresh_from_db()
    assert old.question_set == v1
    assert (
        FeedbackQuestionSet.objects.get(service__isnull=True, version=1)
        .questions.get(key="overall_satisfaction")
        .text.startswith("How satisfied")
    )


def test_question_set_new_refuses_bad_changes(administrator, facilitator, service, other_service, other_manager):
    v1 = services.current_question_set(service)
    for questions in (
        {"unknown_key": {"text": "x"}},
        {"worries": {"labels": {"made_up": "x"}}},
        {"worries": {"text": " "}},
        {},
    ):
        with pytest.raises(ValidationError):
            services.question_set_new(service=service, actor=administrator, based_on=v1, questions=questions)
    with pytest.raises(ValidationError):
        services.question_set_new(
            service=service, actor=facilitator, based_on=v1, questions={"worries": {"text": "Any worries?"}}
        )
    theirs = FeedbackQuestionSet.objects.create(
        service=other_service, version=2, title="x", introduced_at=timezone.now()
    )
    with pytest.raises(ValidationError):
        services.question_set_new(
            service=service, actor=administrator, based_on=theirs, questions={"worries": {"text": "Any worries?"}}
        )
    assert services.current_question_set(service) == v1


def test_the_question_set_pages(as_user, administrator, service):
    client = as_user(administrator)
    listing = client.get(reverse("agreements:feedback_sets"))
    assert listing.status_code == 200 and "Version 1" in listing.content.decode()
    v1 = services.current_question_set(service)
    detail = client.get(reverse("agreements:feedback_set_detail", args=[v1.pk])).content.decode()
    assert "How satisfied are you" in detail and "raises a safeguarding task" in detail
    form = client.get(reverse("agreements:feedback_set_new"))
    assert form.status_code == 200
    data = {bound.name: bound.value() for bound in form.context["form"]}
    data["overall_satisfaction__text"] = ""
    bad = client.post(reverse("agreements:feedback_set_new"), data)
    assert bad.status_code == 422
    assert 'id="id_overall_satisfaction__text-error"' in bad.content.decode()
    assert FeedbackQuestionSet.objects.filter(service=service).count() == 0
    data["overall_satisfaction__text"] = "How happy are you with us overall?"
    good = client.post(reverse("agreements:feedback_set_new"), data)
    assert good.status_code == 302
    new_set = FeedbackQuestionSet.objects.get(service=service)
    assert good["Location"] == reverse("agreements:feedback_set_detail", args=[new_set.pk])
    assert new_set.questions.get(key="overall_satisfaction").text == "How happy are you with us overall?"
    page = client.get(reverse("agreements:feedback_sets")).content.decode()
    assert "Version 2" in page and "In use" in page


def test_another_services_question_set_is_404(as_user, administrator, other_service):
    theirs = FeedbackQuestionSet.objects.create(
        service=other_service, version=2, title="x", introduced_at=timezone.now()
    )
    response = as_user(administrator).get(reverse("agreements:feedback_set_detail", args=[theirs.pk]))
    assert response.status_code == 404


# --- Who may see what --------------------------------------------------------------------------------


@pytest.fixture
def recorded(allocated_case, victim, offender, facilitator, vlo_victim):
    return feedback_world(allocated_case, victim, offender, facilitator)


def _pages(recorded, victim, offender) -> list[str]:
    held = recorded["feedback_conference"]
    return [
        _new_url("victim", victim),
        _new_url("victim", victim, held),
        _new_url("offender", offender, held),
        _detail_url("victim", recorded["victim_feedback"]),
        _detail_url("offender", recorded["offender_feedback"]),
    ]


@pytest.mark.parametrize("persona", ["facilitator", "manager"])
def test_the_team_working_the_case_reads_feedback(request, as_user, recorded, victim, offender, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in _pages(recorded, victim, offender):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_everyone_else_gets_404(request, as_user, recorded, victim, offender, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in _pages(recorded, victim, offender):
        assert client.get(url).status_code == 404, url
    held = recorded["feedback_conference"]
    before = VictimFeedback.objects.count()
    assert client.post(_new_url("victim", victim, held), _post(**GOOD_POST)).status_code == 404
    assert VictimFeedback.objects.count() == before


def test_offender_side_never_sees_the_victims_feedback(as_user, recorded, offender_manager, commissioner, vlo):
    for user in (offender_manager, commissioner, vlo):
        client = as_user(user)
        response = client.get(_detail_url("victim", recorded["victim_feedback"]))
        assert response.status_code == 404
        page = client.get(reverse("agreements:case_activity", args=[recorded["victim_feedback"].participant.case_id]))
        assert all(marker not in page.content.decode() for marker in VICTIM_MARKERS.values())


def test_missing_records_and_activities_are_404(as_user, facilitator, victim, allocated_case, other_manager):
    client = as_user(facilitator)
    assert client.get(reverse("agreements:feedback_detail", kwargs={"side": "victim", "pk": 999999})).status_code == 404
    assert client.get(_new_url("victim", victim) + "?conference=999999").status_code == 404
    assert client.get(_new_url("victim", victim) + "?indirect=abc").status_code == 404


def test_reading_logs_a_consultation(as_user, facilitator, recorded, victim):
    record = recorded["victim_feedback"]
    as_user(facilitator).get(_detail_url("victim", record))
    log = ProcessingLogEntry.objects.filter(object_type="VictimFeedback", object_id=record.pk).order_by("-id").first()
    assert log.operation == Operation.CONSULTATION and log.person_id == victim.pk and log.user == facilitator


def test_wrong_methods_are_refused(as_user, facilitator, recorded, victim):
    client = as_user(facilitator)
    assert client.put(_new_url("victim", victim)).status_code == 405
    assert client.post(_detail_url("victim", recorded["victim_feedback"])).status_code == 405


def test_the_chooser_lists_the_persons_activities(as_user, facilitator, recorded, victim):
    html = as_user(facilitator).get(_new_url("victim", victim)).content.decode()
    assert "View feedback" in html and _detail_url("victim", recorded["victim_feedback"]) in html
    assert as_user(facilitator).post(_new_url("victim", victim), {}).status_code == 422


def test_matrix_rows_against_the_feedback_world(as_user, recorded, victim, offender, request):
    from tests.test_authorisation_matrix import PERSONAS

    objects = {"victim": victim, "offender": offender, **recorded}
    for name, row in ROWS.items():
        kwargs = dict(row.kwargs)
        if row.args:
            kwargs["pk"] = objects[row.args].pk
        url = reverse(name.split("[", 1)[0], kwargs=kwargs)
        for persona in PERSONAS:
            status = getattr(as_user(request.getfixturevalue(persona)), row.method)(url).status_code
            expected = row.ok if persona in row.allowed else (404,)
            assert status in expected, f"{name} {persona}: {status}"


# --- The case's section ------------------------------------------------------------------------------


def test_the_section_lists_feedback_calls(as_user, facilitator, manager, administrator, allocated_case, recorded):
    url = reverse("agreements:case_activity", args=[allocated_case.pk])
    html = as_user(facilitator).get(url).content.decode()
    assert "Feedback calls" in html and _detail_url("victim", recorded["victim_feedback"]) in html
    assert _detail_url("offender", recorded["offender_feedback"]) in html


def test_the_section_shows_calls_still_to_make(as_user, facilitator, allocated_case, victim, offender):
    late = held_conference_for(allocated_case, victim, offender, facilitator, days_ago=9)
    html = as_user(facilitator).get(reverse("agreements:case_activity", args=[allocated_case.pk])).content.decode()
    assert "Overdue" in html and _new_url("victim", victim, late).replace("&", "&amp;") in html


def _conferences_with_feedback(case, victim, offender, facilitator, n):
    for i in range(n):
        conference = held_conference_for(case, victim, offender, facilitator, days_ago=3 + i)
        _record(victim, conference, facilitator)
        _record(offender, conference, facilitator)


@pytest.mark.parametrize("persona", ["facilitator", "manager"])
def test_section_queries_do_not_grow_with_records(
    request, as_user, django_assert_max_num_queries, allocated_case, victim, offender, facilitator, persona
):
    user = request.getfixturevalue(persona)
    _conferences_with_feedback(allocated_case, victim, offender, facilitator, 1)
    with CaptureQueriesContext(connection) as one:
        services_section = _section(allocated_case, user)
    assert len(services_section["rows"]) == 2
    _conferences_with_feedback(allocated_case, victim, offender, facilitator, 4)
    with CaptureQueriesContext(connection) as five:
        services_section = _section(allocated_case, user)
    assert len(services_section["rows"]) == 10
    assert len(one) == len(five)
    with django_assert_max_num_queries(12):
        _section(allocated_case, user)


def _section(case, user):
    from agreements.views.feedback import case_section

    return case_section(case, user)


def test_case_page_queries_do_not_grow_with_feedback(
    as_user, django_assert_max_num_queries, allocated_case, victim, offender, facilitator
):
    client = as_user(facilitator)
    url = reverse("agreements:case_activity", args=[allocated_case.pk])
    _conferences_with_feedback(allocated_case, victim, offender, facilitator, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _conferences_with_feedback(allocated_case, victim, offender, facilitator, 4)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    assert len(one) == len(five)
    with django_assert_max_num_queries(len(one)):
        client.get(url)
