"""Suitability assessments: the rules (order, responsibility, reasons, time to think), their effects
(pathway, the "tell the person" task, re-contact reminders, timeline, processing log), and the pages
(who may open them, what they show, bad input)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Operation, ProcessingLogEntry
from cases.models import CaseEvent, CodeList, EventKind, PathwayStatus, Stage, Task, TaskKind
from cases.services.lifecycle import case_close
from cases.services.participants import participant_update
from risk.checklist import settings_for
from risk.models import OffenderSuitability, SuitabilityOutcome, VictimDecision, VictimSuitability
from risk.models.assessments import AssessmentOrder
from risk.selectors_suitability import suitability_for_case
from risk.services.suitability import (
    ORDER_MESSAGE,
    RESPONSIBILITY_MESSAGE,
    suitability_record,
    suitability_update,
)
from tests.audit.support import refused
from tests.factories import VICTIM_MARKERS, code

pytestmark = pytest.mark.django_db

OUTSIDERS = ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner", "administrator"]


def _today() -> dt.date:
    return timezone.localdate()


def _date(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(value.day), f"{prefix}_month": str(value.month), f"{prefix}_year": str(value.year)}


def _messages(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


def offender_answers(**overrides):
    data = {
        "assessed_on": _today(),
        "who_was_affected": "The family in the house",
        "accepts_some_responsibility": True,
        "told_no_effect_on_sentence": True,
        "outcome": SuitabilityOutcome.SUITABLE,
        "outcome_reason": "",
    }
    data.update(overrides)
    return data


def victim_answers(**overrides):
    data = {
        "assessed_on": _today(),
        "readiness": "Ready to talk about it",
        "relationship": code(CodeList.RELATIONSHIP, "stranger"),
        "preferred_activity": "conference",
        "consent_informed_and_free": True,
        "decision": VictimDecision.PREPARE_CONFERENCE,
        "recontact_on": None,
        "outcome": SuitabilityOutcome.SUITABLE,
        "outcome_reason": "",
    }
    data.update(overrides)
    return data


def offender_post(**overrides):
    data = {
        **_date("assessed_on", _today()),
        "who_was_affected": "The family in the house",
        "accepts_some_responsibility": "yes",
        "told_no_effect_on_sentence": "on",
        "outcome": "suitable",
    }
    data.update(overrides)
    return data


def victim_post(**overrides):
    data = {
        **_date("assessed_on", _today()),
        "readiness": "Ready to talk about it",
        "relationship": str(code(CodeList.RELATIONSHIP, "stranger").pk),
        "preferred_activity": "conference",
        "consent_informed_and_free": "yes",
        "decision": "prepare_conference",
        "outcome": "suitable",
    }
    data.update(overrides)
    return data


def _assert_no_victim_markers(html: str) -> None:
    for field, value in VICTIM_MARKERS.items():
        assert value not in html, f"victim {field} leaked"


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


@pytest.fixture
def offender_suitable(offender, facilitator):
    return suitability_record(participant=offender, actor=facilitator, data=offender_answers())


@pytest.fixture
def victim_assessment(offender_suitable, victim, facilitator):
    return suitability_record(participant=victim, actor=facilitator, data=victim_answers())


# --- Services: happy paths -------------------------------------------------------------------


def test_recording_a_suitable_person_responsible(offender, facilitator):
    assessment = suitability_record(participant=offender, actor=facilitator, data=offender_answers())

    assert isinstance(assessment, OffenderSuitability)
    assert assessment.participant == offender
    assert assessment.recorded_by == facilitator
    offender.refresh_from_db()
    assert offender.pathway_status == PathwayStatus.SUITABLE
    assert CaseEvent.objects.filter(offender=offender, side="offender", kind=EventKind.SUITABILITY).exists()
    log = ProcessingLogEntry.objects.get(object_type="OffenderSuitability", object_id=assessment.pk)
    assert (log.operation, log.person_kind, log.person_id) == (Operation.COLLECTION, "offender", offender.pk)


def test_a_decided_outcome_asks_the_lead_facilitator_to_tell_the_person(offender, facilitator):
    suitability_record(participant=offender, actor=facilitator, data=offender_answers())

    event = CaseEvent.objects.get(offender=offender, kind=EventKind.DECISION)
    assert event.needs_informing
    task = Task.objects.get(kind=TaskKind.TELL_PARTICIPANT, offender=offender)
    assert task.event == event
    assert task.assignee == offender.case.lead_facilitator
    assert task.side == "offender"


def test_an_undecided_assessment_tells_nobody_yet(offender, facilitator):
    suitability_record(
        participant=offender, actor=facilitator, data=offender_answers(outcome=SuitabilityOutcome.IN_PROGRESS)
    )

    offender.refresh_from_db()
    assert offender.pathway_status == PathwayStatus.ASSESSING
    assert not Task.objects.filter(kind=TaskKind.TELL_PARTICIPANT).exists()


def test_recording_a_person_harmed_once_a_person_responsible_is_suitable(offender_suitable, victim, facilitator):
    assessment = suitability_record(participant=victim, actor=facilitator, data=victim_answers())

    assert isinstance(assessment, VictimSuitability)
    assert assessment.relationship.code == "stranger"
    victim.refresh_from_db()
    assert victim.pathway_status == PathwayStatus.PREPARING
    task = Task.objects.get(kind=TaskKind.TELL_PARTICIPANT, victim=victim)
    assert task.side == "victim" and task.offender is None
    assert CaseEvent.objects.filter(victim=victim, side="victim", kind=EventKind.SUITABILITY).exists()
    log = ProcessingLogEntry.objects.get(object_type="VictimSuitability", object_id=assessment.pk)
    assert (log.operation, log.person_kind, log.person_id) == (Operation.COLLECTION, "victim", victim.pk)


def test_prefers_indirect_prepares_the_person_harmed(offender_suitable, victim, facilitator):
    suitability_record(
        participant=victim, actor=facilitator, data=victim_answers(decision=VictimDecision.PREFERS_INDIRECT)
    )
    victim.refresh_from_db()
    assert victim.pathway_status == PathwayStatus.PREPARING


# --- The order rule ----------------------------------------------------------------------------


def test_person_harmed_is_not_assessed_before_a_person_responsible_is_suitable(victim, facilitator):
    with pytest.raises(ValidationError) as exc:
        suitability_record(participant=victim, actor=facilitator, data=victim_answers())
    assert ORDER_MESSAGE in exc.value.messages
    assert not VictimSuitability.objects.exists()


def test_an_unsuitable_person_responsible_does_not_open_the_way(offender, victim, facilitator):
    suitability_record(participant=offender, actor=facilitator, data=offender_answers())
    suitability_record(
        participant=offender,
        actor=facilitator,
        data=offender_answers(outcome=SuitabilityOutcome.UNSUITABLE, outcome_reason="Now denies it all"),
    )
    with pytest.raises(ValidationError):
        suitability_record(participant=victim, actor=facilitator, data=victim_answers())


def test_a_case_the_person_harmed_started_starts_with_them(allocated_case, victim, facilitator):
    allocated_case.initiator = code(CodeList.INITIATOR, "victim")
    allocated_case.save()
    victim.refresh_from_db()

    assessment = suitability_record(participant=victim, actor=facilitator, data=victim_answers())
    assert assessment.pk


def test_a_service_may_assess_the_person_harmed_first(allocated_case, victim, facilitator):
    settings = settings_for(allocated_case.service)
    settings.assessment_order = AssessmentOrder.VICTIM_FIRST
    settings.save()

    assessment = suitability_record(participant=victim, actor=facilitator, data=victim_answers())
    assert assessment.pk


# --- Other rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("accepts", [False, None])
def test_a_person_responsible_must_accept_some_responsibility_to_be_suitable(offender, facilitator, accepts):
    with pytest.raises(ValidationError) as exc:
        suitability_record(
            participant=offender, actor=facilitator, data=offender_answers(accepts_some_responsibility=accepts)
        )
    assert _messages(exc)["accepts_some_responsibility"] == [RESPONSIBILITY_MESSAGE]
    assert not OffenderSuitability.objects.exists()


def test_unsuitable_needs_a_reason_and_a_ticked_criterion_needs_notes(offender, facilitator):
    with pytest.raises(ValidationError) as exc:
        suitability_record(
            participant=offender,
            actor=facilitator,
            data=offender_answers(outcome=SuitabilityOutcome.UNSUITABLE, denies_involvement=True),
        )
    errors = _messages(exc)
    assert "outcome_reason" in errors
    assert "denies_involvement_notes" in errors


def test_unsuitable_person_responsible(offender, facilitator):
    suitability_record(
        participant=offender,
        actor=facilitator,
        data=offender_answers(
            outcome=SuitabilityOutcome.UNSUITABLE,
            outcome_reason="Denies being there",
            denies_involvement=True,
            denies_involvement_notes="Says he was elsewhere",
            accepts_some_responsibility=False,
        ),
    )
    offender.refresh_from_db()
    assert offender.pathway_status == PathwayStatus.UNSUITABLE
    assert Task.objects.filter(kind=TaskKind.TELL_PARTICIPANT, offender=offender).count() == 1


def test_time_to_think_sets_a_dated_reminder(offender_suitable, victim, facilitator, allocated_case):
    later = _today() + dt.timedelta(days=21)
    suitability_record(
        participant=victim,
        actor=facilitator,
        data=victim_answers(
            decision=VictimDecision.TIME_TO_THINK, recontact_on=later, outcome=SuitabilityOutcome.IN_PROGRESS
        ),
    )

    victim.refresh_from_db()
    assert victim.pathway_status == PathwayStatus.THINKING
    task = Task.objects.get(kind=TaskKind.RECONTACT)
    assert task.due_on == later
    assert task.victim == victim and task.side == "victim"
    assert task.title == f"Contact again on {allocated_case.reference}"
    assert VICTIM_MARKERS["first_name"] not in task.title


@pytest.mark.parametrize("recontact_on", [None, "today", "past"])
def test_time_to_think_needs_a_future_recontact_date(offender_suitable, victim, facilitator, recontact_on):
    value = {"today": _today(), "past": _today() - dt.timedelta(days=1)}.get(recontact_on)
    with pytest.raises(ValidationError) as exc:
        suitability_record(
            participant=victim,
            actor=facilitator,
            data=victim_answers(decision=VictimDecision.TIME_TO_THINK, recontact_on=value),
        )
    assert "recontact_on" in _messages(exc)
    assert not Task.objects.filter(kind=TaskKind.RECONTACT).exists()


def test_declining_stops_the_pathway_of_the_person_harmed(offender_suitable, victim, facilitator):
    suitability_record(
        participant=victim,
        actor=facilitator,
        data=victim_answers(decision=VictimDecision.DECLINES, outcome=SuitabilityOutcome.IN_PROGRESS),
    )
    victim.refresh_from_db()
    assert victim.pathway_status == PathwayStatus.DECLINED


def test_a_person_harmed_is_suitable_only_with_free_consent(offender_suitable, victim, facilitator):
    with pytest.raises(ValidationError) as exc:
        suitability_record(participant=victim, actor=facilitator, data=victim_answers(consent_informed_and_free=None))
    assert "consent_informed_and_free" in _messages(exc)


def test_domestic_abuse_cases_need_the_coercion_check(allocated_case, offender_suitable, victim, facilitator):
    allocated_case.flag_domestic_abuse = True
    allocated_case.save()
    victim.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        suitability_record(participant=victim, actor=facilitator, data=victim_answers())
    assert "coercion_check_notes" in _messages(exc)
    assessment = suitability_record(
        participant=victim, actor=facilitator, data=victim_answers(coercion_check_notes="Seen alone; no pressure")
    )
    assert assessment.coercion_check_notes


def test_closed_case_is_refused(allocated_case, offender, manager):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    offender.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        suitability_record(participant=offender, actor=manager, data=offender_answers())
    assert "closed" in exc.value.messages[0]
    assert not OffenderSuitability.objects.exists()


def test_paused_case_is_refused(allocated_case, offender, offender_suitable, facilitator):
    allocated_case.is_paused = True
    allocated_case.save()
    offender_suitable.participant.case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        suitability_update(assessment=offender_suitable, actor=facilitator, data=offender_answers(who_was_affected="x"))
    assert "paused" in exc.value.messages[0]
    offender.refresh_from_db()
    with pytest.raises(ValidationError):
        suitability_record(participant=offender, actor=facilitator, data=offender_answers())
    assert OffenderSuitability.objects.count() == 1


# --- Updates ---------------------------------------------------------------------------------


def test_update_logs_an_alteration_and_tells_the_person_of_a_new_outcome(offender, facilitator):
    assessment = suitability_record(
        participant=offender, actor=facilitator, data=offender_answers(outcome=SuitabilityOutcome.IN_PROGRESS)
    )
    suitability_update(assessment=assessment, actor=facilitator, data=offender_answers())

    assessment.refresh_from_db()
    assert assessment.outcome == SuitabilityOutcome.SUITABLE
    offender.refresh_from_db()
    assert offender.pathway_status == PathwayStatus.SUITABLE
    assert Task.objects.filter(kind=TaskKind.TELL_PARTICIPANT, offender=offender).count() == 1
    assert ProcessingLogEntry.objects.filter(
        operation=Operation.ALTERATION, object_type="OffenderSuitability", object_id=assessment.pk
    ).exists()


def test_an_update_that_changes_nothing_records_nothing(offender_suitable, facilitator):
    events = CaseEvent.objects.count()
    suitability_update(assessment=offender_suitable, actor=facilitator, data=offender_answers())
    assert CaseEvent.objects.count() == events
    assert not ProcessingLogEntry.objects.filter(operation=Operation.ALTERATION).exists()


def test_moving_to_time_to_think_on_update_adds_one_reminder(victim_assessment, facilitator):
    later = _today() + dt.timedelta(days=10)
    data = victim_answers(decision=VictimDecision.TIME_TO_THINK, recontact_on=later)
    suitability_update(assessment=victim_assessment, actor=facilitator, data=data)
    suitability_update(assessment=victim_assessment, actor=facilitator, data={**data, "readiness": "Unsure now"})
    assert Task.objects.filter(kind=TaskKind.RECONTACT, due_on=later).count() == 1


# --- Selector --------------------------------------------------------------------------------


def test_selector_lists_each_visible_person_with_their_latest_assessment(
    allocated_case, offender_suitable, victim, offender, facilitator
):
    later = suitability_update(
        assessment=offender_suitable, actor=facilitator, data=offender_answers(who_was_affected="Everyone")
    )
    rows = suitability_for_case(allocated_case, facilitator)
    by_side = {row["side"]: row for row in rows}
    assert [row["side"] for row in rows] == ["offender", "victim"]
    assert by_side["offender"]["assessment"] == later
    assert by_side["offender"]["detail_url"] == reverse("risk:suitability_detail", args=["offender", later.pk])
    assert by_side["victim"]["assessment"] is None
    assert by_side["victim"]["new_url"] == reverse("risk:suitability_new", args=["victim", victim.pk])


def test_selector_shows_offender_side_staff_nobody(allocated_case, victim_assessment, offender_manager, commissioner):
    assert suitability_for_case(allocated_case, offender_manager) == []
    assert suitability_for_case(allocated_case, commissioner) == []


def test_selector_query_count_does_not_grow_with_assessments(
    allocated_case, offender_suitable, victim_assessment, facilitator, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as few:
        suitability_for_case(allocated_case, facilitator)
    for _ in range(5):
        suitability_record(participant=victim_assessment.participant, actor=facilitator, data=victim_answers())
    with django_assert_max_num_queries(len(few.captured_queries)):
        suitability_for_case(allocated_case, facilitator)


# --- Pages -------------------------------------------------------------------------------------


def test_new_offender_page_shows_the_fieldsets_and_side_banner(as_user, facilitator, offender):
    response = as_user(facilitator).get(reverse("risk:suitability_new", args=["offender", offender.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "app-side-banner--offender" in html
    for legend in ("Interview themes", "Reasons they may be unsuitable", "Responsibility", "Outcome"):
        assert legend in html
    assert "Notes on denying involvement" in html
    assert "no effect on their sentence, parole or licence" in html


def test_new_victim_page_warns_before_a_person_responsible_is_suitable(as_user, facilitator, victim):
    response = as_user(facilitator).get(reverse("risk:suitability_new", args=["victim", victim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "app-side-banner--victim" in html
    assert "Assess the person responsible first" in html


def test_victim_page_shows_coercion_warning_and_vlo_question_where_they_apply(
    as_user, allocated_case, facilitator, manager, vlo, victim, offender_suitable
):
    client = as_user(facilitator)
    url = reverse("risk:suitability_new", args=["victim", victim.pk])
    html = client.get(url).content.decode()
    assert "Check for any sign of pressure or coercion" not in html
    assert "vlo_liaison_done" not in html

    allocated_case.flag_sexual = True
    allocated_case.save()
    participant_update(participant=victim, actor=manager, data={"vlo": vlo, "in_victim_contact_scheme": True})
    html = client.get(url).content.decode()
    assert "Check for any sign of pressure or coercion" in html
    assert "vlo_liaison_done" in html
    assert "Assess the person responsible first" not in html


def test_recording_an_offender_assessment_through_the_page(as_user, facilitator, offender):
    response = as_user(facilitator).post(
        reverse("risk:suitability_new", args=["offender", offender.pk]), offender_post()
    )
    assessment = OffenderSuitability.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("risk:suitability_detail", args=["offender", assessment.pk])
    assert assessment.accepts_some_responsibility is True
    assert assessment.told_no_effect_on_sentence is True


def test_recording_a_victim_assessment_through_the_page(as_user, facilitator, victim, offender_suitable):
    later = _today() + dt.timedelta(days=14)
    response = as_user(facilitator).post(
        reverse("risk:suitability_new", args=["victim", victim.pk]),
        victim_post(decision="time_to_think", outcome="in_progress", **_date("recontact_on", later)),
    )
    assert response.status_code == 302
    assessment = VictimSuitability.objects.get()
    assert assessment.recontact_on == later
    assert Task.objects.get(kind=TaskKind.RECONTACT).due_on == later


def test_detail_page_shows_every_answer_and_logs_the_consultation(as_user, facilitator, victim_assessment):
    url = reverse("risk:suitability_detail", args=["victim", victim_assessment.pk])
    response = as_user(facilitator).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "app-side-banner--victim" in html
    assert "Ready to talk about it" in html
    assert "Stranger" in html
    assert "A face-to-face meeting" in html
    assert "Wants to prepare for a meeting" in html
    assert reverse("risk:suitability_edit", args=["victim", victim_assessment.pk]) in html
    log = ProcessingLogEntry.objects.get(operation=Operation.CONSULTATION, object_type="VictimSuitability")
    assert (log.person_kind, log.person_id, log.user) == ("victim", victim_assessment.participant_id, facilitator)


def test_change_page_is_filled_in_and_saves(as_user, facilitator, offender_suitable):
    client = as_user(facilitator)
    url = reverse("risk:suitability_edit", args=["offender", offender_suitable.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The family in the house" in html
    assert 'value="yes" checked' in html
    assert ProcessingLogEntry.objects.filter(operation=Operation.CONSULTATION, object_id=offender_suitable.pk).exists()

    response = client.post(url, offender_post(who_was_affected="The family and their neighbours"))
    assert response.status_code == 302
    offender_suitable.refresh_from_db()
    assert offender_suitable.who_was_affected == "The family and their neighbours"


# --- Bad input -----------------------------------------------------------------------------------


def test_bad_input_shows_errors_at_the_fields_and_saves_nothing(as_user, facilitator, offender):
    response = as_user(facilitator).post(
        reverse("risk:suitability_new", args=["offender", offender.pk]),
        offender_post(assessed_on_day="", accepts_some_responsibility="maybe"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<title>Error:" in html
    assert "Enter date of the assessment with a day" in html
    assert "Select yes, no or not known yet" in html
    assert "govuk-error-summary" in html
    assert not OffenderSuitability.objects.exists()


def test_responsibility_rule_is_shown_at_its_field(as_user, facilitator, offender):
    response = as_user(facilitator).post(
        reverse("risk:suitability_new", args=["offender", offender.pk]),
        offender_post(accepts_some_responsibility="no"),
    )
    assert response.status_code == 422
    assert "accepts_some_responsibility-error" in response.content.decode()
    assert RESPONSIBILITY_MESSAGE in response.content.decode()
    assert not OffenderSuitability.objects.exists()


def test_order_rule_is_shown_on_the_page(as_user, facilitator, victim):
    response = as_user(facilitator).post(reverse("risk:suitability_new", args=["victim", victim.pk]), victim_post())
    assert response.status_code == 422
    assert ORDER_MESSAGE in response.content.decode()
    assert not VictimSuitability.objects.exists()


def test_time_to_think_without_a_date_is_refused_on_the_page(as_user, facilitator, victim, offender_suitable):
    response = as_user(facilitator).post(
        reverse("risk:suitability_new", args=["victim", victim.pk]), victim_post(decision="time_to_think")
    )
    assert response.status_code == 422
    assert "Enter the date to contact them again" in response.content.decode()
    assert not VictimSuitability.objects.exists()


def test_bad_change_saves_nothing(as_user, facilitator, offender_suitable):
    response = as_user(facilitator).post(
        reverse("risk:suitability_edit", args=["offender", offender_suitable.pk]),
        offender_post(outcome="unsuitable", who_was_affected="Changed"),
    )
    assert response.status_code == 422
    assert "Give the reason they are unsuitable" in response.content.decode()
    offender_suitable.refresh_from_db()
    assert offender_suitable.who_was_affected == "The family in the house"


def test_paused_case_is_refused_on_the_page(as_user, allocated_case, facilitator, offender):
    allocated_case.is_paused = True
    allocated_case.save()
    client = as_user(facilitator)
    url = reverse("risk:suitability_new", args=["offender", offender.pk])
    assert "is paused" in client.get(url).content.decode()
    response = client.post(url, offender_post())
    assert response.status_code == 422
    assert not OffenderSuitability.objects.exists()


def test_closed_case_is_refused_on_the_page(as_user, allocated_case, manager, facilitator, offender_suitable):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    url = reverse("risk:suitability_edit", args=["offender", offender_suitable.pk])
    assert as_user(facilitator).get(url).status_code == 404  # facilitators lose change rights on closure
    response = as_user(manager).post(url, offender_post(who_was_affected="Changed"))
    assert response.status_code == 422
    assert "This case is closed" in response.content.decode()
    detail = as_user(facilitator).get(reverse("risk:suitability_detail", args=["offender", offender_suitable.pk]))
    assert detail.status_code == 200
    assert "Change this assessment" not in detail.content.decode()


# --- Methods and access --------------------------------------------------------------------------


def test_pages_refuse_other_methods(as_user, facilitator, offender, offender_suitable):
    client = as_user(facilitator)
    assert client.delete(reverse("risk:suitability_new", args=["offender", offender.pk])).status_code == 405
    assert client.put(reverse("risk:suitability_edit", args=["offender", offender_suitable.pk])).status_code == 405
    assert client.post(reverse("risk:suitability_detail", args=["offender", offender_suitable.pk])).status_code == 405


def _urls(victim, offender, victim_assessment, offender_assessment) -> list[str]:
    return [
        reverse("risk:suitability_new", args=["victim", victim.pk]),
        reverse("risk:suitability_new", args=["offender", offender.pk]),
        reverse("risk:suitability_detail", args=["victim", victim_assessment.pk]),
        reverse("risk:suitability_detail", args=["offender", offender_assessment.pk]),
        reverse("risk:suitability_edit", args=["victim", victim_assessment.pk]),
        reverse("risk:suitability_edit", args=["offender", offender_assessment.pk]),
    ]


def test_allocated_facilitators_open_every_page(
    as_user, facilitator, facilitator2, victim, offender, victim_assessment, offender_suitable
):
    for user in (facilitator, facilitator2):
        client = as_user(user)
        for url in _urls(victim, offender, victim_assessment, offender_suitable):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_get_404_everywhere(
    request, as_user, persona, victim, offender, victim_assessment, offender_suitable
):
    client = as_user(request.getfixturevalue(persona))
    for url in _urls(victim, offender, victim_assessment, offender_suitable):
        response = client.get(url)
        assert refused(response, persona, victim.case_id), url
        assert client.post(url, offender_post()).status_code in (404, 405), url
        if persona in ("offender_manager", "commissioner"):
            _assert_no_victim_markers(response.content.decode())
    assert OffenderSuitability.objects.count() == 1
    assert VictimSuitability.objects.count() == 1


def test_missing_assessment_is_404(as_user, facilitator):
    assert as_user(facilitator).get(reverse("risk:suitability_detail", args=["victim", 999999])).status_code == 404
