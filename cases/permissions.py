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

Break-glass (audit.breakglass): an accredited facilitator of the service who is not on a case
(may_break_glass) may read its records after typing a reason. The get_*_for_user helpers then send
them to the reason page instead of answering 404, and while their reason runs they open what the
service's RJ managers may view (the view permissions only, never a change, and only in a request
that changes nothing). visible_on_case, perms_on and has_object_perm count those records for the
rest of that request; lists and search (visible) never do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Exists, Model, OuterRef, Q, QuerySet, Value
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


def _direct_rows(model: type[Model], user: User, codename: str) -> QuerySet:
    """The permission rows given to `user` themselves (allocation, an offender manager's or VLO's link)."""
    user_table, _ = _TABLES[model]
    return user_table.objects.filter(user=user, permission__codename=codename)


def _group_rows(model: type[Model], user: User, codename: str) -> QuerySet:
    """The permission rows held by the groups `user` belongs to (their service's team)."""
    _, group_table = _TABLES[model]
    return group_table.objects.filter(group__user=user, permission__codename=codename)


def visible_q(model: type[Model], user: User, perm: str) -> Q:
    """A filter for `model` rows on which `user` holds `perm`, directly or through a group.

    Checked row by row through the permission tables' (object, user or group) indexes: right for a query that
    already narrows the rows (one record, one case's people). For a list of everything someone may see, use
    visible_list(), which reaches the same rows from the permission rows' side.
    """
    codename = _codename(perm)
    direct = _direct_rows(model, user, codename).filter(content_object=OuterRef("pk"))
    via_group = _group_rows(model, user, codename).filter(content_object=OuterRef("pk"))
    return Q(Exists(direct)) | Q(Exists(via_group))


def visible(queryset: QuerySet, user: User, perm: str) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(visible_q(queryset.model, user, perm))


# --- Lists --------------------------------------------------------------------------------------
#
# A list of every case someone may see cannot be filtered with visible(): the OR of the two EXISTS can use no
# index, so PostgreSQL reads every case to find them (over a second at 1,000,000 cases), and a planner left to
# guess how many rows a permission subquery holds may walk the whole (created_at, id) index for a user who holds
# none. visible_list() starts from the permission rows instead (bench/README.md, "Plans after the fixes"). The
# same rows decide as in visible(): rows of the user's own and rows of the groups they belong to, with that
# permission's codename.

# Up to this many permission rows, the list is filtered by the ids they name, fetched first: PostgreSQL then
# knows exactly how many rows to expect and fetches them by primary key. Above it, by subqueries on the
# permission rows with the ids of the permission and of the user's groups written in, so the planner's estimate
# comes from the real rows and it can walk the list's index, checking each row's permission by index.
LIST_IDS_LIMIT = 1000


def _big_list_q(model: type[Model], user: User, codename: str) -> Q | None:
    """The filter for a user who holds `codename` on more than LIST_IDS_LIMIT rows; None if on none after all.

    One query finds the permission's ids, whether the user holds it directly and which of their groups hold it.
    """
    user_table, group_table = _TABLES[model]
    kind = CharField()
    facts = Permission.objects.filter(codename=codename).annotate(kind=Value("permission", kind))
    facts = facts.values_list("kind", "pk").order_by()
    has_direct = User.objects.filter(pk=user.pk).filter(Exists(_direct_rows(model, user, codename)))
    holding = group_table.objects.filter(group=OuterRef("pk"), permission__codename=codename)
    groups = Group.objects.filter(user=user).filter(Exists(holding))
    for part, name in ((has_direct, "user"), (groups, "group")):
        facts = facts.union(part.annotate(kind=Value(name, kind)).values_list("kind", "pk").order_by(), all=True)
    found: dict[str, list[int]] = {"permission": [], "user": [], "group": []}
    for name, pk in facts:
        found[name].append(pk)
    condition = Q()
    if found["user"]:
        rows = user_table.objects.filter(user_id=user.pk, permission_id__in=found["permission"])
        condition |= Q(pk__in=rows.values("content_object_id"))
    if found["group"]:
        # Membership is read by the query above, not again here: checking it on each row made the walk look dear
        # enough for the planner to start parallel workers (20 ms instead of 2).
        rows = group_table.objects.filter(group_id__in=sorted(found["group"]), permission_id__in=found["permission"])
        condition |= Q(pk__in=rows.values("content_object_id"))
    return condition or None


def visible_list(queryset: QuerySet, user: User, perm: str) -> QuerySet:
    """`queryset` narrowed to the rows on which `user` holds `perm`, as visible() does, for a list page.

    Runs one query before the list's own (and the list runs none when the user holds `perm` on nothing), or two
    when the user holds `perm` on more than LIST_IDS_LIMIT rows.
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    model = queryset.model
    codename = _codename(perm)
    direct = _direct_rows(model, user, codename).order_by().values_list("content_object_id", flat=True)
    via_group = _group_rows(model, user, codename).order_by().values_list("content_object_id", flat=True)
    ids = list(direct.union(via_group, all=True)[: LIST_IDS_LIMIT + 1])
    if not ids:
        return queryset.none()
    if len(ids) <= LIST_IDS_LIMIT:
        # Each row is checked again in the list's own query, so a permission taken away meanwhile is not listed.
        return queryset.filter(pk__in=sorted(set(ids))).filter(visible_q(model, user, perm))
    condition = _big_list_q(model, user, codename)
    return queryset.none() if condition is None else queryset.filter(condition)


def visible_by_rows(queryset: QuerySet, user: User, perm: str) -> QuerySet:
    """`queryset` narrowed to the rows on which `user` holds `perm`, as visible() does, in one query that
    PostgreSQL starts from the user's permission rows and their groups' (the ids of both, as one subquery).

    For a list of what someone was given case by case (an offender manager's or VLO's referrals): it costs
    what their permission rows number, whatever the number of cases. Not for a service's whole team list,
    whose thousands of rows visible_list() reaches from the list's own index instead.
    """
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    codename = _codename(perm)
    model = queryset.model
    direct = _direct_rows(model, user, codename).order_by().values("content_object_id")
    via_group = _group_rows(model, user, codename).order_by().values("content_object_id")
    return queryset.filter(pk__in=direct.union(via_group, all=True))


def has_object_perm(user: User, perm: str, obj: Model) -> bool:
    queryset = type(obj).objects.filter(pk=obj.pk)
    if _widened(user, perm, type(obj), _case_id_of(obj)):
        return visible_on_case(queryset, user, perm, _case_of(obj)).exists()
    return visible(queryset, user, perm).exists()


def _get_for_user(queryset: QuerySet, user: User, pk: int, perms: Iterable[str], *, break_glass: bool = True) -> Model:
    perms = tuple(perms)
    condition = Q()
    for perm in perms:
        condition |= visible_q(queryset.model, user, perm)
    obj = queryset.filter(pk=pk).filter(condition).first() if user.is_authenticated and user.is_active else None
    if obj is None and break_glass:
        obj = _open_with_reason(queryset, user, pk, perms)
        if obj is not None:
            return obj
    if obj is None:
        security_log.warning(
            "refused or missing object",
            extra={"model": queryset.model.__name__, "object_id": pk, "user_id": user.pk, "perms": ",".join(perms)},
        )
        raise Http404("Not found")
    _break_glass_gate(user, obj)
    return obj


def _break_glass_gate(user: User, obj: Model) -> None:
    """A record open to the user only through their service's team grant needs a reason first.

    audit.breakglass holds the rule; it raises BreakGlassRequired, which becomes a redirect to the
    reason page. It never opens anything this module has refused.
    """
    from audit.breakglass import gate  # audit.breakglass reads this module

    gate(user, case=obj if isinstance(obj, Case) else obj.case, person=None if isinstance(obj, Case) else obj)


def holds_personal_grant(user: User, obj: Model) -> bool:
    """True when `user` holds a permission given to them on `obj` itself (allocation, or an offender
    manager's or victim liaison officer's link), not only one held by a group they belong to."""
    user_table, _ = _TABLES[type(obj)]
    return user_table.objects.filter(user=user, content_object=obj).exists()


# --- Break-glass: a facilitator reading a colleague's case after giving a reason ----------------

# What a reason opens, by model: the view permission, never a change.
BREAK_GLASS_PERMS: dict[type[Model], str] = {Case: CASE_VIEW, Victim: VICTIM_VIEW, Offender: OFFENDER_VIEW}
# On the user object a request passes around: the ids of the cases a live reason opened to them in that request.
_OPENED_BY_REASON = "_rjcase_opened_by_reason"


def _may_ever_break_glass(user: User) -> bool:
    """An active, accredited facilitator (volunteers only ever work alongside one) with a service."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.FACILITATOR
        and not user.is_volunteer
        and user.service_id
    )


def may_break_glass(user: User, case: Case) -> bool:
    """Whether `user` may read `case`'s records once they have given a reason: a facilitator of the case's
    service who is not one of its facilitators (covering a colleague who is away). Open or closed alike."""
    return (
        _may_ever_break_glass(user)
        and case.service_id == user.service_id
        and user.pk not in (case.lead_facilitator_id, case.second_facilitator_id)
    )


def _team_view_q(model: type[Model], service_id: int) -> Q:
    """Rows the service's RJ managers may view: all a reason can open (never an erased person: no one holds
    a permission on them any more)."""
    _, group_table = _TABLES[model]
    rows = group_table.objects.filter(
        content_object=OuterRef("pk"),
        group__name=service_team_group_name(service_id, Role.MANAGER),
        permission__codename=BREAK_GLASS_PERMS[model],
    )
    return Q(Exists(rows))


def openable_with_reason(queryset: QuerySet, user: User) -> QuerySet:
    """The rows of `queryset` (cases, victims or offenders) a reason could open to `user`, to read.

    For the reason page and the processing log; whether `user` may break glass on each row's case is
    may_break_glass's answer. Lists never use it: a reason opens one case, reached by its address.
    """
    if not _may_ever_break_glass(user):
        return queryset.none()
    return queryset.filter(_team_view_q(queryset.model, user.service_id))


def _case_id_of(obj: Model) -> int:
    return obj.pk if isinstance(obj, Case) else obj.case_id


def _case_of(obj: Model) -> Case:
    return obj if isinstance(obj, Case) else obj.case


def _opened(user: User) -> set[int]:
    return getattr(user, _OPENED_BY_REASON, None) or set()


def _widened(user: User, perm: str, model: type[Model], case_id: int) -> bool:
    """Whether a live reason, found earlier in this request, opens `model` rows of the case with `perm`."""
    return case_id in _opened(user) and BREAK_GLASS_PERMS.get(model) == _codename(perm)


def _open_with_reason(queryset: QuerySet, user: User, pk: int, perms: tuple[str, ...]) -> Model | None:
    """The record, when `user` may read it only with a reason and has a live one (audit.breakglass.admit
    raises BreakGlassRequired when they have none). None, for a 404, when a reason cannot open it: another
    permission than the view one is asked for, or the request would change something."""
    model = queryset.model
    if BREAK_GLASS_PERMS.get(model) not in {_codename(p) for p in perms} or not _may_ever_break_glass(user):
        return None
    from audit.breakglass import admit  # audit.breakglass reads this module

    obj = openable_with_reason(queryset.filter(pk=pk), user).first()
    if obj is None:
        return None
    case = _case_of(obj)
    if not may_break_glass(user, case) or not admit(user, case=case, person=None if obj is case else obj):
        return None
    setattr(user, _OPENED_BY_REASON, _opened(user) | {case.pk})
    return obj


def read_with_reason(user: User, obj: Victim | Offender) -> bool:
    """For an access helper that found the record through something else (a risk assessment about the
    person): True when a live reason opens the person to `user` to read, BreakGlassRequired when `user`
    may break glass on the case but has given no reason, False otherwise."""
    return _open_with_reason(type(obj).objects.all(), user, obj.pk, (BREAK_GLASS_PERMS[type(obj)],)) is not None


def visible_on_case(queryset: QuerySet, user: User, perm: str, case: Case) -> QuerySet:
    """`visible()` for rows of one case (its victims or offenders): with, while a live reason opens the case
    to the user in this request, the rows a reason opens (view permission only)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    return queryset.filter(visible_on_case_q(queryset.model, user, perm, case))


def visible_on_case_q(model: type[Model], user: User, perm: str, case: Case) -> Q:
    """The filter behind visible_on_case, for rows of `model` belonging to `case`."""
    condition = visible_q(model, user, perm)
    if _widened(user, perm, model, case.pk):
        # Only this case's rows: the reason opened this case, not every case of the service.
        of_case = Q(pk=case.pk) if model is Case else Q(case_id=case.pk)
        condition |= _team_view_q(model, case.service_id) & of_case
    return condition


def _add_opened_by_reason(user: User, objects: Iterable[Model], result: dict) -> None:
    """perms_on's view permissions on the records a live reason opened in this request (one query per kind)."""
    opened = _opened(user)
    if not opened:
        return
    by_model: dict[type[Model], list[int]] = {}
    for obj in objects:
        if _case_id_of(obj) in opened:
            by_model.setdefault(type(obj), []).append(obj.pk)
    for model, ids in by_model.items():
        _, group_table = _TABLES[model]
        codename = BREAK_GLASS_PERMS[model]
        found = group_table.objects.filter(
            group__name=service_team_group_name(user.service_id, Role.MANAGER),
            content_object_id__in=ids,
            permission__codename=codename,
        ).values_list("content_object_id", flat=True)
        for object_id in found:
            result.setdefault((model, object_id), set()).add(codename)


def get_case_for_user(user: User, pk: int, perm: str = CASE_VIEW, *, queryset: QuerySet | None = None) -> Case:
    return _get_for_user(queryset if queryset is not None else Case.objects.all(), user, pk, [perm])


def get_victim_for_user(
    user: User, pk: int, perm: str = VICTIM_VIEW, *, queryset: QuerySet | None = None, break_glass: bool = True
) -> Victim:
    """The victim, if the user holds `perm` on them. break_glass=False: 404 rather than the reason page, for a
    page that also needs more than a reason opens (such as the permission to work the case)."""
    qs = queryset if queryset is not None else Victim.objects.all()
    return _get_for_user(qs, user, pk, [perm], break_glass=break_glass)


def get_offender_for_user(
    user: User, pk: int, perm: str = OFFENDER_VIEW, *, queryset: QuerySet | None = None, break_glass: bool = True
) -> Offender:
    """As get_victim_for_user, for an offender."""
    qs = queryset if queryset is not None else Offender.objects.all()
    return _get_for_user(qs, user, pk, [perm], break_glass=break_glass)


def get_case_any_for_user(
    user: User, pk: int, perms: Iterable[str], *, queryset: QuerySet | None = None, break_glass: bool = True
) -> Case:
    """The case, if the user holds any of `perms` on it. break_glass=False: 404 rather than the reason page
    (a page that must not open a colleague's case, such as the confirmation after registering a referral)."""
    qs = queryset if queryset is not None else Case.objects.all()
    return _get_for_user(qs, user, pk, perms, break_glass=break_glass)


def get_case_registered_by(user: User, pk: int) -> Case:
    """A case the user registered: enough to show its reference on the confirmation page, nothing more."""
    case = Case.objects.filter(pk=pk, created_by=user).first() if user.is_authenticated else None
    if case is None:
        raise Http404("Not found")
    return case


def perms_on(user: User, objects: Iterable[Model]) -> dict[tuple[type[Model], int], set[str]]:
    """Every permission `user` holds on each of `objects`, in one query (and one more per kind for what a live
    break-glass reason opened in this request)."""
    objects = list(objects)
    by_model: dict[type[Model], list[int]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj.pk)
    result: dict[tuple[type[Model], int], set[str]] = {}
    models = list(by_model)
    parts = []
    for index, model in enumerate(models):
        user_table, group_table = _TABLES[model]
        for table, holder in ((user_table, Q(user=user)), (group_table, Q(group__user=user))):
            rows = table.objects.filter(holder, content_object_id__in=by_model[model]).annotate(kind=Value(index))
            parts.append(rows.values_list("kind", "content_object_id", "permission__codename").order_by())
    if parts:
        for index, object_id, codename in parts[0].union(*parts[1:], all=True):
            result.setdefault((models[index], object_id), set()).add(codename)
    _add_opened_by_reason(user, objects, result)
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


def revoke_all_on_person(participant: Victim | Offender) -> None:
    """Nobody may open the person's record any more: its personal data has been erased (privacy.erasure)."""
    user_table, group_table = _TABLES[type(participant)]
    user_table.objects.filter(content_object=participant).delete()
    group_table.objects.filter(content_object=participant).delete()


def revoke_user_grants_on_case(case: Case) -> None:
    """An erased case stays open to its service's team (group rows) only: every grant to one user goes."""
    user_table, _ = _TABLES[Case]
    user_table.objects.filter(content_object=case).delete()


def users_with_case_access(case: Case) -> QuerySet[User]:
    """Everyone who may open the case in any way (for notifications and the access log)."""
    return User.objects.filter(
        Q(groups__casegroupobjectpermission__content_object=case) | Q(caseuserobjectpermission__content_object=case)
    ).distinct()
