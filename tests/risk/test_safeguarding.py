"""Safeguarding concerns (R10): recording, acknowledgement, escalation pausing the case, resolution
by a manager, and child-risk concerns shared with the offender manager without victim details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.services.conferences import conference_confirm, conference_plan
from audit.models import ProcessingLogEntry
from cases.models import CaseEvent, Task
from cases.services.participants import participant_update
from risk.models import AtRisk, SafeguardingAgency, SafeguardingDisclosure
from risk.services.safeguarding import (
    ROSH_PAUSE_REASON,
    safeguarding_acknowledge,
    safeguarding_record,
    safeguarding_resolve,
)
from tests.factories import VICTIM_MARKERS

pytestmark = pytest.mark.django_db

OUTSIDERS = ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner", "administrator"]
VICTIM_CONCERN = "Vanessa said her neighbour threatened her sister"
CHILD_CONCERN = "The person harmed's daughter was approached outside school by Vanessa's ex"


def _assert_no_victim_markers(html: str) -> None:
    for field, value in VICTIM_MARKERS.items():
        assert value not in html, f"victim {field} leaked"


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


def _data(**overrides):
    data = {
        "concern": "Said they would go round to the other party's house.",
        "at_risk": AtRisk.VICTIM,
        "at_risk_details": "",
        "agency": SafeguardingAgency.POLICE,
        "agency_details": "PC Duty, Testtown station",
        "passed_by": "phone",
        "passed_at": timezone.now() - dt.timedelta(hours=1),
        "escalate_rosh": False,
    }
    data.update(overrides)
    return data


def _record(case, actor, person=None, **overrides):
    return safeguarding_record(case=case, actor=actor, person=person, data=_data(**overrides))


def _post_data(person_key="case", **overrides):
    when = timezone.localtime() - dt.timedelta(hours=1)
    data = {
        "person": person_key,
        "concern": "Threats made during a phone call.",
        "at_risk": "victim",
        "at_risk_details": "",
        "agency": "police",
        "agency_details": "",
        "passed_by": "phone",
        **_date("passed_on", when.date()),
        "passed_time": f"{when:%H:%M}",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Services ---------------------------------------------------------------------------------------


def test_recording_a_concern_about_a_person_keeps_it_on_their_side(allocated_case, facilitator, victim):
    disclosure = _record(allocated_case, facilitator, victim)
    assert disclosure.victim == victim and disclosure.offender is None
    event = CaseEvent.objects.get(case=allocated_case, summary="Safeguarding concern passed to Police")
    assert event.side == "victim" and event.victim == victim
    assert ProcessingLogEntry.objects.filter(
        operation="collection", person_kind="victim", person_id=victim.pk, object_id=disclosure.pk
    ).exists()
    assert not ProcessingLogEntry.objects.filter(operation="disclosure").exists()
    allocated_case.refresh_from_db()
    assert not allocated_case.is_paused


def test_a_child_risk_concern_is_logged_as_a_disclosure_to_the_agency(allocated_case, facilitator, victim):
    disclosure = _record(
        allocated_case, facilitator, victim, at_risk=AtRisk.CHILD, agency=SafeguardingAgency.CHILDRENS_SERVICES
    )
    row = ProcessingLogEntry.objects.get(operation="disclosure", object_id=disclosure.pk)
    assert row.person_kind == "victim" and row.person_id == victim.pk
    assert row.recipient.startswith("Children's services")


def test_a_case_wide_concern_is_logged_against_everyone_on_the_case(allocated_case, facilitator, victim, offender):
    disclosure = _record(allocated_case, facilitator, None)
    rows = ProcessingLogEntry.objects.filter(operation="collection", object_id=disclosure.pk)
    assert {(r.person_kind, r.person_id) for r in rows} == {("victim", victim.pk), ("offender", offender.pk)}
    assert CaseEvent.objects.get(case=allocated_case, summary__startswith="Safeguarding concern").side == ""


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"concern": "  "}, "concern"),
        ({"at_risk": "nobody"}, "at_risk"),
        ({"at_risk": AtRisk.OTHER}, "at_risk_details"),
        ({"agency": SafeguardingAgency.OTHER, "agency_details": ""}, "agency_details"),
        ({"passed_by": ""}, "passed_by"),
        ({"passed_at": None}, "passed_at"),
    ],
)
def test_recording_refuses_incomplete_concerns(allocated_case, facilitator, overrides, field):
    with pytest.raises(ValidationError) as caught:
        _record(allocated_case, facilitator, **overrides)
    assert field in caught.value.error_dict
    assert not SafeguardingDisclosure.objects.exists()


def test_a_person_from_another_case_is_refused(allocated_case, facilitator, victim):
    victim.case_id = allocated_case.pk + 1000
    with pytest.raises(ValidationError):
        _record(allocated_case, facilitator, victim)


def test_acknowledging_records_when_and_how(allocated_case, facilitator, offender):
    disclosure = _record(allocated_case, facilitator, offender)
    at = timezone.now() - dt.timedelta(minutes=10)
    safeguarding_acknowledge(disclosure=disclosure, actor=facilitator, acknowledged_at=at, acknowledgement="DS Reed")
    disclosure.refresh_from_db()
    assert disclosure.acknowledged_at == at and disclosure.acknowledgement == "DS Reed"
    with pytest.raises(ValidationError, match="already"):
        safeguarding_acknowledge(disclosure=disclosure, actor=facilitator, acknowledged_at=at, acknowledgement="x")


def test_acknowledgement_cannot_come_before_the_concern_was_passed(allocated_case, facilitator):
    disclosure = _record(allocated_case, facilitator)
    with pytest.raises(ValidationError) as caught:
        safeguarding_acknowledge(
            disclosure=disclosure,
            actor=facilitator,
            acknowledged_at=disclosure.passed_at - dt.timedelta(days=1),
            acknowledgement="Too early",
        )
    assert "acknowledged_at" in caught.value.error_dict


def test_escalating_pauses_the_case_and_asks_managers_to_resolve(allocated_case, facilitator, manager, offender):
    disclosure = _record(allocated_case, facilitator, offender, escalate_rosh=True, agency=SafeguardingAgency.PROBATION)
    allocated_case.refresh_from_db()
    assert allocated_case.is_paused
    assert allocated_case.paused_reason == ROSH_PAUSE_REASON
    task = Task.objects.get(assignee=manager, done_at__isnull=True, title__startswith="Resolve the risk")
    assert task.title == f"Resolve the risk of serious harm escalation on {allocated_case.reference}"
    assert CaseEvent.objects.filter(case=allocated_case, summary__startswith="Case paused").exists()
    assert disclosure.is_open


def test_a_paused_case_cannot_confirm_a_conference(allocated_case, facilitator, victim):
    conference = conference_plan(
        case=allocated_case,
        actor=facilitator,
        data={
            "date": timezone.localdate() + dt.timedelta(days=7),
            "start_time": dt.time(10),
            "venue_name": "Hall",
        },
        victims=[victim],
        offenders=[],
    )
    _record(allocated_case, facilitator, escalate_rosh=True)
    conference.case.refresh_from_db()
    with pytest.raises(ValidationError, match="This case is paused"):
        conference_confirm(conference=conference, actor=facilitator)


def test_only_a_manager_of_the_service_resolves(allocated_case, facilitator, manager, other_manager):
    disclosure = _record(allocated_case, facilitator, escalate_rosh=True)
    for outsider in (facilitator, other_manager):
        with pytest.raises(ValidationError, match="Only an RJ manager"):
            safeguarding_resolve(disclosure=disclosure, actor=outsider, resolution="Done")
    with pytest.raises(ValidationError):
        safeguarding_resolve(disclosure=disclosure, actor=manager, resolution=" ")
    safeguarding_resolve(disclosure=disclosure, actor=manager, resolution="Probation reviewed the risk.")
    allocated_case.refresh_from_db()
    assert not allocated_case.is_paused and allocated_case.paused_reason == ""
    assert not Task.objects.filter(title__startswith="Resolve the risk", done_at__isnull=True).exists()
    disclosure.refresh_from_db()
    assert disclosure.resolved_by == manager and not disclosure.is_open


def test_the_case_stays_paused_while_another_escalation_is_open(allocated_case, facilitator, manager):
    first = _record(allocated_case, facilitator, escalate_rosh=True)
    second = _record(allocated_case, facilitator, escalate_rosh=True)
    safeguarding_resolve(disclosure=first, actor=manager, resolution="Resolved")
    allocated_case.refresh_from_db()
    assert allocated_case.is_paused
    assert Task.objects.filter(assignee=manager, done_at__isnull=True, title__startswith="Resolve").count() == 1
    safeguarding_resolve(disclosure=second, actor=manager, resolution="Resolved")
    allocated_case.refresh_from_db()
    assert not allocated_case.is_paused


# --- Views: recording ----------------------------------------------------------------------------------


def test_facilitator_records_a_concern_through_the_form(as_user, facilitator, allocated_case, victim):
    client = as_user(facilitator)
    url = reverse("risk:safeguarding_new", args=[allocated_case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert VICTIM_MARKERS["first_name"] in page.content.decode()
    response = client.post(url, _post_data(f"victim-{victim.pk}", escalate_rosh="on"))
    assert response.status_code == 302
    disclosure = SafeguardingDisclosure.objects.get()
    assert disclosure.victim == victim
    assert disclosure.escalate_rosh
    assert response["Location"] == reverse("risk:safeguarding_detail", args=[disclosure.pk])
    allocated_case.refresh_from_db()
    assert allocated_case.is_paused


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"concern": ""}, "concern", "Enter the concern"),
        ({"at_risk": None}, "at_risk", "Select who is at risk"),
        ({"at_risk": "other"}, "at_risk_details", "Say who is at risk"),
        ({"agency": None}, "agency", "Select the agency you told"),
        ({"passed_time": "7pm"}, "passed_time", "24-hour format"),
        ({"person": "victim-999999"}, "person", "Select someone on this case"),
        ({"passed_on_year": "2999"}, "passed_on", "must be today or in the past"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(as_user, facilitator, allocated_case, overrides, field, message):
    response = as_user(facilitator).post(
        reverse("risk:safeguarding_new", args=[allocated_case.pk]), _post_data(**overrides)
    )
    assert response.status_code == 422
    assert message in response.context["form"].errors[field][0]
    assert "Error: " in response.content.decode()
    assert not SafeguardingDisclosure.objects.exists()


def test_acknowledging_through_the_page(as_user, facilitator, allocated_case):
    disclosure = _record(allocated_case, facilitator)
    client = as_user(facilitator)
    url = reverse("risk:safeguarding_acknowledge", args=[disclosure.pk])
    when = timezone.localtime() - dt.timedelta(minutes=5)
    bad = client.post(url, {**_date("acknowledged_on", when.date()), "acknowledged_time": f"{when:%H:%M}"})
    assert bad.status_code == 422
    assert "Enter who acknowledged it" in bad.content.decode()
    good = client.post(
        url,
        {**_date("acknowledged_on", when.date()), "acknowledged_time": f"{when:%H:%M}", "acknowledgement": "DS Reed"},
    )
    assert good.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.acknowledgement == "DS Reed"
    assert client.get(url).status_code == 405


def test_manager_resolves_through_the_page(as_user, facilitator, manager, allocated_case):
    disclosure = _record(allocated_case, facilitator, escalate_rosh=True)
    url = reverse("risk:safeguarding_resolve", args=[disclosure.pk])
    detail = reverse("risk:safeguarding_detail", args=[disclosure.pk])
    # The facilitator sees no resolve form and cannot post one.
    assert "Resolve escalation" not in as_user(facilitator).get(detail).content.decode()
    assert as_user(facilitator).post(url, {"resolution": "Done"}).status_code == 404
    client = as_user(manager)
    assert "Resolve escalation" in client.get(detail).content.decode()
    bad = client.post(url, {"resolution": ""})
    assert bad.status_code == 422
    assert "Enter how the escalation was resolved" in bad.content.decode()
    assert client.post(url, {"resolution": "Probation reviewed it."}).status_code == 302
    allocated_case.refresh_from_db()
    assert not allocated_case.is_paused
    assert client.get(url).status_code == 405


def test_facilitator_sees_the_list_and_the_detail(as_user, facilitator, allocated_case, victim):
    disclosure = _record(allocated_case, facilitator, victim, concern=VICTIM_CONCERN)
    client = as_user(facilitator)
    listing = client.get(reverse("risk:safeguarding_list", args=[allocated_case.pk]))
    assert listing.status_code == 200
    assert reverse("risk:safeguarding_detail", args=[disclosure.pk]) in listing.content.decode()
    detail = client.get(reverse("risk:safeguarding_detail", args=[disclosure.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert VICTIM_CONCERN in html
    assert "app-side-banner--victim" in html
    assert ProcessingLogEntry.objects.filter(
        operation="consultation", user=facilitator, object_type="SafeguardingDisclosure", person_id=victim.pk
    ).exists()


def test_a_concern_about_someone_the_user_cannot_see_is_hidden(as_user, facilitator, allocated_case, victim):
    from cases.models import VictimUserObjectPermission

    disclosure = _record(allocated_case, facilitator, victim, concern=VICTIM_CONCERN)
    VictimUserObjectPermission.objects.filter(user=facilitator, content_object=victim).delete()
    client = as_user(facilitator)
    listing = client.get(reverse("risk:safeguarding_list", args=[allocated_case.pk]))
    assert listing.status_code == 200
    assert reverse("risk:safeguarding_detail", args=[disclosure.pk]) not in listing.content.decode()
    assert client.get(reverse("risk:safeguarding_detail", args=[disclosure.pk])).status_code == 404


def test_list_and_new_refuse_other_methods(as_user, facilitator, allocated_case):
    client = as_user(facilitator)
    assert client.post(reverse("risk:safeguarding_list", args=[allocated_case.pk])).status_code == 405
    assert client.put(reverse("risk:safeguarding_new", args=[allocated_case.pk])).status_code == 405
    disclosure = _record(allocated_case, facilitator)
    assert client.post(reverse("risk:safeguarding_detail", args=[disclosure.pk])).status_code == 405


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_cannot_open_any_safeguarding_page(
    request, as_user, allocated_case, facilitator, vlo_victim, persona
):
    disclosure = _record(allocated_case, facilitator, vlo_victim, concern=VICTIM_CONCERN, escalate_rosh=True)
    client = as_user(request.getfixturevalue(persona))
    for url in (
        reverse("risk:safeguarding_list", args=[allocated_case.pk]),
        reverse("risk:safeguarding_new", args=[allocated_case.pk]),
        reverse("risk:safeguarding_detail", args=[disclosure.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        _assert_no_victim_markers(response.content.decode())
    assert client.post(reverse("risk:safeguarding_new", args=[allocated_case.pk]), _post_data()).status_code == 404
    ack = {"acknowledgement": "x", "acknowledged_time": "10:00", **_date("acknowledged_on", timezone.localdate())}
    assert client.post(reverse("risk:safeguarding_acknowledge", args=[disclosure.pk]), ack).status_code == 404
    assert (
        client.post(reverse("risk:safeguarding_resolve", args=[disclosure.pk]), {"resolution": "x"}).status_code == 404
    )
    disclosure.refresh_from_db()
    assert disclosure.acknowledged_at is None and disclosure.resolved_at is None


def test_safeguarding_list_costs_the_same_with_5_or_50_concerns(
    as_user, facilitator, allocated_case, victim, offender, django_assert_max_num_queries
):
    client = as_user(facilitator)
    url = reverse("risk:safeguarding_list", args=[allocated_case.pk])

    def grow(count):
        for index in range(count):
            person = (victim, offender, None)[index % 3]
            _record(allocated_case, facilitator, person, passed_at=timezone.now() - dt.timedelta(hours=index + 1))

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


# --- The offender manager's progress page -----------------------------------------------------------------


def test_offender_manager_sees_child_concerns_without_victim_details(
    as_user, allocated_case, facilitator, offender_manager, victim, offender
):
    _record(
        allocated_case,
        facilitator,
        None,
        concern=CHILD_CONCERN,
        at_risk=AtRisk.CHILD,
        agency=SafeguardingAgency.CHILDRENS_SERVICES,
        agency_details="Duty team",
    )
    about_offender = _record(
        allocated_case, facilitator, offender, concern="Offender's own child", at_risk=AtRisk.CHILD
    )
    safeguarding_acknowledge(
        disclosure=about_offender, actor=facilitator, acknowledged_at=timezone.now(), acknowledgement="PC Duty"
    )
    _record(allocated_case, facilitator, victim, concern=VICTIM_CONCERN, at_risk=AtRisk.VICTIM)
    _record(allocated_case, facilitator, victim, concern="Victim-side child worry", at_risk=AtRisk.CHILD)
    response = as_user(offender_manager).get(reverse("cases:case_progress", args=[allocated_case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Safeguarding: risk to a child" in html
    assert html.count("Risk to a child</td>") == 2
    assert "Children&#x27;s services" in html
    assert "Acknowledged</strong>" in html and "Not yet</strong>" in html
    for text in (CHILD_CONCERN, "Offender&#x27;s own child", VICTIM_CONCERN, "Victim-side child worry", "Duty team"):
        assert text not in html
    _assert_no_victim_markers(html)


def test_offender_manager_sees_no_safeguarding_section_without_child_concerns(
    as_user, allocated_case, facilitator, offender_manager, victim
):
    _record(allocated_case, facilitator, victim, concern=VICTIM_CONCERN, at_risk=AtRisk.VICTIM)
    _record(allocated_case, facilitator, None, concern="Case-wide, about the facilitator", at_risk=AtRisk.OTHER,
            at_risk_details="A facilitator")  # fmt: skip
    html = as_user(offender_manager).get(reverse("cases:case_progress", args=[allocated_case.pk])).content.decode()
    assert "Safeguarding" not in html
    assert VICTIM_CONCERN not in html
    _assert_no_victim_markers(html)


def test_another_offender_manager_and_the_vlo_see_no_child_concerns(
    as_user, allocated_case, facilitator, other_offender_manager, vlo_victim
):
    _record(allocated_case, facilitator, None, concern=CHILD_CONCERN, at_risk=AtRisk.CHILD)
    vlo_page = as_user(vlo_victim.vlo).get(reverse("cases:case_progress", args=[allocated_case.pk]))
    assert vlo_page.status_code == 200
    assert "Safeguarding" not in vlo_page.content.decode()
    assert (
        as_user(other_offender_manager).get(reverse("cases:case_progress", args=[allocated_case.pk])).status_code == 404
    )
