"""Bench-only pages: the baselines the benchmark compares with, and the national dashboard the product has no
page for. Served only with bench.settings (bench/urls.py), never by the product's URLconf.

Each baseline is the product's own view with one piece swapped for the naive way of doing it, so the rest of
the page (template, other queries) is the same:
- guardian: the case list filtered with django-guardian's generic object permissions and
  get_objects_for_user's defaults, instead of the direct permission tables;
- has-perm: the case page asking user.has_perm(perm, obj) for each object and permission, instead of the
  prefetched permissions.perms_on;
- offset: the case list paged with OFFSET instead of keyset pagination;
- dashboard-live: the dashboard's figures computed live with GROUP BY over every service's cases (figures only,
  no page around them);
- national dashboard: the product's dashboard page with every service of every area offered;
- case export: the product's case list CSV rows (cases.exports) streamed over the first 100,000 cases of the
  whole dataset, newest first: no service has that many, so the product's own download cannot reach that size.

The swaps are made per thread (gthread workers serve other requests meanwhile) and a page whose swap was
not used answers 500, so a refactoring of the product cannot quietly turn a baseline into the product.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.urls import URLPattern, path

_local = threading.local()
_installed: list[str] = []
_install_lock = threading.Lock()


def _active(mode: str) -> bool:
    if getattr(_local, "mode", None) == mode:
        _local.used = True
        return True
    return False


@contextmanager
def _mode(mode: str, **values: Any):
    _local.mode, _local.values, _local.used = mode, values, False
    try:
        yield
    finally:
        _local.mode, _local.values = None, {}


def _patch(module_name: str, attribute: str, make: Callable[[Callable], Callable]) -> None:
    module = import_module(module_name)
    original = getattr(module, attribute)
    setattr(module, attribute, make(original))


def _install() -> None:
    """Put the swaps in place once (each one does nothing unless its mode is on in this thread)."""
    with _install_lock:
        if _installed:
            return
        _patch("guardian.shortcuts", "get_user_obj_perms_model", _generic_model("USER_OBJ_PERMS_MODEL"))
        _patch("guardian.shortcuts", "get_group_obj_perms_model", _generic_model("GROUP_OBJ_PERMS_MODEL"))
        _patch("cases.selectors", "case_list_for_user", _guardian_case_list)
        _patch("cases.permissions", "perms_on", _perms_by_has_perm)
        _patch("cases.views.lists", "keyset_page", _offset_page)
        _patch("reporting.forms", "dashboard_services", _all_services)
        _patch("reporting.forms", "dashboard_areas", _all_areas)
        _installed.append("done")


# --- The swaps -------------------------------------------------------------------------------------


def _generic_model(setting: str) -> Callable[[Callable], Callable]:
    def make(original: Callable) -> Callable:
        def model_for(*args, **kwargs):
            if getattr(_local, "mode", None) == "guardian":
                from guardian.utils import get_obj_perm_model_by_conf

                return get_obj_perm_model_by_conf(setting)
            return original(*args, **kwargs)

        return model_for

    return make


def _guardian_case_list(original: Callable) -> Callable:
    def case_list_for_user(*args, **kwargs):
        if not _active("guardian"):
            return original(*args, **kwargs)
        user = kwargs["user"]
        from guardian.shortcuts import get_objects_for_user

        from cases.models import Case
        from cases.selectors import CASE_LIST_FIELDS

        columns = Case.objects.select_related("lead_facilitator", "second_facilitator").only(*CASE_LIST_FIELDS)
        return get_objects_for_user(user, "cases.view_case", columns)

    return case_list_for_user


def _perms_by_has_perm(original: Callable) -> Callable:
    def perms_on(user, objects, *args, **kwargs):
        if not _active("has_perm"):
            return original(user, objects, *args, **kwargs)
        from cases import permissions
        from cases.models import Case, Offender, Victim

        codenames = {
            Case: (permissions.CASE_VIEW, permissions.CASE_CHANGE, permissions.CASE_PROGRESS),
            Victim: (permissions.VICTIM_VIEW, permissions.VICTIM_CHANGE, permissions.VICTIM_SHARED),
            Offender: (permissions.OFFENDER_VIEW, permissions.OFFENDER_CHANGE, permissions.OFFENDER_SUMMARY),
        }
        found = {}
        for obj in objects:
            model = type(obj)
            found[(model, obj.pk)] = {c for c in codenames[model] if user.has_perm(f"cases.{c}", obj)}
        return found

    return perms_on


def _offset_page(original: Callable) -> Callable:
    def keyset_page(queryset, *args, field, descending=True, size=25, **kwargs):
        if not _active("offset"):
            return original(queryset, *args, field=field, descending=descending, size=size, **kwargs)
        from core.pagination import KeysetPage

        number = _local.values["page"]
        order = [f"-{field}", "-id"] if descending else [field, "id"]
        start = (number - 1) * size
        rows = list(queryset.order_by(*order)[start : start + size + 1])
        return KeysetPage(
            rows=rows[:size], next_token=None, previous_token=None, has_next=len(rows) > size, is_first=number == 1
        )

    return keyset_page


def _all_services(original: Callable) -> Callable:
    def dashboard_services(user, *args, **kwargs):
        if not _active("national"):
            return original(user, *args, **kwargs)
        from accounts.models import Service

        return Service.objects.select_related("area")

    return dashboard_services


def _all_areas(original: Callable) -> Callable:
    def dashboard_areas(user, *args, **kwargs):
        if not _active("national"):
            return original(user, *args, **kwargs)
        from accounts.models import PccArea

        return PccArea.objects.all()

    return dashboard_areas


# --- Views -----------------------------------------------------------------------------------------


def _swapped(mode: str, view_path: str, **fixed: Any) -> Callable[..., HttpResponse]:
    module_name, name = view_path.rsplit(".", 1)

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _install()
        values = dict(fixed)
        if mode == "offset":
            values["page"] = max(int(request.GET.get("page_number", "1") or 1), 1)
        with _mode(mode, **values):
            response = getattr(import_module(module_name), name)(request, *args, **kwargs)
            used = _local.used
        if response.status_code == 200 and not used:
            return HttpResponseServerError(
                f"Baseline '{mode}' was not applied: {view_path} no longer calls what bench/baselines.py swaps",
                content_type="text/plain",
            )
        return response

    view.__name__ = f"bench_{mode}"
    return view


def dashboard_live(request: HttpRequest) -> HttpResponse:
    """The dashboard's figures for the user's chosen area and quarter, computed live over every service."""
    from accounts.models import Service
    from core import clock
    from core.access import require_capability
    from reporting.forms import DashboardFilterForm
    from reporting.metrics import Scope
    from reporting.metrics.dashboard import all_figures
    from reporting.sql import figures_transaction

    @require_capability("core.view_dashboard")
    def figures(request: HttpRequest) -> HttpResponse:
        form = DashboardFilterForm(request.GET, user=request.user, today=clock.today())
        if not form.is_valid():
            return HttpResponse("Check the filters", status=422, content_type="text/plain")
        chosen = len(form.services_chosen())
        every = tuple(Service.objects.order_by("pk").values_list("pk", flat=True))
        with figures_transaction():
            computed = all_figures(Scope(every, form.quarter_chosen))
        return HttpResponse(
            f"{len(computed)} groups of figures computed for {len(every)} services ({chosen} chosen)",
            content_type="text/plain",
        )

    return figures(request)


EXPORT_ROWS = 100_000


def case_export(request: HttpRequest) -> HttpResponse:
    """The case list download's own code (cases.exports.case_rows through reporting.csv_export.stream_csv) over
    the first EXPORT_ROWS cases of every service, for the people who may download their service's list."""
    from cases import exports
    from cases.models import Case
    from core import clock
    from core.access import require_capability
    from reporting.csv_export import stream_csv

    @require_capability("core.screen_referrals")
    def export(request: HttpRequest) -> HttpResponse:
        rows = exports.case_rows(Case.objects.all(), limit=EXPORT_ROWS)
        return stream_csv(exports.filename(request.user.service, clock.today()), exports.HEADER, rows)

    return export(request)


urlpatterns: list[URLPattern] = [
    path("baselines/case-list-guardian/", _swapped("guardian", "cases.views.lists.case_list"), name="bench_guardian"),
    path("baselines/case-list-offset/", _swapped("offset", "cases.views.lists.case_list"), name="bench_offset"),
    path(
        "baselines/cases/<int:pk>/has-perm/",
        _swapped("has_perm", "cases.views.case_page.case_detail"),
        name="bench_has_perm",
    ),
    path("baselines/dashboard-live/", dashboard_live, name="bench_dashboard_live"),
    path("national-dashboard/", _swapped("national", "reporting.views.dashboard"), name="bench_national_dashboard"),
    path("case-export.csv", case_export, name="bench_case_export"),
]
