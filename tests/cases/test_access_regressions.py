"""Regressions from the security review of the case pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import permissions
from cases.models import ConsentKind, DisclosureKind, Stage
from cases.services.lifecycle import case_set_stage
from cases.services.participants import (
    consent_record,
    consent_withdraw,
    disclosure_grant,
    participant_update,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_nobody_can_move_a_referral_to_eligible_by_hand(as_user, manager, referred_case):
    response = as_user(manager).post(reverse("cases:case_stage", args=[referred_case.pk]), {"stage": "eligibility"})
    assert response.status_code == 422
    referred_case.refresh_from_db()
    assert referred_case.stage == Stage.REFERRAL
    with pytest.raises(ValidationError):
        case_set_stage(case=referred_case, actor=manager, stage=Stage.ELIGIBILITY)


def test_a_case_cannot_move_along_the_pathway_without_a_lead_facilitator(manager, referred_case):
    from cases.services.referrals import eligibility_decide

    eligibility_decide(case=referred_case, actor=manager, eligible=True, reasons="In scope")
    referred_case.refresh_from_db()
    assert referred_case.stage == Stage.ELIGIBILITY
    with pytest.raises(ValidationError):
        case_set_stage(case=referred_case, actor=manager, stage=Stage.ALLOCATED)


def test_a_replaced_vlo_loses_the_victim_and_the_case(as_user, manager, vlo, service, allocated_case):
    victim = allocated_case.victims.get()
    participant_update(participant=victim, actor=manager, data={"vlo": vlo})
    assert as_user(vlo).get(reverse("cases:case_progress", args=[allocated_case.pk])).status_code == 200
    new_vlo = UserFactory(username="vlo2", role="vlo", service=service)
    participant_update(participant=victim, actor=manager, data={"vlo": new_vlo})
    assert as_user(vlo).get(reverse("cases:case_progress", args=[allocated_case.pk])).status_code == 404
    assert not permissions.has_object_perm(vlo, permissions.VICTIM_SHARED, victim)
    assert as_user(new_vlo).get(reverse("cases:case_progress", args=[allocated_case.pk])).status_code == 200


def test_administrator_is_not_told_that_a_victim_withdrew(as_user, administrator, facilitator, allocated_case):
    victim = allocated_case.victims.get()
    consent = consent_record(
        participant=victim, actor=facilitator, data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 10, 1)}
    )
    consent_withdraw(consent=consent, actor=facilitator, withdrawn_on=dt.date(2026, 10, 5), reason="Not ready")
    html = as_user(administrator).get(reverse("cases:case_detail", args=[allocated_case.pk])).content.decode()
    assert "withdrawn" not in html.lower()
    facilitator_html = as_user(facilitator).get(reverse("cases:case_detail", args=[allocated_case.pk])).content
    assert b"with care" in facilitator_html


def test_offender_manager_is_not_told_a_victim_takes_part_after_they_withdraw(
    as_user, offender_manager, facilitator, allocated_case
):
    victim = allocated_case.victims.get()
    consent = consent_record(
        participant=victim, actor=facilitator, data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 10, 1)}
    )
    disclosure_grant(
        participant=victim,
        actor=facilitator,
        data={
            "kind": DisclosureKind.TAKING_PART,
            "content": "That I am taking part",
            "granted_on": dt.date(2026, 10, 1),
        },
    )
    url = reverse("cases:case_progress", args=[allocated_case.pk])
    assert b"A person harmed is taking part" in as_user(offender_manager).get(url).content
    consent_withdraw(consent=consent, actor=facilitator, withdrawn_on=dt.date(2026, 10, 5), reason="Changed mind")
    assert b"A person harmed is taking part" not in as_user(offender_manager).get(url).content


def test_an_absurd_date_is_a_form_error_not_a_crash(as_user, facilitator, allocated_case):
    victim = allocated_case.victims.get()
    url = reverse("cases:consent_add", args=["victim", victim.pk])
    response = as_user(facilitator).post(
        url,
        {"kind": "evaluation", "given_on_day": "99999999999999999999", "given_on_month": "1", "given_on_year": "2026"},
    )
    assert response.status_code == 422
    assert victim.consents.count() == 0
