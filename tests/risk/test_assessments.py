"""Risk assessments: the checklist, the approval workflow, notifications, the Assessments tab and the
service's risk settings."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Operation, ProcessingLogEntry
from cases.models import CaseEvent, Side, Task
from risk.checklist import current_template, settings_for
from risk.models import (
    AssessmentPoint,
    AssessmentStatus,
    ChecklistTemplate,
    NewRisk,
    RiskAssessment,
    RiskSettings,
    RiskSubject,
)
from risk.services import assessments as services
from tests.audit.support import asked_why, refused
from tests.factories import VICTIM_MARKERS, UserFactory

OFFENDER_NAME = "Offendertest"


# --- Helpers -------------------------------------------------------------------------------------


def offender_of(case):
    return case.offenders.get()


def victim_of(case):
    return case.victims.get()


def start(case, actor, subject=RiskSubject.OFFENDER, point=AssessmentPoint.PRE_CONFERENCE):
    person = {RiskSubject.OFFENDER: offender_of, RiskSubject.VICTIM: victim_of}.get(subject)
    return services.assessment_start(
        case=case, actor=actor, subject=subject, person=person(case) if person else None, point=point
    )


def fill(assessment, actor, *, rating="low", risky=False, **extra):
    answers = {
        a.item_id: (risky, "Two facilitators present throughout." if risky else "") for a in assessment.answers.all()
    }
    data = {
        "rating": rating,
        "rating_reasons": "Both parties are calm and prepared.",
        "management_plan": "Separate arrival times; breaks offered.",
        "facilitator_ratio": "2 to 4",
        "discussed_with_manager": rating != "low",
        "risk_manageable": True,
        **extra,
    }
    return services.assessment_update(assessment=assessment, actor=actor, answers=answers, data=data)


def submitted(case, actor, **kwargs):
    assessment = start(case, actor, **{k: v for k, v in kwargs.items() if k in ("subject", "point")})
    fill(assessment, actor, **{k: v for k, v in kwargs.items() if k not in ("subject", "point")})
    return services.assessment_submit(assessment=assessment, actor=actor)


def form_post(assessment, *, action="save", rating="low", risky=False, **overrides):
    data = {"action": action}
    for answer in assessment.answers.all():
        data[f"item_{answer.item_id}"] = "yes" if risky else "no"
        data[f"item_{answer.item_id}_management"] = "Two facilitators present." if risky else ""
    data.update(
        {
            "rating": rating,
            "rating_reasons": "Calm and prepared.",
            "management_plan": "Separate arrival times.",
            "risk_manageable": "yes",
            "facilitator_ratio": "2 to 4",
        }
    )
    if rating != "low":
        data["discussed_with_manager"] = "on"
    data.update(overrides)
    return data


def assert_no_victim_markers(html: str) -> None:
    for value in VICTIM_MARKERS.values():
        assert value not in html


# --- Services: starting, versions and the checklist --------------------------------------------------


def test_start_creates_one_unanswered_answer_per_checklist_item_that_applies(allocated_case, facilitator):
    assessment = start(allocated_case, facilitator)
    template = current_template(allocated_case.service)
    assert assessment.template == template
    assert assessment.version == 1 and assessment.status == AssessmentStatus.DRAFT
    applies = [item for item in template.items.all() if item.applies_to(assessment.subject)]
    assert assessment.answers.count() == len(applies) > 0
    assert not assessment.answers.exclude(risk=None).exists()
    assert list(assessment.contributors.all()) == [facilitator]
    event = CaseEvent.objects.filter(case=allocated_case).first()
    assert event.side == Side.OFFENDER and event.offender == offender_of(allocated_case)
    assert ProcessingLogEntry.objects.filter(
        object_type="RiskAssessment", object_id=assessment.pk, operation=Operation.COLLECTION
    ).exists()


def test_venue_assessment_is_case_wide(allocated_case, facilitator):
    assessment = start(allocated_case, facilitator, subject=RiskSubject.VENUE)
    assert assessment.participant is None
    assert CaseEvent.objects.filter(case=allocated_case).first().side == ""


def test_cannot_start_another_while_a_version_is_unfinished(allocated_case, facilitator):
    start(allocated_case, facilitator)
    with pytest.raises(ValidationError, match="change that one"):
        start(allocated_case, facilitator)


def test_new_version_invalidates_the_approved_one(allocated_case, facilitator, manager):
    first = submitted(allocated_case, facilitator)
    services.assessment_approve(assessment=first, actor=manager)
    second = start(allocated_case, facilitator)
    first.refresh_from_db()
    assert second.version == 2 and second.previous == first
    assert first.invalidated_at is not None
    assert first.invalidated_reason == "a newer assessment was started"


def test_assessment_keeps_the_checklist_version_it_was_started_on(allocated_case, facilitator, administrator):
    assessment = start(allocated_case, facilitator)
    old = assessment.template
    new = services.checklist_publish(
        service=allocated_case.service, actor=administrator, items=[("Only question", "")], notes="Shorter"
    )
    assessment.refresh_from_db()
    assert new.version == old.version + 1
    assert assessment.template == old
    assert assessment.answers.count() == len([i for i in old.items.all() if i.applies_to(assessment.subject)])
    assert start(allocated_case, facilitator, subject=RiskSubject.STAFF).answers.count() == 1


# --- Services: submitting ------------------------------------------------------------------------------


def test_submit_lists_everything_missing(allocated_case, facilitator):
    assessment = start(allocated_case, facilitator)
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=assessment, actor=facilitator)
    errors = exc.value.message_dict
    first_item = assessment.answers.first().item_id
    assert f"item_{first_item}" in errors
    assert {"rating", "rating_reasons", "management_plan", "facilitator_ratio"} <= set(errors)


def test_a_yes_needs_a_management_note(allocated_case, facilitator):
    assessment = start(allocated_case, facilitator)
    fill(assessment, facilitator)
    answer = assessment.answers.first()
    services.assessment_update(assessment=assessment, actor=facilitator, answers={answer.item_id: (True, "")}, data={})
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=assessment, actor=facilitator)
    assert list(exc.value.message_dict) == [f"item_{answer.item_id}_management"]


def test_medium_risk_must_be_discussed_with_the_manager(allocated_case, facilitator):
    assessment = start(allocated_case, facilitator)
    fill(assessment, facilitator, rating="medium", discussed_with_manager=False)
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=assessment, actor=facilitator)
    assert list(exc.value.message_dict) == ["discussed_with_manager"]


def test_custody_needs_prison_security_for_high_risk(allocated_case, facilitator):
    offender = offender_of(allocated_case)
    offender.in_custody = True
    offender.save(update_fields=["in_custody"])
    assessment = start(allocated_case, facilitator)
    fill(assessment, facilitator, rating="high")
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=assessment, actor=facilitator)
    assert list(exc.value.message_dict) == ["prison_security_consulted"]
    fill(assessment, facilitator, rating="high", prison_security_consulted=True)
    assert services.assessment_submit(assessment=assessment, actor=facilitator).status == AssessmentStatus.SUBMITTED


def test_ratio_only_needed_before_a_conference(allocated_case, facilitator):
    assessment = start(allocated_case, facilitator, point=AssessmentPoint.INITIAL)
    fill(assessment, facilitator, facilitator_ratio="")
    assert services.assessment_submit(assessment=assessment, actor=facilitator).status == AssessmentStatus.SUBMITTED


# --- Services: approving and returning -----------------------------------------------------------------


def test_return_needs_a_comment(allocated_case, facilitator, manager):
    assessment = submitted(allocated_case, facilitator)
    with pytest.raises(ValidationError) as exc:
        services.assessment_return(assessment=assessment, actor=manager, comment="  ")
    assert "comment" in exc.value.message_dict
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_nobody_approves_an_assessment_they_wrote(allocated_case, manager):
    assessment = submitted(allocated_case, manager)
    with pytest.raises(ValidationError, match="wrote or worked on"):
        services.assessment_approve(assessment=assessment, actor=manager)


def test_nobody_approves_an_assessment_they_worked_on(allocated_case, facilitator, manager):
    assessment = start(allocated_case, facilitator)
    fill(assessment, manager)
    services.assessment_submit(assessment=assessment, actor=facilitator)
    with pytest.raises(ValidationError, match="wrote or worked on"):
        services.assessment_approve(assessment=assessment, actor=manager)


def test_only_a_manager_of_the_service_approves(allocated_case, facilitator, facilitator2, other_manager):
    assessment = start(allocated_case, facilitator)
    fill(assessment, facilitator)
    services.assessment_submit(assessment=assessment, actor=facilitator)
    for actor in (facilitator2, other_manager):
        with pytest.raises(ValidationError, match="Only an RJ manager"):
            services.assessment_approve(assessment=assessment, actor=actor)


def test_an_approved_assessment_cannot_be_changed(allocated_case, facilitator, manager):
    assessment = submitted(allocated_case, facilitator)
    services.assessment_approve(assessment=assessment, actor=manager)
    with pytest.raises(ValidationError, match="start a new version"):
        fill(assessment, facilitator, rating="high")
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=assessment, actor=manager, comment="Again")
    assessment.refresh_from_db()
    assert assessment.rating == "low" and assessment.status == AssessmentStatus.APPROVED


def test_each_step_closes_the_tasks_of_the_step_before(allocated_case, facilitator, manager):
    assessment = submitted(allocated_case, facilitator)
    review = Task.objects.get(assignee=manager, done_at__isnull=True)
    assert review.title == f"Review the risk assessment on {allocated_case.reference}"
    assert review.side == Side.OFFENDER
    services.assessment_return(assessment=assessment, actor=manager, comment="Say more about the venue.")
    review.refresh_from_db()
    assert review.done_at is not None
    fix = Task.objects.get(assignee=facilitator, done_at__isnull=True, title__startswith="Change and resubmit")
    services.assessment_submit(assessment=assessment, actor=facilitator)
    fix.refresh_from_db()
    assert fix.done_at is not None
    services.assessment_approve(assessment=assessment, actor=manager)
    assert not Task.objects.filter(assignee=manager, done_at__isnull=True).exists()
    assert Task.objects.filter(assignee=facilitator, title__startswith="Risk assessment approved").exists()


def test_notifications_carry_no_personal_data(allocated_case, facilitator, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = submitted(allocated_case, facilitator, subject=RiskSubject.VICTIM)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_return(assessment=assessment, actor=manager, comment=f"{VICTIM_MARKERS['phone']} check")
    assert [m.to for m in mail.outbox] == [[manager.email], [facilitator.email]]
    link = reverse("risk:assessment_detail", args=[assessment.pk])
    for message in mail.outbox:
        text = message.subject + message.body
        assert allocated_case.reference in text and link in message.body
        assert_no_victim_markers(text)
        assert OFFENDER_NAME not in text and "Fay" not in text
    for task in Task.objects.filter(case=allocated_case):
        assert_no_victim_markers(task.title)
        assert OFFENDER_NAME not in task.title


# --- Services: new risks and settings -------------------------------------------------------------------


def test_new_risk_invalidates_approved_assessments(allocated_case, facilitator, manager):
    assessment = submitted(allocated_case, facilitator)
    services.assessment_approve(assessment=assessment, actor=manager)
    record = services.new_risk_record(person=offender_of(allocated_case), actor=manager, description="Threats made.")
    assessment.refresh_from_db()
    assert isinstance(record, NewRisk)
    assert assessment.invalidated_reason == "new risk recorded"
    task = Task.objects.get(assignee=facilitator, dedupe_key=f"new-risk:{record.pk}")
    assert allocated_case.reference in task.title and "Threats" not in task.title


def test_settings_changes_keep_who_made_them(service, administrator):
    settings = services.risk_settings_update(
        service=service, actor=administrator, data={"om_sees_offender_assessments": True, "approval_valid_days": 30}
    )
    assert settings.updated_by == administrator
    latest = settings.history.first()
    assert latest.history_user == administrator and latest.approval_valid_days == 30


# --- The edit page and the full workflow through the views ------------------------------------------------


def test_full_workflow_through_the_pages(allocated_case, facilitator, manager, as_user):
    fac, mgr = as_user(facilitator), as_user(manager)
    response = fac.post(
        reverse("risk:assessment_new", args=[allocated_case.pk]),
        {"target": f"offender:{offender_of(allocated_case).pk}", "point": "pre_conference"},
    )
    assessment = RiskAssessment.objects.get()
    assert response.status_code == 302 and response.url == reverse("risk:assessment_edit", args=[assessment.pk])
    edit_url = reverse("risk:assessment_edit", args=[assessment.pk])
    page = fac.get(edit_url)
    assert page.status_code == 200 and b"Submit for approval" in page.content

    response = fac.post(edit_url, form_post(assessment, action="submit", rating="medium", risky=True))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.rating == "medium"

    detail = mgr.get(reverse("risk:assessment_detail", args=[assessment.pk]))
    assert b"Return with comments" in detail.content and b"Approve" in detail.content
    response = mgr.post(reverse("risk:assessment_return", args=[assessment.pk]), {"return-comment": ""})
    assert response.status_code == 422
    assert "Say what needs to change" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    response = mgr.post(
        reverse("risk:assessment_return", args=[assessment.pk]), {"return-comment": "Add the break-out room."}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.RETURNED

    page = fac.get(edit_url)
    assert "Add the break-out room." in page.content.decode()
    response = fac.post(edit_url, form_post(assessment, action="submit", rating="medium", risky=True))
    assert response.status_code == 302
    response = mgr.post(reverse("risk:assessment_approve", args=[assessment.pk]), {"comment": "Good plan."})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED and assessment.decided_by == manager
    detail = fac.get(reverse("risk:assessment_detail", args=[assessment.pk])).content.decode()
    assert "Returned with comments" in detail and "Resubmitted" in detail and "Approved" in detail
    assert "Start a new version" in detail and "Change the assessment" not in detail


def test_save_as_draft_keeps_partial_answers(allocated_case, facilitator, as_user):
    assessment = start(allocated_case, facilitator)
    response = as_user(facilitator).post(
        reverse("risk:assessment_edit", args=[assessment.pk]), {"action": "save", "rating": "high"}
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.rating == "high" and assessment.status == AssessmentStatus.DRAFT


def test_submitting_an_incomplete_assessment_saves_nothing(allocated_case, facilitator, as_user):
    assessment = start(allocated_case, facilitator)
    data = form_post(assessment, action="submit", rating="high")
    data.pop("discussed_with_manager")
    response = as_user(facilitator).post(reverse("risk:assessment_edit", args=[assessment.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "must be discussed with the RJ manager" in html and "<title>Error:" in html
    assessment.refresh_from_db()
    assert assessment.rating == "" and assessment.status == AssessmentStatus.DRAFT


def test_bad_rating_is_refused(allocated_case, facilitator, as_user):
    assessment = start(allocated_case, facilitator)
    response = as_user(facilitator).post(
        reverse("risk:assessment_edit", args=[assessment.pk]), form_post(assessment, rating="extreme")
    )
    assert response.status_code == 422
    assert "Choose low, medium or high" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.rating == ""


def test_approved_assessment_is_read_only_through_every_page(allocated_case, facilitator, manager, as_user):
    assessment = submitted(allocated_case, facilitator)
    services.assessment_approve(assessment=assessment, actor=manager)
    fac, mgr = as_user(facilitator), as_user(manager)
    edit_url = reverse("risk:assessment_edit", args=[assessment.pk])
    response = fac.get(edit_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("risk:assessment_detail", args=[assessment.pk])
    assert "An approved assessment cannot be changed" in response.content.decode()
    response = fac.post(edit_url, form_post(assessment, action="submit", rating="high", risky=True))
    assert response.status_code == 302
    response = mgr.post(edit_url, form_post(assessment, rating="high"))
    assert response.status_code == 302
    response = mgr.post(reverse("risk:assessment_return", args=[assessment.pk]), {"return-comment": "Reopen"})
    assert response.status_code == 422
    response = mgr.post(reverse("risk:assessment_approve", args=[assessment.pk]), {"comment": "Again"})
    assert response.status_code == 422
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED and assessment.rating == "low"
    assert assessment.decision_comment == ""
    assert not assessment.answers.filter(risk=True).exists()


def test_start_a_new_version_from_the_approved_one(allocated_case, facilitator, manager, as_user):
    assessment = submitted(allocated_case, facilitator)
    services.assessment_approve(assessment=assessment, actor=manager)
    response = as_user(facilitator).post(
        reverse("risk:assessment_new", args=[allocated_case.pk]),
        {"target": f"offender:{offender_of(allocated_case).pk}", "point": "pre_conference"},
    )
    newer = RiskAssessment.objects.get(version=2)
    assert response.url == reverse("risk:assessment_edit", args=[newer.pk])


def test_starting_a_second_draft_is_refused_on_the_page(allocated_case, facilitator, as_user):
    start(allocated_case, facilitator)
    response = as_user(facilitator).post(
        reverse("risk:assessment_new", args=[allocated_case.pk]),
        {"target": f"offender:{offender_of(allocated_case).pk}", "point": "pre_conference"},
    )
    assert response.status_code == 422
    assert "change that one" in response.content.decode()
    assert RiskAssessment.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"target": "venue", "point": "someday"}, "Choose initial, ongoing"),
        ({"target": "victim:999999", "point": "initial"}, "Choose one of the people"),
        ({"point": "initial"}, "Choose who or what the assessment is about"),
    ],
)
def test_start_page_bad_input(allocated_case, facilitator, as_user, data, message):
    response = as_user(facilitator).post(reverse("risk:assessment_new", args=[allocated_case.pk]), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_start_page_offers_the_people_and_venue(allocated_case, facilitator, as_user):
    response = as_user(facilitator).get(reverse("risk:assessment_new", args=[allocated_case.pk]) + "?target=venue")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Person responsible: Oscar Offendertest" in html and "Staff safety" in html


# --- Self-approval and other services through the views ----------------------------------------------------


def test_manager_cannot_approve_own_assessment_on_the_page(allocated_case, manager, as_user):
    assessment = submitted(allocated_case, manager)
    client = as_user(manager)
    detail = client.get(reverse("risk:assessment_detail", args=[assessment.pk])).content.decode()
    assert "Return with comments" not in detail
    response = client.post(reverse("risk:assessment_approve", args=[assessment.pk]), {})
    assert response.status_code == 422
    assert "You cannot approve an assessment you wrote or worked on." in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_manager_of_another_service_gets_404(allocated_case, facilitator, other_manager, as_user):
    assessment = submitted(allocated_case, facilitator)
    client = as_user(other_manager)
    for name in ("risk:assessment_approve", "risk:assessment_return"):
        assert client.post(reverse(name, args=[assessment.pk]), {"return-comment": "x"}).status_code == 404
    assert client.get(reverse("risk:assessment_detail", args=[assessment.pk])).status_code == 404
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


# --- Who may see what -------------------------------------------------------------------------------------


def test_case_tab_lists_assessments_with_tags(allocated_case, facilitator, manager, as_user):
    approved = submitted(allocated_case, facilitator, rating="high")
    services.assessment_approve(assessment=approved, actor=manager)
    start(allocated_case, facilitator, subject=RiskSubject.VENUE)
    response = as_user(facilitator).get(reverse("risk:case_assessments", args=[allocated_case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "High risk" in html and "govuk-tag--red" in html and "Current" in html
    assert "Venue" in html and "Staff safety" in html
    assert "Start a pre-conference assessment" in html
    assert "Continue the pre-conference assessment" in html  # the venue's draft
    assert ProcessingLogEntry.objects.filter(
        operation=Operation.CONSULTATION, person_kind="victim", case_id=allocated_case.pk
    ).exists()


def test_case_tab_shows_each_persons_suitability(allocated_case, facilitator, as_user):
    pytest.importorskip("risk.selectors_suitability")
    html = as_user(facilitator).get(reverse("risk:case_assessments", args=[allocated_case.pk])).content.decode()
    assert "Suitability" in html and "Person responsible: Oscar Offendertest" in html
    assert "Not assessed yet" in html


@pytest.mark.parametrize(
    "persona", ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner"]
)
def test_case_tab_outsiders_get_404(request, allocated_case, as_user, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(reverse("risk:case_assessments", args=[allocated_case.pk]))
    assert refused(response, persona, allocated_case.pk)  # the covering facilitator is asked why instead


def test_case_tab_query_count_does_not_grow(allocated_case, facilitator, as_user, django_assert_max_num_queries):
    client = as_user(facilitator)
    url = reverse("risk:case_assessments", args=[allocated_case.pk])
    template = current_template(allocated_case.service)

    def make(count):
        for n in range(count):
            RiskAssessment.objects.create(
                case=allocated_case, subject="venue", point="ongoing", version=n + 1000 + count,
                template=template, created_at=allocated_case.created_at, created_by=facilitator,
            )  # fmt: skip

    make(5)
    client.get(url)
    with django_assert_max_num_queries(40) as five:
        assert client.get(url).status_code == 200
    make(45)
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert client.get(url).status_code == 200


def test_offender_manager_never_sees_victim_assessments(
    allocated_case, facilitator, offender_manager, service, as_user
):
    RiskSettings.objects.update_or_create(service=service, defaults={"om_sees_offender_assessments": True})
    victim_assessment = submitted(allocated_case, facilitator, subject=RiskSubject.VICTIM)
    client = as_user(offender_manager)
    assert client.get(reverse("risk:assessment_detail", args=[victim_assessment.pk])).status_code == 404
    assert client.get(reverse("risk:assessment_edit", args=[victim_assessment.pk])).status_code == 404


def test_offender_manager_reads_their_offenders_assessment_only_when_allowed(
    allocated_case, facilitator, offender_manager, other_offender_manager, service, as_user, manager
):
    assessment = services.assessment_approve(assessment=submitted(allocated_case, facilitator), actor=manager)
    url = reverse("risk:assessment_detail", args=[assessment.pk])
    client = as_user(offender_manager)
    assert client.get(url).status_code == 404
    settings = settings_for(service)
    settings.om_sees_offender_assessments = True
    settings.save()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_victim_markers(html)
    assert "Return with comments" not in html and "Change the assessment" not in html
    assert client.get(reverse("risk:assessment_edit", args=[assessment.pk])).status_code == 404
    assert client.post(reverse("risk:assessment_approve", args=[assessment.pk])).status_code == 404
    assert as_user(other_offender_manager).get(url).status_code == 404


def test_commissioner_gets_404_everywhere(allocated_case, facilitator, commissioner, as_user):
    assessment = submitted(allocated_case, facilitator)
    client = as_user(commissioner)
    for name, args in (
        ("risk:case_assessments", [allocated_case.pk]),
        ("risk:assessment_new", [allocated_case.pk]),
        ("risk:assessment_detail", [assessment.pk]),
        ("risk:assessment_edit", [assessment.pk]),
        ("risk:approvals", []),
        ("risk:settings", []),
        ("risk:checklists", []),
        ("risk:checklist_new", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name in ("risk:assessment_approve", "risk:assessment_return"):
        assert client.post(reverse(name, args=[assessment.pk])).status_code == 404


def test_vlo_and_unallocated_facilitator_cannot_open_assessments(
    allocated_case, facilitator, vlo, unallocated_facilitator, as_user
):
    assessment = submitted(allocated_case, facilitator, subject=RiskSubject.VICTIM)
    for user in (vlo, unallocated_facilitator):
        response = as_user(user).get(reverse("risk:assessment_detail", args=[assessment.pk]))
        if user == unallocated_facilitator:  # covering a colleague: asked why, then may read (tests/audit)
            assert asked_why(response, allocated_case.pk)
        else:
            assert response.status_code == 404
        assert (
            as_user(user)
            .post(reverse("risk:assessment_new", args=[allocated_case.pk]), {"target": "venue", "point": "initial"})
            .status_code
            == 404
        )


def test_reading_an_assessment_is_logged(allocated_case, facilitator, as_user):
    assessment = start(allocated_case, facilitator, subject=RiskSubject.VICTIM)
    as_user(facilitator).get(reverse("risk:assessment_detail", args=[assessment.pk]))
    entry = ProcessingLogEntry.objects.filter(operation=Operation.CONSULTATION).first()
    assert entry.person_kind == "victim" and entry.object_id == assessment.pk


def test_victim_assessment_page_shows_the_side_banner(allocated_case, facilitator, as_user):
    assessment = start(allocated_case, facilitator, subject=RiskSubject.VICTIM)
    html = as_user(facilitator).get(reverse("risk:assessment_detail", args=[assessment.pk])).content.decode()
    assert "app-side-banner--victim" in html


@pytest.mark.parametrize(
    "name, method, uses",
    [
        ("risk:case_assessments", "post", "case"),
        ("risk:assessment_new", "put", "case"),
        ("risk:assessment_detail", "post", "assessment"),
        ("risk:assessment_edit", "delete", "assessment"),
        ("risk:assessment_approve", "get", "assessment"),
        ("risk:assessment_return", "get", "assessment"),
    ],
)
def test_wrong_method(allocated_case, manager, facilitator, as_user, name, method, uses):
    assessment = submitted(allocated_case, facilitator)
    arg = allocated_case.pk if uses == "case" else assessment.pk
    assert getattr(as_user(manager), method)(reverse(name, args=[arg])).status_code == 405


# --- Settings pages ---------------------------------------------------------------------------------------


def test_settings_page_saves_and_shows_history(service, administrator, as_user):
    client = as_user(administrator)
    assert client.get(reverse("risk:settings")).status_code == 200
    response = client.post(
        reverse("risk:settings"),
        {"assessment_order": "victim_first", "om_sees_offender_assessments": "on", "approval_valid_days": "45"},
    )
    assert response.status_code == 302
    settings = RiskSettings.objects.get(service=service)
    assert settings.approval_valid_days == 45 and settings.om_sees_offender_assessments
    assert settings.updated_by == administrator
    html = client.get(reverse("risk:settings")).content.decode()
    assert administrator.display_name in html and "45" in html


def test_settings_bad_input(service, administrator, as_user):
    response = as_user(administrator).post(
        reverse("risk:settings"), {"assessment_order": "offender_first", "approval_valid_days": "0"}
    )
    assert response.status_code == 422
    assert "Enter a number of days of 1 or more" in response.content.decode()
    assert settings_for(service).approval_valid_days == 90


def test_checklist_pages(service, administrator, as_user):
    client = as_user(administrator)
    current = current_template(service)
    assert client.get(reverse("risk:checklists")).status_code == 200
    page = client.get(reverse("risk:checklist_new")).content.decode()
    assert current.items.first().text.split("?")[0] in page
    response = client.post(
        reverse("risk:checklist_new"),
        {"items": "Is the venue safe? | Check the exits\n\nIs everyone supported?", "notes": "Short"},
    )
    newest = ChecklistTemplate.objects.get(service=service, version=current.version + 1)
    assert response.url == reverse("risk:checklist_detail", args=[newest.version])
    assert [(i.text, i.guidance) for i in newest.items.all()] == [
        ("Is the venue safe?", "Check the exits"),
        ("Is everyone supported?", ""),
    ]
    html = client.get(response.url).content.decode()
    assert "Check the exits" in html and "In use" in html
    assert client.get(reverse("risk:checklist_detail", args=[99])).status_code == 404


def test_checklist_bad_input(service, administrator, as_user):
    client = as_user(administrator)
    current_template(service)
    for items, message in (("   \n ", "Enter at least one question"), ("| guidance only", "has guidance but no")):
        response = client.post(reverse("risk:checklist_new"), {"items": items})
        assert response.status_code == 422
        assert message in response.content.decode()
    assert ChecklistTemplate.objects.filter(service=service).count() == 1


def test_checklist_of_another_service_is_404(service, other_service, administrator, as_user):
    other_admin = UserFactory(username="adm_other", role="administrator", service=other_service)
    current_template(service)
    other = services.checklist_publish(service=other_service, actor=other_admin, items=[("Elsewhere only", "")])
    response = as_user(administrator).get(reverse("risk:checklist_detail", args=[other.version]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["facilitator", "manager", "offender_manager", "vlo", "commissioner"])
def test_settings_pages_are_for_administrators_only(request, service, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    for name in ("risk:settings", "risk:checklists", "risk:checklist_new"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("risk:checklist_detail", args=[1])).status_code == 404


@pytest.mark.parametrize(
    "name, method", [("risk:settings", "delete"), ("risk:checklists", "post"), ("risk:checklist_new", "put")]
)
def test_settings_wrong_method(administrator, as_user, name, method):
    assert getattr(as_user(administrator), method)(reverse(name)).status_code == 405
