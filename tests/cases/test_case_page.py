"""The case page (overview), its tabs and actions, the timeline, the history and the progress page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import ProcessingLogEntry
from cases.models import CodeList, DisclosureKind, Side, Stage
from cases.services.lifecycle import case_close
from cases.services.participants import contact_log, disclosure_grant, participant_update
from cases.views.case_page import case_actions, case_perms, case_tabs
from tests.factories import VICTIM_MARKERS, code, offender_data

pytestmark = pytest.mark.django_db


def _contact(participant, actor, notes="Spoke about the process.", **overrides):
    data = {
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
        "direction": code(CodeList.DIRECTION, "outgoing"),
        "appointment": code(CodeList.APPOINTMENT, "not_applicable"),
        "notes": notes,
    }
    data.update(overrides)
    return contact_log(participant=participant, actor=actor, data=data)


def _assert_no_victim_markers(html: str) -> None:
    for field, value in VICTIM_MARKERS.items():
        assert value not in html, f"victim {field} leaked"


def _urls(case):
    return {
        "detail": reverse("cases:case_detail", args=[case.pk]),
        "timeline": reverse("cases:case_timeline", args=[case.pk]),
        "history": reverse("cases:case_history", args=[case.pk]),
    }


@pytest.fixture
def vlo_case(allocated_case, manager, vlo):
    victim = allocated_case.victims.get()
    participant_update(participant=victim, actor=manager, data={"vlo": vlo, "in_victim_contact_scheme": True})
    return allocated_case


# --- Overview ------------------------------------------------------------------------------------


def test_allocated_facilitator_sees_the_overview_with_each_persons_task_list(as_user, facilitator, allocated_case):
    response = as_user(facilitator).get(_urls(allocated_case)["detail"])
    assert response.status_code == 200
    html = response.content.decode()
    assert allocated_case.reference in html
    assert "Vanessa Victimcanary" in html
    assert "Oscar Offendertest" in html
    assert "govuk-task-list" in html
    for row in ("Contacted", "Consented to take part", "Needs addressed", "Agreed what may be shared"):
        assert row in html
    assert "1 person harmed, 1 person responsible" in html
    tabs = [tab["label"] for tab in response.context["case_tabs"]]
    assert tabs == ["Overview", "Victim side", "Offender side", "Assessments", "Conference or indirect", "Timeline"]
    assert "Add a person harmed" in html
    assert "Make first contact" in html  # the open task from allocation


def test_the_task_list_shows_progress(as_user, facilitator, allocated_case):
    victim = allocated_case.victims.get()
    _contact(victim, facilitator)
    rows = as_user(facilitator).get(_urls(allocated_case)["detail"]).context["sides"][0]["people"][0][1]
    status = {row["key"]: row["status"]["text"] for row in rows}
    assert status == {
        "contacted": "Completed",
        "consented": "Not yet started",
        "needs": "None recorded",
        "disclosure": "Not yet started",
    }


def test_manager_sees_the_history_tab(as_user, manager, allocated_case):
    response = as_user(manager).get(_urls(allocated_case)["detail"])
    assert response.status_code == 200
    assert [tab["key"] for tab in response.context["case_tabs"]][-1] == "history"


def test_administrator_sees_neither_names_nor_counts(as_user, administrator, allocated_case):
    response = as_user(administrator).get(_urls(allocated_case)["detail"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 person harmed" not in html
    assert "Only the facilitators allocated to this case" in html
    _assert_no_victim_markers(html)
    assert "Offendertest" not in html
    assert [tab["key"] for tab in response.context["case_tabs"]] == ["overview", "timeline"]
    assert "Add a person harmed" not in html


def test_counts_are_plural_for_several_people(as_user, manager, facilitator, allocated_case):
    from cases.services.participants import participant_add

    participant_add(case=allocated_case, actor=facilitator, side=Side.OFFENDER, data=offender_data(first_name="Otto"))
    html = as_user(manager).get(_urls(allocated_case)["detail"]).content.decode()
    assert "1 person harmed, 2 people responsible" in html


@pytest.mark.parametrize("view", ["detail", "timeline", "history"])
@pytest.mark.parametrize(
    "persona", ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner"]
)
def test_outsiders_cannot_open_the_case_pages(request, as_user, vlo_case, view, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(_urls(vlo_case)[view])
    if persona == "unallocated_facilitator" and view != "history":  # a colleague covering: asked why first
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("audit:break_glass", args=[vlo_case.pk]) + "?")
    else:
        assert response.status_code == 404
    _assert_no_victim_markers(response.content.decode())


def test_missing_case_is_404(as_user, manager, allocated_case):
    assert as_user(manager).get(reverse("cases:case_detail", args=[allocated_case.pk + 999])).status_code == 404


@pytest.mark.parametrize("view", ["detail", "timeline", "history"])
def test_case_pages_refuse_post(as_user, manager, allocated_case, view):
    assert as_user(manager).post(_urls(allocated_case)[view]).status_code == 405


@pytest.mark.parametrize("contacts", [5, 50])
def test_case_page_query_count_does_not_grow_with_contacts(
    as_user, facilitator, allocated_case, django_assert_max_num_queries, contacts
):
    victim = allocated_case.victims.get()
    offender = allocated_case.offenders.get()
    for i in range(contacts):
        _contact(victim, facilitator, notes=f"Victim contact {i}")
        _contact(offender, facilitator, notes=f"Offender contact {i}")
    client = as_user(facilitator)
    with django_assert_max_num_queries(13):
        assert client.get(_urls(allocated_case)["detail"]).status_code == 200


# --- Tabs and actions ----------------------------------------------------------------------------


def test_tabs_leave_out_what_the_user_may_not_see(allocated_case, facilitator, administrator, manager):
    assert [t["key"] for t in case_tabs(allocated_case, facilitator)] == [
        "overview",
        "victim",
        "offender",
        "assessments",
        "activity",
        "timeline",
    ]
    assert [t["key"] for t in case_tabs(allocated_case, administrator)] == ["overview", "timeline"]
    assert "history" in [t["key"] for t in case_tabs(allocated_case, manager)]


def test_tabs_are_empty_for_progress_only_users(vlo_case, offender_manager, vlo, commissioner):
    for user in (offender_manager, vlo, commissioner):
        assert case_tabs(vlo_case, user) == []


def test_victim_tab_links_to_the_first_victim(allocated_case, facilitator):
    victim = allocated_case.victims.get()
    tabs = {t["key"]: t for t in case_tabs(allocated_case, facilitator, case_perms(allocated_case, facilitator))}
    assert tabs["victim"]["url"] == reverse("cases:victim_detail", args=[victim.pk])


def test_actions_are_links_that_open_for_the_user(as_user, allocated_case, manager, facilitator, administrator):
    for user in (manager, facilitator, administrator):
        client = as_user(user)
        for action in case_actions(allocated_case, user):
            assert action["label"]
            assert client.get(action["url"]).status_code == 200, (user, action)


def test_closed_case_offers_no_actions_to_facilitators(allocated_case, manager, facilitator):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    assert case_actions(allocated_case, facilitator) == []


# --- Timeline ------------------------------------------------------------------------------------


def test_timeline_shows_side_entries_only_to_people_who_may_see_that_side(
    as_user, facilitator, administrator, allocated_case
):
    victim = allocated_case.victims.get()
    _contact(victim, facilitator)
    url = _urls(allocated_case)["timeline"]
    facilitator_events = as_user(facilitator).get(url).context["events"]
    assert any(e.side == Side.VICTIM for e in facilitator_events)
    response = as_user(administrator).get(url)
    assert response.status_code == 200
    assert not any(e.side for e in response.context["events"])
    assert "Victim side" not in response.content.decode()
    _assert_no_victim_markers(response.content.decode())


# --- History -------------------------------------------------------------------------------------


def test_manager_sees_who_changed_the_case(as_user, manager, facilitator, allocated_case):
    response = as_user(manager).get(_urls(allocated_case)["history"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Case created" in html
    assert "Lead facilitator" in html
    assert facilitator.display_name in html
    assert response.context["allocations"][0].lead_facilitator == facilitator
    stage_changes = [
        c
        for e in response.context["entries"]
        for c in e["changes"]
        if c["field"] == "Stage" and c["new"] == "Allocated"
    ]
    assert stage_changes


@pytest.mark.parametrize("persona", ["facilitator", "administrator"])
def test_only_managers_see_the_history(request, as_user, allocated_case, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(_urls(allocated_case)["history"]).status_code == 404


# --- Progress page -------------------------------------------------------------------------------


def _progress(case):
    return reverse("cases:case_progress", args=[case.pk])


def test_offender_manager_sees_stage_and_their_offender_but_nothing_about_the_victim(
    as_user, offender_manager, facilitator, allocated_case
):
    victim = allocated_case.victims.get()
    _contact(victim, facilitator, notes="VICTIMNOTE about the harm")
    response = as_user(offender_manager).get(_progress(allocated_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Allocated" in html
    assert "Oscar Offendertest" in html
    assert "90/123456A" in html
    assert facilitator.display_name in html
    _assert_no_victim_markers(html)
    assert "VICTIMNOTE" not in html
    assert "A person harmed is taking part" not in html
    assert "app-side-banner--offender" in html


def test_offender_manager_is_told_a_victim_takes_part_only_when_they_agreed(
    as_user, offender_manager, facilitator, allocated_case
):
    victim = allocated_case.victims.get()
    disclosure_grant(
        participant=victim,
        actor=facilitator,
        data={"kind": DisclosureKind.TAKING_PART, "content": "Vanessa agreed", "granted_on": timezone.localdate()},
    )
    html = as_user(offender_manager).get(_progress(allocated_case)).content.decode()
    assert "A person harmed is taking part" in html
    _assert_no_victim_markers(html)


def test_offender_manager_view_is_logged(as_user, offender_manager, allocated_case):
    offender = allocated_case.offenders.get()
    as_user(offender_manager).get(_progress(allocated_case))
    entry = ProcessingLogEntry.objects.filter(operation="consultation", person_kind="offender").get()
    assert entry.person_id == offender.pk
    assert entry.user == offender_manager


def test_vlo_sees_their_victim_and_nothing_about_the_offender(as_user, vlo, vlo_case):
    response = as_user(vlo).get(_progress(vlo_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vanessa Victimcanary" in html
    assert "Victim Contact Scheme" in html
    assert "Offendertest" not in html
    assert "90/123456A" not in html
    assert "app-side-banner--victim" in html
    assert ProcessingLogEntry.objects.filter(operation="consultation", person_kind="victim", user=vlo).exists()


@pytest.mark.parametrize(
    "persona", ["facilitator", "manager", "other_offender_manager", "other_manager", "commissioner", "vlo"]
)
def test_others_cannot_open_the_progress_page(request, as_user, allocated_case, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(_progress(allocated_case))
    assert response.status_code == 404
    _assert_no_victim_markers(response.content.decode())


def test_progress_page_refuses_post(as_user, offender_manager, allocated_case):
    assert as_user(offender_manager).post(_progress(allocated_case)).status_code == 405
