"""The dashboard's summary table: stored per service and quarter, added back up exactly, refreshed by Celery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.urls import reverse
from django.utils import timezone

from cases.models import Offender, Victim
from core import clock
from reporting.dashboard import dashboard_build
from reporting.metrics import Scope
from reporting.metrics.dashboard import all_figures
from reporting.models import FigureSnapshot
from reporting.snapshots import FIGURES_VERSION, figures_for, merge, refresh, split, tokens_key
from reporting.sql import Intervals, median_of
from reporting.tasks import refresh_figures
from tests.reporting import dashboard_support as support
from tests.reporting.dashboard_support import PREVIOUS, QUARTER, bulk_cases, row_of, tables_of

pytestmark = pytest.mark.django_db
fixed_clock, staff, world = support.fixed_clock, support.staff, support.world
DASHBOARD = reverse("reporting:dashboard")


def test_medians_from_histograms():
    assert median_of({}) is None
    assert median_of({4: 1}) == 4
    assert median_of({1: 1, 3: 1}) == 2.0
    assert median_of({2: 3, 10: 1}) == 2.0
    assert median_of({1: 2, 5: 2, 9: 1}) == 5.0
    # two services' histograms add up to the median of all their rows together: 1, 2, 2, 7, 30, 30
    both = Intervals(histogram={1: {1: 1, 30: 2}, 2: {2: 2, 7: 1}})
    assert (both.median, both.count, both.per_service) == (4.5, 6, {1: 3, 2: 3})


@pytest.mark.parametrize("quarter", [QUARTER, PREVIOUS])
def test_figures_stored_per_service_add_up_to_the_live_figures(world, service, other_service, other_manager, quarter):
    bulk_cases(other_service, other_manager, quarter.start, 7, source="victim_self")
    scope = Scope((service.pk, other_service.pk), quarter)
    live = all_figures(scope)
    # stored one service at a time, then added back together
    refresh(quarter, [service.pk])
    refresh(quarter, [other_service.pk])
    stored = figures_for(scope)
    assert stored.values == live
    assert stored.as_at is not None
    # and the round trip on its own
    assert merge(split(live, scope.service_ids)) == live


def test_a_missing_service_is_worked_out_once_and_stored(world, service):
    scope = Scope((service.pk,), QUARTER)
    assert not FigureSnapshot.objects.exists()
    first = figures_for(scope)
    row = FigureSnapshot.objects.get()
    assert (row.service_id, row.quarter_start, row.figures["v"]) == (service.pk, QUARTER.start, FIGURES_VERSION)
    assert figures_for(scope).values == first.values
    assert FigureSnapshot.objects.count() == 1


def test_rows_of_another_version_are_worked_out_again(world, service):
    scope = Scope((service.pk,), QUARTER)
    figures_for(scope)
    FigureSnapshot.objects.update(figures={"v": FIGURES_VERSION - 1, "figures": {}})
    assert figures_for(scope).values == all_figures(scope)
    assert FigureSnapshot.objects.get().figures["v"] == FIGURES_VERSION


def test_the_page_shows_stored_figures_until_the_refresh(world, service, manager, commissioner, as_user):
    client = as_user(commissioner)
    before = row_of(tables_of(client.get(DASHBOARD))["Referrals by source"], "Total")
    bulk_cases(service, manager, QUARTER.start, 6)
    page = client.get(DASHBOARD)
    assert row_of(tables_of(page)["Referrals by source"], "Total") == before
    assert "Figures worked out at 12:00 on 16 November 2026" in page.content.decode()
    assert "every 15 minutes for the quarter under way" in page.content.decode()
    # 16 November is past the first weeks of the quarter: the frequent job leaves July to September to the night
    assert refresh_figures("recent") == 1
    assert row_of(tables_of(client.get(DASHBOARD))["Referrals by source"], "Total") == before
    assert refresh_figures("all") == 13
    after = row_of(tables_of(client.get(DASHBOARD))["Referrals by source"], "Total")
    assert after != before


def _refreshed_quarters() -> set:
    return set(FigureSnapshot.objects.values_list("quarter_start", flat=True))


@pytest.mark.parametrize(
    ("day", "recent", "ended"),
    [
        (dt.date(2026, 10, 1), [QUARTER.next], [QUARTER]),  # a quarter's first day: the one just ended hourly too
        (dt.date(2026, 10, 21), [QUARTER.next], [QUARTER]),  # its 21st day, the last of the late entries
        (dt.date(2026, 10, 22), [QUARTER.next], []),
        (dt.date(2026, 12, 31), [QUARTER.next], []),
    ],
)
def test_the_frequent_jobs_each_refresh_one_quarter_at_most(world, service, other_service, day, recent, ended):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
    with clock.use(lambda: moment):
        assert refresh_figures("recent") == len(recent)
        assert _refreshed_quarters() == {quarter.start for quarter in recent}
        assert refresh_figures("ended") == len(ended)
    assert _refreshed_quarters() == {quarter.start for quarter in [*recent, *ended]}
    assert FigureSnapshot.objects.count() == len([*recent, *ended]) * 2


def test_the_hourly_job_builds_the_default_dashboards_again_and_the_15_minute_one_does_not(world, monkeypatch):
    from reporting import tasks

    warmed = []
    monkeypatch.setattr(tasks, "_warm", warmed.append)
    moment = timezone.make_aware(dt.datetime(2026, 10, 5, 9, 0))
    with clock.use(lambda: moment):
        refresh_figures("recent")
        assert warmed == []
        refresh_figures("ended")
        assert warmed == [QUARTER]


def test_the_jobs_refresh_the_quarter_under_way_often_and_all_of_them_nightly(world, service, other_service):
    assert refresh_figures("recent") == 1
    assert _refreshed_quarters() == {QUARTER.next.start}
    assert refresh_figures("all") == 13
    services = {service.pk, other_service.pk}
    assert FigureSnapshot.objects.count() == 13 * len(services)
    assert set(FigureSnapshot.objects.values_list("service_id", flat=True)) == services


def test_only_aggregates_are_stored(world):
    refresh_figures("all")
    stored = " ".join(str(row.figures) for row in FigureSnapshot.objects.all())
    people = [*Victim.objects.all(), *Offender.objects.all()]
    assert people
    for person in people:
        assert person.last_name not in stored
        assert person.first_name not in stored
    assert "@" not in stored


def test_a_built_dashboard_is_cached_until_its_rows_are_refreshed(world, service, django_assert_max_num_queries):
    scope = Scope((service.pk,), QUARTER)
    first = dashboard_build(scope=scope)
    with django_assert_max_num_queries(1):  # the rows' tokens; the dashboard itself comes from the cache
        again = dashboard_build(scope=scope)
    assert again == first
    refresh(QUARTER, [service.pk])
    rebuilt = dashboard_build(scope=scope)
    assert rebuilt.as_at is not None
    before = Scope((service.pk,), PREVIOUS)
    assert tokens_key(scope, [QUARTER], prefix="x") != tokens_key(before, [PREVIOUS], prefix="x")


def test_the_refresh_job_builds_the_national_and_area_dashboards(world, service, other_service, area):
    refresh_figures("all")
    national = Scope(tuple(sorted((service.pk, other_service.pk))), QUARTER)
    home = Scope((service.pk,), QUARTER)
    for scope in (national, home):
        key = tokens_key(scope, [QUARTER], prefix="dashboard:0")
        assert cache.get(key) is not None


def test_the_page_keeps_the_sections_html_with_the_cached_dashboard(world, service, commissioner, as_user):
    client = as_user(commissioner)
    first = client.get(DASHBOARD)
    board = first.context["board"]
    assert board.cache_key is not None
    fragment = make_template_fragment_key("dashboard_sections", [board.cache_key, first.context["query"]])
    sections = cache.get(fragment)
    assert "Referrals by source" in sections
    assert sections in client.get(DASHBOARD).content.decode()
