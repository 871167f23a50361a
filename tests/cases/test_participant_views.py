"""A person's record pages: who may open them, what they show, and the forms for their details,
needs, consents, permissions to share and supporters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import ProcessingLogEntry
from cases import permissions
from cases.models import (
    CodeList,
    ConsentKind,
    DisclosureKind,
    OffenderNeed,
    PathwayStatus,
    Stage,
    TaskKind,
    Victim,
    VictimConsent,
    VictimDisclosure,
    VictimNeed,
    VictimSupporter,
)
from cases.services.lifecycle import case_close
from cases.services.participants import (
    consent_record,
    contact_log,
    disclosure_grant,
    need_add,
    participant_update,
)
from tests.factories import VICTIM_MARKERS, code

pytestmark = pytest.mark.django_db

OUTSIDERS = ["unallocated_facilitator", "other_manager", "offender_manager", "vlo", "commissioner", "administrator"]


def _date(prefix: str, value: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(value.day), f"{prefix}_month": str(value.month), f"{prefix}_year": str(value.year)}


def _contact(participant, actor, notes: str):
    return contact_log(
        participant=participant,
        actor=actor,
        data={
            "occurred_at": timezone.now() - dt.timedelta(hours=2),
            "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
            "direction": code(CodeList.DIRECTION, "outgoing"),
            "appointment": code(CodeList.APPOINTMENT, "not_applicable"),
            "notes": notes,
        },
    )


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
def vlo_victim(victim, manager, vlo):
    participant_update(participant=victim, actor=manager, data={"vlo": vlo, "in_victim_contact_scheme": True})
    return victim


@pytest.fixture
def closed_case(allocated_case, manager):
    case_close(case=allocated_case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    return allocated_case


# --- The person's page ---------------------------------------------------------------------------


def test_allocated_facilitator_opens_the_victim_page(as_user, facilitator, victim):
    response = as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "app-side-banner--victim" in html
    for value in VICTIM_MARKERS.values():
        assert value in html
    assert 'id="contact-form"' in html
    assert response.context["active_tab"] == "victim"
    assert "Age band" in html


def test_allocated_facilitator_opens_the_offender_page(as_user, facilitator, offender):
    response = as_user(facilitator).get(reverse("cases:offender_detail", args=[offender.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "app-side-banner--offender" in html
    assert "90/123456A" in html
    _assert_no_victim_markers(html)
    assert response.context["active_tab"] == "offender"


def test_manager_of_the_service_opens_both_sides(as_user, manager, victim, offender):
    client = as_user(manager)
    assert client.get(reverse("cases:victim_detail", args=[victim.pk])).status_code == 200
    assert client.get(reverse("cases:offender_detail", args=[offender.pk])).status_code == 200


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_cannot_open_the_victim_page(request, as_user, vlo_victim, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(reverse("cases:victim_detail", args=[vlo_victim.pk]))
    _assert_refused_or_asked_why(response, persona, vlo_victim.case_id)
    _assert_no_victim_markers(response.content.decode())


@pytest.mark.parametrize("persona", OUTSIDERS)
def test_outsiders_cannot_open_the_offender_page(request, as_user, offender, vlo_victim, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(reverse("cases:offender_detail", args=[offender.pk]))
    _assert_refused_or_asked_why(response, persona, offender.case_id)


def _assert_refused_or_asked_why(response, persona: str, case_id: int) -> None:
    """404, except for a facilitator of the service covering the case: sent to the break-glass reason page."""
    if persona == "unallocated_facilitator":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("audit:break_glass", args=[case_id]) + "?")
    else:
        assert response.status_code == 404


def test_person_pages_refuse_post(as_user, facilitator, victim, offender):
    client = as_user(facilitator)
    assert client.post(reverse("cases:victim_detail", args=[victim.pk])).status_code == 405
    assert client.post(reverse("cases:offender_detail", args=[offender.pk])).status_code == 405


def test_each_view_of_a_victim_page_is_logged(as_user, facilitator, victim):
    client = as_user(facilitator)
    url = reverse("cases:victim_detail", args=[victim.pk])
    client.get(url)
    client.get(url)
    entries = ProcessingLogEntry.objects.filter(operation="consultation", person_kind="victim", person_id=victim.pk)
    assert entries.count() == 2
    assert {e.user for e in entries} == {facilitator}
    assert entries.first().path == url


def test_offender_page_view_is_logged(as_user, facilitator, offender):
    as_user(facilitator).get(reverse("cases:offender_detail", args=[offender.pk]))
    assert ProcessingLogEntry.objects.filter(
        operation="consultation", person_kind="offender", person_id=offender.pk
    ).exists()


def test_a_refused_view_is_not_logged_as_a_consultation(as_user, offender_manager, victim):
    as_user(offender_manager).get(reverse("cases:victim_detail", args=[victim.pk]))
    assert not ProcessingLogEntry.objects.filter(operation="consultation", person_kind="victim").exists()


def test_each_side_shows_only_its_own_contacts(as_user, facilitator, victim, offender):
    _contact(victim, facilitator, "VICTIMSIDE note about the harm")
    _contact(offender, facilitator, "OFFENDERSIDE note about the hostel")
    client = as_user(facilitator)
    victim_html = client.get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    offender_html = client.get(reverse("cases:offender_detail", args=[offender.pk])).content.decode()
    assert "VICTIMSIDE" in victim_html
    assert "OFFENDERSIDE" not in victim_html
    assert "OFFENDERSIDE" in offender_html
    assert "VICTIMSIDE" not in offender_html


def test_several_victims_are_listed_on_the_side(as_user, facilitator, allocated_case, victim):
    from cases.services.participants import participant_add

    other = participant_add(
        case=allocated_case, actor=facilitator, side="victim", data={"first_name": "Wendy", "last_name": "Second"}
    )
    html = as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert reverse("cases:victim_detail", args=[other.pk]) in html
    assert "People harmed on this case" in html


def test_closed_case_shows_no_forms(as_user, manager, closed_case):
    victim = closed_case.victims.get()
    response = as_user(manager).get(reverse("cases:victim_detail", args=[victim.pk]))
    assert response.status_code == 200
    assert 'id="contact-form"' not in response.content.decode()
    assert not response.context["may_change"]


@pytest.mark.parametrize("contacts", [5, 50])
def test_person_page_query_count_does_not_grow_with_contacts(
    as_user, facilitator, victim, django_assert_max_num_queries, contacts
):
    for i in range(contacts):
        _contact(victim, facilitator, f"Contact {i}")
    client = as_user(facilitator)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("cases:victim_detail", args=[victim.pk]))
    assert response.status_code == 200
    assert len(response.context["contacts"]) == contacts


# --- Details -------------------------------------------------------------------------------------


def test_facilitator_changes_a_victims_details(as_user, facilitator, victim):
    url = reverse("cases:victim_edit", args=[victim.pk])
    client = as_user(facilitator)
    page = client.get(url)
    assert page.status_code == 200
    assert "07700 900999" in page.content.decode()
    data = {
        "first_name": "Vanessa",
        "last_name": "Victimcanary",
        "phone": "07700 900000",
        "safe_channels": ["phone", "via_vlo"],
        "no_voicemail": "on",
        "safe_times": "Weekday mornings",
        **_date("date_of_birth", dt.date(1975, 9, 9)),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == reverse("cases:victim_detail", args=[victim.pk])
    victim.refresh_from_db()
    assert victim.phone == "07700 900000"
    assert victim.safe_channels == ["phone", "via_vlo"]
    assert victim.no_voicemail is True
    assert ProcessingLogEntry.objects.filter(operation="alteration", person_id=victim.pk).exists()
    html = client.get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert "Do not leave voicemail" in html
    assert "Through their victim liaison officer" in html


def test_bad_details_are_refused_with_messages(as_user, facilitator, victim):
    url = reverse("cases:victim_edit", args=[victim.pk])
    response = as_user(facilitator).post(url, {"first_name": "", "last_name": "X", "email": "not-an-email"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a first name" in html
    assert "Enter an email address like name@example.com" in html
    assert "<title>Error:" in html
    victim.refresh_from_db()
    assert victim.first_name == "Vanessa"


def test_facilitator_changes_an_offenders_sentence_and_status(as_user, facilitator, offender):
    url = reverse("cases:offender_edit", args=[offender.pk])
    client = as_user(facilitator)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "first_name": "Oscar",
            "last_name": "Offendertest",
            "pnc_id": "90/123456A",
            "tier": str(code(CodeList.TIER, "4").pk),
            "special_statuses": [str(code(CodeList.SPECIAL_STATUS, "iom").pk)],
            "sentencing_court": "Testtown Crown Court",
            "offender_manager": str(offender.offender_manager_id),
        },
    )
    assert response.status_code == 302
    offender.refresh_from_db()
    assert offender.tier.code == "4"
    assert offender.sentencing_court == "Testtown Crown Court"
    assert [c.code for c in offender.special_statuses.all()] == ["iom"]


@pytest.mark.parametrize(
    "persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner"]
)
def test_outsiders_cannot_change_details(request, as_user, vlo_victim, offender, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("cases:victim_edit", args=[vlo_victim.pk])).status_code == 404
    assert client.post(reverse("cases:victim_edit", args=[vlo_victim.pk]), {"first_name": "X"}).status_code == 404
    assert client.get(reverse("cases:offender_edit", args=[offender.pk])).status_code == 404
    vlo_victim.refresh_from_db()
    assert vlo_victim.first_name == "Vanessa"


def test_details_pages_refuse_other_methods(as_user, facilitator, victim):
    assert as_user(facilitator).delete(reverse("cases:victim_edit", args=[victim.pk])).status_code == 405


def test_facilitator_adds_a_person_harmed(as_user, facilitator, facilitator2, allocated_case):
    url = reverse("cases:participant_add", args=[allocated_case.pk, "victim"])
    client = as_user(facilitator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"first_name": "Wendy", "last_name": "Witness", "phone": "07700 900222"})
    assert response.status_code == 302
    added = Victim.objects.get(first_name="Wendy")
    assert response.url == reverse("cases:victim_detail", args=[added.pk])
    assert permissions.has_object_perm(facilitator2, permissions.VICTIM_CHANGE, added)


def test_facilitator_adds_a_person_responsible(as_user, facilitator, allocated_case):
    url = reverse("cases:participant_add", args=[allocated_case.pk, "offender"])
    response = as_user(facilitator).post(url, {"first_name": "Colin", "last_name": "Codefendant"})
    assert response.status_code == 302
    assert allocated_case.offenders.filter(last_name="Codefendant").exists()


def test_adding_a_person_without_a_name_is_refused(as_user, facilitator, allocated_case):
    url = reverse("cases:participant_add", args=[allocated_case.pk, "victim"])
    response = as_user(facilitator).post(url, {"first_name": "", "last_name": ""})
    assert response.status_code == 422
    assert "Enter a last name" in response.content.decode()
    assert allocated_case.victims.count() == 1


@pytest.mark.parametrize(
    "persona", ["administrator", "offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner"]
)
def test_only_the_team_working_the_case_adds_people(request, as_user, allocated_case, persona):
    client = as_user(request.getfixturevalue(persona))
    for side in ("victim", "offender"):
        url = reverse("cases:participant_add", args=[allocated_case.pk, side])
        assert client.get(url).status_code == 404
        assert client.post(url, {"first_name": "Eve", "last_name": "Intruder"}).status_code == 404
    assert allocated_case.victims.count() == 1


def test_unknown_side_is_not_a_page(as_user, facilitator, allocated_case):
    assert as_user(facilitator).get(f"/cases/{allocated_case.pk}/people/witness/add/").status_code == 404


# --- Needs ---------------------------------------------------------------------------------------


def test_facilitator_records_a_need_and_the_action_taken(as_user, facilitator, victim):
    client = as_user(facilitator)
    add_url = reverse("cases:need_add", args=["victim", victim.pk])
    assert client.get(add_url).status_code == 200
    response = client.post(add_url, {"need": str(code(CodeList.NEED, "interpreter").pk), "details": "Polish"})
    assert response.status_code == 302
    assert response.url.endswith("#needs")
    need = VictimNeed.objects.get(participant=victim)
    edit_url = reverse("cases:need_edit", args=["victim", need.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {"action_taken": "Booked interpreter", **_date("action_on", dt.date(2026, 3, 2))})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.is_addressed


def test_need_without_a_choice_is_refused(as_user, facilitator, victim):
    response = as_user(facilitator).post(reverse("cases:need_add", args=["victim", victim.pk]), {"details": "x"})
    assert response.status_code == 422
    assert "Select the need" in response.content.decode()
    assert not VictimNeed.objects.exists()


def test_need_action_without_a_date_is_refused(as_user, facilitator, victim):
    need = need_add(participant=victim, actor=facilitator, data={"need": code(CodeList.NEED, "childcare")})
    response = as_user(facilitator).post(
        reverse("cases:need_edit", args=["victim", need.pk]), {"action_taken": "Arranged"}
    )
    assert response.status_code == 422
    assert "Enter the date of the action" in response.content.decode()
    need.refresh_from_db()
    assert need.action_taken == ""


@pytest.mark.parametrize(
    "persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner"]
)
def test_outsiders_cannot_touch_needs(request, as_user, facilitator, vlo_victim, persona):
    need = need_add(participant=vlo_victim, actor=facilitator, data={"need": code(CodeList.NEED, "childcare")})
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("cases:need_add", args=["victim", vlo_victim.pk])).status_code == 404
    edit_url = reverse("cases:need_edit", args=["victim", need.pk])
    assert client.get(edit_url).status_code == 404
    assert client.post(edit_url, {"action_taken": "x", **_date("action_on", dt.date(2026, 1, 1))}).status_code == 404


def test_a_victims_need_is_not_reachable_as_an_offenders(as_user, facilitator, victim):
    need = need_add(participant=victim, actor=facilitator, data={"need": code(CodeList.NEED, "childcare")})
    assert not OffenderNeed.objects.filter(pk=need.pk).exists()
    assert as_user(facilitator).get(reverse("cases:need_edit", args=["offender", need.pk])).status_code == 404


def test_missing_need_is_404(as_user, facilitator, victim):
    assert as_user(facilitator).get(reverse("cases:need_edit", args=["victim", 999])).status_code == 404


# --- Consents ------------------------------------------------------------------------------------


def test_facilitator_records_and_withdraws_consent_to_take_part(as_user, facilitator, victim, allocated_case):
    client = as_user(facilitator)
    url = reverse("cases:consent_add", args=["victim", victim.pk])
    response = client.post(
        url,
        {
            "kind": ConsentKind.TAKE_PART,
            "leaflet": "RJ leaflet v3",
            "data_sharing_explained": "on",
            **_date("given_on", dt.date(2026, 3, 1)),
        },
    )
    assert response.status_code == 302
    consent = VictimConsent.objects.get(participant=victim)
    withdraw_url = reverse("cases:consent_withdraw", args=["victim", consent.pk])
    page = client.get(withdraw_url)
    assert page.status_code == 200
    assert "stops this person" in page.content.decode()
    response = client.post(withdraw_url, {"reason": "Changed their mind", **_date("withdrawn_on", dt.date(2026, 3, 5))})
    assert response.status_code == 302
    consent.refresh_from_db()
    victim.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2026, 3, 5)
    assert victim.pathway_status == PathwayStatus.WITHDRAWN
    assert allocated_case.tasks.filter(kind=TaskKind.TELL_OTHER_PARTY, done_at__isnull=True).exists()
    assert client.get(withdraw_url).status_code == 404  # already withdrawn


def test_withdrawing_another_consent_shows_no_pathway_warning(as_user, facilitator, victim):
    consent = consent_record(
        participant=victim, actor=facilitator, data={"kind": ConsentKind.EVALUATION, "given_on": dt.date(2026, 1, 1)}
    )
    page = as_user(facilitator).get(reverse("cases:consent_withdraw", args=["victim", consent.pk]))
    assert "stops this person" not in page.content.decode()


def test_the_same_consent_twice_is_refused_at_the_field(as_user, facilitator, victim):
    consent_record(
        participant=victim, actor=facilitator, data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 1, 1)}
    )
    response = as_user(facilitator).post(
        reverse("cases:consent_add", args=["victim", victim.pk]),
        {"kind": ConsentKind.TAKE_PART, **_date("given_on", dt.date(2026, 1, 2))},
    )
    assert response.status_code == 422
    assert "already recorded" in response.content.decode()
    assert VictimConsent.objects.count() == 1


def test_consent_without_a_date_is_refused(as_user, facilitator, victim):
    response = as_user(facilitator).post(
        reverse("cases:consent_add", args=["victim", victim.pk]), {"kind": ConsentKind.TAKE_PART}
    )
    assert response.status_code == 422
    assert "Enter the date consent was given" in response.content.decode()
    assert not VictimConsent.objects.exists()


def test_withdrawal_before_consent_was_given_is_refused(as_user, facilitator, victim):
    consent = consent_record(
        participant=victim, actor=facilitator, data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 2, 1)}
    )
    response = as_user(facilitator).post(
        reverse("cases:consent_withdraw", args=["victim", consent.pk]), _date("withdrawn_on", dt.date(2026, 1, 1))
    )
    assert response.status_code == 422
    assert "on or after the date consent was given" in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


@pytest.mark.parametrize(
    "persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner"]
)
def test_outsiders_cannot_touch_consents(request, as_user, facilitator, vlo_victim, persona):
    consent = consent_record(
        participant=vlo_victim, actor=facilitator, data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 1, 1)}
    )
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("cases:consent_add", args=["victim", vlo_victim.pk])).status_code == 404
    url = reverse("cases:consent_withdraw", args=["victim", consent.pk])
    assert client.post(url, _date("withdrawn_on", dt.date(2026, 1, 2))).status_code == 404
    consent.refresh_from_db()
    assert consent.is_active


# --- Permissions to share ------------------------------------------------------------------------


def test_facilitator_records_and_withdraws_a_permission_to_share(as_user, facilitator, victim):
    client = as_user(facilitator)
    response = client.post(
        reverse("cases:disclosure_add", args=["victim", victim.pk]),
        {
            "kind": DisclosureKind.TAKING_PART,
            "content": "That I am taking part",
            **_date("granted_on", dt.date(2026, 3, 1)),
        },
    )
    assert response.status_code == 302
    item = VictimDisclosure.objects.get(participant=victim)
    url = reverse("cases:disclosure_withdraw", args=["victim", item.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, _date("withdrawn_on", dt.date(2026, 3, 2))).status_code == 302
    item.refresh_from_db()
    assert not item.is_active


def test_permission_to_share_needs_its_words(as_user, facilitator, victim):
    response = as_user(facilitator).post(
        reverse("cases:disclosure_add", args=["victim", victim.pk]),
        {"kind": DisclosureKind.IMPACT, **_date("granted_on", dt.date(2026, 3, 1))},
    )
    assert response.status_code == 422
    assert "Enter exactly what may be passed on" in response.content.decode()
    assert not VictimDisclosure.objects.exists()


@pytest.mark.parametrize(
    "persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner"]
)
def test_outsiders_cannot_touch_permissions_to_share(request, as_user, facilitator, vlo_victim, persona):
    item = disclosure_grant(
        participant=vlo_victim,
        actor=facilitator,
        data={"kind": DisclosureKind.IMPACT, "content": "It hurt", "granted_on": dt.date(2026, 1, 1)},
    )
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("cases:disclosure_add", args=["victim", vlo_victim.pk])).status_code == 404
    assert client.get(reverse("cases:disclosure_withdraw", args=["victim", item.pk])).status_code == 404


# --- Supporters ----------------------------------------------------------------------------------


def test_facilitator_adds_a_supporter(as_user, facilitator, victim):
    client = as_user(facilitator)
    url = reverse("cases:supporter_add", args=["victim", victim.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "supporter",
            "name": "Sam Sister",
            "relationship": str(code(CodeList.SUPPORTER_RELATIONSHIP, "family").pk),
        },
    )
    assert response.status_code == 302
    html = client.get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert "Sam Sister" in html


def test_supporter_with_a_bad_email_is_refused(as_user, facilitator, victim):
    response = as_user(facilitator).post(
        reverse("cases:supporter_add", args=["victim", victim.pk]), {"kind": "supporter", "name": "S", "email": "nope"}
    )
    assert response.status_code == 422
    assert "Enter an email address like name@example.com" in response.content.decode()
    assert not VictimSupporter.objects.exists()


@pytest.mark.parametrize(
    "persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager", "commissioner"]
)
def test_outsiders_cannot_add_supporters(request, as_user, vlo_victim, offender, persona):
    client = as_user(request.getfixturevalue(persona))
    for side, person in (("victim", vlo_victim), ("offender", offender)):
        url = reverse("cases:supporter_add", args=[side, person.pk])
        assert client.post(url, {"kind": "supporter", "name": "X"}).status_code == 404


def test_record_forms_refuse_other_methods(as_user, facilitator, victim):
    client = as_user(facilitator)
    for name in ("need_add", "consent_add", "disclosure_add", "supporter_add"):
        assert client.put(reverse(f"cases:{name}", args=["victim", victim.pk])).status_code == 405


# --- A closed case -------------------------------------------------------------------------------


def test_closed_case_refuses_changes_from_facilitators(as_user, facilitator, closed_case):
    victim = closed_case.victims.get()
    client = as_user(facilitator)
    assert client.get(reverse("cases:need_add", args=["victim", victim.pk])).status_code == 404
    assert client.get(reverse("cases:victim_edit", args=[victim.pk])).status_code == 404
    assert client.get(reverse("cases:victim_detail", args=[victim.pk])).status_code == 200


def test_closed_case_refuses_changes_from_managers_with_a_message(as_user, manager, closed_case):
    victim = closed_case.victims.get()
    response = as_user(manager).post(
        reverse("cases:need_add", args=["victim", victim.pk]), {"need": str(code(CodeList.NEED, "childcare").pk)}
    )
    assert response.status_code == 422
    assert "This case is closed" in response.content.decode()
    assert not VictimNeed.objects.exists()
    response = as_user(manager).post(
        reverse("cases:participant_add", args=[closed_case.pk, "victim"]), {"first_name": "A", "last_name": "B"}
    )
    assert response.status_code == 422
    assert closed_case.victims.count() == 1


# --- Supporters can be changed and removed ---------------------------------------------------


def test_facilitator_changes_and_removes_a_supporter(as_user, facilitator, allocated_case):
    from audit.models import ProcessingLogEntry
    from cases.services.participants import supporter_add

    victim = allocated_case.victims.get()
    supporter = supporter_add(participant=victim, actor=facilitator, data={"name": "Sam Supporter"})
    client = as_user(facilitator)
    edit_url = reverse("cases:supporter_edit", args=["victim", supporter.pk])
    before = ProcessingLogEntry.objects.filter(operation="consultation").count()
    assert client.get(edit_url).status_code == 200
    assert ProcessingLogEntry.objects.filter(operation="consultation").count() == before + 1
    bad = client.post(edit_url, {"kind": "supporter", "name": ""})
    assert bad.status_code == 422
    supporter.refresh_from_db()
    assert supporter.name == "Sam Supporter"
    ok = client.post(edit_url, {"kind": "other_affected", "name": "Sam Neighbour"})
    assert ok.status_code == 302
    supporter.refresh_from_db()
    assert (supporter.name, supporter.kind) == ("Sam Neighbour", "other_affected")
    assert client.get(reverse("cases:supporter_remove", args=["victim", supporter.pk])).status_code == 405
    assert client.post(reverse("cases:supporter_remove", args=["victim", supporter.pk])).status_code == 302
    assert not victim.supporters.exists()


def test_supporters_cannot_be_changed_by_offender_side_staff(as_user, facilitator, offender_manager, allocated_case):
    from cases.services.participants import supporter_add

    victim = allocated_case.victims.get()
    supporter = supporter_add(participant=victim, actor=facilitator, data={"name": "Sam Supporter"})
    client = as_user(offender_manager)
    assert client.get(reverse("cases:supporter_edit", args=["victim", supporter.pk])).status_code == 404
    assert client.post(reverse("cases:supporter_remove", args=["victim", supporter.pk])).status_code == 404
    assert client.get(reverse("cases:supporter_edit", args=["offender", supporter.pk])).status_code == 404
    assert victim.supporters.count() == 1
