"""Break-glass: a typed reason before opening a case's personal data outside one's own work.

The rule
- A facilitator covering a colleague's case (an accredited facilitator of the case's service who is not
  one of its facilitators: cases.permissions.may_break_glass) who opens the case, a person on it or
  any of their records is asked why first, instead of being told it does not exist. With a reason they
  may read what the service's RJ managers may read on that case, open or closed; never change it (a
  form they send is refused with 404, as before). Pages that need the permission to work the case
  (safeguarding concerns, feedback, venue and staff-safety assessments) stay closed to them. Volunteers
  are never asked: they only ever work alongside an accredited facilitator. Lists and search still show
  only their own cases.
- The service's RJ managers are never asked: oversight of every case of their service is their job.
  What they open is logged as usual.
- An allocated facilitator (lead or second) is never asked on their own case. Neither is an offender
  manager on their own offender, nor a victim liaison officer on their own victim: each holds a
  permission given to them on that record (cases.permissions.holds_personal_grant).
- Anyone else who can open a person's record only through their service's team grant (a permission
  held by a group of the service, not given to them on this case) must first say why. This covers
  every page showing a person's data on the case: the person's details, contacts, needs, consents,
  permissions to share and supporters, suitability and risk assessments, safeguarding, conferences,
  indirect communication, agreements and their PDF copies, feedback, and htmx fragments of these.
  A case page that shows them nobody's record (an administrator's overview of a case) needs no reason.
- One reason opens the whole case to that user for 8 hours (audit.services.BREAK_GLASS_HOURS), or
  until they sign out or their session ends, whichever comes first: the access keeps a digest of the session
  it was given in and is live in that session only, so a session that lapses unseen ends it too. Every
  processing-log row they write about the case meanwhile carries break_glass=True and the reason; the
  service's managers get a task to review it.
- Apart from those facilitators, break-glass never opens anything: for everyone else it runs only after
  cases.permissions has allowed the record, and only adds a step. Someone the permissions refuse
  (another service's staff, offender-side staff, victim liaison officers, commissioners,
  administrators on a person's record, volunteers) still gets 404 and never sees the reason page,
  with or without a reason given.

Today the team grant goes to a service's managers and administrators only (accounts.roles.
SERVICE_TEAM_ROLES), and administrators' grant covers case pages without any person's record; so the
people asked are the covering facilitators. The team-grant rule applies as soon as a team grant
reaches people's records for anyone but the service's managers.

How it plugs in: the access helpers (cases.permissions.get_*_for_user, risk.access.get_assessment_for_user,
and through them agreements.access.case_for_team) call `gate()` once they have allowed a record, and
`admit()` for a covering facilitator the permissions refused. Both raise BreakGlassRequired, which
audit.middleware.BreakGlassMiddleware turns into a redirect to the reason page (an `HX-Redirect` for htmx
requests). The middleware also says whether the request only reads (`reading()`): a reason never opens a
record to a request that would change it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q

from accounts.models import Role, User
from audit.models import BreakGlassAccess
from audit.services import LIVE_BREAK_GLASS
from cases import permissions
from cases.models import Case, Offender, Victim
from core import clock

# Whether the request being answered only reads (GET or HEAD), and the digest of its session; set by
# audit.middleware.BreakGlassMiddleware.
_READING: ContextVar[bool] = ContextVar("rjcase_break_glass_reading", default=False)
_SESSION: ContextVar[str] = ContextVar("rjcase_break_glass_session", default="")


def reading() -> bool:
    return _READING.get()


def session_digest(session_key: str | None) -> str:
    """What an access keeps of the session it was given in: a digest, never the key itself."""
    return hashlib.sha256(f"rjcase-break-glass:{session_key}".encode()).hexdigest() if session_key else ""


@contextmanager
def answering(method: str, session_key: str | None = None) -> Iterator[None]:
    """Around a request's answer: records whether it only reads (GET or HEAD), and its session."""
    reading_token = _READING.set(method in ("GET", "HEAD"))
    session_token = _SESSION.set(session_digest(session_key))
    try:
        yield
    finally:
        _READING.reset(reading_token)
        _SESSION.reset(session_token)


class BreakGlassRequired(Exception):
    """The user may open the record, but must first give a reason."""

    def __init__(self, case: Case, person: Victim | Offender | None = None) -> None:
        super().__init__("A reason is needed before opening this record")
        self.case = case
        self.person = person


def _sees_anyone_on(case: Case, user: User) -> bool:
    return (
        permissions.visible(case.victims.all(), user, permissions.VICTIM_VIEW).exists()
        or permissions.visible(case.offenders.all(), user, permissions.OFFENDER_VIEW).exists()
    )


def needs_reason(user: User, case: Case, person: Victim | Offender | None = None) -> bool:
    """Whether `user`, already allowed to open `person` (or the case's page), must give a reason first."""
    if user.role == Role.MANAGER and user.service_id == case.service_id:
        return False
    if user.pk in (case.lead_facilitator_id, case.second_facilitator_id):
        return False
    if permissions.holds_personal_grant(user, person if person is not None else case):
        return False
    if permissions.may_break_glass(user, case):
        return True
    if person is not None:
        return True
    return _sees_anyone_on(case, user)


def live_access(user: User, case_id: int) -> BreakGlassAccess | None:
    """The user's reason on the case that is still running in this session, if any: one given in another
    session (one that lapsed without signing out, or another browser) is not."""
    sessions = Q(session_digest="") | Q(session_digest=_SESSION.get() or "-")
    return (
        BreakGlassAccess.objects.filter(sessions, user=user, case_id=case_id, expires_at__gt=clock.now())
        .order_by("-expires_at")
        .first()
    )


def _known(user: User) -> dict[int, BreakGlassAccess]:
    """This request's live accesses, kept on the user object that log_processing is given."""
    known = getattr(user, LIVE_BREAK_GLASS, None)
    if known is None:
        known = {}
        setattr(user, LIVE_BREAK_GLASS, known)
    return known


def _require_live_access(user: User, case: Case, person: Victim | Offender | None) -> None:
    known = _known(user)
    if case.pk in known:
        return
    access = live_access(user, case.pk)
    if access is None:
        raise BreakGlassRequired(case, person)
    known[case.pk] = access


def gate(user: User, *, case: Case, person: Victim | Offender | None = None) -> None:
    """Let the request through, or raise BreakGlassRequired (see the module's rule)."""
    if not getattr(user, "is_authenticated", False) or not needs_reason(user, case, person):
        return
    _require_live_access(user, case, person)


def admit(user: User, *, case: Case, person: Victim | Offender | None = None) -> bool:
    """For a facilitator the permissions refused but who may break glass on the case
    (cases.permissions.may_break_glass): True when their reason is live, so that the record opens to read;
    BreakGlassRequired when they have given none; False, for a 404, when the request would change something.
    """
    if not reading():
        return False
    _require_live_access(user, case, person)
    return True
