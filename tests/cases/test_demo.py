"""The fictional demo cases: enough of them, every stage and outcome, and safe to load twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from accounts.models import User
from cases import permissions
from cases.demo import ALL_CASES, demo_police_reference
from cases.models import (
    Case,
    CaseEvent,
    Code,
    CodeList,
    ExceptionalStatus,
    Offender,
    OffenderContact,
    Stage,
    Task,
    Victim,
    VictimConsent,
    VictimContact,
    VictimDisclosure,
)
from cases.models.case import OPEN_STAGES

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "victims": Victim.objects.count(),
        "offenders": Offender.objects.count(),
        "victim_contacts": VictimContact.objects.count(),
        "offender_contacts": OffenderContact.objects.count(),
        "events": CaseEvent.objects.count(),
        "tasks": Task.objects.count(),
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Load the demo data twice, once for the whole module (it takes a few seconds), then roll back."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
        first = _counts()
        call_command("load_demo", stdout=StringIO())
        yield first
        transaction.set_rollback(True)


def test_loading_twice_changes_nothing(loaded):
    assert _counts() == loaded
    references = list(Case.objects.values_list("police_reference", flat=True))
    assert len(references) == len(set(references)) == len(ALL_CASES)


def test_enough_cases_in_every_service(loaded):
    per_service = dict(Case.objects.values_list("service__code").annotate(n=Count("id")))
    assert per_service["NS"] >= 40
    assert per_service["NV"] >= 5
    assert per_service["SM"] >= 5


def test_every_stage_outcome_and_reason_is_used(loaded):
    ns = Case.objects.filter(service__code="NS")
    assert set(ns.values_list("stage", flat=True)) == set(Stage.values)
    used_outcomes = set(Case.objects.exclude(outcome=None).values_list("outcome__code", flat=True))
    assert set(Code.objects.filter(list_name=CodeList.OUTCOME).values_list("code", flat=True)) <= used_outcomes
    used_reasons = set(
        Case.objects.exclude(not_proceeding_reason=None).values_list("not_proceeding_reason__code", flat=True)
    )
    assert set(Code.objects.filter(list_name=CodeList.NOT_PROCEEDING).values_list("code", flat=True)) <= used_reasons


def test_several_victims_and_co_defendants(loaded):
    assert Case.objects.annotate(n=Count("victims")).filter(n__gte=2).exists()
    assert Case.objects.annotate(n=Count("offenders")).filter(n__gte=2).exists()


def test_flagged_cases(loaded):
    ns = Case.objects.filter(service__code="NS")
    awaiting = ns.get(flag_domestic_abuse=True)
    assert awaiting.stage == Stage.REFERRAL
    assert awaiting.eligibility_decisions.get().exceptional_status == ExceptionalStatus.AWAITING
    hate = ns.get(flag_hate_crime=True)
    assert hate.eligibility_decisions.get().exceptional_status == ExceptionalStatus.APPROVED
    assert hate.stage == Stage.PREPARATION
    youth = ns.get(youth_route=True)
    offender = youth.offenders.get()
    assert offender.age_on(youth.offence_date) == 16


def test_offender_manager_and_facilitator_have_their_cases(loaded):
    users = {u.username: u for u in User.objects.all()}
    om_cases = permissions.visible(Case.objects.all(), users["offender_manager"], permissions.CASE_PROGRESS)
    assert om_cases.count() >= 3
    assert om_cases.filter(created_by=users["offender_manager"]).count() >= 3
    vlo_cases = permissions.visible(Case.objects.all(), users["vlo"], permissions.CASE_PROGRESS)
    assert vlo_cases.count() >= 3
    open_work = permissions.visible(
        Case.objects.filter(stage__in=OPEN_STAGES), users["facilitator"], permissions.CASE_CHANGE
    )
    assert open_work.count() >= 5


def test_records_on_both_sides(loaded):
    assert VictimContact.objects.filter(is_attempt=True).exists()
    assert OffenderContact.objects.filter(is_attempt=True).exists()
    late = VictimContact.objects.filter(is_late=True).count() + OffenderContact.objects.filter(is_late=True).count()
    total = VictimContact.objects.count() + OffenderContact.objects.count()
    assert 1 <= late < total / 10
    assert VictimConsent.objects.exclude(withdrawn_on=None).exists()
    assert VictimDisclosure.objects.filter(kind="taking_part").exists()


def test_dates_spread_over_the_last_year(loaded):
    dates = sorted(Case.objects.values_list("referral_date", flat=True))
    assert (dates[-1] - dates[0]).days > 300
    created = sorted(Case.objects.values_list("created_at", flat=True))
    assert (created[-1] - created[0]).days > 300


def test_everything_reads_as_fictional(loaded):
    for victim in Victim.objects.all():
        assert victim.phone.startswith("07700 900")
        assert "(fictional)" in victim.address
        assert not victim.email or victim.email.endswith((".example", "@example.org"))
    for offender in Offender.objects.all():
        assert offender.phone.startswith("07700 900")
        assert "(fictional)" in offender.address


def test_demo_references_are_markers():
    assert demo_police_reference("NS", 7) == "NS/DEMO/007"
