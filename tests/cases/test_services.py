from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import ProcessingLogEntry
from cases import permissions
from cases.models import CodeList, ConsentKind, PathwayStatus, Stage, TaskKind
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close, case_set_stage
from cases.services.participants import consent_record, consent_withdraw, contact_log
from cases.services.referrals import eligibility_decide, find_duplicates
from tests.factories import code

pytestmark = pytest.mark.django_db


def test_referral_gets_a_service_reference_and_grants(referred_case, manager, administrator, offender_manager):
    year = timezone.now().year
    assert referred_case.reference == f"TS-{year}-00001"
    assert referred_case.stage == Stage.REFERRAL
    victim = referred_case.victims.get()
    offender = referred_case.offenders.get()
    assert permissions.has_object_perm(manager, "view_victim", victim)
    assert permissions.has_object_perm(administrator, "view_case", referred_case)
    assert not permissions.has_object_perm(administrator, "view_victim", victim)
    assert permissions.has_object_perm(offender_manager, "view_offender_summary", offender)
    assert not permissions.has_object_perm(offender_manager, "view_victim", victim)
    assert not permissions.has_object_perm(offender_manager, "view_offender", offender)
    assert referred_case.tasks.filter(kind=TaskKind.SCREEN, assignee=manager).exists()
    assert ProcessingLogEntry.objects.filter(person_kind="victim", person_id=victim.pk, operation="collection").count()


def test_duplicates_match_on_identifiers_and_offence_reference(referred_case, service):
    matches = find_duplicates(service=service, pnc_id="90/123456a")
    assert [m.case for m in matches] == [referred_case]
    assert matches[0].reasons == ["same PNC ID"]
    by_ref = find_duplicates(service=service, police_reference="ts/12345/26")
    assert by_ref[0].reasons == ["same offence reference"]
    assert find_duplicates(service=service, pnc_id="nothing") == []


def test_allocation_grants_facilitators_and_refuses_the_offender_manager(
    allocated_case, facilitator, unallocated_facilitator, manager, offender_manager
):
    assert allocated_case.stage == Stage.ALLOCATED
    victim = allocated_case.victims.get()
    assert permissions.has_object_perm(facilitator, "change_victim", victim)
    assert not permissions.has_object_perm(unallocated_facilitator, "view_victim", victim)
    offender_manager.role = "facilitator"
    with pytest.raises(ValidationError) as exc:
        case_allocate(case=allocated_case, actor=manager, lead=offender_manager, second=None, reason="swap")
    assert "offender manager" in str(exc.value)


def test_reallocation_moves_permissions(allocated_case, manager, facilitator, facilitator2, unallocated_facilitator):
    case_allocate(case=allocated_case, actor=manager, lead=unallocated_facilitator, second=facilitator2, reason="Leave")
    victim = allocated_case.victims.get()
    assert not permissions.has_object_perm(facilitator, "view_victim", victim)
    assert permissions.has_object_perm(unallocated_facilitator, "view_victim", victim)
    assert allocated_case.allocations.count() == 2


def test_stage_moves_only_along_defined_transitions(allocated_case, manager):
    with pytest.raises(ValidationError):
        case_set_stage(case=allocated_case, actor=manager, stage=Stage.ACTIVITY)
    case_set_stage(case=allocated_case, actor=manager, stage=Stage.ASSESSMENT)
    assert allocated_case.stage == Stage.ASSESSMENT


def test_late_contact_and_attempts(allocated_case, facilitator):
    victim = allocated_case.victims.get()
    contact = contact_log(
        participant=victim,
        actor=facilitator,
        data={
            "occurred_at": timezone.now() - dt.timedelta(hours=30),
            "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
            "direction": code(CodeList.DIRECTION, "attempt"),
            "appointment": code(CodeList.APPOINTMENT, "not_applicable"),
            "notes": "No answer.",
        },
    )
    assert contact.is_late and contact.is_attempt
    assert victim.contacts.count() == 1
    assert allocated_case.offenders.get().contacts.count() == 0


def test_withdrawing_consent_to_take_part_pauses_and_asks_to_tell_the_other_party(allocated_case, facilitator):
    victim = allocated_case.victims.get()
    consent = consent_record(
        participant=victim,
        actor=facilitator,
        data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 10, 2)},
    )
    consent_withdraw(consent=consent, actor=facilitator, withdrawn_on=dt.date(2026, 10, 20), reason="Not ready")
    victim.refresh_from_db()
    assert victim.pathway_status == PathwayStatus.WITHDRAWN
    assert allocated_case.tasks.filter(kind=TaskKind.TELL_OTHER_PARTY, done_at__isnull=True).count() == 1


def test_closure_makes_the_case_read_only_for_facilitators(allocated_case, manager, facilitator):
    case_close(
        case=allocated_case,
        actor=manager,
        stage=Stage.WITHDRAWN,
        reason_code="victim_declined",
        withdrawn_by="victim",
        outcome_reason="Declined after first contact",
    )
    assert allocated_case.stage == Stage.WITHDRAWN
    assert not permissions.has_object_perm(facilitator, "change_case", allocated_case)
    assert permissions.has_object_perm(facilitator, "view_case", allocated_case)


def test_flagged_offence_needs_a_manager_decision(referred_case, manager):
    referred_case.flag_domestic_abuse = True
    referred_case.save()
    decision = eligibility_decide(case=referred_case, actor=manager, eligible=True, reasons="In scope")
    assert decision.exceptional_status == "awaiting"
    referred_case.refresh_from_db()
    assert referred_case.stage == Stage.REFERRAL


def test_granting_twice_adds_no_duplicate_rows_and_costs_two_queries(
    allocated_case, facilitator, django_assert_num_queries
):
    from cases.models import CaseUserObjectPermission

    before = CaseUserObjectPermission.objects.filter(user=facilitator, content_object=allocated_case).count()
    with django_assert_num_queries(2):
        permissions._grant_user(allocated_case, facilitator, permissions.TEAM_CASE_PERMS)
    assert CaseUserObjectPermission.objects.filter(user=facilitator, content_object=allocated_case).count() == before
