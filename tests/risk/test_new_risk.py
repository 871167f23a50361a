"""Recording new risk information for a person, and the links between the risk pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Stage, Task
from cases.services.lifecycle import case_close
from risk.checklist import settings_for
from risk.models import AssessmentPoint, AssessmentStatus, NewRisk, RiskAssessment, RiskSubject
from risk.services import assessments as services
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db

DESCRIPTION = "He said he knows where the person harmed now lives."


def _approved(case, subject, person, author, approver) -> RiskAssessment:
    assessment = services.assessment_start(
        case=case, actor=author, subject=subject, person=person, point=AssessmentPoint.PRE_CONFERENCE
    )
    services.assessment_update(
        assessment=assessment,
        actor=author,
        answers={a.item_id: (False, "") for a in assessment.answers.all()},
        data={
            "rating": "low",
            "rating_reasons": "Calm and prepared.",
            "management_plan": "Separate arrival times.",
            "facilitator_ratio": "2 to 4",
        },
    )
    services.assessment_submit(assessment=assessment, actor=author)
    return services.assessment_approve(assessment=assessment, actor=approver)


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


def _url(side, person):
    return reverse("risk:new_risk_new", args=[side, person.pk])


# --- Recording ------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["offender", "victim"])
def test_recording_new_risk_ends_the_approved_assessment(as_user, allocated_case, facilitator, manager, side):
    person = getattr(allocated_case, f"{side}s").get()
    assessment = _approved(allocated_case, side, person, facilitator, manager)
    assert assessment.status == AssessmentStatus.APPROVED
    client = as_user(facilitator)

    page = client.get(_url(side, person))
    assert page.status_code == 200
    html = page.content.decode()
    assert "What is the new information about risk?" in html
    assert "Saving this ends the currency of this person" in html
    assert f"app-side-banner--{side}" in html
    assert allocated_case.reference in html

    response = client.post(_url(side, person), {"description": DESCRIPTION})
    assert response.status_code == 302
    assert response.url == reverse("risk:case_assessments", args=[allocated_case.pk])
    record = NewRisk.objects.get()
    assert record.description == DESCRIPTION
    assert getattr(record, side) == person
    assessment.refresh_from_db()
    assert assessment.invalidated_at is not None
    task = Task.objects.get(case=allocated_case, dedupe_key=f"new-risk:{record.pk}")
    assert task.assignee == allocated_case.lead_facilitator
    assert DESCRIPTION not in task.title
    followed = client.get(response.url)
    assert "New risk information recorded" in followed.content.decode()


def test_empty_description_is_refused(as_user, facilitator, offender):
    response = as_user(facilitator).post(_url("offender", offender), {"description": "  "})
    assert response.status_code == 422
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter the new information about risk" in html
    assert "<title>Error: " in html
    assert not NewRisk.objects.exists()


def test_closed_case_is_refused(as_user, allocated_case, manager, offender):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    client = as_user(manager)
    assert "This case is closed" in client.get(_url("offender", offender)).content.decode()
    response = client.post(_url("offender", offender), {"description": DESCRIPTION})
    assert response.status_code == 422
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "This case is closed" in html
    assert not NewRisk.objects.exists()


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["offender", "victim"])
def test_allocated_facilitator_may_open_it(as_user, allocated_case, facilitator, side):
    person = getattr(allocated_case, f"{side}s").get()
    assert as_user(facilitator).get(_url(side, person)).status_code == 200


@pytest.mark.parametrize(
    "persona", ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner", "administrator"]
)
@pytest.mark.parametrize("side", ["offender", "victim"])
def test_outsiders_get_404(request, as_user, allocated_case, persona, side):
    person = getattr(allocated_case, f"{side}s").get()
    client = as_user(request.getfixturevalue(persona))
    assert client.get(_url(side, person)).status_code == 404
    assert client.post(_url(side, person), {"description": DESCRIPTION}).status_code == 404
    assert not NewRisk.objects.exists()


def test_wrong_method(as_user, facilitator, offender):
    assert as_user(facilitator).put(_url("offender", offender)).status_code == 405


# --- The Assessments tab --------------------------------------------------------------------------


def test_assessments_tab_links_to_it_for_each_person_the_user_may_change(
    as_user, allocated_case, facilitator, offender, victim
):
    html = as_user(facilitator).get(reverse("risk:case_assessments", args=[allocated_case.pk])).content.decode()
    assert html.count("Record new risk information") == 2
    assert _url("offender", offender) in html
    assert _url("victim", victim) in html


def test_assessments_tab_has_no_link_on_a_closed_case(as_user, allocated_case, manager):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    html = as_user(manager).get(reverse("risk:case_assessments", args=[allocated_case.pk])).content.decode()
    assert "Record new risk information" not in html


# --- Links back from an assessment --------------------------------------------------------------


def test_offender_manager_is_linked_back_to_the_progress_page(
    as_user, allocated_case, facilitator, manager, offender_manager, offender
):
    # They may read their offender's approved assessments where the service allows it, but not the
    # RJ team's case pages: the link goes to the case progress page instead.
    assessment = _approved(allocated_case, RiskSubject.OFFENDER, offender, facilitator, manager)
    settings = settings_for(allocated_case.service)
    settings.om_sees_offender_assessments = True
    settings.save()
    url = reverse("risk:assessment_detail", args=[assessment.pk])

    html = as_user(offender_manager).get(url).content.decode()
    assert "All assessments on this case" not in html
    assert reverse("risk:case_assessments", args=[allocated_case.pk]) not in html
    assert reverse("cases:case_progress", args=[allocated_case.pk]) in html
    for value in VICTIM_MARKERS.values():
        assert value not in html

    team = as_user(facilitator).get(url).content.decode()
    assert "All assessments on this case" in team
    assert reverse("risk:case_assessments", args=[allocated_case.pk]) in team
