"""Offender managers see their offender's risk assessments only where the service allows it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from risk.checklist import settings_for
from risk.services.assessments import assessment_start
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessments(allocated_case, facilitator, manager):
    from risk.services.assessments import assessment_approve, assessment_submit, assessment_update

    offender = allocated_case.offenders.get()
    victim = allocated_case.victims.get()
    offender_assessment = assessment_start(
        case=allocated_case, actor=facilitator, subject="offender", person=offender, point="pre_conference"
    )
    assessment_update(
        assessment=offender_assessment,
        actor=facilitator,
        answers={a.item_id: (False, "") for a in offender_assessment.answers.all()},
        data={"rating": "low", "rating_reasons": "Fine", "management_plan": "Usual", "facilitator_ratio": "2 to 4"},
    )
    assessment_submit(assessment=offender_assessment, actor=facilitator)
    return (
        assessment_approve(assessment=offender_assessment, actor=manager),
        assessment_start(
            case=allocated_case, actor=facilitator, subject="victim", person=victim, point="pre_conference"
        ),
    )


def test_offender_manager_sees_no_assessments_by_default(as_user, offender_manager, allocated_case, assessments):
    offender_assessment, _ = assessments
    client = as_user(offender_manager)
    html = client.get(reverse("cases:case_progress", args=[allocated_case.pk])).content.decode()
    assert reverse("risk:assessment_detail", args=[offender_assessment.pk]) not in html
    assert client.get(reverse("risk:assessment_detail", args=[offender_assessment.pk])).status_code == 404


def test_with_the_setting_on_they_see_their_offenders_assessments_only(
    as_user, offender_manager, other_offender_manager, allocated_case, assessments
):
    offender_assessment, victim_assessment = assessments
    settings = settings_for(allocated_case.service)
    settings.om_sees_offender_assessments = True
    settings.save()
    client = as_user(offender_manager)
    html = client.get(reverse("cases:case_progress", args=[allocated_case.pk])).content.decode()
    assert reverse("risk:assessment_detail", args=[offender_assessment.pk]) in html
    assert reverse("risk:assessment_detail", args=[victim_assessment.pk]) not in html
    detail = client.get(reverse("risk:assessment_detail", args=[offender_assessment.pk]))
    assert detail.status_code == 200
    for value in VICTIM_MARKERS.values():
        assert value not in detail.content.decode()
    assert client.get(reverse("risk:assessment_detail", args=[victim_assessment.pk])).status_code == 404
    assert client.get(reverse("risk:assessment_edit", args=[offender_assessment.pk])).status_code == 404
    other = as_user(other_offender_manager)
    assert other.get(reverse("risk:assessment_detail", args=[offender_assessment.pk])).status_code == 404
