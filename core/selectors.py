from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from accounts.models import Role, Service, Team, User


@dataclass(frozen=True)
class StaffGroup:
    role_label: str
    people: list[User]


@dataclass(frozen=True)
class ServiceSummary:
    service: Service
    teams: list[Team]
    staff_groups: list[StaffGroup]
    staff_total: int


def service_summary(*, service: Service) -> ServiceSummary:
    service = Service.objects.select_related("area").get(pk=service.pk)
    teams = list(service.teams.annotate(member_count=Count("members")).order_by("name"))
    staff = list(
        User.objects.filter(service=service, is_active=True).only(
            "first_name", "last_name", "username", "role", "job_title"
        )
    )
    groups = []
    for role in Role:
        people = [u for u in staff if u.role == role]
        if people:
            groups.append(StaffGroup(role_label=role.label, people=people))
    return ServiceSummary(service=service, teams=teams, staff_groups=groups, staff_total=len(staff))
