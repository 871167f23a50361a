"""The only module that talks to django-guardian about case data.

Who may see what is held in the direct foreign-key permission tables of
cases.models.permissions. Services call the grant_* and revoke_* functions
here; views call the get_*_for_user helpers, which answer 404 both for a
record that does not exist and for one the user may not see.

Permission levels:
- Case: view_case (RJ team case pages), change_case (work the case),
  view_case_progress (offender-side or VLO progress page: stage and dates only).
- Victim: view_victim / change_victim (RJ team), view_victim_shared (their VLO: only
  what the person consented to share).
- Offender: view_offender / change_offender (RJ team), view_offender_summary (their
  offender manager: the offender's own record, never the victim side).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.roles import service_team_group_name
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Offender,
    OffenderGroupObjectPermission,
    OffenderUserObjectPermission,
    Victim,
    VictimGroupObjectPermission,
    VictimUserObjectPermission,
)

security_log = logging.getLogger("rjcase.security")

CASE_VIEW = "view_case"
CASE_CHANGE = "change_case"
CASE_PROGRESS = "view_case_progress"
VICTIM_VIEW = "view_victim"
VICTIM_CHANGE = "change_victim"
VICTIM_SHARED = "view_victim_shared"
OFFENDER_VIEW = "view_offender"
OFFENDER_CHANGE = "change_offender"
OFFENDER_SUMMARY = "view_offender_summary"

_TABLES: dict[type[Model], tuple[type[Model], type[Model]]] = {
    Case: (CaseUserObjectPermission, CaseGroupObjectPermission),
    Victim: (VictimUserObjectPermission, VictimGroupObjectPermission),
    Offender: (OffenderUserObjectPermission, OffenderGroupObjectPermission),
}

TEAM_CASE_PERMS = (CASE_VIEW, CASE_CHANGE)
TEAM_VICTIM_PERMS = (VICTIM_VIEW, VICTIM_CHANGE)
TEAM_OFFENDER_PERMS = (OFFENDER_VIEW, OFFENDER_CHANGE)


def _perm_ids(model: type[Model], codenames: Iterable[str]) -> list[int]:
    """The ids of `model`'s permissions named `codenames`, in one query."""
    return list(
        Permission.objects.filter(
            content_type__app_label="cases", content_type__model=model._meta.model_name, codename__in=list(codenames)
        ).values_list("pk", flat=True)
    )


def _codename(perm: str) -> str:
    return perm.split(".", 1)[-1]


# --- Reading -------------------------------------------------------------------------------


def visible_q(model: type[Model], user: User, perm: str) -> Q:
    """A filter for `model` rows on which `user` holds `perm`, directly or through a group."""
    user_table, group_table = _TABLES[model]
    codename = _codename(perm)
    direct = user_table.objects.filter(content_object=OuterRef("pk"), user=user, permission__codename=codename)
    via_group = group_table.objects.filter(
        content_object=OuterRef("pk"), group__user=user, permission__codename=codename
    )
    return Q(Exists(direct)) | Q(Exists(via_group))


def visible(queryset: QuerySet, user: User, perm: str) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(visible_q(queryset.model, user, perm))


def has_object_perm(user: User, perm: str, obj: Model) -> bool:
    return visible(type(obj).objects.filter(pk=obj.pk), user, perm).exists()


def _get_for_user(queryset: QuerySet, user: User, pk: int, perms: Iterable[str]) -> Model:
    perms = tuple(perms)
    condition = Q()
    for perm in perms:
        condition |= visible_q(queryset.model, user, perm)
    obj = queryset.filter(pk=pk).filter(condition).first() if user.is_authenticated and user.is_active else None
    if obj is None:
        security_log.warning(
            "refused or missing object",
            extra={"model": queryset.model.__name__, "object_id": pk, "user_id": user.pk, "perms": ",".join(perms)},
        )
        raise Http404("Not found")
    return obj


def get_case_for_user(user: User, pk: int, perm: str = CASE_VIEW, *, queryset: QuerySet | None = None) -> Case:
    return _get_for_user(queryset if queryset is not None else Case.objects.all(), user, pk, [perm])


def get_victim_for_user(user: User, pk: int, perm: str = VICTIM_VIEW, *, queryset: QuerySet | None = None) -> Victim:
    return _get_for_user(queryset if queryset is not None else Victim.objects.all(), user, pk, [perm])


def get_offender_for_user(
    user: User, pk: int, perm: str = OFFENDER_VIEW, *, queryset: QuerySet | None = None
) -> Offender:
    return _get_for_user(queryset if queryset is not None else Offender.objects.all(), user, pk, [perm])


def get_case_any_for_user(user: User, pk: int, perms: Iterable[str], *, queryset: QuerySet | None = None) -> Case:
    return _get_for_user(queryset if queryset is not None else Case.objects.all(), user, pk, perms)


def get_case_registered_by(user: User, pk: int) -> Case:
    """A case the user registered: enough to show its reference on the confirmation page, nothing more."""
    case = Case.objects.filter(pk=pk, created_by=user).first() if user.is_authenticated else None
    if case is None:
        raise Http404("Not found")
    return case


def perms_on(user: User, objects: Iterable[Model]) -> dict[tuple[type[Model], int], set[str]]:
    """Every permission `user` holds on each of `objects`, in two queries per model kind."""
    by_model: dict[type[Model], list[int]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj.pk)
    result: dict[tuple[type[Model], int], set[str]] = {}
    for model, ids in by_model.items():
        user_table, group_table = _TABLES[model]
        rows = list(
            user_table.objects.filter(user=user, content_object_id__in=ids).values_list(
                "content_object_id", "permission__codename"
            )
        ) + list(
            group_table.objects.filter(group__user=user, content_object_id__in=ids).values_list(
                "content_object_id", "permission__codename"
            )
        )
        for object_id, codename in rows:
            result.setdefault((model, object_id), set()).add(codename)
    return result


# --- Granting and revoking (called from services only) --------------------------------------


def _grant_user(obj: Model, user: User, codenames: Iterable[str]) -> None:
    """Grant in two queries whatever the number of permissions; rows already there are left alone."""
    user_table, _ = _TABLES[type(obj)]
    user_table.objects.bulk_create(
        [user_table(user=user, content_object=obj, permission_id=pid) for pid in _perm_ids(type(obj), codenames)],
        ignore_conflicts=True,
    )


def _grant_group(obj: Model, group: Group, codenames: Iterable[str]) -> None:
    _, group_table = _TABLES[type(obj)]
    group_table.objects.bulk_create(
        [group_table(group=group, content_object=obj, permission_id=pid) for pid in _perm_ids(type(obj), codenames)],
        ignore_conflicts=True,
    )


def _revoke_user(obj: Model, user: User, codenames: Iterable[str] | None = None) -> None:
    user_table, _ = _TABLES[type(obj)]
    rows = user_table.objects.filter(user=user, content_object=obj)
    if codenames is not None:
        rows = rows.filter(permission__codename__in=list(codenames))
    rows.delete()


def _team_group(case: Case, role: str) -> Group:
    return Group.objects.get_or_create(name=service_team_group_name(case.service_id, role))[0]


def grant_case_to_service(case: Case) -> None:
    """The service's RJ managers work every case; its administrators see every case page."""
    _grant_group(case, _team_group(case, Role.MANAGER), TEAM_CASE_PERMS)
    _grant_group(case, _team_group(case, Role.ADMINISTRATOR), (CASE_VIEW,))


def grant_participant_to_team(participant: Victim | Offender) -> None:
    """A new person on a case: the service's managers and the allocated facilitators may work with them."""
    perms = TEAM_VICTIM_PERMS if isinstance(participant, Victim) else TEAM_OFFENDER_PERMS
    case = participant.case
    _grant_group(participant, _team_group(case, Role.MANAGER), perms)
    for facilitator in facilitators_of(case):
        _grant_user(participant, facilitator, perms)


def facilitators_of(case: Case) -> list[User]:
    ids = [i for i in (case.lead_facilitator_id, case.second_facilitator_id) if i]
    return list(User.objects.filter(pk__in=ids))


def grant_case_to_facilitator(case: Case, user: User) -> None:
    _grant_user(case, user, TEAM_CASE_PERMS)
    for victim in case.victims.all():
        _grant_user(victim, user, TEAM_VICTIM_PERMS)
    for offender in case.offenders.all():
        _grant_user(offender, user, TEAM_OFFENDER_PERMS)


def revoke_case_from_facilitator(case: Case, user: User) -> None:
    _revoke_user(case, user, TEAM_CASE_PERMS)
    for victim in case.victims.all():
        _revoke_user(victim, user, TEAM_VICTIM_PERMS)
    for offender in case.offenders.all():
        _revoke_user(offender, user, TEAM_OFFENDER_PERMS)


def revoke_changes_on_closure(case: Case) -> None:
    """A closed case is read-only for its facilitators; its managers can still correct it."""
    for facilitator in facilitators_of(case):
        _revoke_user(case, facilitator, (CASE_CHANGE,))
        for victim in case.victims.all():
            _revoke_user(victim, facilitator, (VICTIM_CHANGE,))
        for offender in case.offenders.all():
            _revoke_user(offender, facilitator, (OFFENDER_CHANGE,))


def grant_offender_to_offender_manager(offender: Offender, user: User) -> None:
    _grant_user(offender.case, user, (CASE_PROGRESS,))
    _grant_user(offender, user, (OFFENDER_SUMMARY,))


def revoke_offender_from_offender_manager(offender: Offender, user: User) -> None:
    _revoke_user(offender, user, (OFFENDER_SUMMARY,))
    _revoke_progress_if_unlinked(offender.case, user)


def grant_victim_to_vlo(victim: Victim, user: User) -> None:
    _grant_user(victim.case, user, (CASE_PROGRESS,))
    _grant_user(victim, user, (VICTIM_SHARED,))


def revoke_victim_from_vlo(victim: Victim, user: User) -> None:
    _revoke_user(victim, user, (VICTIM_SHARED,))
    _revoke_progress_if_unlinked(victim.case, user)


def _revoke_progress_if_unlinked(case: Case, user: User) -> None:
    """Take away the case progress page from someone no longer linked to anyone on the case."""
    still_on_case = (
        OffenderUserObjectPermission.objects.filter(
            user=user, content_object__case=case, permission__codename=OFFENDER_SUMMARY
        ).exists()
        or VictimUserObjectPermission.objects.filter(
            user=user, content_object__case=case, permission__codename=VICTIM_SHARED
        ).exists()
    )
    if not still_on_case:
        _revoke_user(case, user, (CASE_PROGRESS,))


def users_with_case_access(case: Case) -> QuerySet[User]:
    """Everyone who may open the case in any way (for notifications and the access log)."""
    return User.objects.filter(
        Q(groups__casegroupobjectpermission__content_object=case) | Q(caseuserobjectpermission__content_object=case)
    ).distinct()
