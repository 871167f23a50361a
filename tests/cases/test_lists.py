"""My work, the service case list, My referrals and search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.roles import service_team_group_name
from cases import permissions
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    CodeList,
    Offender,
    OffenderUserObjectPermission,
    ParticipationBasis,
    Stage,
    TaskKind,
)
from cases.services.common import task_add
from tests.factories import VICTIM_MARKERS, code

pytestmark = pytest.mark.django_db

MY_WORK = reverse("cases:my_work")
CASE_LIST = reverse("cases:case_list")
MY_REFERRALS = reverse("cases:my_referrals")
SEARCH = reverse("cases:search")


# --- Many cases, quickly ----------------------------------------------------------------------


def bulk_cases(
    count,
    *,
    service,
    created_by,
    start=0,
    stage=Stage.ALLOCATED,
    facilitators=(),
    offender_manager=None,
    offender_name="Bulkperson",
):
    """`count` cases with the permission rows the services would grant, made in a handful of queries.

    Managers and administrators of the service see them; `facilitators` are allocated to them;
    `offender_manager` follows their progress. Each case has one offender.
    """
    now = timezone.now()
    codes = {
        "referral_source": code(CodeList.REFERRAL_SOURCE, "probation_community"),
        "initiator": code(CodeList.INITIATOR, "agency"),
        "cj_stage": code(CodeList.CJ_STAGE, "community"),
        "main_offence": code(CodeList.OFFENCE, "burglary_residential"),
    }
    lead = facilitators[0] if facilitators else None
    second = facilitators[1] if len(facilitators) > 1 else None
    cases = Case.objects.bulk_create(
        Case(
            service=service,
            reference=f"{service.code}-BULK-{start + i:05d}",
            stage=stage,
            stage_changed_at=now - dt.timedelta(minutes=start + i),
            created_at=now - dt.timedelta(minutes=start + i),
            created_by=created_by,
            referral_date=dt.date(2026, 1, 5),
            participation_basis=ParticipationBasis.VOLUNTARY,
            lead_facilitator=lead,
            second_facilitator=second,
            allocated_at=now if lead else None,
            last_contact_at=now - dt.timedelta(days=2),
            **codes,
        )
        for i in range(count)
    )
    perm = {p.codename: p for p in Permission.objects.filter(content_type__app_label="cases")}
    managers = Group.objects.get_or_create(name=service_team_group_name(service.pk, Role.MANAGER))[0]
    admins = Group.objects.get_or_create(name=service_team_group_name(service.pk, Role.ADMINISTRATOR))[0]
    group_rows = []
    user_rows = []
    for case in cases:
        group_rows += [
            CaseGroupObjectPermission(group=managers, content_object=case, permission=perm[permissions.CASE_VIEW]),
            CaseGroupObjectPermission(group=managers, content_object=case, permission=perm[permissions.CASE_CHANGE]),
            CaseGroupObjectPermission(group=admins, content_object=case, permission=perm[permissions.CASE_VIEW]),
        ]
        for person in facilitators:
            for codename in (permissions.CASE_VIEW, permissions.CASE_CHANGE):
                user_rows.append(CaseUserObjectPermission(user=person, content_object=case, permission=perm[codename]))
        if offender_manager is not None:
            user_rows.append(
                CaseUserObjectPermission(
                    user=offender_manager, content_object=case, permission=perm[permissions.CASE_PROGRESS]
                )
            )
    CaseGroupObjectPermission.objects.bulk_create(group_rows)
    CaseUserObjectPermission.objects.bulk_create(user_rows)
    offenders = Offender.objects.bulk_create(
        Offender(case=case, first_name="Bulk", last_name=offender_name, created_at=now, created_by=created_by)
        for case in cases
    )
    OffenderUserObjectPermission.objects.bulk_create(
        OffenderUserObjectPermission(user=person, content_object=offender, permission=perm[permissions.OFFENDER_VIEW])
        for offender in offenders
        for person in facilitators
    )
    return cases


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def assert_constant_queries(client, url, grow, pinned, django_assert_max_num_queries):
    """The page costs the same with 5 rows as with 50 (two pages' worth), and no more than `pinned`."""
    grow(0, 5)
    five, _ = count_queries(client, url)
    grow(5, 45)
    fifty, response = count_queries(client, url)
    assert five == fifty, (five, fifty)
    with django_assert_max_num_queries(pinned):
        client.get(url)
    return response


def next_link(response):
    content = response.content.decode()
    marker = 'rel="next"'
    assert marker in content
    start = content.rindex('href="', 0, content.index(marker)) + len('href="')
    return content[start : content.index('"', start)].replace("&amp;", "&")


# --- My work ----------------------------------------------------------------------------------


def test_facilitator_sees_their_case_and_first_contact_task(as_user, facilitator, allocated_case):
    response = as_user(facilitator).get(MY_WORK)
    assert response.status_code == 200
    content = response.content.decode()
    assert allocated_case.reference in content
    assert f"Make first contact on {allocated_case.reference}" in content
    assert "Allocated" in content


def test_second_facilitator_sees_the_case_too(as_user, facilitator2, allocated_case):
    assert allocated_case.reference in as_user(facilitator2).get(MY_WORK).content.decode()


def test_overdue_tasks_come_first_and_are_tagged(as_user, facilitator, allocated_case):
    today = timezone.localdate()
    task_add(
        case=allocated_case,
        assignee=facilitator,
        kind=TaskKind.REMINDER,
        title="Overdue reminder",
        due_on=today - dt.timedelta(days=3),
    )
    task_add(
        case=allocated_case,
        assignee=facilitator,
        kind=TaskKind.REMINDER,
        title="Later reminder",
        due_on=today + dt.timedelta(days=5),
    )
    content = as_user(facilitator).get(MY_WORK).content.decode()
    assert content.index("Overdue reminder") < content.index("Later reminder")
    assert "Overdue</strong>" in content
    assert "Coming up" in content


def test_unallocated_facilitator_sees_an_empty_my_work(as_user, unallocated_facilitator, allocated_case):
    content = as_user(unallocated_facilitator).get(MY_WORK).content.decode()
    assert allocated_case.reference not in content
    assert "No cases are allocated to you yet" in content
    assert "You have no tasks due" in content


def test_manager_can_open_my_work(as_user, manager, allocated_case):
    response = as_user(manager).get(MY_WORK)
    assert response.status_code == 200
    # The manager's team rights are not "my cases": only allocations count.
    assert allocated_case.reference not in response.content.decode().split("My cases", 1)[1]


@pytest.mark.parametrize("persona", ["administrator", "offender_manager", "vlo", "commissioner"])
def test_my_work_is_not_found_for_other_roles(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get(MY_WORK).status_code == 404


def test_my_work_refuses_post(as_user, facilitator):
    assert as_user(facilitator).post(MY_WORK).status_code == 405


def test_my_work_search_finds_own_case_by_name_and_reference(as_user, facilitator, allocated_case):
    client = as_user(facilitator)
    by_name = client.get(MY_WORK, {"q": "Offendertest"}).content.decode()
    assert allocated_case.reference in by_name
    by_reference = client.get(MY_WORK, {"q": allocated_case.reference.lower()}).content.decode()
    assert allocated_case.reference in by_reference
    by_victim = client.get(MY_WORK, {"q": VICTIM_MARKERS["last_name"]}).content.decode()
    assert allocated_case.reference in by_victim


def test_my_work_search_with_no_match_says_what_to_do(as_user, facilitator, allocated_case):
    content = as_user(facilitator).get(MY_WORK, {"q": "Nobodyhere"}).content.decode()
    assert allocated_case.reference not in content.split("My cases", 1)[1].split("Make first contact")[0]
    assert "None of your open cases match" in content


def test_my_work_search_too_long_is_an_error(as_user, facilitator):
    response = as_user(facilitator).get(MY_WORK, {"q": "x" * 101})
    assert response.status_code == 422
    assert "Search must be 100 characters or fewer" in response.content.decode()


def test_my_work_queries_do_not_grow_with_cases(
    as_user, service, manager, facilitator, facilitator2, django_assert_max_num_queries
):
    def grow(start, count):
        cases = bulk_cases(count, service=service, created_by=manager, start=start, facilitators=[facilitator])
        for case in cases:
            task_add(case=case, assignee=facilitator, kind=TaskKind.REMINDER, title=f"Reminder {case.reference}")

    client = as_user(facilitator)
    response = assert_constant_queries(client, MY_WORK, grow, 6, django_assert_max_num_queries)
    assert "BULK-00000" in response.content.decode()


def test_my_work_second_page(as_user, service, manager, facilitator):
    bulk_cases(30, service=service, created_by=manager, facilitators=[facilitator])
    client = as_user(facilitator)
    first = client.get(MY_WORK)
    content = first.content.decode()
    assert "TS-BULK-00000" in content
    assert "TS-BULK-00029" not in content
    second = client.get(MY_WORK + next_link(first)).content.decode()
    assert "TS-BULK-00029" in second
    assert "TS-BULK-00000" not in second
    assert 'rel="prev"' in second


# --- The service case list ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "administrator"])
def test_service_team_sees_the_case_list(request, as_user, persona, allocated_case):
    response = as_user(request.getfixturevalue(persona)).get(CASE_LIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert allocated_case.reference in content
    assert "Fay Cilitator" in content
    for marker in VICTIM_MARKERS.values():
        assert marker not in content
    assert "Offendertest" not in content


@pytest.mark.parametrize("persona", ["facilitator", "offender_manager", "vlo", "commissioner"])
def test_case_list_is_not_found_for_other_roles(request, as_user, persona, allocated_case):
    assert as_user(request.getfixturevalue(persona)).get(CASE_LIST).status_code == 404


def test_other_service_manager_does_not_see_our_cases(as_user, other_manager, allocated_case):
    response = as_user(other_manager).get(CASE_LIST)
    assert response.status_code == 200
    assert allocated_case.reference not in response.content.decode()


def test_case_list_refuses_post(as_user, manager):
    assert as_user(manager).post(CASE_LIST).status_code == 405


def test_case_list_filters(as_user, service, manager, facilitator, allocated_case):
    waiting = bulk_cases(1, service=service, created_by=manager, stage=Stage.ELIGIBILITY)[0]
    flagged = bulk_cases(1, service=service, created_by=manager, start=1, facilitators=[facilitator])[0]
    Case.objects.filter(pk=flagged.pk).update(flag_domestic_abuse=True)
    client = as_user(manager)

    by_stage = client.get(CASE_LIST, {"stage": "eligibility"}).content.decode()
    assert waiting.reference in by_stage
    assert allocated_case.reference not in by_stage

    unallocated = client.get(CASE_LIST, {"unallocated": "on"}).content.decode()
    assert waiting.reference in unallocated
    assert allocated_case.reference not in unallocated

    by_facilitator = client.get(CASE_LIST, {"facilitator": facilitator.pk}).content.decode()
    assert allocated_case.reference in by_facilitator
    assert flagged.reference in by_facilitator
    assert waiting.reference not in by_facilitator

    by_flag = client.get(CASE_LIST, {"flags": "domestic_abuse"}).content.decode()
    assert flagged.reference in by_flag
    assert allocated_case.reference not in by_flag
    assert "Clear filters" in by_flag

    nothing = client.get(CASE_LIST, {"flags": "sexual"}).content.decode()
    assert "No cases match these filters" in nothing


def test_case_list_bad_filter_is_an_error(as_user, manager, other_manager, allocated_case):
    response = as_user(manager).get(CASE_LIST, {"facilitator": other_manager.pk})
    assert response.status_code == 422
    assert "Select a facilitator from the list" in response.content.decode()


def test_case_list_queries_do_not_grow_with_cases(
    as_user, service, manager, facilitator, facilitator2, django_assert_max_num_queries
):
    def grow(start, count):
        bulk_cases(count, service=service, created_by=manager, start=start, facilitators=[facilitator, facilitator2])

    # 7: one of them reads the manager's permission rows before the list (cases.permissions.visible_list)
    response = assert_constant_queries(as_user(manager), CASE_LIST, grow, 7, django_assert_max_num_queries)
    assert "Fred Second" in response.content.decode()


def test_case_list_second_page_keeps_filters(as_user, service, manager, facilitator):
    bulk_cases(30, service=service, created_by=manager, facilitators=[facilitator])
    bulk_cases(3, service=service, created_by=manager, start=100, stage=Stage.ELIGIBILITY)
    client = as_user(manager)
    first = client.get(CASE_LIST, {"stage": "allocated"})
    link = next_link(first)
    assert "stage=allocated" in link
    second = client.get(CASE_LIST + link).content.decode()
    assert "TS-BULK-00029" in second
    assert "TS-BULK-00100" not in second


# --- My referrals -----------------------------------------------------------------------------


def test_offender_manager_sees_their_referral_and_nothing_about_victims(as_user, offender_manager, allocated_case):
    response = as_user(offender_manager).get(MY_REFERRALS)
    assert response.status_code == 200
    content = response.content.decode()
    assert allocated_case.reference in content
    assert "A facilitator will make first contact" in content
    assert "Refer someone" in content
    for marker in VICTIM_MARKERS.values():
        assert marker not in content
    assert "harmed" not in content.lower()
    assert "victim" not in content.lower().replace("victim liaison", "")


def test_vlo_sees_the_victims_they_referred(as_user, vlo, service, administrator, criteria):
    from cases.services.referrals import referral_register
    from tests.factories import referral_case_data, victim_data

    case = referral_register(
        actor=vlo, service=service, case_data=referral_case_data(), offender_data=None, victim_data=victim_data()
    )
    content = as_user(vlo).get(MY_REFERRALS).content.decode()
    assert case.reference in content


def test_another_offender_manager_does_not_see_the_referral(as_user, other_offender_manager, allocated_case):
    content = as_user(other_offender_manager).get(MY_REFERRALS).content.decode()
    assert allocated_case.reference not in content
    assert "You have not referred anyone yet" in content


@pytest.mark.parametrize("persona", ["facilitator", "manager", "administrator", "commissioner"])
def test_my_referrals_is_not_found_for_other_roles(request, as_user, persona, allocated_case):
    assert as_user(request.getfixturevalue(persona)).get(MY_REFERRALS).status_code == 404


def test_my_referrals_refuses_post(as_user, offender_manager):
    assert as_user(offender_manager).post(MY_REFERRALS).status_code == 405


def test_my_referrals_queries_do_not_grow(as_user, service, manager, offender_manager, django_assert_max_num_queries):
    def grow(start, count):
        bulk_cases(count, service=service, created_by=manager, start=start, offender_manager=offender_manager)

    response = assert_constant_queries(as_user(offender_manager), MY_REFERRALS, grow, 7, django_assert_max_num_queries)
    assert "Bulkperson" not in response.content.decode()


def test_my_referrals_second_page(as_user, service, manager, offender_manager):
    bulk_cases(30, service=service, created_by=manager, offender_manager=offender_manager)
    client = as_user(offender_manager)
    second = client.get(MY_REFERRALS + next_link(client.get(MY_REFERRALS))).content.decode()
    assert "TS-BULK-00029" in second
    assert "TS-BULK-00000" not in second


# --- Search -----------------------------------------------------------------------------------


def test_facilitator_finds_their_case_by_offender_and_victim_name(as_user, facilitator, allocated_case):
    client = as_user(facilitator)
    by_offender = client.get(SEARCH, {"q": "Offendertest"}).content.decode()
    assert allocated_case.reference in by_offender
    assert "Person responsible" in by_offender
    by_victim = client.get(SEARCH, {"q": VICTIM_MARKERS["last_name"]}).content.decode()
    assert allocated_case.reference in by_victim
    assert "Person harmed" in by_victim
    assert VICTIM_MARKERS["first_name"] not in by_victim


def test_manager_finds_a_case_by_pnc_id_and_reference(as_user, manager, allocated_case):
    client = as_user(manager)
    assert allocated_case.reference in client.get(SEARCH, {"q": "90/123456a"}).content.decode()
    content = client.get(SEARCH, {"q": allocated_case.reference}).content.decode()
    assert "Case reference" in content


def test_administrator_cannot_find_a_case_by_a_victim_name(as_user, administrator, allocated_case):
    client = as_user(administrator)
    by_victim = client.get(SEARCH, {"q": VICTIM_MARKERS["last_name"]})
    assert by_victim.status_code == 200
    assert allocated_case.reference not in by_victim.content.decode()
    assert allocated_case.reference in client.get(SEARCH, {"q": allocated_case.reference}).content.decode()


def test_search_does_not_find_cases_the_user_cannot_open(
    as_user, unallocated_facilitator, other_manager, allocated_case
):
    """Only an exact reference, from a facilitator of the case's service, offers the reason page (below)."""
    queries = {
        unallocated_facilitator: (VICTIM_MARKERS["last_name"], allocated_case.reference[:-1]),
        other_manager: (allocated_case.reference, VICTIM_MARKERS["last_name"]),
    }
    for user, asked in queries.items():
        for query in asked:
            content = as_user(user).get(SEARCH, {"q": query}).content.decode()
            assert f">{allocated_case.reference}</a>" not in content and 'id="reason-case"' not in content
            assert "No cases you can open match" in content


def test_an_exact_reference_offers_a_covering_facilitator_the_reason_page_and_no_names(
    as_user, unallocated_facilitator, facilitator, allocated_case
):
    client = as_user(unallocated_facilitator)
    content = client.get(SEARCH, {"q": allocated_case.reference.lower()}).content.decode()
    reason_url = reverse("audit:break_glass", args=[allocated_case.pk])
    assert f'href="{reason_url}">{allocated_case.reference} — not allocated to you: open with a reason</a>' in content
    assert content.count(allocated_case.reference) == 1
    assert "No cases you can open match" not in content
    for marker in (*VICTIM_MARKERS.values(), allocated_case.offenders.get().last_name):
        assert marker not in content
    reason_page = client.get(reason_url)
    assert reason_page.status_code == 200 and "Why do you need to open this record?" in reason_page.content.decode()
    own = as_user(facilitator).get(SEARCH, {"q": allocated_case.reference}).content.decode()
    assert 'id="reason-case"' not in own and f">{allocated_case.reference}</a>" in own
    my_work = client.get(MY_WORK, {"q": allocated_case.reference}).content.decode()
    assert f">{allocated_case.reference}</a>" not in my_work and reason_url not in my_work


@pytest.mark.parametrize("persona", ["offender_manager", "vlo", "commissioner"])
def test_search_is_not_found_for_people_outside_the_rj_team(request, as_user, persona, allocated_case):
    response = as_user(request.getfixturevalue(persona)).get(SEARCH, {"q": VICTIM_MARKERS["last_name"]})
    assert response.status_code == 404


def test_search_refuses_post(as_user, manager):
    assert as_user(manager).post(SEARCH, {"q": "x"}).status_code == 405


def test_empty_search_shows_only_the_box(as_user, manager, allocated_case):
    response = as_user(manager).get(SEARCH)
    assert response.status_code == 200
    assert allocated_case.reference not in response.content.decode()


def test_search_too_long_is_an_error(as_user, manager):
    response = as_user(manager).get(SEARCH, {"q": "y" * 101})
    assert response.status_code == 422
    assert "Error: Search cases" in response.content.decode()


def test_search_queries_do_not_grow(as_user, service, manager, facilitator, django_assert_max_num_queries):
    def grow(start, count):
        bulk_cases(count, service=service, created_by=manager, start=start, facilitators=[facilitator])

    url = SEARCH + "?q=Bulkperson"
    response = assert_constant_queries(as_user(facilitator), url, grow, 7, django_assert_max_num_queries)
    assert "Person responsible" in response.content.decode()


def test_search_second_page(as_user, service, manager):
    bulk_cases(30, service=service, created_by=manager)
    client = as_user(manager)
    first = client.get(SEARCH, {"q": "BULK"})
    second = client.get(SEARCH + next_link(first)).content.decode()
    assert "TS-BULK-00029" in second
    assert "TS-BULK-00000" not in second
