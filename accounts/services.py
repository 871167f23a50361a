from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import PccArea, Role, Service, Team, User
from accounts.roles import SERVICE_TEAM_ROLES, role_group_name, service_team_group_name


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    first_name: str,
    last_name: str,
    email: str = "",
    service: Service | None = None,
    team: Team | None = None,
    areas: Iterable[PccArea] = (),
    password: str | None = None,
    agency: str = "",
    job_title: str = "",
) -> User:
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if role != Role.COMMISSIONER and service is None:
        raise ValidationError({"service": "Choose the service this person works for."})
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        service=service if role != Role.COMMISSIONER else None,
        team=team,
        agency=agency,
        job_title=job_title,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if role == Role.COMMISSIONER:
        user.areas.set(areas)
    user_set_role(user=user, role=role)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str) -> None:
    """Keep the user's role field and their role group in step."""
    groups = Group.objects.filter(name__startswith="role:") | Group.objects.filter(name__startswith="service:")
    user.groups.remove(*groups)
    user.groups.add(Group.objects.get_or_create(name=role_group_name(role))[0])
    if role in SERVICE_TEAM_ROLES and user.service_id:
        user.groups.add(Group.objects.get_or_create(name=service_team_group_name(user.service_id, role))[0])
    if user.role != role:
        user.role = role
        user.save(update_fields=["role"])
