from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.models import Role, Service, User
from audit.models import Operation, PersonKind
from audit.services import log_processing
from cases import permissions
from cases.models import (
    Case,
    CaseReferenceCounter,
    EligibilityDecision,
    EventKind,
    ExceptionalStatus,
    Offender,
    Seriousness,
    Stage,
    TargetingCriteria,
    TaskKind,
    Victim,
)
from cases.models.case import OPEN_STAGES
from cases.services.common import event_add, now, tasks_complete, tasks_for_managers

SEXUAL_OFFENCE_CODES = {"sexual"}
DEATH_OFFENCE_CODES = {"homicide", "death_injury_driving"}


def _next_reference(service: Service, year: int) -> str:
    counter, _ = CaseReferenceCounter.objects.get_or_create(service=service, year=year)
    counter = CaseReferenceCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{service.code}-{year}-{counter.last_number:05d}"


def _derive_flags(case: Case) -> None:
    codes = {case.main_offence.code} | {c.code for c in case.other_offences.all()}
    if codes & SEXUAL_OFFENCE_CODES:
        case.flag_sexual = True
    if codes & DEATH_OFFENCE_CODES:
        case.flag_caused_death = True


@dataclass(frozen=True)
class DuplicateMatch:
    case: Case
    reasons: list[str]


def find_duplicates(
    *,
    service: Service,
    pnc_id: str = "",
    prison_number: str = "",
    crn: str = "",
    first_name: str = "",
    last_name: str = "",
    date_of_birth=None,
    police_reference: str = "",
) -> list[DuplicateMatch]:
    """Open cases of the service that share an offender identifier, name and date of birth, or offence reference."""
    offender_q = Q()
    if pnc_id:
        offender_q |= Q(pnc_id__iexact=pnc_id.strip())
    if prison_number:
        offender_q |= Q(prison_number__iexact=prison_number.strip())
    if crn:
        offender_q |= Q(crn__iexact=crn.strip())
    if first_name and last_name and date_of_birth:
        offender_q |= Q(
            first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip(), date_of_birth=date_of_birth
        )
    matches: dict[int, DuplicateMatch] = {}
    open_cases = Case.objects.filter(service=service, stage__in=OPEN_STAGES)
    if offender_q:
        offenders = Offender.objects.filter(offender_q, case__in=open_cases).select_related("case")
        for offender in offenders:
            reasons = []
            if pnc_id and offender.pnc_id.lower() == pnc_id.strip().lower():
                reasons.append("same PNC ID")
            if prison_number and offender.prison_number.lower() == prison_number.strip().lower():
                reasons.append("same prison number")
            if crn and offender.crn.lower() == crn.strip().lower():
                reasons.append("same CRN")
            if (
                date_of_birth
                and offender.date_of_birth == date_of_birth
                and offender.last_name.lower() == last_name.strip().lower()
            ):
                reasons.append("same name and date of birth")
            match = matches.setdefault(offender.case_id, DuplicateMatch(case=offender.case, reasons=[]))
            match.reasons.extend(r for r in reasons if r not in match.reasons)
    if police_reference:
        for case in open_cases.filter(police_reference__iexact=police_reference.strip()):
            match = matches.setdefault(case.pk, DuplicateMatch(case=case, reasons=[]))
            match.reasons.append("same offence reference")
    return sorted(matches.values(), key=lambda m: m.case.reference)


PARTICIPANT_EXCLUDE = {"special_statuses"}


def _participant(model, case: Case, actor: User, data: dict[str, Any]):
    values = {k: v for k, v in data.items() if k not in PARTICIPANT_EXCLUDE}
    participant = model(case=case, created_at=now(), created_by=actor, **values)
    participant.full_clean(exclude=["case", "created_by"])
    participant.save()
    if "special_statuses" in data:
        participant.special_statuses.set(data["special_statuses"])
    return participant


@transaction.atomic
def referral_register(
    *,
    actor: User,
    service: Service,
    case_data: dict[str, Any],
    offender_data: dict[str, Any] | None,
    victim_data: dict[str, Any] | None,
) -> Case:
    """Register a referral as a new case at the referral stage, with the people it names."""
    if offender_data is None and victim_data is None:
        raise ValidationError("A referral must name the person responsible or the person harmed.")
    other_offences = case_data.pop("other_offences", [])
    moment = now()
    case = Case(
        service=service,
        reference=_next_reference(service, moment.year),
        stage=Stage.REFERRAL,
        stage_changed_at=moment,
        created_at=moment,
        created_by=actor,
        **case_data,
    )
    if actor.role in (Role.OFFENDER_MANAGER, Role.VICTIM_LIAISON) and not case.referrer_name:
        case.referrer_name = actor.display_name
        case.referrer_agency = actor.agency
        case.referrer_email = actor.email
    case.full_clean(exclude=["created_by", "service"])
    case.save()
    case.other_offences.set(other_offences)
    _derive_flags(case)
    case.save(update_fields=["flag_sexual", "flag_caused_death"])
    permissions.grant_case_to_service(case)

    offender = victim = None
    if offender_data is not None:
        if actor.role == Role.OFFENDER_MANAGER:
            offender_data = {**offender_data, "offender_manager": actor}
        offender = _participant(Offender, case, actor, offender_data)
        permissions.grant_participant_to_team(offender)
        if offender.offender_manager_id:
            permissions.grant_offender_to_offender_manager(offender, offender.offender_manager)
    if victim_data is not None:
        if actor.role == Role.VICTIM_LIAISON:
            victim_data = {**victim_data, "vlo": actor, "in_victim_contact_scheme": True}
        victim = _participant(Victim, case, actor, victim_data)
        permissions.grant_participant_to_team(victim)
        if victim.vlo_id:
            permissions.grant_victim_to_vlo(victim, victim.vlo)

    event_add(case=case, actor=actor, kind=EventKind.REFERRED, summary=f"Referral received from {case.referral_source}")
    tasks_for_managers(case=case, kind=TaskKind.SCREEN, title=f"Screen referral {case.reference}")
    for person, kind in ((offender, PersonKind.OFFENDER), (victim, PersonKind.VICTIM)):
        if person is not None:
            log_processing(
                user=actor,
                operation=Operation.COLLECTION,
                person_kind=kind,
                person_ids=[person.pk],
                case_id=case.pk,
                object_type=type(person).__name__,
                object_id=person.pk,
                reason="Referral registered",
            )
    return case


@transaction.atomic
def referral_link(*, case: Case, actor: User, summary: str, victim_data: dict[str, Any] | None = None) -> Victim | None:
    """Add a further referral to an open case instead of creating a duplicate."""
    if not case.is_open:
        raise ValidationError("Only an open case can take a further referral.")
    event = event_add(
        case=case, actor=actor, kind=EventKind.FURTHER_REFERRAL, summary=summary or "Further referral linked"
    )
    # The referral's details join the records of the people already on the case: a combination of their data.
    for kind, people in ((PersonKind.OFFENDER, case.offenders.all()), (PersonKind.VICTIM, case.victims.all())):
        ids = [person.pk for person in people]
        if ids:
            log_processing(
                user=actor,
                operation=Operation.COMBINATION,
                person_kind=kind,
                person_ids=ids,
                case_id=case.pk,
                object_type="CaseEvent",
                object_id=event.pk,
                reason="Further referral added to the case",
            )
    if victim_data is None:
        return None
    from cases.services.participants import participant_add

    return participant_add(case=case, actor=actor, side="victim", data=victim_data)


# --- Eligibility -----------------------------------------------------------------------------


def criteria_current(service: Service) -> TargetingCriteria | None:
    return TargetingCriteria.objects.filter(service=service).order_by("-version").first()


@transaction.atomic
def criteria_publish(*, service: Service, actor: User, data: dict[str, Any]) -> TargetingCriteria:
    """Publish a new version of the service's targeting criteria; older versions stay as they were."""
    offences = data.pop("offences_in_scope", [])
    tiers = data.pop("tiers_in_scope", [])
    latest = criteria_current(service)
    criteria = TargetingCriteria.objects.create(
        service=service,
        version=(latest.version + 1) if latest else 1,
        created_at=now(),
        created_by=actor,
        **data,
    )
    criteria.offences_in_scope.set(offences)
    criteria.tiers_in_scope.set(tiers)
    return criteria


_SERIOUSNESS_ORDER = {Seriousness.LOW: 0, Seriousness.MEDIUM: 1, Seriousness.HIGH: 2}


def criteria_checks(case: Case, criteria: TargetingCriteria) -> list[dict[str, Any]]:
    """Each published criterion and whether the case meets it, as shown to the person screening."""
    offences = set(criteria.offences_in_scope.values_list("pk", flat=True))
    tiers = set(criteria.tiers_in_scope.values_list("code", flat=True))
    offenders = list(case.offenders.select_related("tier"))
    checks = []
    if criteria.requires_identifiable_victim:
        checks.append(
            {
                "criterion": "An identifiable person was personally harmed",
                "met": case.victims.exists() or bool(case.victim_details_requested_on),
            }
        )
    if offences:
        checks.append({"criterion": "The offence is in scope", "met": case.main_offence_id in offences})
    checks.append(
        {
            "criterion": f"Seriousness is at least {criteria.get_minimum_seriousness_display().lower()}",
            "met": bool(case.seriousness)
            and _SERIOUSNESS_ORDER[case.seriousness] >= _SERIOUSNESS_ORDER[criteria.minimum_seriousness],
        }
    )
    if tiers and offenders:
        in_tier = all(
            (o.tier and o.tier.code in tiers)
            or (criteria.tier_2_if_at_risk_of_custody and o.tier and o.tier.code == "2" and o.at_risk_of_custody)
            for o in offenders
        )
        checks.append({"criterion": "The person responsible is in a tier in scope", "met": in_tier})
    return checks


def youth_offenders(case: Case) -> list[Offender]:
    on = case.offence_date or case.referral_date
    return [o for o in case.offenders.all() if (age := o.age_on(on)) is not None and 15 <= age <= 17]


@transaction.atomic
def eligibility_decide(*, case: Case, actor: User, eligible: bool, reasons: str) -> EligibilityDecision:
    """Record the screening decision against the criteria in force, and move the case on."""
    if (
        case.stage != Stage.REFERRAL
        or case.eligibility_decisions.filter(exceptional_status=ExceptionalStatus.AWAITING).exists()
    ):
        raise ValidationError("This case has already been screened.")
    criteria = criteria_current(case.service)
    if criteria is None:
        raise ValidationError("The service has not published targeting criteria yet.")
    youth = bool(youth_offenders(case))
    flags = case.flags
    needs_manager = eligible and (case.needs_exceptional_approval or youth)
    decision = EligibilityDecision.objects.create(
        case=case,
        criteria=criteria,
        decided_by=actor,
        decided_at=now(),
        eligible=eligible,
        checks=criteria_checks(case, criteria),
        reasons=reasons,
        flags=flags,
        youth_route=youth,
        exceptional_status=ExceptionalStatus.AWAITING if needs_manager else ExceptionalStatus.NOT_NEEDED,
    )
    if youth and not case.youth_route:
        case.youth_route = True
        case.save(update_fields=["youth_route"])
    tasks_complete(tasks=case.tasks.filter(kind=TaskKind.SCREEN), actor=actor)
    summary = f"Screened against targeting criteria v{criteria.version}: {'eligible' if eligible else 'not eligible'}"
    event_add(case=case, actor=actor, kind=EventKind.SCREENED, summary=summary)
    if not eligible:
        from cases.services.lifecycle import case_close

        case_close(
            case=case,
            actor=actor,
            stage=Stage.NOT_PROCEEDING,
            outcome_code="rejected_unsuitable",
            reason_code="not_eligible",
            outcome_reason=reasons,
        )
    elif needs_manager:
        tasks_for_managers(
            case=case, kind=TaskKind.EXCEPTIONAL, title=f"Decide on exceptional circumstances for {case.reference}"
        )
    else:
        _make_eligible(case, actor)
    return decision


def _make_eligible(case: Case, actor: User) -> None:
    from cases.services.lifecycle import case_set_stage

    case_set_stage(case=case, actor=actor, stage=Stage.ELIGIBILITY, by_service=True)
    tasks_for_managers(case=case, kind=TaskKind.ALLOCATE, title=f"Allocate case {case.reference}")


@transaction.atomic
def exceptional_decide(*, decision: EligibilityDecision, actor: User, approve: bool, rationale: str) -> None:
    """A manager's decision on a flagged case (sexual, domestic abuse, hate crime, death, child, youth)."""
    if actor.role != Role.MANAGER or actor.service_id != decision.case.service_id:
        raise ValidationError("Only an RJ manager of this service can make this decision.")
    if decision.exceptional_status != ExceptionalStatus.AWAITING:
        raise ValidationError("This decision has already been made.")
    if not rationale.strip():
        raise ValidationError({"rationale": "Enter the reasons for your decision."})
    decision.exceptional_status = ExceptionalStatus.APPROVED if approve else ExceptionalStatus.REFUSED
    decision.exceptional_decided_by = actor
    decision.exceptional_decided_at = now()
    decision.exceptional_rationale = rationale
    decision.save(
        update_fields=[
            "exceptional_status",
            "exceptional_decided_by",
            "exceptional_decided_at",
            "exceptional_rationale",
        ]
    )
    case = decision.case
    tasks_complete(tasks=case.tasks.filter(kind=TaskKind.EXCEPTIONAL), actor=actor)
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.EXCEPTIONAL,
        summary="Exceptional circumstances approved" if approve else "Exceptional circumstances not approved",
    )
    if approve:
        _make_eligible(case, actor)
    else:
        from cases.services.lifecycle import case_close

        case_close(
            case=case,
            actor=actor,
            stage=Stage.NOT_PROCEEDING,
            outcome_code="rejected_unsuitable",
            reason_code="not_eligible",
            outcome_reason=rationale,
        )
