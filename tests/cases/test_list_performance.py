"""The case lists and search at national size (bench/README.md, "Plans after the fixes").

cases.permissions.visible_list and visible_by_rows, and the list selectors and search built on them, reach the
permission rows from the rows' side so that PostgreSQL can use its indexes. They must keep exactly what the
old filter let each user see: the old definition (every row checked with EXISTS(a row of the user's own) OR
EXISTS(a row of one of their groups)) is kept here as the reference and compared on a mixed set of cases for
every persona, both when the ids are fetched first and when the list is filtered by subqueries (a user with
more than LIST_IDS_LIMIT rows). Then: query counts that do not grow with the number of cases, search, and on
PostgreSQL the indexes the plans rely on.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases import permissions, selectors, selectors_lists
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Offender,
    OffenderGroupObjectPermission,
    OffenderUserObjectPermission,
    Stage,
    Victim,
    VictimGroupObjectPermission,
    VictimUserObjectPermission,
)
from cases.models.case import OPEN_STAGES
from cases.services import participants as participant_services
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close
from cases.services.referrals import eligibility_decide, referral_register
from core.pagination import keyset_page
from tests.cases.test_lists import bulk_cases
from tests.conftest import services_required
from tests.factories import UserFactory, offender_data, referral_case_data, victim_data

pytestmark = pytest.mark.django_db

TABLES = {
    Case: (CaseUserObjectPermission, CaseGroupObjectPermission),
    Victim: (VictimUserObjectPermission, VictimGroupObjectPermission),
    Offender: (OffenderUserObjectPermission, OffenderGroupObjectPermission),
}
PERMS = [
    (Case, permissions.CASE_VIEW),
    (Case, permissions.CASE_CHANGE),
    (Case, permissions.CASE_PROGRESS),
    (Victim, permissions.VICTIM_VIEW),
    (Victim, permissions.VICTIM_SHARED),
    (Offender, permissions.OFFENDER_VIEW),
    (Offender, permissions.OFFENDER_SUMMARY),
]
PERSONAS = [
    "facilitator",
    "facilitator2",
    "unallocated_facilitator",
    "manager",
    "administrator",
    "offender_manager",
    "other_offender_manager",
    "vlo",
    "commissioner",
    "other_manager",
    "odd_group_member",
    "gone_facilitator",
    "anonymous",
]
# A user holding the permission on more rows than this is filtered by subqueries; 0 and 2 force that path.
LIMITS = [permissions.LIST_IDS_LIMIT, 0, 2]


# --- The old definitions, kept as the reference ------------------------------------------------


def old_visible(queryset, user, perm):
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    user_table, group_table = TABLES[queryset.model]
    direct = user_table.objects.filter(content_object=OuterRef("pk"), user=user, permission__codename=perm)
    via_group = group_table.objects.filter(content_object=OuterRef("pk"), group__user=user, permission__codename=perm)
    return queryset.filter(Q(Exists(direct)) | Q(Exists(via_group)))


def old_my_cases(user):
    allocated = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=permissions.CASE_CHANGE
    )
    return Case.objects.filter(Exists(allocated), stage__in=OPEN_STAGES)


def old_search(user, query):
    query = query.strip()
    if not query:
        return Case.objects.none()
    base = old_visible(Case.objects.all(), user, permissions.CASE_VIEW)
    offender_match, victim_match = selectors.search_person_filters(query)
    offenders = old_visible(Offender.objects.filter(offender_match), user, permissions.OFFENDER_VIEW)
    victims = old_visible(Victim.objects.filter(victim_match), user, permissions.VICTIM_VIEW)
    return base.filter(
        Q(reference__iexact=query)
        | Q(reference__icontains=query)
        | Q(police_reference__iexact=query)
        | Q(pk__in=offenders.values("case_id"))
        | Q(pk__in=victims.values("case_id"))
    ).distinct()


def ids(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


# --- A mixed set of cases ---------------------------------------------------------------------


def _screened(service, actor, manager, **victim):
    case = referral_register(
        actor=actor,
        service=service,
        case_data=referral_case_data(police_reference=""),
        offender_data=offender_data(last_name="Secondperson", pnc_id="", crn=""),
        victim_data=victim_data(**victim),
    )
    eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
    case.refresh_from_db()
    return case


@pytest.fixture
def mixed(
    service,
    other_service,
    allocated_case,
    facilitator,
    facilitator2,
    unallocated_facilitator,
    manager,
    administrator,
    offender_manager,
    other_offender_manager,
    vlo,
    commissioner,
    other_manager,
    criteria,
):
    """Cases at every point, made by the services, plus rows the services would not write today."""
    from tests.factories import criteria_for

    criteria_for(other_service, other_manager)
    victim = allocated_case.victims.get()
    participant_services.participant_update(participant=victim, actor=manager, data={"vlo": vlo})
    # referred by the VLO, still at referral
    referral_register(
        actor=vlo,
        service=service,
        case_data=referral_case_data(police_reference="TS/777/26"),
        offender_data=None,
        victim_data=victim_data(last_name="Vlovictim"),
    )
    # waiting for facilitators
    waiting = _screened(service, administrator, manager, last_name="Waitingvictim")
    # allocated to the manager (as second facilitator), then closed: the facilitators keep their view only
    closed = _screened(service, offender_manager, manager, last_name="Closedvictim")
    case_allocate(case=closed, actor=manager, lead=facilitator, second=manager)
    case_close(case=closed, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    # a facilitator who has left, with a case still allocated
    gone = UserFactory(username="fac_gone", role=Role.FACILITATOR, service=service, first_name="Gwen")
    left = _screened(service, administrator, manager, last_name="Leftvictim")
    case_allocate(case=left, actor=manager, lead=gone, second=facilitator2)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    # many cases, some followed by another offender manager, and the other service's, with the same names
    bulk_cases(
        6, service=service, created_by=manager, facilitators=[facilitator2], offender_manager=other_offender_manager
    )
    bulk_cases(3, service=service, created_by=manager, start=10, stage=Stage.ELIGIBILITY)
    theirs = bulk_cases(4, service=other_service, created_by=other_manager, facilitators=[other_manager])
    # rows the services do not write today: a group of no service holding cases of both services, a grant to
    # the manager on the other service's case, a grant to the administrators' group on a person
    odd = UserFactory(username="odd", role=Role.FACILITATOR, service=service, first_name="Odette")
    group = Group.objects.create(name="Mixed group")
    odd.groups.add(group)
    permissions._grant_group(theirs[0], group, permissions.TEAM_CASE_PERMS)
    permissions._grant_group(waiting, group, (permissions.CASE_VIEW,))
    permissions._grant_group(theirs[1].offenders.get(), group, (permissions.OFFENDER_VIEW,))
    permissions._grant_user(theirs[2], manager, (permissions.CASE_VIEW, permissions.CASE_PROGRESS))
    admins = Group.objects.get(name=f"service:{service.pk}:{Role.ADMINISTRATOR}")
    permissions._grant_group(waiting.victims.get(), admins, (permissions.VICTIM_VIEW,))
    return {
        "facilitator": facilitator,
        "facilitator2": facilitator2,
        "unallocated_facilitator": unallocated_facilitator,
        "manager": manager,
        "administrator": administrator,
        "offender_manager": offender_manager,
        "other_offender_manager": other_offender_manager,
        "vlo": vlo,
        "commissioner": commissioner,
        "other_manager": other_manager,
        "odd_group_member": odd,
        "gone_facilitator": gone,
        "anonymous": AnonymousUser(),
    }


SEARCHES = [
    "Victimcanary",
    "victimcan",
    "OFFENDERTEST",
    "oscar offendertest",
    "90/123456a",
    "x123456",
    "ts/12345/26",
    "TS-",
    "bulk",
    "Bulkperson",
    "Secondperson",
    "closedvictim",
    "Vlovictim",
    "Waitingvictim",
    "nobody at all",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_hold_exactly_the_rows_the_old_filter_let_the_user_see(persona, mixed, monkeypatch):
    user = mixed[persona]
    for limit in LIMITS:
        monkeypatch.setattr(permissions, "LIST_IDS_LIMIT", limit)
        for model, perm in PERMS:
            expected = ids(old_visible(model.objects.all(), user, perm))
            assert ids(permissions.visible_list(model.objects.all(), user, perm)) == expected, (limit, perm)
            assert ids(permissions.visible_by_rows(model.objects.all(), user, perm)) == expected, perm
            narrowed = model.objects.exclude(pk__in=expected[:1])
            assert ids(permissions.visible_list(narrowed, user, perm)) == ids(old_visible(narrowed, user, perm))
        old_list = old_visible(Case.objects.all(), user, permissions.CASE_VIEW)
        assert ids(selectors.case_list_for_user(user=user)) == ids(old_list), limit
        assert ids(selectors_lists.case_list_filtered(user=user, stages=[Stage.ELIGIBILITY])) == ids(
            old_list.filter(stage=Stage.ELIGIBILITY)
        )
    if user.is_authenticated:
        assert ids(selectors.my_cases(user=user)) == ids(old_my_cases(user))
    old_referrals = old_visible(Case.objects.all(), user, permissions.CASE_PROGRESS)
    assert ids(selectors.referrals_for_user(user=user)) == ids(old_referrals)
    # The allocation queue is the manager's own service's now: the same rows, less any other service's
    old_queue = old_visible(Case.objects.filter(stage=Stage.ELIGIBILITY), user, permissions.CASE_CHANGE)
    if user.is_authenticated and user.service_id:
        old_queue = old_queue.filter(service_id=user.service_id)
        assert ids(selectors_lists.allocation_queue(user=user)) == ids(old_queue)


@pytest.mark.parametrize("persona", PERSONAS)
def test_search_finds_exactly_what_the_old_search_found(persona, mixed):
    user = mixed[persona]
    for query in SEARCHES:
        expected = ids(old_search(user, query))
        assert ids(selectors.search_cases(user=user, query=query)) == expected, query
        if user.is_authenticated:
            mine = old_my_cases(user).filter(pk__in=expected)
            assert ids(selectors_lists.my_cases_matching(user=user, query=query)) == ids(mine), query


def test_the_mixed_set_has_something_for_each_path(mixed, monkeypatch):
    """Guard the reference comparison against an empty fixture: each persona sees what their role gives."""
    seen = {name: ids(old_visible(Case.objects.all(), u, permissions.CASE_VIEW)) for name, u in mixed.items()}
    assert len(seen["manager"]) > 10  # the service's cases and one of the other service's
    assert len(seen["administrator"]) == len(seen["manager"]) - 1
    assert 0 < len(seen["facilitator"]) < len(seen["manager"])
    assert len(seen["odd_group_member"]) == 2  # one case of each service, through a group of no service
    assert seen["unallocated_facilitator"] == seen["commissioner"] == seen["gone_facilitator"] == []
    assert ids(old_visible(Case.objects.all(), mixed["offender_manager"], permissions.CASE_PROGRESS))
    assert ids(old_my_cases(mixed["facilitator"])) != ids(
        old_visible(Case.objects.all(), mixed["facilitator"], "view_case")
    )


def test_the_same_case_is_never_listed_twice(mixed, monkeypatch):
    """The manager holds the closed case both through the team's group and as its second facilitator."""
    manager = mixed["manager"]
    for limit in LIMITS:
        monkeypatch.setattr(permissions, "LIST_IDS_LIMIT", limit)
        listed = list(selectors.case_list_for_user(user=manager).values_list("pk", flat=True))
        assert len(listed) == len(set(listed))
    found = list(selectors.search_cases(user=manager, query="TS-").values_list("pk", flat=True))
    assert len(found) == len(set(found))


@pytest.mark.parametrize("limit", LIMITS)
def test_keyset_pages_walk_the_whole_list_in_order(limit, mixed, monkeypatch):
    monkeypatch.setattr(permissions, "LIST_IDS_LIMIT", limit)
    manager = mixed["manager"]
    expected = list(
        old_visible(Case.objects.all(), manager, permissions.CASE_VIEW)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    walked, token = [], ""
    while True:
        page = keyset_page(selectors.case_list_for_user(user=manager), field="created_at", token=token, size=4)
        walked += [case.pk for case in page.rows]
        if not page.has_next:
            break
        token = page.next_token
    assert walked == expected


# --- Search -------------------------------------------------------------------------------------


def test_search_finds_by_reference_partial_name_and_identifier_whatever_the_case(mixed, allocated_case):
    facilitator = mixed["facilitator"]
    for query in (
        allocated_case.reference.lower(),
        allocated_case.reference[-4:],
        "victimCAN",
        "ictimcana",
        "offenderTEST",
        "oscar OFFENDERtest",
        "90/123456a",
        "ts/12345/26",
    ):
        assert allocated_case in selectors.search_cases(user=facilitator, query=query), query
    assert not selectors.search_cases(user=facilitator, query="victimcanary nobody").exists()
    assert not selectors.search_cases(user=facilitator, query="90/1234").exists()  # identifiers match whole


def test_search_never_finds_what_the_user_may_not_open(mixed, allocated_case):
    theirs = set(Case.objects.filter(service=allocated_case.service_id).exclude(pk=allocated_case.pk))
    for persona in ("unallocated_facilitator", "other_manager", "commissioner", "gone_facilitator", "anonymous"):
        user = mixed[persona]
        for query in ("Victimcanary", "Offendertest", allocated_case.reference, "90/123456A"):
            assert allocated_case not in selectors.search_cases(user=user, query=query), (persona, query)
    # both services have cases whose person responsible is called Bulkperson: each finds only their own
    found = set(selectors.search_cases(user=mixed["facilitator2"], query="Bulkperson"))
    assert len(found) == 6 and found <= theirs
    found = set(selectors.search_cases(user=mixed["other_manager"], query="bulkPERSON"))
    assert len(found) == 4 and not found & theirs
    assert set(selectors.search_cases(user=mixed["facilitator"], query="Bulkperson")) == set()


def test_search_never_finds_a_case_by_the_other_sides_people(mixed, allocated_case):
    """Offender-side staff never find a case through the person harmed; the administrators' team, which sees
    case pages but nobody's record, finds cases by reference only."""
    offender_side = UserFactory(username="om_view", role=Role.OFFENDER_MANAGER, service=allocated_case.service)
    permissions._grant_user(allocated_case, offender_side, (permissions.CASE_VIEW,))
    permissions._grant_user(allocated_case.offenders.get(), offender_side, (permissions.OFFENDER_VIEW,))
    victim_name = allocated_case.victims.get().last_name
    assert not selectors.search_cases(user=offender_side, query=victim_name).exists()
    assert not selectors.search_cases(user=offender_side, query=victim_name[2:].lower()).exists()
    found = list(selectors.search_cases(user=offender_side, query="Offendertest"))
    assert found == [allocated_case]
    labels = selectors_lists.search_match_labels(user=offender_side, query="Offendertest", cases=found)
    assert labels == {allocated_case.pk: ["Person responsible"]}
    for persona in ("offender_manager", "administrator"):
        assert not selectors.search_cases(user=mixed[persona], query=victim_name).exists()
        assert not selectors.search_cases(user=mixed[persona], query="Offendertest").exists()
    assert allocated_case in selectors.search_cases(user=mixed["administrator"], query=allocated_case.reference)


# --- Queries ------------------------------------------------------------------------------------


def queries(build) -> int:
    """Queries to build a list and read its first page."""
    with CaptureQueriesContext(connection) as captured:
        keyset_page(build(), field="created_at", size=25)
    return len(captured)


def test_list_queries_do_not_depend_on_the_number_of_cases(
    service, manager, administrator, facilitator, offender_manager, unallocated_facilitator, monkeypatch
):
    lists = {
        "my cases": lambda: selectors.my_cases(user=facilitator),
        "case list (manager)": lambda: selectors.case_list_for_user(user=manager),
        "case list (administrator)": lambda: selectors.case_list_for_user(user=administrator),
        "referrals": lambda: selectors.referrals_for_user(user=offender_manager),
        "search": lambda: selectors.search_cases(user=facilitator, query="Bulkperson"),
        "allocation queue": lambda: selectors_lists.allocation_queue(user=manager),
    }
    expected = {
        "my cases": 1,
        "case list (manager)": 2,  # the permission rows, then the list
        "case list (administrator)": 2,
        "referrals": 1,
        "search": 1,
        "allocation queue": 1,
    }
    bulk_cases(3, service=service, created_by=manager, facilitators=[facilitator], offender_manager=offender_manager)
    bulk_cases(3, service=service, created_by=manager, start=100, stage=Stage.ELIGIBILITY)
    at_three = {name: queries(build) for name, build in lists.items()}
    bulk_cases(
        27, service=service, created_by=manager, start=3, facilitators=[facilitator], offender_manager=offender_manager
    )
    bulk_cases(27, service=service, created_by=manager, start=103, stage=Stage.ELIGIBILITY)
    at_thirty = {name: queries(build) for name, build in lists.items()}
    assert at_three == at_thirty == expected
    # beyond LIST_IDS_LIMIT rows: one query more, whatever the number
    monkeypatch.setattr(permissions, "LIST_IDS_LIMIT", 2)
    assert queries(lists["case list (manager)"]) == 3
    bulk_cases(10, service=service, created_by=manager, start=200)
    assert queries(lists["case list (manager)"]) == 3
    # a user with no grants at all: the permission rows, found empty, and no list query
    for build in (
        lambda: selectors.case_list_for_user(user=unallocated_facilitator),
        lambda: selectors.my_cases(user=unallocated_facilitator),
        lambda: selectors.referrals_for_user(user=unallocated_facilitator),
    ):
        assert queries(build) <= 1
    assert queries(lambda: selectors.case_list_for_user(user=unallocated_facilitator)) == 1
    assert keyset_page(selectors.case_list_for_user(user=unallocated_facilitator), field="created_at").rows == []


def test_page_size_does_not_change_the_queries(service, manager, facilitator):
    bulk_cases(30, service=service, created_by=manager, facilitators=[facilitator])
    for build in (lambda: selectors.my_cases(user=facilitator), lambda: selectors.case_list_for_user(user=manager)):
        counts = set()
        for size in (5, 25, 100):
            with CaptureQueriesContext(connection) as captured:
                page = keyset_page(build(), field="created_at", size=size)
            counts.add(len(captured))
            assert len(page.rows) == min(size, 30)
        assert len(counts) == 1


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_my_work_queries_are_equal_at_3_and_30_cases(as_user, service, manager, facilitator):
    client = as_user(facilitator)
    bulk_cases(3, service=service, created_by=manager, facilitators=[facilitator])
    three = _page_queries(client, reverse("cases:my_work"))
    bulk_cases(27, service=service, created_by=manager, start=3, facilitators=[facilitator])
    assert _page_queries(client, reverse("cases:my_work")) == three


def test_a_user_with_no_grants_costs_one_query_more_than_an_empty_page(as_user, service, manager, administrator):
    """The service case list of an administrator whose group holds nothing yet: the permission rows are read
    once, found empty, and no list query runs."""
    bulk_cases(5, service=service, created_by=manager)
    CaseGroupObjectPermission.objects.filter(group__user=administrator).delete()
    client = as_user(administrator)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("cases:case_list"))
    assert response.status_code == 200
    assert "BULK" not in response.content.decode()
    assert not [q for q in captured if 'FROM "cases_case"' in q["sql"]]
    reads = [q for q in captured if "cases_caseuserobjectpermission" in q["sql"]]
    assert len(reads) == 1


# --- PostgreSQL: the indexes the plans rely on -------------------------------------------------


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("The list and search indexes must be checked on PostgreSQL: set DATABASE_URL")
        pytest.skip("The trigram indexes are PostgreSQL's")


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_migration_made_the_search_indexes_on_postgresql():
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == ("pg_trgm",)
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('cases_case', 'cases_victim', "
            "'cases_offender')"
        )
        found = dict(cursor.fetchall())
    for name in ("case_reference_trgm", "victim_last_name_trgm", "offender_first_name_trgm"):
        assert "gin_trgm_ops" in found[name] and "upper(" in found[name]
    for name in ("case_police_reference_upper", "offender_pnc_id_upper", "offender_crn_upper", "case_recent"):
        assert name in found
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE '%%_permission_stats'")
        assert len(cursor.fetchall()) == 6


def test_search_and_lists_use_the_indexes_on_postgresql(mixed, allocated_case):
    """Django's icontains and iexact match the indexes' expressions (with sequential scans made dear, the
    planner must be able to use an index for each part)."""
    _require_postgresql()
    user = mixed["facilitator"]
    plan = _plan(selectors.search_cases(user=user, query="Victimcanary oscar"))
    for index in ("victim_last_name_trgm", "offender_first_name_trgm", "case_reference_trgm", "offender_pnc_id_upper"):
        assert index in plan, plan
    assert "Seq Scan on cases_case" not in plan
