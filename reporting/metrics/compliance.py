"""Evidence for the 12 National Minimum outputs (R1 to R12), counted per service for a quarter.

Each output counts units (people, conferences, decisions, agreements...) and, of those, the ones
with the evidence. A unit source is a queryset with an `evidenced` boolean alias and the paths to
its service and its case, so the same definition gives the rates and managers' list of cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from agreements.models import (
    AgreementItem,
    Conference,
    ConferenceStatus,
    IndirectCommunication,
    ItemStatus,
    OutcomeAgreement,
    VictimFeedback,
    VictimUpdate,
)
from cases.models import (
    Case,
    CaseEvent,
    Offender,
    OffenderContact,
    OffenderNeed,
    Victim,
    VictimContact,
    VictimNeed,
)
from cases.models.case import TERMINAL_STAGES
from core import clock
from reporting.metrics.dashboard import ADDRESSED, AGREED, copies_missing
from reporting.metrics.scope import Scope
from reporting.sql import counts_by_service
from risk.models import (
    AssessmentPoint,
    AssessmentStatus,
    OffenderSuitability,
    SafeguardingDisclosure,
    SuitabilityOutcome,
    VictimDecision,
    VictimSuitability,
)
from risk.models import RiskAssessment as Assessment


@dataclass(frozen=True)
class Source:
    """Units counted for an output: `queryset` has an `evidenced` alias."""

    queryset: QuerySet
    service: str  # path to the service id
    case: str  # path to the case id


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


DECIDED = (SuitabilityOutcome.SUITABLE, SuitabilityOutcome.UNSUITABLE)
VICTIM_CHOICES = (VictimDecision.PREPARE_CONFERENCE, VictimDecision.PREFERS_INDIRECT, VictimDecision.DECLINES)


def _ended_and_reached(model, contact_model, scope: Scope) -> QuerySet:
    reached = Exists(contact_model.objects.filter(participant=OuterRef("pk"), is_attempt=False))
    return model.objects.filter(
        case__service_id__in=scope.service_ids, case__closed_on__range=scope.days, case__stage__in=TERMINAL_STAGES
    ).filter(reached)


def r1(scope: Scope) -> list[Source]:
    decided = VictimSuitability.objects.filter(participant=OuterRef("pk")).filter(
        Q(outcome__in=DECIDED) | Q(decision__in=VICTIM_CHOICES)
    )
    people = _ended_and_reached(Victim, VictimContact, scope).alias(evidenced=Exists(decided))
    return [Source(people, "case__service_id", "case_id")]


def r2(scope: Scope) -> list[Source]:
    decided = OffenderSuitability.objects.filter(participant=OuterRef("pk"), outcome__in=DECIDED)
    people = _ended_and_reached(Offender, OffenderContact, scope).alias(evidenced=Exists(decided))
    return [Source(people, "case__service_id", "case_id")]


def _held(scope: Scope) -> QuerySet[Conference]:
    return Conference.objects.filter(
        case__service_id__in=scope.service_ids, status=ConferenceStatus.HELD, date__range=scope.days
    )


def _attendee_without(**assessment: object) -> Q:
    """True when an attending person has no approved pre-conference assessment matching `assessment`,
    decided on or before the conference day."""
    approved = {
        "point": AssessmentPoint.PRE_CONFERENCE,
        "status": AssessmentStatus.APPROVED,
        "decided_at__date__lte": OuterRef("conference__date"),
        **assessment,
    }
    victims = Conference.attending_victims.through.objects.filter(conference_id=OuterRef("pk")).exclude(
        Exists(Assessment.objects.filter(victim_id=OuterRef("victim_id"), **approved))
    )
    offenders = Conference.attending_offenders.through.objects.filter(conference_id=OuterRef("pk")).exclude(
        Exists(Assessment.objects.filter(offender_id=OuterRef("offender_id"), **approved))
    )
    return Q(Exists(victims)) | Q(Exists(offenders))


def _attendee_with_unmanageable_risk() -> Q:
    unmanageable = {
        "point": AssessmentPoint.PRE_CONFERENCE,
        "status": AssessmentStatus.APPROVED,
        "risk_manageable": False,
        "invalidated_at__isnull": True,
        "decided_at__date__lte": OuterRef("conference__date"),
    }
    victims = Conference.attending_victims.through.objects.filter(conference_id=OuterRef("pk")).filter(
        Exists(Assessment.objects.filter(victim_id=OuterRef("victim_id"), **unmanageable))
    )
    offenders = Conference.attending_offenders.through.objects.filter(conference_id=OuterRef("pk")).filter(
        Exists(Assessment.objects.filter(offender_id=OuterRef("offender_id"), **unmanageable))
    )
    return Q(Exists(victims)) | Q(Exists(offenders))


def r3(scope: Scope) -> list[Source]:
    conferences = _held(scope).alias(evidenced=_flag(~_attendee_without()))
    return [Source(conferences, "case__service_id", "case_id")]


def r4(scope: Scope) -> list[Source]:
    return [
        Source(
            model.objects.filter(
                participant__case__service_id__in=scope.service_ids, **scope.during("recorded_at")
            ).alias(evidenced=_flag(ADDRESSED)),
            "participant__case__service_id",
            "participant__case_id",
        )
        for model in (VictimNeed, OffenderNeed)
    ]


def r5(scope: Scope) -> list[Source]:
    told = Q(Exists(VictimContact.objects.filter(informs_event=OuterRef("pk"), is_attempt=False))) | Q(
        Exists(OffenderContact.objects.filter(informs_event=OuterRef("pk"), is_attempt=False))
    )
    decisions = CaseEvent.objects.filter(
        case__service_id__in=scope.service_ids, needs_informing=True, **scope.during("occurred_at")
    ).alias(evidenced=_flag(told))
    return [Source(decisions, "case__service_id", "case_id")]


def r6(scope: Scope) -> list[Source]:
    safe = _held(scope).alias(evidenced=_flag(~_attendee_with_unmanageable_risk()))
    unmanageable = Assessment.objects.filter(
        case=OuterRef("pk"),
        point=AssessmentPoint.PRE_CONFERENCE,
        status=AssessmentStatus.APPROVED,
        risk_manageable=False,
        **scope.during("decided_at"),
    )
    offered = Exists(IndirectCommunication.objects.filter(case=OuterRef("pk")))
    cases = scope.cases().filter(Exists(unmanageable)).alias(evidenced=offered)
    return [Source(safe, "case__service_id", "case_id"), Source(cases, "service_id", "pk")]


def _due_by(scope: Scope) -> dt.date:
    return min(scope.end, clock.today())


def r7(scope: Scope) -> list[Source]:
    unfollowed = Exists(
        AgreementItem.objects.filter(agreement=OuterRef("pk"), status=ItemStatus.OPEN, target_date__lte=_due_by(scope))
    )
    agreements = OutcomeAgreement.objects.filter(
        case__service_id__in=scope.service_ids, agreed_on__range=scope.days, status__in=AGREED
    ).alias(evidenced=_flag(~copies_missing() & ~Q(unfollowed)))
    return [Source(agreements, "case__service_id", "case_id")]


def r8(scope: Scope) -> list[Source]:
    has_victim = Exists(OutcomeAgreement.victims.through.objects.filter(outcomeagreement_id=OuterRef("agreement_id")))
    items = (
        AgreementItem.objects.filter(
            agreement__case__service_id__in=scope.service_ids,
            agreement__victim_wants_updates=True,
            outcome_on__range=scope.days,
        )
        .exclude(status=ItemStatus.OPEN)
        .filter(has_victim)
        .alias(evidenced=Exists(VictimUpdate.objects.filter(item=OuterRef("pk"))))
    )
    return [Source(items, "agreement__case__service_id", "agreement__case_id")]


def r9(scope: Scope) -> list[Source]:
    calls = VictimFeedback.objects.filter(
        participant__case__service_id__in=scope.service_ids, called_on__range=scope.days, satisfied__isnull=False
    ).alias(evidenced=_flag(Q(satisfied=True)))
    return [Source(calls, "participant__case__service_id", "participant__case_id")]


def r10(scope: Scope) -> list[Source]:
    concerns = SafeguardingDisclosure.objects.filter(
        case__service_id__in=scope.service_ids, **scope.during("passed_at")
    ).alias(evidenced=_flag(Q(acknowledged_at__isnull=False)))
    return [Source(concerns, "case__service_id", "case_id")]


def r11(scope: Scope) -> list[Source]:
    return [
        Source(
            model.objects.filter(
                participant__case__service_id__in=scope.service_ids, **scope.during("occurred_at")
            ).alias(evidenced=_flag(Q(is_late=False))),
            "participant__case__service_id",
            "participant__case_id",
        )
        for model in (VictimContact, OffenderContact)
    ]


@dataclass(frozen=True)
class Output:
    key: str
    code: str
    title: str
    measure: str
    rule: str
    sources: Callable[[Scope], list[Source]] | None  # None: not counted from cases (R12)


OUTPUTS: tuple[Output, ...] = (
    Output(
        "r1",
        "R1",
        "People harmed assessed, with an informed decision",
        "People harmed with a decision recorded",
        "People harmed on cases closed, withdrawn or stopped in the quarter who were reached (at least one contact "
        "that was not just an attempt): the share with a suitability assessment that records a decision: suitable "
        "or unsuitable, or their own choice to meet, to take part indirectly or to decline.",
        r1,
    ),
    Output(
        "r2",
        "R2",
        "People responsible assessed, with an informed decision",
        "People responsible with a decision recorded",
        "People responsible on cases closed, withdrawn or stopped in the quarter who were reached: the share with "
        "a suitability assessment that found them suitable or unsuitable.",
        r2,
    ),
    Output(
        "r3",
        "R3",
        "Safety assured",
        "Conferences with approved assessments",
        "Conferences held in the quarter: the share where every person harmed and person responsible attending had "
        "a pre-conference risk assessment approved by an RJ manager on or before the day.",
        r3,
    ),
    Output(
        "r4",
        "R4",
        "Additional needs identified and addressed",
        "Needs addressed",
        "Additional needs recorded in the quarter, for either side: the share with the action taken and its date "
        "recorded. A need recorded late in the quarter may be addressed after it ends.",
        r4,
    ),
    Output(
        "r5",
        "R5",
        "Participants kept informed of decisions",
        "Decisions the person was told about",
        "Decisions affecting a person made in the quarter (suitability and other decisions that need telling): "
        "the share with a contact recorded as telling the person about it.",
        r5,
    ),
    Output(
        "r6",
        "R6",
        "A safe conference, or a safe alternative offered",
        "Safe activity",
        "Conferences held in the quarter where no attending person's approved pre-conference assessment said the "
        "risk could not be managed, together with cases where an assessment approved in the quarter said the risk "
        "could not be managed and indirect communication was offered: the share of both.",
        r6,
    ),
    Output(
        "r7",
        "R7",
        "Outcome agreement reached, copied and monitored",
        "Agreements copied on time and followed up",
        "Outcome agreements signed in the quarter: the share where every person harmed and person responsible "
        "named on it was given a copy within 3 working days of the activity, and every action item due by the "
        "end of the quarter (or today) has its outcome recorded.",
        r7,
    ),
    Output(
        "r8",
        "R8",
        "Information given to the person harmed after the conference",
        "Item outcomes passed on",
        "Outcomes of agreement items recorded in the quarter, where the person harmed asked to be kept informed: "
        "the share with an update to the person harmed recorded.",
        r8,
    ),
    Output(
        "r9",
        "R9",
        "People harmed satisfied",
        "People harmed satisfied",
        "Feedback calls with people harmed recorded in the quarter where the satisfaction question was answered: "
        "the share satisfied (the research benchmark is 85%).",
        r9,
    ),
    Output(
        "r10",
        "R10",
        "Safeguarding information passed on in time",
        "Concerns acknowledged by the agency",
        "Safeguarding concerns passed to an agency in the quarter: the share the agency has acknowledged.",
        r10,
    ),
    Output(
        "r11",
        "R11",
        "A secure record of all activity",
        "Contacts logged within 24 hours",
        "Contacts and contact attempts with either side made in the quarter: the share logged within 24 hours "
        "(the record is kept as it happens). Every view and change of a person's record is also kept in the "
        "processing log.",
        r11,
    ),
    Output(
        "r12",
        "R12",
        "Data for monitoring and returns",
        "Quarterly return submitted on time",
        "Whether the quarterly evaluation return for the quarter was submitted by its due date.",
        None,
    ),
)
OUTPUT_KEYS = {output.key: output for output in OUTPUTS}


def rates_by_service(output: Output, scope: Scope) -> dict[int, list[tuple[int, int]]]:
    """(evidenced, counted) per service, one pair for each unit source. One query per source."""
    sources = output.sources(scope) if output.sources else []
    result: dict[int, list[tuple[int, int]]] = {}
    for index, source in enumerate(sources):
        found = counts_by_service(
            source.queryset,
            service=source.service,
            total=Count("pk"),
            evidenced=Count("pk", filter=Q(evidenced=True)),
        )
        for sid, counts in found.items():
            result.setdefault(sid, [(0, 0)] * len(sources))[index] = (counts["evidenced"], counts["total"])
    return result


def _count_for_case(source: Source, evidenced: bool | None) -> Coalesce:
    units = source.queryset.filter(**{source.case: OuterRef("pk")})
    if evidenced is not None:
        units = units.filter(evidenced=evidenced)
    counted = units.order_by().values(source.case).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def cases_behind(output: Output, scope: Scope, *, missing_only: bool) -> QuerySet[Case]:
    """The cases behind an output's figure, each with `units` and `evidenced` counted for it."""
    sources = output.sources(scope) if output.sources else []
    condition = Q(pk__in=[])
    for source in sources:
        units = source.queryset.filter(evidenced=False) if missing_only else source.queryset
        condition |= Q(pk__in=units.values(source.case))
    cases = scope.cases().filter(condition)
    return cases.annotate(
        units=_added([_count_for_case(source, None) for source in sources]),
        evidenced=_added([_count_for_case(source, True) for source in sources]),
    )


def _added(expressions: list) -> object:
    total = expressions[0] if expressions else Value(0)
    for expression in expressions[1:]:
        total = total + expression
    return total
