from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

# (label, url name, capability, url names that mark the item active)
NAV_ITEMS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("My work", "cases:my_work", "core.view_my_work", ("cases:my_work",)),
    ("My referrals", "cases:my_referrals", "core.view_my_referrals", ("cases:my_referrals",)),
    ("Cases", "cases:case_list", "core.screen_referrals", ("cases:case_list", "cases:search")),
    ("Allocate", "cases:allocation_queue", "core.allocate_cases", ("cases:allocation_queue",)),
    ("Approvals", "risk:approvals", "core.approve_assessments", ("risk:approvals",)),
    ("Overdue items", "agreements:overdue_items", "core.allocate_cases", ("agreements:overdue_items",)),
    ("Access log", "audit:log_search", "core.view_access_log", ("audit:log_search", "audit:person_log")),
    ("Break-glass access", "audit:break_glass_list", "core.view_access_log", ("audit:break_glass_list",)),
    ("Returns", "reporting:returns", "core.manage_returns", ("reporting:returns", "reporting:return_detail")),
    (
        "Dashboard",
        "reporting:dashboard",
        "core.view_dashboard",
        ("reporting:dashboard", "reporting:compliance", "reporting:compliance_cases"),
    ),
    ("Service", "core:service_summary", "core.view_service_summary", ("core:service_summary",)),
    (
        "Settings",
        "cases:criteria",
        "core.configure_service",
        (
            "cases:criteria",
            "cases:criteria_new",
            "cases:criteria_detail",
            "risk:settings",
            "risk:checklists",
            "risk:checklist_new",
            "risk:checklist_detail",
            "agreements:settings",
            "agreements:feedback_sets",
            "agreements:feedback_set_new",
            "agreements:feedback_set_detail",
            "reporting:return_schedule",
            "privacy:retention",
            "privacy:retention_edit",
        ),
    ),
    # RJ managers set retention periods too, without the rest of the service's settings.
    ("Retention", "privacy:retention", "privacy.manage_personal_data", ("privacy:retention", "privacy:retention_edit")),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"primary_nav": [], "service_name": "rjcase"}
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match and match.namespace else ""
    items = [
        {"label": label, "url": reverse(name), "active": current in active_for}
        for label, name, perm, active_for in NAV_ITEMS
        if user.has_perm(perm)
    ]
    return {"primary_nav": items, "service_name": "rjcase"}
