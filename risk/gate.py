"""Whether a person's pre-conference risk assessment is current, and what stops a conference being confirmed.

An approved assessment stops being current when a newer one is started, when a new risk
is recorded for that person, or when the service's approval period has passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cases.models import Offender, Victim
from core import clock
from risk.checklist import settings_for
from risk.models import AssessmentPoint, AssessmentStatus, RiskAssessment, RiskLevel


def is_current(assessment: RiskAssessment, *, valid_days: int, at: dt.datetime | None = None) -> bool:
    at = at or clock.now()
    return (
        assessment.status == AssessmentStatus.APPROVED
        and assessment.invalidated_at is None
        and assessment.decided_at is not None
        and assessment.decided_at + dt.timedelta(days=valid_days) >= at
    )


def latest_pre_conference(person: Victim | Offender) -> RiskAssessment | None:
    return (
        RiskAssessment.objects.filter(
            **{"victim" if isinstance(person, Victim) else "offender": person},
            point=AssessmentPoint.PRE_CONFERENCE,
        )
        .order_by("-version", "-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class Blocker:
    person: Victim | Offender
    reason: str
    indirect_only: bool = False


def conference_blockers(
    *, case, victims: list[Victim], offenders: list[Offender], at: dt.datetime | None = None
) -> list[Blocker]:
    """Why a conference with these attendees cannot be confirmed (empty: it can be)."""
    valid_days = settings_for(case.service).approval_valid_days
    blockers: list[Blocker] = []
    for person in [*victims, *offenders]:
        latest = latest_pre_conference(person)
        label = "person harmed" if isinstance(person, Victim) else "person responsible"
        if latest is None:
            blockers.append(Blocker(person, f"The {label} has no pre-conference risk assessment."))
        elif latest.status != AssessmentStatus.APPROVED:
            blockers.append(
                Blocker(
                    person,
                    f"The {label}'s pre-conference risk assessment is "
                    f"{latest.get_status_display().lower()}, not approved.",
                )
            )
        elif latest.invalidated_at is not None:
            blockers.append(
                Blocker(person, f"The {label}'s approved assessment is no longer current: {latest.invalidated_reason}.")
            )
        elif not is_current(latest, valid_days=valid_days, at=at):
            blockers.append(
                Blocker(person, f"The {label}'s assessment was approved more than {valid_days} days ago. Review it.")
            )
        elif latest.rating == RiskLevel.HIGH and latest.risk_manageable is not True:
            blockers.append(
                Blocker(
                    person,
                    f"The risk for the {label} is high and cannot be managed: a face-to-face meeting is not safe.",
                    indirect_only=True,
                )
            )
    return blockers
