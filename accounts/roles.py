"""Roles are Django groups holding model permissions.

ROLE_PERMISSIONS is the one place that says what each role may do in general.
What a person may see of a particular case is decided by object permissions
(django-guardian), granted and revoked by the case services.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Role

_RJ_TEAM = (Role.FACILITATOR, Role.MANAGER, Role.ADMINISTRATOR)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.FACILITATOR: (
        "core.view_my_work",
        "core.refer_case",
        "core.view_service_summary",
    ),
    Role.MANAGER: (
        "core.view_my_work",
        "core.refer_case",
        "core.view_service_summary",
        "core.approve_assessments",
        "core.allocate_cases",
        "core.screen_referrals",
        "core.view_dashboard",
        "core.manage_returns",
        "core.view_access_log",
        "privacy.manage_personal_data",
        "privacy.manage_retention",
    ),
    Role.ADMINISTRATOR: (
        "core.refer_case",
        "core.screen_referrals",
        "core.view_service_summary",
        "core.manage_returns",
        "core.configure_service",
        "privacy.manage_retention",
    ),
    Role.OFFENDER_MANAGER: (
        "core.refer_case",
        "core.view_my_referrals",
    ),
    Role.VICTIM_LIAISON: (
        "core.refer_case",
        "core.view_my_referrals",
    ),
    Role.COMMISSIONER: ("core.view_dashboard",),
}


def role_group_name(role: str) -> str:
    return f"role:{role}"


# Roles whose members see every case of their own service (through a per-service group that
# holds django-guardian object permissions on that service's cases).
SERVICE_TEAM_ROLES = (Role.MANAGER, Role.ADMINISTRATOR)


def service_team_group_name(service_id: int, role: str) -> str:
    return f"service:{service_id}:{role}"


def ensure_role_groups(*args: Any, **kwargs: Any) -> None:
    """Create one group per role holding exactly that role's permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name = {}
    for perm in Permission.objects.select_related("content_type"):
        key = f"{perm.content_type.app_label}.{perm.codename}"
        if key in wanted:
            by_name[key] = perm
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        group.permissions.set([by_name[p] for p in perms if p in by_name])
