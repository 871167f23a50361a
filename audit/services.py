from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from audit.models import BreakGlassAccess, Operation, PersonKind, ProcessingLogEntry
from cases import permissions
from cases.models import Case, Offender, Task, TaskKind, Victim
from cases.services.common import task_add, tasks_complete
from core import clock

# The attribute, on the user object a request passes around, holding that request's live break-glass
# accesses by case id ({case_id: BreakGlassAccess}); set by audit.breakglass.gate.
LIVE_BREAK_GLASS = "_rjcase_break_glass"
BREAK_GLASS_HOURS = 8


BREAK_GLASS_GIVEN = "A reason was given to open the case (kept with the break-glass access)"


def log_processing(
    *,
    user,
    operation: str,
    person_kind: str,
    person_ids: Iterable[int],
    case_id: int | None,
    object_type: str,
    object_id: int | None = None,
    reason: str = "",
    recipient: str = "",
    break_glass: bool = False,
    break_glass_access_id: int | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Write one processing-log row per person the operation touched.

    While the user works on the case under a break-glass reason (audit.breakglass), every row is marked
    break_glass=True and points to that access, where the reason they typed is kept: typed text could name
    someone, and this log is never changed or erased.
    """
    now = timezone.now()
    live = (getattr(user, LIVE_BREAK_GLASS, None) or {}).get(case_id) if case_id is not None else None
    access_id = break_glass_access_id
    if live is not None:
        break_glass, access_id = True, live.pk
    # The path without its query string: a search's words may be someone's name, and this log is never erased
    path = request.path[:300] if request is not None else ""
    ProcessingLogEntry.objects.bulk_create(
        ProcessingLogEntry(
            at=now,
            user=user if getattr(user, "is_authenticated", False) else None,
            operation=operation,
            person_kind=person_kind,
            person_id=person_id,
            case_id=case_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            recipient=recipient,
            break_glass=break_glass,
            break_glass_access_id=access_id,
            path=path,
        )
        for person_id in person_ids
    )


def log_processing_of_people(
    *,
    user,
    operation: str,
    people: Iterable[tuple[str, QuerySet]],
    object_type: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> int:
    """One processing-log row per person in each (person kind, queryset of victims or offenders), each with the
    person's case, written by the database in one `INSERT … SELECT` per kind: for an operation on many cases'
    people at once (a case list downloaded), which log_processing would first read into Python row by row.
    Returns how many rows were written."""
    meta = ProcessingLogEntry._meta
    quote = connection.ops.quote_name
    given = ["at", "user", "operation", "person_kind", "object_type", "reason", "break_glass", "recipient", "path"]
    columns = [*given, "person_id", "case_id"]  # the last two from each person's row
    fixed = [
        timezone.now(),
        user.pk if getattr(user, "is_authenticated", False) else None,
        operation,
        None,  # the person kind, per queryset
        object_type,
        reason[:300],
        False,
        "",
        request.path[:300] if request is not None else "",  # never the query string (see log_processing)
    ]
    written = 0
    for kind, queryset in people:
        values = [
            meta.get_field(name).get_db_prep_save(kind if name == "person_kind" else value, connection)
            for name, value in zip(given, fixed, strict=True)
        ]
        people = queryset.order_by().values(logged_person=F("pk"), logged_case=F("case_id"))
        try:
            chosen, params = people.query.sql_with_params()
        except EmptyResultSet:
            continue  # nobody (a list the user may see none of)
        names = ", ".join(quote(meta.get_field(name).column) for name in columns)
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {', '.join(['%s'] * len(values))}, "  # noqa: S608
            f"chosen.logged_person, chosen.logged_case FROM ({chosen}) AS chosen"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*values, *params])
            written += cursor.rowcount
    return written


# --- Break-glass ------------------------------------------------------------------------------


def _person_kind(person: Victim | Offender | None) -> str:
    if person is None:
        return ""
    return PersonKind.VICTIM if isinstance(person, Victim) else PersonKind.OFFENDER


def _people_seen(case: Case, user: User, person: Victim | Offender | None) -> list[tuple[str, list[int]]]:
    """Whose records the reason opens: the person asked for, or everyone on the case the user may see
    (for a facilitator covering the case, everyone a reason opens to them)."""
    if person is not None:
        return [(_person_kind(person), [person.pk])]
    if permissions.may_break_glass(user, case):
        victims = permissions.openable_with_reason(case.victims.all(), user).values_list("pk", flat=True)
        offenders = permissions.openable_with_reason(case.offenders.all(), user).values_list("pk", flat=True)
    else:
        victims = permissions.visible(case.victims.all(), user, permissions.VICTIM_VIEW).values_list("pk", flat=True)
        offenders = permissions.visible(case.offenders.all(), user, permissions.OFFENDER_VIEW).values_list(
            "pk", flat=True
        )
    return [(kind, ids) for kind, ids in ((PersonKind.VICTIM, list(victims)), (PersonKind.OFFENDER, list(offenders)))]


@transaction.atomic
def _session_digest(request: HttpRequest | None) -> str:
    from audit.breakglass import session_digest  # audit.breakglass reads this module

    session = getattr(request, "session", None) if request is not None else None
    return session_digest(session.session_key if session is not None else None)


def break_glass_open(
    *,
    user: User,
    case: Case,
    person: Victim | Offender | None,
    reason: str,
    session_ends_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> BreakGlassAccess:
    """Record the reason `user` gave to open `case` (and `person`) outside their own work.

    The access runs for BREAK_GLASS_HOURS, or to `session_ends_at` if sooner. One processing-log row per
    person it opens says so, with the reason; each active RJ manager of the case's service gets a task to
    review it (the title names only the case reference).
    """
    moment = clock.now()
    ends = moment + dt.timedelta(hours=BREAK_GLASS_HOURS)
    if session_ends_at is not None:
        ends = min(ends, session_ends_at)
    access = BreakGlassAccess.objects.create(
        user=user,
        case=case,
        person_kind=_person_kind(person),
        person_id=person.pk if person is not None else None,
        reason=reason,
        at=moment,
        expires_at=ends,
        session_digest=_session_digest(request),
    )
    for kind, ids in _people_seen(case, user, person):
        if ids:
            log_processing(
                user=user,
                operation=Operation.CONSULTATION,
                person_kind=kind,
                person_ids=ids,
                case_id=case.pk,
                object_type="BreakGlassAccess",
                object_id=access.pk,
                reason=BREAK_GLASS_GIVEN,
                break_glass=True,
                break_glass_access_id=access.pk,
                request=request,
            )
    link = reverse("audit:break_glass_list") + f"#access-{access.pk}"
    managers = User.objects.filter(role=Role.MANAGER, service_id=case.service_id, is_active=True).order_by("pk")
    for manager in managers:
        task_add(
            case=case,
            assignee=manager,
            kind=TaskKind.REMINDER,
            title=f"Check why a record on {case.reference} was opened outside own cases",
            dedupe_key=f"break-glass:{access.pk}:{manager.pk}",
            link=link,
        )
    return access


@transaction.atomic
def break_glass_review(*, access: BreakGlassAccess, actor: User) -> BreakGlassAccess:
    """A manager has read the reason: mark it reviewed and close every manager's task about it."""
    if access.reviewed_at is None:
        access.reviewed_at = clock.now()
        access.reviewed_by = actor
        access.save(update_fields=["reviewed_at", "reviewed_by"])
    tasks_complete(
        tasks=Task.objects.filter(dedupe_key__startswith=f"break-glass:{access.pk}:", done_at__isnull=True),
        actor=actor,
    )
    return access


def break_glass_end_for_user(*, user: User) -> int:
    """End the user's running accesses (they signed out, or their session ended)."""
    moment = clock.now()
    return BreakGlassAccess.objects.filter(user=user, expires_at__gt=moment).update(expires_at=moment)


__all__ = [
    "BREAK_GLASS_HOURS",
    "LIVE_BREAK_GLASS",
    "Operation",
    "PersonKind",
    "break_glass_end_for_user",
    "break_glass_open",
    "break_glass_review",
    "log_processing",
]
