"""The cheaper reads behind the busiest pages: My work's tasks in one query, and coded fields from the kept codes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import code_cache, selectors_lists
from cases.models import Code, CodeList, TaskKind, Victim
from cases.services.common import task_add
from tests.cases.test_lists import bulk_cases

TODAY = dt.date(2026, 11, 30)


def _tasks(case, user, days: list[int]) -> None:
    for number, offset in enumerate(days):
        task_add(
            case=case,
            assignee=user,
            kind=TaskKind.REMINDER,
            title=f"Task {number} due {offset:+d}",
            due_on=TODAY + dt.timedelta(days=offset),
        )


@pytest.fixture
def own_case(service, manager, facilitator):
    return bulk_cases(1, service=service, created_by=manager, facilitators=[facilitator])[0]


def test_my_tasks_in_one_query_when_few_are_due(own_case, facilitator):
    _tasks(own_case, facilitator, [-3, 0, 1, 5, 9])
    with CaptureQueriesContext(connection) as queries:
        tasks = selectors_lists.my_tasks(user=facilitator, today=TODAY)
    assert len(queries) == 1
    assert [t.due_on - TODAY for t in tasks.due] == [dt.timedelta(-3), dt.timedelta(0)]
    assert [t.due_on - TODAY for t in tasks.upcoming] == [dt.timedelta(1), dt.timedelta(5), dt.timedelta(9)]


def test_my_tasks_limits_hold_when_many_are_due(own_case, facilitator):
    _tasks(own_case, facilitator, [-1] * 7 + [2] * 4)
    tasks = selectors_lists.my_tasks(user=facilitator, today=TODAY, due_limit=5, upcoming_limit=3)
    assert len(tasks.due) == 5 and all(t.due_on < TODAY for t in tasks.due)
    # more due than the first read holds: the upcoming ones come from a second read, all three of them
    assert len(tasks.upcoming) == 3 and all(t.due_on > TODAY for t in tasks.upcoming)


def test_my_tasks_leaves_out_done_and_other_peoples_tasks(own_case, facilitator, facilitator2):
    _tasks(own_case, facilitator2, [0])
    _tasks(own_case, facilitator, [0, 1])
    done = facilitator.tasks.get(due_on=TODAY)
    done.done_at = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
    done.save()
    tasks = selectors_lists.my_tasks(user=facilitator, today=TODAY)
    assert tasks.due == [] and [t.due_on for t in tasks.upcoming] == [TODAY + dt.timedelta(days=1)]


def test_attached_codes_are_the_rows_the_foreign_keys_name(allocated_case):
    victim = allocated_case.victims.get()
    victim.sex = Code.objects.filter(list_name=CodeList.SEX).order_by("pk").last()
    victim.save()
    fresh = Victim.objects.get(pk=victim.pk)
    with CaptureQueriesContext(connection) as queries:
        code_cache.attach_codes([fresh], "sex", "ethnicity", "disability")
        code_cache.attach_codes([fresh], "sex")
    assert len(queries) == 1  # every code read once, then kept
    assert fresh.sex == victim.sex and fresh.sex.label == victim.sex.label
    with CaptureQueriesContext(connection) as queries:
        assert fresh.ethnicity_id is None or fresh.ethnicity.pk == fresh.ethnicity_id
    assert len(queries) == 0


def test_a_code_added_or_changed_is_read_again(allocated_case):
    code_cache.codes_by_pk()
    added = Code.objects.create(list_name=CodeList.SEX, code="new-entry", label="A new entry")
    assert code_cache.codes_by_pk()[added.pk].label == "A new entry"
    Code.objects.filter(pk=added.pk).update(label="Changed quietly")  # no signal: another process, say
    assert code_cache.codes_by_pk()[added.pk].label == "A new entry"  # kept until read again...
    assert code_cache.codes_by_pk(needing=[added.pk + 1000])[added.pk].label == "Changed quietly"  # ...on a miss


def test_codes_are_read_again_once_kept_too_long(allocated_case, monkeypatch):
    code = Code.objects.filter(list_name=CodeList.SEX).first()
    code_cache.codes_by_pk()
    Code.objects.filter(pk=code.pk).update(label="Relabelled")
    monkeypatch.setattr(code_cache, "CODE_CACHE_SECONDS", -1)
    assert code_cache.codes_by_pk()[code.pk].label == "Relabelled"


def test_person_page_shows_coded_fields_from_the_kept_codes(as_user, facilitator, allocated_case):
    victim = allocated_case.victims.get()
    victim.sex = Code.objects.filter(list_name=CodeList.SEX).order_by("pk").last()
    victim.save()
    page = as_user(facilitator).get(reverse("cases:victim_detail", args=[victim.pk])).content.decode()
    assert victim.sex.label in page


def test_next_step_and_next_due_are_the_soonest_open_task_and_follow_it(as_user, own_case, facilitator, manager):
    from cases.services.common import tasks_complete

    own_case.tasks.all().delete()
    page = as_user(facilitator).get(reverse("cases:my_work")).content.decode()
    assert "None set" in page  # no open task on the case
    _tasks(own_case, facilitator, [9, 3])
    soonest = own_case.tasks.get(due_on=TODAY + dt.timedelta(days=3))
    listed = {c.pk: c for c in selectors_lists.my_cases_matching(user=facilitator, query="")}
    assert (listed[own_case.pk].next_due_on, listed[own_case.pk].next_step) == (soonest.due_on, soonest.title)
    tasks_complete(tasks=own_case.tasks.filter(pk=soonest.pk), actor=facilitator)
    listed = {c.pk: c for c in selectors_lists.my_cases_matching(user=facilitator, query="")}
    later = own_case.tasks.get(due_on=TODAY + dt.timedelta(days=9))
    assert (listed[own_case.pk].next_due_on, listed[own_case.pk].next_step) == (later.due_on, later.title)
    page = as_user(manager).get(reverse("cases:case_list")).content.decode()
    assert f"{later.due_on:%-d %B %Y}" in page
