"""Planning a conference and the gate on confirming it: every attending person needs a current,
approved pre-conference risk assessment, and a paused case cannot confirm anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agreements.models import Conference, ConferenceStatus
from agreements.services.conferences import conference_confirm, conference_plan
from audit.models import ProcessingLogEntry
from cases.models import CaseEvent, Stage, VictimUserObjectPermission
from cases.services.lifecycle import case_close
from cases.services.participants import participant_update
from risk.checklist import current_template, settings_for
from risk.models import AssessmentPoint, AssessmentStatus, NewRisk, RiskAssessment, RiskLevel, RiskSubject
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db

OUTSIDERS = ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner", "administrator"]
INDIRECT = "A face-to-face meeting is not safe. Offer indirect communication instead"
ALL_CURRENT = "Everyone attending has a current approved pre-conference risk assessment"


def _date(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(value.day), f"{prefix}_month": str(value.month), f"{prefix}_year": str(value.year)}


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


@pytest.fixture
def vlo_victim(victim, manager, vlo):
    participant_update(participant=victim, actor=manager, data={"vlo": vlo, "in_victim_contact_scheme": True})
    return victim


def _plan_data(**overrides):
    data = {
        "date": timezone.localdate() + dt.timedelta(days=14),
        "start_time": dt.time(10, 0),
        "end_time": dt.time(12, 0),
        "venue_kind": "community",
        "venue_name": "Testtown community centre",
        "video_link": False,
    }
    data.update(overrides)
    return data


@pytest.fixture
def conference(allocated_case, facilitator, victim, offender):
    return conference_plan(
        case=allocated_case, actor=facilitator, data=_plan_data(), victims=[victim], offenders=[offender]
    )


def assess(
    person,
    *,
    author,
    decider=None,
    status=AssessmentStatus.APPROVED,
    rating=RiskLevel.LOW,
    manageable=True,
    decided_days_ago=1,
    version=1,
    previous=None,
):
    """A pre-conference assessment in the given state, built straight on the models."""
    case = person.case
    is_victim = person.__class__.__name__ == "Victim"
    now = timezone.now()
    decided = status in (AssessmentStatus.APPROVED, AssessmentStatus.RETURNED)
    return RiskAssessment.objects.create(
        case=case,
        subject=RiskSubject.VICTIM if is_victim else RiskSubject.OFFENDER,
        victim=person if is_victim else None,
        offender=None if is_victim else person,
        point=AssessmentPoint.PRE_CONFERENCE,
        version=version,
        previous=previous,
        status=status,
        template=current_template(case.service),
        rating=rating,
        risk_manageable=manageable,
        created_at=now - dt.timedelta(days=decided_days_ago + 2),
        created_by=author,
        submitted_at=now - dt.timedelta(days=decided_days_ago + 1) if status != AssessmentStatus.DRAFT else None,
        submitted_by=author if status != AssessmentStatus.DRAFT else None,
        decided_at=now - dt.timedelta(days=decided_days_ago) if decided else None,
        decided_by=decider if decided else None,
    )


@pytest.fixture
def approve_all(victim, offender, facilitator, manager):
    def _approve():
        return [assess(p, author=facilitator, decider=manager) for p in (victim, offender)]

    return _approve


def _confirm_url(conference):
    return reverse("agreements:conference_confirm", args=[conference.pk])


def _refused(client, conference, *expected: str):
    """GET explains why; POST is refused with 422 and the reasons; nothing is confirmed."""
    page = client.get(_confirm_url(conference))
    assert page.status_code == 200
    html = page.content.decode()
    assert ALL_CURRENT not in html
    assert "Confirm the conference</button>" not in html
    for text in expected:
        assert text in html
    response = client.post(_confirm_url(conference))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Error: " in html
    for text in expected:
        assert text in html
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED
    assert conference.confirmed_at is None
    return html


# --- The gate ---------------------------------------------------------------------------------------


def test_confirming_is_refused_without_any_assessment(as_user, facilitator, conference):
    html = _refused(
        as_user(facilitator),
        conference,
        "The person harmed has no pre-conference risk assessment.",
        "The person responsible has no pre-conference risk assessment.",
    )
    # Each reason names who it is about (the page is for the RJ team only).
    assert VICTIM_MARKERS["first_name"] in html


@pytest.mark.parametrize(
    ("status", "word"),
    [
        (AssessmentStatus.DRAFT, "draft"),
        (AssessmentStatus.SUBMITTED, "submitted"),
        (AssessmentStatus.RETURNED, "returned"),
    ],
)
def test_confirming_is_refused_while_an_assessment_is_not_approved(
    as_user, facilitator, manager, conference, victim, offender, status, word
):
    assess(offender, author=facilitator, decider=manager)
    assess(victim, author=facilitator, decider=manager, status=status)
    _refused(as_user(facilitator), conference, f"The person harmed&#x27;s pre-conference risk assessment is {word}")


def test_confirming_is_refused_when_a_newer_version_was_started(
    as_user, facilitator, manager, conference, victim, offender
):
    assess(offender, author=facilitator, decider=manager)
    old = assess(victim, author=facilitator, decider=manager)
    old.invalidated_at = timezone.now()
    old.invalidated_reason = "a newer version was started"
    old.save(update_fields=["invalidated_at", "invalidated_reason"])
    assess(victim, author=facilitator, status=AssessmentStatus.DRAFT, version=2, previous=old)
    _refused(as_user(facilitator), conference, "The person harmed&#x27;s pre-conference risk assessment is draft")


def test_confirming_is_refused_when_a_new_risk_was_recorded(
    as_user, facilitator, manager, conference, victim, offender
):
    assess(victim, author=facilitator, decider=manager)
    approved = assess(offender, author=facilitator, decider=manager)
    NewRisk.objects.create(
        case=offender.case,
        offender=offender,
        description="Made threats at the probation office.",
        recorded_at=timezone.now(),
        recorded_by=facilitator,
    )
    approved.invalidated_at = timezone.now()
    approved.invalidated_reason = "a new risk was recorded"
    approved.save(update_fields=["invalidated_at", "invalidated_reason"])
    _refused(
        as_user(facilitator),
        conference,
        "The person responsible&#x27;s approved assessment is no longer current: a new risk was recorded.",
    )


def test_confirming_is_refused_when_the_approval_is_too_old(
    as_user, facilitator, manager, conference, victim, offender
):
    valid_days = settings_for(conference.case.service).approval_valid_days
    assess(victim, author=facilitator, decider=manager)
    assess(offender, author=facilitator, decider=manager, decided_days_ago=valid_days + 1)
    _refused(as_user(facilitator), conference, f"was approved more than {valid_days} days ago")


def test_high_risk_that_cannot_be_managed_blocks_and_offers_indirect_communication(
    as_user, facilitator, manager, conference, victim, offender
):
    assess(victim, author=facilitator, decider=manager)
    assess(offender, author=facilitator, decider=manager, rating=RiskLevel.HIGH, manageable=False)
    html = _refused(as_user(facilitator), conference, "is high and cannot be managed", INDIRECT)
    assert 'id="indirect-offer"' in html


def test_high_risk_that_can_be_managed_does_not_block(as_user, facilitator, manager, conference, victim, offender):
    assess(victim, author=facilitator, decider=manager)
    assess(offender, author=facilitator, decider=manager, rating=RiskLevel.HIGH, manageable=True)
    html = as_user(facilitator).get(_confirm_url(conference)).content.decode()
    assert ALL_CURRENT in html
    assert INDIRECT not in html


def test_the_blocker_links_to_the_persons_assessments(as_user, facilitator, conference):
    html = as_user(facilitator).get(_confirm_url(conference)).content.decode()
    try:
        url = reverse("risk:case_assessments", args=[conference.case_id])
    except NoReverseMatch:  # the assessments pages are being built alongside
        pytest.skip("risk:case_assessments does not exist yet")
    assert url in html


def test_confirming_with_every_assessment_current_confirms_it(
    as_user, facilitator, conference, approve_all, django_capture_on_commit_callbacks
):
    approve_all()
    client = as_user(facilitator)
    page = client.get(_confirm_url(conference))
    assert page.status_code == 200
    assert ALL_CURRENT in page.content.decode()
    response = client.post(_confirm_url(conference))
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:conference_detail", args=[conference.pk])
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.CONFIRMED
    assert conference.confirmed_by == facilitator
    assert conference.confirmed_at is not None
    summary = f"Conference confirmed for {conference.date:%-d %B %Y}"
    assert CaseEvent.objects.filter(case=conference.case, summary=summary, side="").exists()
    detail = client.get(response["Location"]).content.decode()
    assert "Conference confirmed for" in detail
    assert "Confirmed</strong>" in detail


def test_a_paused_case_cannot_confirm_its_conference(as_user, facilitator, conference, approve_all):
    approve_all()
    case = conference.case
    case.is_paused = True
    case.paused_reason = "Risk of serious harm escalated to probation"
    case.save(update_fields=["is_paused", "paused_reason"])
    _refused(as_user(facilitator), conference, "This case is paused")


def test_the_service_lists_every_reason(facilitator, conference):
    with pytest.raises(ValidationError) as caught:
        conference_confirm(conference=conference, actor=facilitator)
    assert len(caught.value.messages) == 2


def test_the_service_refuses_a_conference_that_is_already_confirmed(facilitator, conference, approve_all):
    approve_all()
    conference_confirm(conference=conference, actor=facilitator)
    with pytest.raises(ValidationError, match="confirmed: it cannot be confirmed"):
        conference_confirm(conference=conference, actor=facilitator)


def test_confirmation_page_refuses_other_methods(as_user, facilitator, conference):
    assert as_user(facilitator).put(_confirm_url(conference)).status_code == 405


def test_confirmation_page_logs_the_consultation(as_user, facilitator, conference, victim):
    as_user(facilitator).get(_confirm_url(conference))
    assert ProcessingLogEntry.objects.filter(
        user=facilitator, operation="consultation", person_kind="victim", person_id=victim.pk
    ).exists()


# --- Planning ---------------------------------------------------------------------------------------


def _plan_post(victim, offender, **overrides):
    date = timezone.localdate() + dt.timedelta(days=10)
    data = {
        **_date("date", date),
        "start_time": "10:00",
        "end_time": "12:30",
        "venue_kind": "prison",
        "venue_name": "HMP Testtown",
        "victims": [str(victim.pk)],
        "offenders": [str(offender.pk)],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_facilitator_plans_a_conference(as_user, facilitator, allocated_case, victim, offender):
    client = as_user(facilitator)
    url = reverse("agreements:conference_new", args=[allocated_case.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert VICTIM_MARKERS["last_name"] in html  # both sides may be chosen by the RJ team
    assert "Oscar" in html
    response = client.post(url, _plan_post(victim, offender))
    assert response.status_code == 302
    conference = Conference.objects.get(case=allocated_case)
    assert conference.status == ConferenceStatus.PLANNED
    assert conference.venue_name == "HMP Testtown"
    assert conference.start_time == dt.time(10, 0)
    assert list(conference.attending_victims.all()) == [victim]
    assert list(conference.attending_offenders.all()) == [offender]
    assert response["Location"] == reverse("agreements:conference_detail", args=[conference.pk])


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"victims": None, "offenders": None}, "victims", "Select at least one person who will attend"),
        ({"end_time": "09:00"}, "end_time", "The end time must be after the start time"),
        ({"start_time": "25:00"}, "start_time", "Enter the start time in 24-hour format"),
        ({"date_day": None, "date_month": None, "date_year": None}, "date", "Enter the date of the conference"),
        ({"venue_name": ""}, "venue_name", "Enter the name of the venue"),
        ({"victims": ["999999"]}, "victims", "Select only people on this case"),
    ],
)
def test_planning_with_bad_input_says_how_to_fix_it(
    as_user, facilitator, allocated_case, victim, offender, overrides, field, message
):
    response = as_user(facilitator).post(
        reverse("agreements:conference_new", args=[allocated_case.pk]), _plan_post(victim, offender, **overrides)
    )
    assert response.status_code == 422
    assert message in response.context["form"].errors[field][0]
    assert "Error: " in response.content.decode()
    assert not Conference.objects.exists()


def test_a_person_from_another_case_cannot_attend(
    facilitator, allocated_case, victim, offender, service, administrator, offender_manager
):
    from cases.services.referrals import referral_register
    from tests.factories import offender_data, referral_case_data, victim_data

    other = referral_register(
        actor=administrator,
        service=service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=offender_manager),
        victim_data=victim_data(),
    )
    with pytest.raises(ValidationError):
        conference_plan(
            case=allocated_case, actor=facilitator, data=_plan_data(), victims=[other.victims.get()], offenders=[]
        )


def test_a_paused_case_cannot_plan_a_conference(facilitator, allocated_case, victim):
    allocated_case.is_paused = True
    allocated_case.save(update_fields=["is_paused"])
    with pytest.raises(ValidationError, match="paused"):
        conference_plan(case=allocated_case, actor=facilitator, data=_plan_data(), victims=[victim], offenders=[])


def test_a_closed_case_cannot_plan_a_conference(manager, allocated_case, victim):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    with pytest.raises(ValidationError, match="closed"):
        conference_plan(case=allocated_case, actor=manager, data=_plan_data(), victims=[victim], offenders=[])


def test_planning_page_refuses_other_methods(as_user, facilitator, allocated_case):
    assert as_user(facilitator).put(reverse("agreements:conference_new", args=[allocated_case.pk])).status_code == 405


# --- The case's section ------------------------------------------------------------------------------


def test_facilitator_sees_the_conferences_of_the_case(as_user, facilitator, conference):
    response = as_user(facilitator).get(reverse("agreements:case_activity", args=[conference.case_id]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Plan a conference" in html
    assert "Planned</strong>" in html
    assert reverse("agreements:conference_detail", args=[conference.pk]) in html
    assert response.context["active_tab"] == "activity"


def test_the_section_says_what_to_do_when_empty(as_user, manager, allocated_case):
    response = as_user(manager).get(reverse("agreements:case_activity", args=[allocated_case.pk]))
    assert response.status_code == 200
    assert "No conference has been planned yet." in response.content.decode()


def test_section_refuses_post(as_user, facilitator, allocated_case):
    response = as_user(facilitator).post(reverse("agreements:case_activity", args=[allocated_case.pk]))
    assert response.status_code == 405


def test_conference_detail_refuses_post(as_user, facilitator, conference):
    response = as_user(facilitator).post(reverse("agreements:conference_detail", args=[conference.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_cannot_open_any_conference_page(request, as_user, conference, vlo_victim, persona):
    client = as_user(request.getfixturevalue(persona))
    case_id = conference.case_id
    # A facilitator of the service covering the case is asked why before reading (break-glass), never more.
    readable = {
        reverse("agreements:case_activity", args=[case_id]),
        reverse("agreements:conference_detail", args=[conference.pk]),
    }
    for url in (
        reverse("agreements:case_activity", args=[case_id]),
        reverse("agreements:conference_new", args=[case_id]),
        reverse("agreements:conference_detail", args=[conference.pk]),
        reverse("agreements:conference_confirm", args=[conference.pk]),
    ):
        response = client.get(url)
        asked_why = persona == "unallocated_facilitator" and url in readable
        assert response.status_code == (302 if asked_why else 404), url
        for value in VICTIM_MARKERS.values():
            assert value not in response.content.decode()
    assert client.post(reverse("agreements:conference_confirm", args=[conference.pk])).status_code == 404
    assert client.post(reverse("agreements:conference_new", args=[case_id]), {}).status_code == 404
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


def test_someone_who_cannot_see_an_attendee_cannot_open_the_conference(as_user, facilitator, conference, victim):
    VictimUserObjectPermission.objects.filter(user=facilitator, content_object=victim).delete()
    client = as_user(facilitator)
    assert client.get(reverse("agreements:conference_detail", args=[conference.pk])).status_code == 404
    assert client.get(_confirm_url(conference)).status_code == 404
    listing = client.get(reverse("agreements:case_activity", args=[conference.case_id]))
    assert listing.status_code == 200
    assert reverse("agreements:conference_detail", args=[conference.pk]) not in listing.content.decode()


def test_manager_may_open_and_confirm(as_user, manager, conference, approve_all):
    approve_all()
    client = as_user(manager)
    assert client.get(reverse("agreements:conference_detail", args=[conference.pk])).status_code == 200
    assert client.post(_confirm_url(conference)).status_code == 302


def test_the_section_costs_the_same_with_5_or_50_conferences(
    as_user, facilitator, allocated_case, victim, offender, django_assert_max_num_queries
):
    client = as_user(facilitator)
    url = reverse("agreements:case_activity", args=[allocated_case.pk])

    def grow(count):
        for index in range(count):
            conference_plan(
                case=allocated_case,
                actor=facilitator,
                data=_plan_data(date=timezone.localdate() + dt.timedelta(days=index + 1)),
                victims=[victim],
                offenders=[offender] if index % 2 else [],
            )

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response

    measure()  # the first request reads the coded lists into memory (cases.code_cache); the next ones do not
    grow(5)
    five, _ = measure()
    grow(45)
    fifty, response = measure()
    assert five == fifty, (five, fifty)
    assert 'rel="next"' in response.content.decode()
    with django_assert_max_num_queries(fifty):
        client.get(url)
