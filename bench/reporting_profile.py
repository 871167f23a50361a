"""Time the reporting work on a benchmark dataset: the dashboard and the biggest service's quarterly return.

    DATABASE_URL=postgres://…/rjcase_bench .venv/bin/python bench/reporting_profile.py [--repeat 5] [--figures]

Prints, for the latest full quarter, the median time of the whole dashboard build (figures, suppression and
tables, without the page's template) for the biggest service, its PCC area and the national view — read from the
summary table and worked out live —, each figure on its own (--figures), the Celery refresh of the summary
table, and the build of the biggest service's quarterly return with its XLSX.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcase.settings")
os.environ.setdefault("DEBUG", "1")


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--figures", action="store_true", help="also time each figure on its own")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the page timing uses the test client
    from django.db.models import Count

    from accounts.models import Service
    from cases.models import Case
    from core.clock import today
    from reporting.dashboard import dashboard_build
    from reporting.metrics import dashboard as figures
    from reporting.metrics.scope import Scope
    from reporting.quarters import DEFAULT_SCHEDULE

    biggest = Case.objects.values("service_id").annotate(n=Count("pk")).order_by("-n").first()
    service = Service.objects.select_related("area").get(pk=biggest["service_id"])
    quarter = DEFAULT_SCHEDULE.last_ended(today())
    cases = Case.objects.count()
    print(f"{cases:,} cases; biggest service {service.name} ({biggest['n']:,} cases); quarter {quarter}")
    scopes = {
        "service": Scope((service.pk,), quarter),
        "area": Scope(tuple(Service.objects.filter(area=service.area).values_list("pk", flat=True)), quarter),
        "national": Scope(tuple(Service.objects.values_list("pk", flat=True)), quarter),
    }
    from django.core.cache import cache

    from reporting.models import FigureSnapshot
    from reporting.snapshots import refresh
    from reporting.sql import figures_transaction
    from reporting.tasks import refresh_figures

    def refreshed(which: str) -> str:
        started = time.perf_counter()
        count = refresh_figures(which)
        return f"{which} ({count} quarters) {time.perf_counter() - started:.2f} s"

    for name, scope in scopes.items():

        def cold(scope=scope, compare=False):
            FigureSnapshot.objects.all().delete()
            with figures_transaction():
                for quarter in (scope.quarter, scope.quarter.previous) if compare else (scope.quarter,):
                    refresh(quarter, scope.service_ids)
            return dashboard_build(scope=scope, compare=compare)

        live = _median_ms(cold, args.repeat)
        live_both = _median_ms(lambda scope=scope: cold(scope, True), args.repeat)
        refresh_figures("recent")

        def summed(scope=scope, compare=False):
            cache.clear()
            return dashboard_build(scope=scope, compare=compare)

        alone = _median_ms(summed, args.repeat)
        both = _median_ms(lambda scope=scope: summed(scope, True), args.repeat)
        cached = _median_ms(lambda scope=scope: dashboard_build(scope=scope), args.repeat)
        print(
            f"\n{name} ({len(scope.service_ids)} services): cached {cached:.1f} ms; from the summary table "
            f"{alone:.0f} ms (with the previous quarter {both:.0f} ms); "
            f"worked out live {live:.0f} ms ({live_both:.0f} ms)"
        )
        if args.figures:  # each figure live, for the one scope
            for key, fn in figures.FIGURES.items():
                print(f"  {key:<24} {_median_ms(lambda fn=fn, scope=scope: fn(scope), args.repeat):7.1f} ms")
    # The whole page (view, suppression, template) through Django's test client, as the area's commissioner
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from tests.two_factor import verify_session

    commissioner = User.objects.get(username="bench_commissioner")
    with transaction.atomic():  # the commissioner's authenticator app for the test client is not kept
        client = Client()
        client.force_login(commissioner)
        verify_session(client, commissioner)
        url = reverse("reporting:dashboard")
        for query in ({}, {"compare": "on"}):
            status = client.get(url, query).status_code
            if status != 200:
                raise SystemExit(f"the dashboard answered {status}")
            page = _median_ms(lambda query=query: client.get(url, query), args.repeat * 4)
            print(f"dashboard page for {commissioner.username} {query or ''}: {page:.0f} ms (median)")
        transaction.set_rollback(True)
    print(f"\nrefresh job: {refreshed('recent')}; {refreshed('all')}")

    from reporting.returns import exports
    from reporting.returns.services import return_build, return_get_or_create

    quarterly_return, _ = return_get_or_create(service=service, quarter=quarter, actor=None)
    started = time.perf_counter()
    version = return_build(quarterly_return=quarterly_return, actor=None)
    built = time.perf_counter() - started
    started = time.perf_counter()
    size = len(exports.xlsx_bytes(version))
    made = time.perf_counter() - started
    rows = {section["key"]: len(section["rows"]) for section in version.sections}
    print(f"return for {service.name}, {quarter}: built in {built:.1f} s (rows per section {rows}); XLSX {made:.1f} s")
    print(f"  ({size:,} bytes; {len(version.warnings)} data-quality warnings)")


if __name__ == "__main__":
    main()
