"""Referral intake in the browser-facing views: one page of fieldsets, by role, with duplicate checks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases import permissions
from cases.models import Case, CodeList, EventKind, Offender, Stage, Victim
from tests.factories import VICTIM_MARKERS, code

pytestmark = pytest.mark.django_db

NEW = reverse("cases:referral_new")


def _date(name: str, value: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(value.day), f"{name}_month": str(value.month), f"{name}_year": str(value.year)}


def referral_post(*, offender: bool = True, victim: bool = True, **overrides: str) -> dict[str, str]:
    """A valid referral as the RJ team would type it."""
    data = {
        **_date("referral-referral_date", dt.date(2026, 10, 1)),
        "referral-referral_source": str(code(CodeList.REFERRAL_SOURCE, "police").pk),
        "referral-initiator": str(code(CodeList.INITIATOR, "agency").pk),
        "referral-cj_stage": str(code(CodeList.CJ_STAGE, "community").pk),
        "referral-participation_basis": "voluntary",
        "referral-referrer_name": "Rita Referrer",
        "referral-referrer_agency": "Testshire Police",
        "offence-main_offence": str(code(CodeList.OFFENCE, "robbery").pk),
        **_date("offence-offence_date", dt.date(2026, 5, 1)),
        "offence-seriousness": "medium",
        "offence-weapon_or_violence": "yes",
        "offence-police_reference": "TS/99999/26",
        "documents-psr_status": "attached",
    }
    if offender:
        data.update(
            {
                "offender-first_name": "Nina",
                "offender-last_name": "Newperson",
                **_date("offender-date_of_birth", dt.date(1988, 1, 2)),
                "offender-pnc_id": "88/000001B",
                "offender-tier": str(code(CodeList.TIER, "3").pk),
                "offender-sentence_length": "12 months",
            }
        )
    if victim:
        data.update(
            {
                "victim-first_name": "Vera",
                "victim-last_name": "Harmedperson",
                **_date("victim-date_of_birth", dt.date(1970, 3, 4)),
                "victim-phone": "07700 900222",
                "victim-no_voicemail": "on",
                "victim-in_victim_contact_scheme": "no",
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def assert_no_victim_markers(html: str) -> None:
    for value in VICTIM_MARKERS.values():
        assert value not in html


# --- The form by role ---------------------------------------------------------------------------


def test_rj_team_sees_every_fieldset(as_user, administrator):
    response = as_user(administrator).get(NEW)
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("About the referral", "The offence", "Person responsible", "Person harmed", "Documents"):
        assert heading in html
    assert 'name="referral-referrer_name"' in html
    assert '<optgroup label="Violence against the person">' in html
    assert 'name="victim-in_victim_contact_scheme"' in html


def test_offender_manager_form_has_no_person_harmed_fieldset(as_user, offender_manager):
    html = as_user(offender_manager).get(NEW).content.decode()
    assert "Person harmed" not in html
    assert 'name="victim-' not in html
    assert 'name="referral-referrer_name"' not in html
    assert 'name="offender-om_details"' not in html
    assert "Refer a person responsible" in html


def test_vlo_form_asks_for_the_person_harmed_without_vcs_questions(as_user, vlo):
    html = as_user(vlo).get(NEW).content.decode()
    assert "Person harmed" in html
    assert 'name="victim-first_name"' in html
    assert 'name="victim-vlo_details"' not in html
    assert 'name="victim-in_victim_contact_scheme"' not in html


@pytest.mark.parametrize("persona", ["commissioner"])
def test_people_who_cannot_refer_get_404(as_user, request, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(NEW).status_code == 404
    assert as_user(user).post(NEW, referral_post()).status_code == 404


def test_referral_page_refuses_other_methods(as_user, administrator):
    assert as_user(administrator).put(NEW).status_code == 405
    assert as_user(administrator).delete(NEW).status_code == 405


# --- Happy paths --------------------------------------------------------------------------------


def test_administrator_registers_both_sides_in_their_own_service(as_user, administrator, service):
    response = as_user(administrator).post(NEW, referral_post())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:referral_done", args=[case.pk])
    assert case.service == service
    assert case.stage == Stage.REFERRAL
    assert case.referrer_name == "Rita Referrer"
    assert case.weapon_or_violence is True
    offender = case.offenders.get()
    assert offender.pnc_id == "88/000001B"
    assert offender.sentence_length == "12 months"
    victim = case.victims.get()
    assert victim.no_voicemail is True
    assert victim.in_victim_contact_scheme is False


def test_sexual_offence_flag_is_derived_from_the_offence(as_user, administrator):
    post = referral_post(**{"offence-other_offences": str(code(CodeList.OFFENCE, "sexual").pk)})
    assert as_user(administrator).post(NEW, post).status_code == 302
    assert Case.objects.get().flag_sexual is True


def test_rj_team_may_refer_the_person_harmed_only(as_user, facilitator):
    response = as_user(facilitator).post(NEW, referral_post(offender=False))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.offenders.count() == 0
    assert case.victims.count() == 1


def test_offender_manager_refers_the_offender_side_only(as_user, offender_manager):
    post = referral_post(victim=True)  # anything typed for a person harmed is ignored
    response = as_user(offender_manager).post(NEW, post)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.victims.count() == 0
    offender = case.offenders.get()
    assert offender.offender_manager == offender_manager
    assert case.referrer_name == offender_manager.display_name
    assert permissions.has_object_perm(offender_manager, permissions.OFFENDER_SUMMARY, offender)
    assert permissions.has_object_perm(offender_manager, permissions.CASE_PROGRESS, case)
    assert not permissions.has_object_perm(offender_manager, permissions.CASE_VIEW, case)
    done = as_user(offender_manager).get(response["Location"])
    assert done.status_code == 200
    assert case.reference in done.content.decode()


def test_vlo_refers_a_victim_initiated_case(as_user, vlo):
    post = referral_post()
    for key in [
        k for k in post if k.startswith("offender-") and k not in ("offender-first_name", "offender-last_name")
    ]:
        del post[key]
    response = as_user(vlo).post(NEW, post)
    assert response.status_code == 302
    case = Case.objects.get()
    victim = case.victims.get()
    assert victim.vlo == vlo
    assert victim.in_victim_contact_scheme is True
    assert permissions.has_object_perm(vlo, permissions.VICTIM_SHARED, victim)
    offender = case.offenders.get()
    assert (offender.first_name, offender.last_name) == ("Nina", "Newperson")
    assert case.referrer_name == vlo.display_name


# --- Bad input: 422, the message at the field, what was typed kept, nothing saved ---------------

BAD_INPUT = [
    ({"referral-referral_date_day": "", "referral-referral_date_month": "", "referral-referral_date_year": ""},
     "Enter the date of referral"),
    ({"referral-referral_date_day": "31", "referral-referral_date_month": "2"}, "as a real date"),
    ({"referral-referral_date_year": "2099"}, "must be today or in the past"),
    ({"referral-referral_source": ""}, "Choose where the referral came from"),
    ({"referral-participation_basis": ""}, "Choose whether taking part is statutory or voluntary"),
    ({"referral-referrer_email": "not-an-email"}, "Enter an email address in the correct format"),
    ({"offence-main_offence": ""}, "Choose the main offence"),
    ({"offence-flag_hate_crime": "on"}, "Choose the hate crime strand"),
    ({"offender-first_name": ""}, "Enter the first name of the person responsible"),
    ({"offender-prison_name": "HMP Nowhere"}, "Tick in custody now if you give a prison"),
    ({"victim-last_name": ""}, "Enter the last name of the person harmed"),
    ({"victim-email": "nope"}, "Enter an email address in the correct format"),
    (_date("victim-date_of_birth", dt.date(2015, 1, 1)), "Enter a parent or guardian"),
    (
        {**_date("documents-victim_details_requested_on", dt.date(2026, 9, 2)),
         **_date("documents-victim_details_received_on", dt.date(2026, 9, 1))},
        "must be on or after the date requested",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUT)
def test_bad_referral_is_refused_with_the_message_and_nothing_saved(as_user, administrator, overrides, message):
    response = as_user(administrator).post(NEW, referral_post(**overrides))
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert "govuk-error-summary" in html
    assert "govuk-error-message" in html
    assert "<title>Error: " in html
    assert 'value="Rita Referrer"' in html
    assert Case.objects.count() == 0
    assert Offender.objects.count() == 0
    assert Victim.objects.count() == 0


def test_rj_team_must_give_at_least_one_side(as_user, administrator):
    response = as_user(administrator).post(NEW, referral_post(offender=False, victim=False))
    assert response.status_code == 422
    assert "Enter the name of the person responsible or the person harmed" in response.content.decode()
    assert Case.objects.count() == 0


def test_offender_manager_must_name_the_person_responsible(as_user, offender_manager):
    response = as_user(offender_manager).post(NEW, referral_post(offender=False))
    assert response.status_code == 422
    assert "Enter the first name of the person responsible" in response.content.decode()
    assert Case.objects.count() == 0


def test_vlo_must_give_the_person_harmed_and_name_the_person_responsible(as_user, vlo):
    response = as_user(vlo).post(NEW, referral_post(offender=False, victim=False))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter the first name of the person harmed" in html
    assert "Enter the first name of the person responsible" in html
    assert Case.objects.count() == 0


# --- Duplicates -----------------------------------------------------------------------------------


def duplicate_post(**overrides: str) -> dict[str, str]:
    return referral_post(**{"offender-pnc_id": "90/123456A", **overrides})


def test_duplicate_warning_lists_matches_before_saving(as_user, manager, referred_case):
    response = as_user(manager).post(NEW, duplicate_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Check this is not already a case" in html
    assert referred_case.reference in html
    assert "Same PNC ID" in html
    assert "Add to this case instead" in html
    assert reverse("cases:referral_link", args=[referred_case.pk]) in html
    assert 'value="Nina"' in html
    assert Case.objects.count() == 1


def test_confirming_a_new_referral_saves_it(as_user, manager, referred_case):
    response = as_user(manager).post(NEW, duplicate_post(**{"duplicate-confirm_new": "on"}))
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_police_reference_alone_is_a_possible_duplicate(as_user, administrator, referred_case):
    response = as_user(administrator).post(NEW, referral_post(**{"offence-police_reference": "ts/12345/26"}))
    assert response.status_code == 200
    assert "Same offence reference" in response.content.decode()


def test_add_to_this_case_instead_adds_the_person_harmed_and_no_new_case(as_user, manager, referred_case):
    url = reverse("cases:referral_link", args=[referred_case.pk])
    response = as_user(manager).post(url, duplicate_post())
    assert response.status_code == 302
    assert Case.objects.count() == 1
    names = set(referred_case.victims.values_list("last_name", flat=True))
    assert names == {VICTIM_MARKERS["last_name"], "Harmedperson"}
    event = referred_case.events.get(kind=EventKind.FURTHER_REFERRAL)
    assert "Police" in event.summary
    assert "Harmedperson" not in event.summary


def test_link_without_a_person_harmed_records_the_further_referral(as_user, administrator, referred_case):
    url = reverse("cases:referral_link", args=[referred_case.pk])
    response = as_user(administrator).post(url, duplicate_post(**{"victim-first_name": "", "victim-last_name": "",
                                                                   "victim-date_of_birth_day": "",
                                                                   "victim-date_of_birth_month": "",
                                                                   "victim-date_of_birth_year": "",
                                                                   "victim-phone": "", "victim-no_voicemail": "",
                                                                   "victim-in_victim_contact_scheme": ""}))  # fmt: skip
    assert response.status_code == 302
    assert referred_case.victims.count() == 1
    assert referred_case.events.filter(kind=EventKind.FURTHER_REFERRAL).count() == 1


def test_link_with_bad_input_saves_nothing(as_user, manager, referred_case):
    url = reverse("cases:referral_link", args=[referred_case.pk])
    response = as_user(manager).post(url, duplicate_post(**{"victim-email": "nope"}))
    assert response.status_code == 422
    assert "Enter an email address in the correct format" in response.content.decode()
    assert referred_case.victims.count() == 1
    assert not referred_case.events.filter(kind=EventKind.FURTHER_REFERRAL).exists()


@pytest.mark.parametrize("persona", ["offender_manager", "vlo", "unallocated_facilitator", "other_manager",
                                     "commissioner"])  # fmt: skip
def test_outsiders_cannot_link_a_referral(as_user, request, referred_case, persona):
    user = request.getfixturevalue(persona)
    url = reverse("cases:referral_link", args=[referred_case.pk])
    assert as_user(user).post(url, duplicate_post()).status_code == 404
    assert referred_case.victims.count() == 1


def test_link_refuses_get(as_user, manager, referred_case):
    assert as_user(manager).get(reverse("cases:referral_link", args=[referred_case.pk])).status_code == 405


def test_facilitator_is_not_shown_a_matching_case_they_cannot_open(as_user, unallocated_facilitator, referred_case):
    html = as_user(unallocated_facilitator).post(NEW, duplicate_post()).content.decode()
    assert referred_case.reference not in html
    assert reverse("cases:referral_link", args=[referred_case.pk]) not in html
    assert "not allocated to you" in html
    assert "Same PNC ID" not in html


def test_offender_manager_is_never_told_whether_a_case_exists(as_user, other_offender_manager, referred_case):
    client = as_user(other_offender_manager)
    sent = client.post(NEW, duplicate_post(**{"offence-police_reference": "TS/12345/26"}))
    assert sent.status_code == 302
    assert Case.objects.count() == 2
    done = client.get(sent["Location"]).content.decode()
    assert "already be known" not in done
    assert referred_case.reference not in done
    assert_no_victim_markers(done)


def test_facilitator_who_registers_a_referral_sees_its_confirmation(as_user, facilitator, criteria):
    client = as_user(facilitator)
    sent = client.post(NEW, duplicate_post(**{"duplicate-confirm_new": "on"}))
    assert sent.status_code == 302
    case = Case.objects.get()
    done = client.get(sent["Location"])
    assert done.status_code == 200
    assert case.reference in done.content.decode()


# --- Confirmation page ----------------------------------------------------------------------------


def test_done_page_shows_the_reference_and_next_steps(as_user, administrator, referred_case):
    response = as_user(administrator).get(reverse("cases:referral_done", args=[referred_case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-panel--confirmation" in html
    assert referred_case.reference in html
    assert "What happens next" in html
    assert reverse("cases:eligibility", args=[referred_case.pk]) in html


def test_offender_manager_sees_their_referral_confirmation_without_victim_data(
    as_user, offender_manager, referred_case
):
    response = as_user(offender_manager).get(reverse("cases:referral_done", args=[referred_case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert referred_case.reference in html
    assert_no_victim_markers(html)
    assert reverse("cases:eligibility", args=[referred_case.pk]) not in html


@pytest.mark.parametrize("persona", ["other_offender_manager", "vlo", "unallocated_facilitator", "other_manager",
                                     "commissioner"])  # fmt: skip
def test_outsiders_cannot_open_the_confirmation(as_user, request, referred_case, persona):
    user = request.getfixturevalue(persona)
    assert as_user(user).get(reverse("cases:referral_done", args=[referred_case.pk])).status_code == 404


def test_done_page_refuses_post(as_user, administrator, referred_case):
    url = reverse("cases:referral_done", args=[referred_case.pk])
    assert as_user(administrator).post(url).status_code == 405
