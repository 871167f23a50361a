"""Which services' figures a user may see on the dashboard and the compliance report.

Commissioners see the services in their PCC areas; RJ managers see their own service. Anyone
else sees none (and the pages answer 404 through core.access.require_capability).
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import PccArea, Role, Service, User


def dashboard_services(user: User) -> QuerySet[Service]:
    if user.is_commissioner:
        return Service.objects.filter(area__commissioners=user).select_related("area")
    if user.role == Role.MANAGER and user.service_id:
        return Service.objects.filter(pk=user.service_id).select_related("area")
    return Service.objects.none()


def dashboard_areas(user: User) -> QuerySet[PccArea]:
    if user.is_commissioner:
        return user.areas.all()
    if user.role == Role.MANAGER and user.service_id:
        return PccArea.objects.filter(services=user.service_id)
    return PccArea.objects.none()


def may_see_cases(user: User) -> bool:
    """Managers may follow a figure to the cases behind it; commissioners only ever see aggregates."""
    return user.role == Role.MANAGER and user.service_id is not None
