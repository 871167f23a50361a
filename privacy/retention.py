"""The nightly retention job: erase what each service no longer keeps.

For each service, with its own periods (privacy.policy):
- cases that ended after allocation, closed before the cutoff: every person and the case's personal data
  (erase_case);
- referrals that ended without being allocated, closed before their (shorter) cutoff: the same;
- feedback calls made before the cutoff: what was said in words (the chosen answers stay).

A record is kept for the whole of its period and erased from the next day: a case closed on 3 March 2020,
kept for 6 years, is erased by the run of 4 March 2026. The work is proportional to what is due: the cases
come from one query (which leaves out the erased ones), feedback from where the last run stopped
(RetentionProgress). Each case is erased in its own transaction, so a failure leaves the others done and the
next run finishes it; a run stops after `limit` cases per service and says so (more_due).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Service
from agreements.models import OffenderFeedback, VictimFeedback
from audit.models import Operation
from audit.services import log_processing
from cases.models import Case
from cases.models.case import TERMINAL_STAGES
from core import clock
from privacy.erasure import erase_case, rewrite_answers
from privacy.models import Erasure, ErasureKind, ErasureTrigger, RetentionKind, RetentionProgress, RetentionRun
from privacy.policy import cutoff, periods_for

logger = logging.getLogger(__name__)

CASE_LIMIT = 500  # cases erased per service and kind in one run
FEEDBACK_BATCH = 200
FEEDBACK_SIDES = (("victim", VictimFeedback), ("offender", OffenderFeedback))


def cases_due(*, service: Service, kind: str, before: dt.date) -> QuerySet[Case]:
    """The service's ended cases of `kind` closed before `before` and not erased yet, oldest first."""
    erased = Erasure.objects.filter(kind=ErasureKind.CASE, object_id=OuterRef("pk"))
    return (
        Case.objects.filter(
            service=service,
            stage__in=TERMINAL_STAGES,
            closed_on__lt=before,
            allocated_at__isnull=kind == RetentionKind.UNPROCEEDED_REFERRAL,
        )
        .filter(~Exists(erased))
        .order_by("closed_on", "pk")
    )


def _erase_cases(service: Service, kind: str, before: dt.date, reason: str, limit: int) -> tuple[int, int, bool]:
    """Erase up to `limit` due cases: (cases erased, people erased, more left)."""
    ids = list(cases_due(service=service, kind=kind, before=before).values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    cases = people = 0
    for pk in ids[:limit]:
        case = Case.objects.get(pk=pk)
        people_before = Erasure.objects.filter(case=case).exclude(kind=ErasureKind.CASE).count()
        try:
            with transaction.atomic():
                erase_case(case=case, by=None, reason=reason, trigger=ErasureTrigger.RETENTION)
        except Exception:  # this case is left as it was, for the next run; the others go on
            logger.exception("Case %s was not erased: left for the next run", pk)
            more = True
            continue
        people += Erasure.objects.filter(case=case).exclude(kind=ErasureKind.CASE).count() - people_before
        cases += 1
    return cases, people, more


def _feedback_due(service: Service, model, start: dt.date | None, before: dt.date) -> QuerySet:
    rows = model.objects.filter(participant__case__service=service, called_on__lt=before)
    if start is not None:
        rows = rows.filter(called_on__gte=start)
    return rows.order_by("called_on", "pk")


@transaction.atomic
def _clear_feedback_batch(side: str, model, ids: list[int], reason: str) -> None:
    rows = model.objects.filter(pk__in=ids)
    rewrite_answers(rows, overwrite=True)
    rewrite_answers(model.history.model._default_manager.filter(id__in=ids), overwrite=True)
    for pk, person_id, case_id in rows.values_list("pk", "participant_id", "participant__case_id"):
        log_processing(
            user=None,
            operation=Operation.ERASURE,
            person_kind=side,
            person_ids=[person_id],
            case_id=case_id,
            object_type=model.__name__,
            object_id=pk,
            reason=reason,
        )


def _clear_feedback(service: Service, before: dt.date, reason: str) -> int:
    """Erase the answers in words of feedback calls made before `before`, from where the last run stopped."""
    progress = RetentionProgress.objects.filter(service=service, kind=RetentionKind.FEEDBACK_TEXT).first()
    start = progress.done_before if progress else None
    if start is not None and start >= before:
        return 0
    cleared = 0
    for side, model in FEEDBACK_SIDES:
        rows = _feedback_due(service, model, start, before)
        last = 0
        while True:
            batch = list(rows.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:FEEDBACK_BATCH])
            if not batch:
                break
            _clear_feedback_batch(side, model, batch, reason)
            cleared += len(batch)
            last = batch[-1]
    RetentionProgress.objects.update_or_create(
        service=service, kind=RetentionKind.FEEDBACK_TEXT, defaults={"done_before": before}
    )
    return cleared


def retention_run(*, triggered_by: str = "schedule", today: dt.date | None = None, limit: int = CASE_LIMIT):
    """Erase everything past its retention period, service by service, and record the run."""
    today = today or clock.today()
    run = RetentionRun.objects.create(started_at=clock.now(), triggered_by=triggered_by)
    for service in Service.objects.order_by("pk"):
        periods = periods_for(service)
        for kind in (RetentionKind.CLOSED_CASE, RetentionKind.UNPROCEEDED_REFERRAL):
            period = periods[kind]
            reason = f"Retention period ended: {period.label.lower()} are kept for {period.length}"
            cases, people, more = _erase_cases(service, kind, cutoff(periods, kind, today), reason, limit)
            if kind == RetentionKind.CLOSED_CASE:
                run.cases_erased += cases
            else:
                run.referrals_erased += cases
            run.people_erased += people
            run.more_due = run.more_due or more
        period = periods[RetentionKind.FEEDBACK_TEXT]
        reason = f"Retention period ended: feedback answers in words are kept for {period.length}"
        run.feedback_cleared += _clear_feedback(service, cutoff(periods, RetentionKind.FEEDBACK_TEXT, today), reason)
    run.finished_at = clock.now()
    run.save()
    logger.info(
        "retention run finished",
        extra={
            "run_id": run.pk,
            "cases_erased": run.cases_erased,
            "referrals_erased": run.referrals_erased,
            "feedback_cleared": run.feedback_cleared,
        },
    )
    return run


__all__ = ["cases_due", "retention_run"]
