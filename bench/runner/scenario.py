"""The dataset's landmarks the benchmark opens (the bench users' cases, people, search terms, a deep page of a
list, a quarterly return), and the rows only the baselines need. Django must be set up on the bench database."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Q

BENCH_USERNAMES = ("bench_facilitator", "bench_nogrants", "bench_manager", "bench_commissioner")
PAGE_SIZE = 25
DEEP_PAGE = 2000


class DatasetProblem(RuntimeError):
    pass


@dataclass
class Landmarks:
    users: dict
    case_pk: int  # the facilitator's open case with the most people: the case page
    victim_pk: int  # its person harmed with the most contacts: the person page
    contact_victim_pk: int  # a person harmed on another of the facilitator's cases: contacts are logged here
    reference: str
    surname: str
    area_pk: int
    quarter_key: str
    manager_cases: int
    deep_page: int
    deep_token: str


def users() -> dict:
    from accounts.models import User

    found = {u.username: u for u in User.objects.filter(username__in=BENCH_USERNAMES)}
    missing = sorted(set(BENCH_USERNAMES) - set(found))
    if missing:
        raise DatasetProblem(f"Bench users missing ({', '.join(missing)}): generate the dataset (bench/generate.py)")
    return found


def find(found_users: dict) -> Landmarks:
    from cases import selectors, selectors_lists
    from core import clock
    from core.pagination import keyset_page
    from reporting.forms import default_quarter

    facilitator = found_users["bench_facilitator"]
    manager = found_users["bench_manager"]
    commissioner = found_users["bench_commissioner"]
    ranked = list(
        selectors.my_cases(user=facilitator)
        .annotate(people_harmed=Count("victims", distinct=True), responsible=Count("offenders", distinct=True))
        .filter(people_harmed__gt=0)
        .order_by("-people_harmed", "-responsible", "pk")[:2]
    )
    if len(ranked) < 2:
        raise DatasetProblem("bench_facilitator needs two open cases with a person harmed")
    case, other = ranked
    victim = case.victims.annotate(n=Count("contacts")).order_by("-n", "pk").first()
    contact_victim = other.victims.order_by("pk").first()
    area = commissioner.areas.order_by("pk").first()
    if area is None:
        raise DatasetProblem("bench_commissioner has no area")

    listed = selectors_lists.case_list_filtered(user=manager)
    manager_cases = listed.count()
    deep_page = max(min(DEEP_PAGE, manager_cases // PAGE_SIZE), 1)
    token = ""
    if deep_page > 1:
        created_at, pk = listed.order_by("-created_at", "-id").values_list("created_at", "id")[
            (deep_page - 1) * PAGE_SIZE - 1
        ]
        # the token of the page ending at that row, made by the product's own pagination
        at_or_after = listed.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lte=pk))
        token = keyset_page(at_or_after, field="created_at", size=1).next_token or ""
    return Landmarks(
        users=found_users,
        case_pk=case.pk,
        victim_pk=victim.pk,
        contact_victim_pk=contact_victim.pk,
        reference=case.reference,
        surname=victim.last_name or victim.first_name,
        area_pk=area.pk,
        quarter_key=default_quarter(clock.today()).key,
        manager_cases=manager_cases,
        deep_page=deep_page,
        deep_token=token,
    )


# --- A quarterly return of the manager's service ------------------------------------------------


@dataclass
class ReturnLandmarks:
    return_pk: int
    version_pk: int
    csv_section: str  # the section with the most rows
    csv_rows: int


def quarterly_return(manager) -> int:
    """The pk of the manager's service's return of its last ended quarter, built now if it has no version."""
    from core import clock
    from reporting.returns import services

    service = manager.service
    quarter = services.schedule_for(service).last_ended(clock.today())
    found, _ = services.return_get_or_create(service=service, quarter=quarter, actor=manager)
    if not found.versions.exists():
        services.return_build(quarterly_return=found, actor=manager)
    return found.pk


def return_version(return_pk: int) -> ReturnLandmarks:
    """The return's newest version, looked up when it is needed (a rebuild replaces an unsubmitted version)."""
    from reporting.models import ReturnVersion

    version = ReturnVersion.objects.filter(quarterly_return_id=return_pk).order_by("-number").first()
    if version is None:
        raise DatasetProblem(f"Quarterly return {return_pk} has no version")
    biggest = max(version.sections, key=lambda section: len(section["rows"]))
    return ReturnLandmarks(
        return_pk=return_pk, version_pk=version.pk, csv_section=biggest["key"], csv_rows=len(biggest["rows"])
    )


# --- django-guardian's generic permission rows (for the baseline only) -------------------------


def ensure_generic_permissions(out=print) -> int:
    """Copy the case permission rows into django-guardian's generic tables (what the app would hold had it
    used generic object permissions), unless they already match. Returns the number of rows copied (0 if none).
    """
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission

    content_type = ContentType.objects.get_for_model(Case)
    pairs = (
        (UserObjectPermission, CaseUserObjectPermission, "user_id"),
        (GroupObjectPermission, CaseGroupObjectPermission, "group_id"),
    )
    wanted = [direct.objects.count() for _, direct, _ in pairs]
    held = [generic.objects.filter(content_type=content_type).count() for generic, _, _ in pairs]
    if wanted == held:
        return 0
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for generic, direct, who in pairs:
            cursor.execute(f"DELETE FROM {generic._meta.db_table} WHERE content_type_id = %s", [content_type.pk])
            cursor.execute(
                f"INSERT INTO {generic._meta.db_table} (object_pk, content_type_id, permission_id, {who}) "
                f"SELECT CAST(content_object_id AS VARCHAR(255)), %s, permission_id, {who} "
                f"FROM {direct._meta.db_table}",
                [content_type.pk],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for generic, _, _ in pairs:
                cursor.execute(f"ANALYZE {generic._meta.db_table}")
    out(
        f"  copied {sum(wanted):,} case permission rows into django-guardian's generic tables "
        f"for the baseline ({time.perf_counter() - started:.1f} s)"
    )
    return sum(wanted)


# --- Storage -------------------------------------------------------------------------------------

APP_LABELS = ("accounts", "core", "cases", "risk", "agreements", "audit", "reporting")


def storage_bytes() -> tuple[int, int]:
    """(bytes without history, history bytes): tables, indexes and TOAST of the app tables (PostgreSQL)."""
    from django.apps import apps

    tables = set()
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    existing = set(connection.introspection.table_names())
    plain = history = 0
    with connection.cursor() as cursor:
        for name in sorted(tables & existing):
            cursor.execute("SELECT pg_total_relation_size(%s)", [name])
            size = cursor.fetchone()[0]
            if "historical" in name:
                history += size
            else:
                plain += size
    return plain, history
