"""The RJ manager's approvals queue: submitted assessments of the service, oldest first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core import clock
from risk.checklist import current_template
from risk.models import AssessmentStatus, RiskAssessment, RiskSubject
from risk.services import assessments as services
from tests.factories import VICTIM_MARKERS

URL = reverse("risk:approvals")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def make_submitted(case, author, *, count=1, subject=RiskSubject.VENUE, rating="low", submitted=None, start=0):
    """Submitted assessments made directly (the queue only reads them)."""
    template = current_template(case.service)
    submitted = submitted or at(dt.date(2026, 11, 2))
    kwargs = {}
    if subject == RiskSubject.VICTIM:
        kwargs["victim"] = case.victims.get()
    elif subject == RiskSubject.OFFENDER:
        kwargs["offender"] = case.offenders.get()
    rows = []
    for n in range(count):
        rows.append(
            RiskAssessment.objects.create(
                case=case,
                subject=subject,
                point="pre_conference",
                version=start + n + 1,
                status=AssessmentStatus.SUBMITTED,
                template=template,
                rating=rating,
                created_at=submitted,
                created_by=author,
                submitted_at=submitted + dt.timedelta(minutes=n),
                submitted_by=author,
                **kwargs,
            )
        )
    return rows


def test_queue_lists_oldest_first_with_age_in_working_days(allocated_case, facilitator, manager, as_user):
    # Friday 18 December 2026; Christmas Day and Boxing Day (Monday 28th) are bank holidays.
    newer = make_submitted(allocated_case, facilitator, submitted=at(dt.date(2026, 12, 29)), rating="low")[0]
    older = make_submitted(allocated_case, facilitator, submitted=at(dt.date(2026, 12, 18)), rating="high", start=10)[0]
    with clock.use(lambda: at(dt.date(2026, 12, 30), 9)):
        response = as_user(manager).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(reverse("risk:assessment_detail", args=[older.pk])) < html.index(
        reverse("risk:assessment_detail", args=[newer.pk])
    )
    cells = re.findall(r'govuk-table__cell--numeric">(\d+)<', html)
    # 21, 22, 23, 24, 29, 30 December are working days after the 18th; 1 after the 29th.
    assert cells == ["6", "1"]


def test_medium_and_high_are_highlighted_with_the_word(allocated_case, facilitator, manager, as_user):
    make_submitted(allocated_case, facilitator, rating="medium")
    make_submitted(allocated_case, facilitator, rating="low", start=5)
    html = as_user(manager).get(URL).content.decode()
    assert "Medium risk" in html and "govuk-tag--yellow" in html
    assert "Low risk" in html and "govuk-tag--green" in html
    assert html.count("govuk-!-font-weight-bold") >= 1
    rows = re.findall(r'<tr class="govuk-table__row([^"]*)">', html)
    assert any("font-weight-bold" in r for r in rows) and any("font-weight-bold" not in r for r in rows[1:])


def test_queue_shows_no_personal_names(allocated_case, facilitator, manager, as_user):
    make_submitted(allocated_case, facilitator, subject=RiskSubject.VICTIM)
    make_submitted(allocated_case, facilitator, subject=RiskSubject.OFFENDER)
    html = as_user(manager).get(URL).content.decode()
    assert "Person harmed" in html and "Person responsible" in html
    assert allocated_case.reference in html
    for value in VICTIM_MARKERS.values():
        assert value not in html
    assert "Offendertest" not in html and "Oscar" not in html


def test_queue_leaves_out_other_statuses_and_services(allocated_case, facilitator, manager, other_manager, as_user):
    draft = services.assessment_start(case=allocated_case, actor=facilitator, subject="venue", point="initial")
    make_submitted(allocated_case, facilitator)
    html = as_user(manager).get(URL).content.decode()
    assert reverse("risk:assessment_detail", args=[draft.pk]) not in html
    assert html.count("/risk/assessments/") == 1
    other = as_user(other_manager).get(URL).content.decode()
    assert allocated_case.reference not in other
    assert "There are no assessments waiting" in other


def test_queue_pages_by_submission_time(allocated_case, facilitator, manager, as_user):
    rows = make_submitted(allocated_case, facilitator, count=30)
    client = as_user(manager)
    first = client.get(URL).content.decode()
    assert reverse("risk:assessment_detail", args=[rows[0].pk]) in first
    assert reverse("risk:assessment_detail", args=[rows[29].pk]) not in first
    next_url = re.search(r'href="(\?page=[^"]+)" rel="next"', first).group(1)
    second = client.get(URL + next_url.replace("&amp;", "&")).content.decode()
    assert reverse("risk:assessment_detail", args=[rows[29].pk]) in second
    assert reverse("risk:assessment_detail", args=[rows[0].pk]) not in second


def test_queue_query_count_is_the_same_for_5_and_50(
    allocated_case, facilitator, manager, as_user, django_assert_max_num_queries
):
    client = as_user(manager)
    make_submitted(allocated_case, facilitator, count=5, rating="medium")
    client.get(URL)
    with django_assert_max_num_queries(12) as five:
        assert client.get(URL).status_code == 200
    make_submitted(allocated_case, facilitator, count=45, start=100, rating="high")
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert client.get(URL).status_code == 200


@pytest.mark.parametrize(
    "persona",
    ["facilitator", "administrator", "offender_manager", "vlo", "commissioner", "unallocated_facilitator"],
)
def test_queue_is_for_managers_only(request, allocated_case, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get(URL).status_code == 404


def test_queue_wrong_method(manager, as_user):
    assert as_user(manager).post(URL).status_code == 405


def test_empty_queue_says_what_happens_next(manager, as_user):
    html = as_user(manager).get(URL).content.decode()
    assert "There are no assessments waiting" in html
