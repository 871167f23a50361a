"""The benchmark's dataset generator (bench/generate.py) at N = 200, in the test database, so it cannot rot.

The dataset is built once for the module (inside a transaction rolled back at the end) and checked: row counts,
the DOMAIN §2 attrition shares, references, denormalised case fields, foreign keys, and that the permission rows
make cases.permissions and the pages behave exactly as if the services had run.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, models, transaction
from django.http import Http404
from django.urls import reverse

from accounts.models import Role, User
from agreements.models import AgreementItem, OutcomeAgreement, VictimFeedback
from bench.generate import BENCH_PASSWORD, Refused, main
from cases import permissions, selectors
from cases.models import (
    Allocation,
    Case,
    CaseGroupObjectPermission,
    CaseReferenceCounter,
    CaseUserObjectPermission,
    Offender,
    OffenderContact,
    OffenderGroupObjectPermission,
    OffenderUserObjectPermission,
    Task,
    Victim,
    VictimContact,
    VictimGroupObjectPermission,
    VictimUserObjectPermission,
)
from cases.models.case import OPEN_STAGES, TERMINAL_STAGES
from tests.conftest import client_for

N = 200
REFERENCE = re.compile(r"\b[A-Z]{3}-\d{4}-\d{5}\b")
GENERATED_APPS = ("accounts", "cases", "risk", "agreements", "audit")


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    lines: list[str] = []
    with django_db_blocker.unblock(), transaction.atomic():
        result = main(["--cases", str(N), "--seed", "11", "--quiet"], connection=connection, out=lines.append)
        yield result
        transaction.set_rollback(True)


def bench_user(name: str) -> User:
    return User.objects.get(username=name)


# --- Counts and shares ------------------------------------------------------------------------


@pytest.mark.django_db
def test_counts_per_table_are_about_what_a_national_dataset_holds(dataset):
    assert Case.objects.count() == N
    assert User.objects.count() == 2000
    assert apps.get_model("accounts", "PccArea").objects.count() == 42
    assert apps.get_model("accounts", "Service").objects.count() == 120
    victims, offenders = Victim.objects.count(), Offender.objects.count()
    assert N * 1.1 < victims < N * 1.4
    assert N * 1.05 < offenders < N * 1.35
    contacts = VictimContact.objects.count() + OffenderContact.objects.count()
    assert 7 * N < contacts < 14 * N
    agreements = OutcomeAgreement.objects.count()
    assert agreements > 0.25 * N
    assert 2.6 < AgreementItem.objects.count() / agreements < 3.4
    # One "+" history row per case and per person, and permission rows for every case
    assert Case.history.filter(history_type="+").count() == N
    assert Victim.history.count() == victims
    assert Offender.history.count() == offenders
    assert CaseGroupObjectPermission.objects.count() == 3 * N
    assert dataset.counts["cases_case"] == N


@pytest.mark.django_db
def test_staff_roles_and_groups_are_as_the_app_makes_them(dataset):
    roles = Counter(User.objects.values_list("role", flat=True))
    assert 0.55 < roles[Role.FACILITATOR] / 2000 < 0.65
    for role in Role.values:
        assert roles[role] > 0
    for user in User.objects.filter(role__in=[Role.MANAGER, Role.ADMINISTRATOR])[:50]:
        names = set(user.groups.values_list("name", flat=True))
        assert names == {f"role:{user.role}", f"service:{user.service_id}:{user.role}"}
    facilitator = bench_user("bench_facilitator")
    assert set(facilitator.groups.values_list("name", flat=True)) == {"role:facilitator"}
    assert PBKDF2PasswordHasher().verify(BENCH_PASSWORD, facilitator.password)  # every user: one known password
    assert User.objects.exclude(password=facilitator.password).count() == 0
    assert bench_user("bench_commissioner").areas.filter(services=facilitator.service).exists()


@pytest.mark.django_db
def test_attrition_shares_are_those_of_the_planning_figures(dataset):
    closed = Case.objects.filter(stage__in=TERMINAL_STAGES).exclude(not_proceeding_reason__code="not_eligible")
    fates = Counter()
    for stage, outcome, reason in closed.values_list("stage", "outcome__code", "not_proceeding_reason__code"):
        if stage == "withdrawn":
            fates["withdrawn"] += 1
        elif reason and reason.startswith("offender"):
            fates["offender"] += 1
        elif reason and reason.startswith("victim"):
            fates["victim"] += 1
        elif outcome == "conference":
            fates["conference"] += 1
        else:
            assert outcome in ("letter_of_apology", "shuttle", "victim_empathy")
            fates["indirect"] += 1
    total = sum(fates.values())
    assert total > 0.8 * N
    for fate, share in (("offender", 0.30), ("victim", 0.15), ("withdrawn", 0.05), ("conference", 0.30),
                        ("indirect", 0.20)):  # fmt: skip
        assert abs(fates[fate] / total - share) < 0.1, (fate, fates)
    assert Case.objects.filter(stage__in=OPEN_STAGES).count() > 0.03 * N
    feedback = list(VictimFeedback.objects.values_list("satisfied", flat=True))
    assert feedback and sum(feedback) / len(feedback) > 0.65


# --- References and the cases' own fields -----------------------------------------------------


@pytest.mark.django_db
def test_references_are_unique_per_service_and_year_in_the_app_format(dataset):
    numbers: dict[tuple[int, int], list[int]] = {}
    for service_id, reference in Case.objects.order_by("created_at", "id").values_list("service_id", "reference"):
        _code, year, number = reference.split("-")
        assert REFERENCE.fullmatch(reference)
        numbers.setdefault((service_id, int(year)), []).append(int(number))
    assert Case.objects.values("reference").distinct().count() == N
    for key, found in numbers.items():
        assert found == list(range(1, len(found) + 1)), key
    counters = {(c.service_id, c.year): c.last_number for c in CaseReferenceCounter.objects.all()}
    assert counters == {key: len(found) for key, found in numbers.items()}


@pytest.mark.django_db
def test_denormalised_case_fields_agree_with_the_rows(dataset):
    for case in Case.objects.all():
        contacts = [
            *VictimContact.objects.filter(participant__case=case).values_list("occurred_at", flat=True),
            *OffenderContact.objects.filter(participant__case=case).values_list("occurred_at", flat=True),
        ]
        assert case.last_contact_at == (max(contacts) if contacts else None)
        latest = Allocation.objects.filter(case=case).order_by("-allocated_at").first()
        assert case.allocated_at == (latest.allocated_at if latest else None)
        assert case.lead_facilitator_id == (latest.lead_facilitator_id if latest else None)
        open_tasks = Task.objects.filter(case=case, done_at__isnull=True)
        if case.is_open:
            assert case.closed_on is None and case.outcome_id is None
        else:
            assert case.closed_on is not None and case.outcome_id is not None
            assert not open_tasks.exists()
        assert case.stage_changed_at >= case.created_at


@pytest.mark.django_db
def test_every_foreign_key_points_at_a_row(dataset):
    checked = 0
    for label in GENERATED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):
                    continue
                target = field.related_model._meta
                # Table and column names from the models, nothing from input
                sql = (
                    f'SELECT COUNT(*) FROM "{model._meta.db_table}" t LEFT JOIN "{target.db_table}" r '  # noqa: S608
                    f'ON r."{field.target_field.column}" = t."{field.column}" '
                    f'WHERE t."{field.column}" IS NOT NULL AND r."{field.target_field.column}" IS NULL'
                )
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    assert cursor.fetchone()[0] == 0, f"{model._meta.db_table}.{field.column}"
                checked += 1
    assert checked > 200


# --- Permissions: as if the services had run ----------------------------------------------------


def _permission_rows(case: Case) -> set[tuple]:
    victims = list(case.victims.values_list("pk", flat=True))
    offenders = list(case.offenders.values_list("pk", flat=True))
    rows = set()
    for model, ids, who in (
        (CaseUserObjectPermission, [case.pk], "user_id"),
        (CaseGroupObjectPermission, [case.pk], "group_id"),
        (VictimUserObjectPermission, victims, "user_id"),
        (VictimGroupObjectPermission, victims, "group_id"),
        (OffenderUserObjectPermission, offenders, "user_id"),
        (OffenderGroupObjectPermission, offenders, "group_id"),
    ):
        for codename, holder, object_id in model.objects.filter(content_object_id__in=ids).values_list(
            "permission__codename", who, "content_object_id"
        ):
            rows.add((model.__name__, codename, holder, object_id))
    return rows


@pytest.mark.django_db
def test_permission_rows_are_exactly_those_the_services_grant(dataset):
    """For cases at every stage: drop their rows, grant again through cases.permissions, compare."""
    sample = []
    for stage in [*OPEN_STAGES, *TERMINAL_STAGES]:
        sample += list(Case.objects.filter(stage=stage).prefetch_related("victims", "offenders")[:4])
    assert len(sample) > 15
    for case in sample:
        generated = _permission_rows(case)
        for model in (CaseUserObjectPermission, CaseGroupObjectPermission):
            model.objects.filter(content_object=case).delete()
        for model in (VictimUserObjectPermission, VictimGroupObjectPermission):
            model.objects.filter(content_object__case=case).delete()
        for model in (OffenderUserObjectPermission, OffenderGroupObjectPermission):
            model.objects.filter(content_object__case=case).delete()
        permissions.grant_case_to_service(case)
        for person in [*case.victims.all(), *case.offenders.all()]:
            permissions.grant_participant_to_team(person)
        for facilitator in permissions.facilitators_of(case):
            permissions.grant_case_to_facilitator(case, facilitator)
        for offender in case.offenders.exclude(offender_manager=None):
            permissions.grant_offender_to_offender_manager(offender, offender.offender_manager)
        for victim in case.victims.exclude(vlo=None):
            permissions.grant_victim_to_vlo(victim, victim.vlo)
        if not case.is_open:
            permissions.revoke_changes_on_closure(case)
        assert _permission_rows(case) == generated, case.reference


@pytest.mark.django_db
def test_permission_checks_follow_allocation_closure_and_service(dataset):
    closed = Case.objects.filter(stage="closed", lead_facilitator__isnull=False).first()
    lead = closed.lead_facilitator
    assert permissions.has_object_perm(lead, permissions.CASE_VIEW, closed)
    assert not permissions.has_object_perm(lead, permissions.CASE_CHANGE, closed)
    manager = User.objects.filter(role=Role.MANAGER, service=closed.service).first()
    assert permissions.has_object_perm(manager, permissions.CASE_CHANGE, closed)
    outsider = User.objects.filter(role=Role.MANAGER).exclude(service=closed.service).first()
    with pytest.raises(Http404):
        permissions.get_case_for_user(outsider, closed.pk)
    nogrants = bench_user("bench_nogrants")
    assert not permissions.visible(Case.objects.all(), nogrants, permissions.CASE_VIEW).exists()


@pytest.mark.django_db
def test_bench_facilitators_my_work_lists_their_open_cases(dataset):
    user = bench_user("bench_facilitator")
    mine = selectors.my_cases(user=user).order_by("-created_at", "-id")
    assert 1 <= mine.count() <= 40
    assert dataset.users["bench_facilitator"] == user.pk
    page = client_for(user).get(reverse("cases:my_work"))
    assert page.status_code == 200
    html = page.content.decode()
    for case in mine[:25]:
        assert case.reference in html


@pytest.mark.django_db
def test_a_user_with_no_grants_sees_no_cases(dataset):
    user = bench_user("bench_nogrants")
    page = client_for(user).get(reverse("cases:my_work"))
    assert page.status_code == 200
    assert not REFERENCE.search(page.content.decode())
    assert "No cases are allocated to you yet" in page.content.decode()


@pytest.mark.django_db
def test_an_offender_manager_sees_their_offenders_progress_and_no_victim_data(dataset):
    offender = Offender.objects.filter(offender_manager__isnull=False, case__victims__isnull=False).first()
    om = offender.offender_manager
    case = offender.case
    client = client_for(om)
    listing = client.get(reverse("cases:my_referrals"))
    assert listing.status_code == 200
    assert REFERENCE.search(listing.content.decode())
    progress = client.get(reverse("cases:case_progress", args=[case.pk]))
    assert progress.status_code == 200
    html = progress.content.decode()
    for victim in case.victims.all():
        assert f"{victim.first_name} {victim.last_name}" not in html
        assert victim.phone not in html
        assert client.get(reverse("cases:victim_detail", args=[victim.pk])).status_code == 404
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404


# --- Refusing a database that is not a benchmark's ------------------------------------------------


@pytest.mark.django_db
def test_refuses_a_database_with_other_data_unless_fresh(service, manager):
    with pytest.raises(Refused):
        main(["--cases", "5", "--quiet"], connection=connection, out=lambda _: None)
