"""The dashboard's figures for a scope (services and quarter), each counted per service in one query.

Results are plain dictionaries keyed by service id; reporting.dashboard turns them into suppressed
tables. The counting rules are written beside each figure on the page (reporting.dashboard).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as Switch
from django.db.models.functions import TruncDate

from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementStatus,
    Conference,
    ConferenceStatus,
    CopyRecipient,
    IndirectCommunication,
    ItemStatus,
    OffenderFeedback,
    OutcomeAgreement,
    VictimFeedback,
)
from cases.models import (
    ConsentKind,
    EligibilityDecision,
    Offender,
    OffenderConsent,
    OffenderContact,
    OffenderNeed,
    Stage,
    Victim,
    VictimConsent,
    VictimContact,
    VictimNeed,
)
from cases.models.case import TERMINAL_STAGES
from reporting.metrics.scope import Scope
from reporting.sql import DaysBetween, Earliest, Intervals, counts_by_service, intervals_by_service
from risk.models import OffenderSuitability, SafeguardingDisclosure, SuitabilityOutcome, VictimSuitability

AGREED = (AgreementStatus.AGREED, AgreementStatus.CLOSED)
FIRST_OFFENDER_CONTACT_DAYS = 21  # 15 working days, counted as calendar days * 5/7 (bank holidays not taken off)
FEEDBACK_DAYS = 7

# The funnel, in order. A case counts at a step when it has reached that step or any later one.
FUNNEL_STEPS = (
    ("referred", "Referred"),
    ("eligible", "Met the targeting criteria"),
    ("offender_suitable", "A person responsible found suitable"),
    ("victim_suitable", "A person harmed found suitable"),
    ("consented", "Both sides consented to take part"),
    ("activity", "Conference held or indirect communication completed"),
    ("agreement", "Outcome agreement reached"),
    ("completed", "Case completed"),
)

AGE_BANDS = (
    ("under_18", "Under 18", 0, 18),
    ("18_24", "18 to 24", 18, 25),
    ("25_34", "25 to 34", 25, 35),
    ("35_44", "35 to 44", 35, 45),
    ("45_54", "45 to 54", 45, 55),
    ("55_64", "55 to 64", 55, 65),
    ("65_plus", "65 and over", 65, None),
)

PerService = dict[int, dict[Any, int]]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _grouped(rows, key_fields: tuple[str, ...], value: str = "n") -> PerService:
    result: PerService = defaultdict(dict)
    for row in rows:
        key = row[key_fields[0]] if len(key_fields) == 1 else tuple(row[f] for f in key_fields)
        result[row["sid"]][key] = row[value]
    return dict(result)


# --- Referrals ----------------------------------------------------------------------------------


def referrals(scope: Scope) -> PerService:
    """Cases referred in the quarter, by (referral source id, criminal justice stage id)."""
    rows = (
        scope.cases()
        .filter(referral_date__range=scope.days)
        .order_by()
        .values("referral_source_id", "cj_stage_id", sid=F("service_id"))
        .annotate(n=Count("pk"))
    )
    return _grouped(rows, ("referral_source_id", "cj_stage_id"))


# --- Funnel -------------------------------------------------------------------------------------


def _cases_with(scope: Scope, model, path: str, *, referred: tuple[dt.date, dt.date] | None = None, **filters) -> Q:
    """The case has a `model` row matching `filters` (`path` leads from the row to its case).

    Written as `id IN (subquery)` rather than a correlated EXISTS: PostgreSQL then works the
    subquery out once and looks each case up in it, which matters inside a CASE expression.
    """
    rows = model.objects.filter(**{f"{path}__service_id__in": scope.service_ids}, **filters)
    if referred is not None:
        rows = rows.filter(**{f"{path}__referral_date__range": referred})
    return Q(pk__in=rows.values(path))


def funnel(scope: Scope) -> dict[int, list[int]]:
    """Cases referred in the quarter, by the furthest funnel step each has reached so far."""
    step = {name: index for index, (name, _) in enumerate(FUNNEL_STEPS)}
    suitable = {"outcome": SuitabilityOutcome.SUITABLE}
    take_part = {"kind": ConsentKind.TAKE_PART}
    furthest = Switch(
        When(stage=Stage.CLOSED, then=Value(step["completed"])),
        When(
            _cases_with(scope, OutcomeAgreement, "case", referred=scope.days, status__in=AGREED),
            then=Value(step["agreement"]),
        ),
        When(
            _cases_with(scope, Conference, "case", referred=scope.days, status=ConferenceStatus.HELD)
            | _cases_with(scope, IndirectCommunication, "case", referred=scope.days, completed_on__isnull=False),
            then=Value(step["activity"]),
        ),
        When(
            _cases_with(scope, VictimConsent, "participant__case", referred=scope.days, **take_part)
            & _cases_with(scope, OffenderConsent, "participant__case", referred=scope.days, **take_part),
            then=Value(step["consented"]),
        ),
        When(
            _cases_with(scope, VictimSuitability, "participant__case", referred=scope.days, **suitable),
            then=Value(step["victim_suitable"]),
        ),
        When(
            _cases_with(scope, OffenderSuitability, "participant__case", referred=scope.days, **suitable),
            then=Value(step["offender_suitable"]),
        ),
        When(
            _cases_with(scope, EligibilityDecision, "case", referred=scope.days, eligible=True),
            then=Value(step["eligible"]),
        ),
        default=Value(step["referred"]),
    )
    rows = (
        scope.cases()
        .filter(referral_date__range=scope.days)
        .order_by()
        .annotate(furthest=furthest)
        .values("furthest", sid=F("service_id"))
        .annotate(n=Count("pk"))
    )
    result: dict[int, list[int]] = {}
    for row in rows:
        result.setdefault(row["sid"], [0] * len(FUNNEL_STEPS))[row["furthest"]] = row["n"]
    return result


def attrition(scope: Scope) -> PerService:
    """Cases referred in the quarter that were withdrawn or stopped, by (reason id, who withdrew)."""
    rows = (
        scope.cases()
        .filter(referral_date__range=scope.days, stage__in=(Stage.WITHDRAWN, Stage.NOT_PROCEEDING))
        .order_by()
        .values("not_proceeding_reason_id", "withdrawn_by", sid=F("service_id"))
        .annotate(n=Count("pk"))
    )
    return _grouped(rows, ("not_proceeding_reason_id", "withdrawn_by"))


# --- Activity and outcomes -----------------------------------------------------------------------


def activities(scope: Scope) -> PerService:
    """Conferences held in the quarter (key "conference") and indirect communications completed in it (by kind)."""
    held = counts_by_service(
        Conference.objects.filter(
            case__service_id__in=scope.service_ids, status=ConferenceStatus.HELD, date__range=scope.days
        ),
        service="case__service_id",
        n=Count("pk"),
    )
    indirect = (
        IndirectCommunication.objects.filter(case__service_id__in=scope.service_ids, completed_on__range=scope.days)
        .order_by()
        .values("kind", sid=F("case__service_id"))
        .annotate(n=Count("pk"))
    )
    result = _grouped(indirect, ("kind",))
    for sid, counts in held.items():
        result.setdefault(sid, {})["conference"] = counts["n"]
    return result


def outcomes(scope: Scope) -> PerService:
    """Cases that ended in the quarter (closed, withdrawn or not proceeding), by outcome code id."""
    rows = (
        scope.cases()
        .filter(closed_on__range=scope.days, stage__in=TERMINAL_STAGES)
        .order_by()
        .values("outcome_id", sid=F("service_id"))
        .annotate(n=Count("pk"))
    )
    return _grouped(rows, ("outcome_id",))


def agreements(scope: Scope) -> dict[int, dict[str, int]]:
    """Outcome agreements agreed in the quarter, and completed (every item resolved) in it."""
    return counts_by_service(
        OutcomeAgreement.objects.filter(case__service_id__in=scope.service_ids).filter(
            Q(agreed_on__range=scope.days) | Q(closed_on__range=scope.days)
        ),
        service="case__service_id",
        agreed=Count("pk", filter=Q(agreed_on__range=scope.days, status__in=AGREED)),
        completed=Count("pk", filter=Q(closed_on__range=scope.days, status=AgreementStatus.CLOSED)),
    )


def items(scope: Scope) -> dict[int, dict[str, int]]:
    """Agreement items (with a target date in the quarter, on agreed agreements) by how they went."""
    return counts_by_service(
        AgreementItem.objects.filter(
            agreement__case__service_id__in=scope.service_ids,
            agreement__status__in=AGREED,
            target_date__range=scope.days,
        ),
        service="agreement__case__service_id",
        done=Count("pk", filter=Q(status=ItemStatus.DONE)),
        on_time=Count("pk", filter=Q(status=ItemStatus.DONE, outcome_on__lte=F("target_date"))),
        partly=Count("pk", filter=Q(status=ItemStatus.PARTLY_DONE)),
        not_done=Count("pk", filter=Q(status=ItemStatus.NOT_DONE)),
        open=Count("pk", filter=Q(status=ItemStatus.OPEN)),
    )


# --- Timeliness ---------------------------------------------------------------------------------


def referral_to_first_contact(scope: Scope) -> Intervals:
    """Cases whose first contact (not an attempt, with anyone on either side) was in the quarter: days from
    referral. The first contact is kept on the case by the contact service (`Case.first_contact_at`)."""
    cases = scope.cases().filter(**scope.during("first_contact_at"))
    return intervals_by_service(
        cases, start=F("referral_date"), end=TruncDate("first_contact_at"), service="service_id", window=scope.days
    )


def referral_to_activity(scope: Scope) -> Intervals:
    """Cases whose first activity (a conference held, or indirect communication started) was in the quarter."""
    conference = Subquery(
        Conference.objects.filter(case=OuterRef("pk"), status=ConferenceStatus.HELD).order_by("date").values("date")[:1]
    )
    indirect = Subquery(
        IndirectCommunication.objects.filter(case=OuterRef("pk")).order_by("started_on").values("started_on")[:1]
    )
    cases = scope.cases().filter(
        _cases_with(scope, Conference, "case", status=ConferenceStatus.HELD, date__range=scope.days)
        | _cases_with(scope, IndirectCommunication, "case", started_on__range=scope.days)
    )
    return intervals_by_service(
        cases, start=F("referral_date"), end=Earliest(conference, indirect), service="service_id", window=scope.days
    )


def referral_to_closure(scope: Scope) -> Intervals:
    """Cases that ended in the quarter: days from referral to the end."""
    cases = scope.cases().filter(closed_on__range=scope.days, stage__in=TERMINAL_STAGES)
    return intervals_by_service(cases, start=F("referral_date"), end=F("closed_on"), service="service_id")


def offender_first_contact(scope: Scope) -> Intervals:
    """People responsible with a sentence date whose first contact was in the quarter; `within` counts those
    contacted within the standard (FIRST_OFFENDER_CONTACT_DAYS)."""
    offenders = Offender.objects.filter(
        case__service_id__in=scope.service_ids, sentence_date__isnull=False, **scope.during("first_contact_at")
    )
    return intervals_by_service(
        offenders,
        start=F("sentence_date"),
        end=TruncDate("first_contact_at"),
        service="case__service_id",
        window=scope.days,
        limit_days=FIRST_OFFENDER_CONTACT_DAYS,
    )


def copies_missing(agreement_ref: str = "pk") -> Q:
    """True when a party named on the agreement had no copy by the day copies were due."""
    on_time = {
        "agreement_id": OuterRef("outcomeagreement_id"),
        "sent_on__lte": OuterRef("outcomeagreement__copies_due_on"),
    }
    victims = OutcomeAgreement.victims.through.objects.filter(outcomeagreement_id=OuterRef(agreement_ref)).exclude(
        Exists(AgreementCopy.objects.filter(victim_id=OuterRef("victim_id"), recipient=CopyRecipient.VICTIM, **on_time))
    )
    offenders = OutcomeAgreement.offenders.through.objects.filter(outcomeagreement_id=OuterRef(agreement_ref)).exclude(
        Exists(
            AgreementCopy.objects.filter(
                offender_id=OuterRef("offender_id"), recipient=CopyRecipient.OFFENDER, **on_time
            )
        )
    )
    return Q(Exists(victims)) | Q(Exists(offenders))


def copies_on_time(scope: Scope) -> dict[int, dict[str, int]]:
    """Agreements agreed in the quarter, and how many gave every party named on them a copy on time."""
    agreed = OutcomeAgreement.objects.filter(
        case__service_id__in=scope.service_ids, agreed_on__range=scope.days, status__in=AGREED
    ).alias(late=Switch(When(copies_missing(), then=Value(True)), default=Value(False), output_field=BooleanField()))
    return counts_by_service(
        agreed, service="case__service_id", total=Count("pk"), on_time=Count("pk", filter=Q(late=False))
    )


def feedback(scope: Scope, model: type[VictimFeedback] | type[OffenderFeedback]) -> dict[int, dict[str, int]]:
    """Feedback calls recorded in the quarter: satisfaction, would-recommend and calls made within 7 days."""
    calls = model.objects.filter(
        participant__case__service_id__in=scope.service_ids, called_on__range=scope.days
    ).alias(days=DaysBetween(F("called_on"), F("activity_on")))
    return counts_by_service(
        calls,
        service="participant__case__service_id",
        calls=Count("pk"),
        on_time=Count("pk", filter=Q(days__lte=FEEDBACK_DAYS)),
        satisfied_yes=Count("pk", filter=Q(satisfied=True)),
        satisfied_asked=Count("pk", filter=Q(satisfied__isnull=False)),
        recommend_yes=Count("pk", filter=Q(would_recommend=True)),
        recommend_asked=Count("pk", filter=Q(would_recommend__isnull=False)),
    )


def contacts_logged(scope: Scope) -> dict[tuple[int, str], dict[str, int]]:
    """Contacts and attempts made in the quarter, by (service, side), and how many were logged within 24 hours."""
    result: dict[tuple[int, str], dict[str, int]] = {}
    for side, model in (("victim", VictimContact), ("offender", OffenderContact)):
        found = counts_by_service(
            model.objects.filter(participant__case__service_id__in=scope.service_ids, **scope.during("occurred_at")),
            service="participant__case__service_id",
            # COUNT(*) rather than of the ids: the quarter's rows are then read from the index on the date alone
            # (cases/migrations/0008)
            total=Count("*"),
            on_time=Count("is_late", filter=Q(is_late=False)),
        )
        result.update({(sid, side): counts for sid, counts in found.items()})
    return result


# --- Needs and safeguarding ---------------------------------------------------------------------

ADDRESSED = ~Q(action_taken="") & Q(action_on__isnull=False)


def needs(scope: Scope, model: type[VictimNeed] | type[OffenderNeed]) -> PerService:
    """Additional needs recorded in the quarter, by (need code id, addressed?)."""
    rows = (
        model.objects.filter(participant__case__service_id__in=scope.service_ids, **scope.during("recorded_at"))
        .order_by()
        .values("need_id", sid=F("participant__case__service_id"))
        .annotate(n=Count("pk"), addressed=Count("pk", filter=ADDRESSED))
    )
    result: PerService = defaultdict(dict)
    for row in rows:
        result[row["sid"]][(row["need_id"], True)] = row["addressed"]
        result[row["sid"]][(row["need_id"], False)] = row["n"] - row["addressed"]
    return dict(result)


def safeguarding(scope: Scope) -> PerService:
    """Safeguarding concerns passed to an agency in the quarter, by (agency, who was at risk, acknowledged?)."""
    rows = (
        SafeguardingDisclosure.objects.filter(case__service_id__in=scope.service_ids, **scope.during("passed_at"))
        .order_by()
        .values("agency", "at_risk", sid=F("case__service_id"))
        .annotate(n=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)))
    )
    result: PerService = defaultdict(dict)
    for row in rows:
        result[row["sid"]][(row["agency"], row["at_risk"], True)] = row["acknowledged"]
        result[row["sid"]][(row["agency"], row["at_risk"], False)] = row["n"] - row["acknowledged"]
    return dict(result)


# --- Equality -----------------------------------------------------------------------------------


def _age_band(on: dt.date) -> Switch:
    """Age band on `on` from the date of birth, as fixed date limits (no per-row date arithmetic)."""
    whens = [When(date_of_birth__isnull=True, then=Value("not_known"))]
    for code, _, _, upper in AGE_BANDS:
        if upper is not None:
            whens.append(When(date_of_birth__gt=_years_before(on, upper), then=Value(code)))
    return Switch(*whens, default=Value(AGE_BANDS[-1][0]))


def equality(scope: Scope, model: type[Victim] | type[Offender]) -> PerService:
    """People on cases that ended in the quarter, by (ethnic group, ethnicity code, sex code, disability code,
    age band on the last day of the quarter, completed?). Organisations harmed are left out."""
    people = model.objects.filter(
        case__service_id__in=scope.service_ids, case__closed_on__range=scope.days, case__stage__in=TERMINAL_STAGES
    )
    if model is Victim:
        people = people.filter(is_organisation=False)
    rows = (
        people.order_by()
        .annotate(age_band=_age_band(scope.end))
        .values(
            "age_band",
            sid=F("case__service_id"),
            ethnic_group=F("ethnicity__group"),
            ethnicity_code=F("ethnicity__code"),
            sex_code=F("sex__code"),
            disability_code=F("disability__code"),
            completed=Switch(When(case__stage=Stage.CLOSED, then=Value(True)), default=Value(False)),
        )
        .annotate(n=Count("pk"))
    )
    return _grouped(rows, ("ethnic_group", "ethnicity_code", "sex_code", "disability_code", "age_band", "completed"))


# Everything the dashboard needs for one scope ---------------------------------------------------


FIGURES: dict[str, Callable[[Scope], Any]] = {
    "referrals": referrals,
    "funnel": funnel,
    "attrition": attrition,
    "activities": activities,
    "outcomes": outcomes,
    "agreements": agreements,
    "items": items,
    "to_first_contact": referral_to_first_contact,
    "to_activity": referral_to_activity,
    "to_closure": referral_to_closure,
    "offender_first_contact": offender_first_contact,
    "copies_on_time": copies_on_time,
    "victim_feedback": partial(feedback, model=VictimFeedback),
    "offender_feedback": partial(feedback, model=OffenderFeedback),
    "contacts_logged": contacts_logged,
    "victim_needs": partial(needs, model=VictimNeed),
    "offender_needs": partial(needs, model=OffenderNeed),
    "safeguarding": safeguarding,
    "victim_equality": partial(equality, model=Victim),
    "offender_equality": partial(equality, model=Offender),
}


def all_figures(scope: Scope) -> dict[str, Any]:
    return {name: figure(scope) for name, figure in FIGURES.items()}
