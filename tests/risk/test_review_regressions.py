"""Regressions from the review of the risk and conference work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements.models import ConferenceStatus
from agreements.services.conferences import conference_confirm, conference_plan
from cases.models import Stage
from cases.services.lifecycle import case_set_stage
from risk.checklist import settings_for
from risk.models import AssessmentStatus, RiskAssessment
from risk.services.assessments import (
    assessment_approve,
    assessment_start,
    assessment_submit,
    assessment_update,
    new_risk_record,
)
from risk.services.safeguarding import safeguarding_record

pytestmark = pytest.mark.django_db


def _approved(case, person, writer, approver, **data) -> RiskAssessment:
    assessment = assessment_start(
        case=case, actor=writer, subject=type(person).__name__.lower(), person=person, point="pre_conference"
    )
    fields = {"rating": "low", "rating_reasons": "Fine", "management_plan": "Usual", "facilitator_ratio": "2 to 4"}
    fields.update(data)
    assessment_update(
        assessment=assessment,
        actor=writer,
        answers={a.item_id: (False, "") for a in assessment.answers.all()},
        data=fields,
    )
    assessment_submit(assessment=assessment, actor=writer)
    return assessment_approve(assessment=assessment, actor=approver)


def _plan(case, writer, days_ahead=14):
    return conference_plan(
        case=case,
        actor=writer,
        data={
            "date": timezone.localdate() + dt.timedelta(days=days_ahead),
            "start_time": dt.time(10, 0),
            "venue_name": "Hall",
            "venue_kind": "community",
        },
        victims=list(case.victims.all()),
        offenders=list(case.offenders.all()),
    )


def test_a_high_risk_must_say_whether_it_can_be_managed(allocated_case, facilitator):
    offender = allocated_case.offenders.get()
    assessment = assessment_start(
        case=allocated_case, actor=facilitator, subject="offender", person=offender, point="pre_conference"
    )
    assessment_update(
        assessment=assessment,
        actor=facilitator,
        answers={a.item_id: (False, "") for a in assessment.answers.all()},
        data={
            "rating": "high",
            "rating_reasons": "Threats",
            "management_plan": "Plan",
            "facilitator_ratio": "2 to 4",
            "discussed_with_manager": True,
        },
    )
    with pytest.raises(ValidationError) as exc:
        assessment_submit(assessment=assessment, actor=facilitator)
    assert "risk_manageable" in exc.value.message_dict


def test_offender_checklist_leaves_out_questions_about_the_person_harmed(allocated_case, facilitator):
    offender = allocated_case.offenders.get()
    assessment = assessment_start(
        case=allocated_case, actor=facilitator, subject="offender", person=offender, point="initial"
    )
    texts = [a.item.text for a in assessment.answers.select_related("item")]
    assert not any("person harmed" in text for text in texts)
    venue = assessment_start(case=allocated_case, actor=facilitator, subject="venue", point="pre_conference")
    assert [a.item.text for a in venue.answers.select_related("item")] == [
        "Has the venue been visited, and is it accessible, adequate and safe?"
    ]


def test_approval_must_still_be_current_on_the_day_of_the_conference(
    allocated_case, facilitator, facilitator2, manager
):
    settings = settings_for(allocated_case.service)
    settings.approval_valid_days = 10
    settings.save()
    for person in [*allocated_case.victims.all(), *allocated_case.offenders.all()]:
        _approved(allocated_case, person, facilitator2, manager)
    conference = _plan(allocated_case, facilitator, days_ahead=60)
    with pytest.raises(ValidationError):
        conference_confirm(conference=conference, actor=facilitator)
    soon = _plan(allocated_case, facilitator, days_ahead=5)
    assert conference_confirm(conference=soon, actor=facilitator).status == ConferenceStatus.CONFIRMED


def test_a_conference_cannot_be_planned_in_the_past(allocated_case, facilitator):
    with pytest.raises(ValidationError) as exc:
        _plan(allocated_case, facilitator, days_ahead=-1)
    assert "date" in exc.value.message_dict


def test_new_risk_sends_a_confirmed_conference_back_to_planned(allocated_case, facilitator, facilitator2, manager):
    for person in [*allocated_case.victims.all(), *allocated_case.offenders.all()]:
        _approved(allocated_case, person, facilitator2, manager)
    conference = conference_confirm(conference=_plan(allocated_case, facilitator), actor=facilitator)
    new_risk_record(person=allocated_case.offenders.get(), actor=facilitator, description="New threats reported")
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED
    assert allocated_case.tasks.filter(title__startswith="Confirm the conference", done_at__isnull=True).exists()


def test_a_paused_case_neither_moves_on_nor_approves(allocated_case, facilitator, facilitator2, manager):
    offender = allocated_case.offenders.get()
    assessment = assessment_start(
        case=allocated_case, actor=facilitator2, subject="offender", person=offender, point="pre_conference"
    )
    assessment_update(
        assessment=assessment,
        actor=facilitator2,
        answers={a.item_id: (False, "") for a in assessment.answers.all()},
        data={"rating": "low", "rating_reasons": "Fine", "management_plan": "Usual", "facilitator_ratio": "2 to 4"},
    )
    assessment_submit(assessment=assessment, actor=facilitator2)
    safeguarding_record(
        case=allocated_case,
        actor=facilitator,
        person=offender,
        data={
            "concern": "Risk of serious harm rising",
            "at_risk": "other",
            "at_risk_details": "A neighbour",
            "agency": "probation",
            "passed_by": "phone",
            "passed_at": timezone.now(),
            "escalate_rosh": True,
        },
    )
    allocated_case.refresh_from_db()
    assert allocated_case.is_paused
    with pytest.raises(ValidationError):
        case_set_stage(case=allocated_case, actor=manager, stage=Stage.ASSESSMENT)
    with pytest.raises(ValidationError):
        assessment_approve(assessment=assessment, actor=manager)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_offender_manager_sees_approved_assessments_only(
    as_user, allocated_case, offender_manager, facilitator2, manager
):
    settings = settings_for(allocated_case.service)
    settings.om_sees_offender_assessments = True
    settings.save()
    offender = allocated_case.offenders.get()
    approved = _approved(allocated_case, offender, facilitator2, manager)
    draft = assessment_start(
        case=allocated_case, actor=facilitator2, subject="offender", person=offender, point="post_conference"
    )
    client = as_user(offender_manager)
    assert client.get(reverse("risk:assessment_detail", args=[approved.pk])).status_code == 200
    assert client.get(reverse("risk:assessment_detail", args=[draft.pk])).status_code == 404


def test_administrator_cannot_read_venue_assessments(as_user, allocated_case, administrator, facilitator):
    venue = assessment_start(case=allocated_case, actor=facilitator, subject="venue", point="pre_conference")
    assert as_user(administrator).get(reverse("risk:assessment_detail", args=[venue.pk])).status_code == 404
    assert as_user(facilitator).get(reverse("risk:assessment_detail", args=[venue.pk])).status_code == 200


def test_a_huge_person_id_is_a_form_error(as_user, allocated_case, facilitator):
    url = reverse("agreements:conference_new", args=[allocated_case.pk])
    response = as_user(facilitator).post(
        url,
        {
            "date_day": "1",
            "date_month": "1",
            "date_year": "2030",
            "start_time": "10:00",
            "venue_kind": "community",
            "venue_name": "Hall",
            "victims": "99999999999999999999",
        },
    )
    assert response.status_code == 422


def test_a_closed_case_concern_cannot_be_acknowledged(allocated_case, facilitator, manager):
    from cases.services.lifecycle import case_close
    from risk.services.safeguarding import safeguarding_acknowledge

    disclosure = safeguarding_record(
        case=allocated_case,
        actor=facilitator,
        data={
            "concern": "Threats",
            "at_risk": "other",
            "at_risk_details": "A neighbour",
            "agency": "police",
            "passed_by": "phone",
            "passed_at": timezone.now(),
            "escalate_rosh": False,
        },
    )
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    disclosure.refresh_from_db()
    with pytest.raises(ValidationError):
        safeguarding_acknowledge(
            disclosure=disclosure, actor=facilitator, acknowledged_at=timezone.now(), acknowledgement="Thanks"
        )
