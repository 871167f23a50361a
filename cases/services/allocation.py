from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from cases import permissions
from cases.models import Allocation, Case, EventKind, Stage, TaskKind
from cases.services.common import event_add, now, task_add, tasks_complete

FACILITATING_ROLES = (Role.FACILITATOR, Role.MANAGER)


def allocation_problems(*, case: Case, lead: User, second: User | None) -> dict[str, str]:
    """Reasons the proposed facilitators cannot take the case (field name -> message)."""
    problems: dict[str, str] = {}
    om_ids = set(case.offenders.exclude(offender_manager=None).values_list("offender_manager_id", flat=True))
    vlo_ids = set(case.victims.exclude(vlo=None).values_list("vlo_id", flat=True))
    for field, person in (("lead_facilitator", lead), ("second_facilitator", second)):
        if person is None:
            continue
        if person.role not in FACILITATING_ROLES or not person.is_active:
            problems[field] = f"{person.display_name} is not an active facilitator."
        elif person.service_id != case.service_id:
            problems[field] = f"{person.display_name} works for another service."
        elif person.pk in om_ids:
            problems[field] = (
                f"{person.display_name} is the offender manager for someone on this case, so cannot facilitate it."
            )
        elif person.pk in vlo_ids:
            problems[field] = f"{person.display_name} is the victim liaison officer on this case."
    if second is not None and second.pk == lead.pk:
        problems["second_facilitator"] = "Choose a different person as second facilitator."
    if "lead_facilitator" not in problems and lead.is_volunteer:
        problems["lead_facilitator"] = "A volunteer cannot lead a case. Choose an accredited facilitator to lead."
    if second is None and lead.is_volunteer:
        problems.setdefault("second_facilitator", "A volunteer must work alongside an accredited facilitator.")
    return problems


@transaction.atomic
def case_allocate(*, case: Case, actor: User, lead: User, second: User | None, reason: str = "") -> Case:
    """Allocate (or reallocate) the case's facilitators and move object permissions with them."""
    if actor.role != Role.MANAGER or actor.service_id != case.service_id:
        raise ValidationError("Only an RJ manager of this service can allocate cases.")
    if not case.is_open:
        raise ValidationError("A closed case cannot be allocated.")
    if case.stage == Stage.REFERRAL:
        raise ValidationError("Screen the referral before allocating it.")
    problems = allocation_problems(case=case, lead=lead, second=second)
    if problems:
        raise ValidationError(problems)
    reallocating = case.lead_facilitator_id is not None
    if reallocating and not reason.strip():
        raise ValidationError({"reason": "Enter why the case is being reallocated."})

    moment = now()
    old = set(permissions.facilitators_of(case))
    new = {lead} | ({second} if second else set())
    Allocation.objects.filter(case=case, ended_at__isnull=True).update(ended_at=moment)
    Allocation.objects.create(
        case=case,
        lead_facilitator=lead,
        second_facilitator=second,
        allocated_by=actor,
        allocated_at=moment,
        reason=reason,
    )
    for person in old - new:
        permissions.revoke_case_from_facilitator(case, person)
    case.lead_facilitator = lead
    case.second_facilitator = second
    case.allocated_at = moment
    case.save(update_fields=["lead_facilitator", "second_facilitator", "allocated_at"])
    for person in new:
        permissions.grant_case_to_facilitator(case, person)
    names = lead.display_name + (f" and {second.display_name}" if second else "")
    event_add(
        case=case,
        actor=actor,
        kind=EventKind.REALLOCATED if reallocating else EventKind.ALLOCATED,
        summary=f"{'Reallocated' if reallocating else 'Allocated'} to {names}" + (f": {reason}" if reason else ""),
    )
    tasks_complete(tasks=case.tasks.filter(kind=TaskKind.ALLOCATE), actor=actor)
    if case.stage == Stage.ELIGIBILITY:
        from cases.services.lifecycle import case_set_stage

        case_set_stage(case=case, actor=actor, stage=Stage.ALLOCATED, by_service=True)
    if not reallocating:
        task_add(case=case, assignee=lead, kind=TaskKind.FIRST_CONTACT, title=f"Make first contact on {case.reference}")
    else:
        case.tasks.filter(done_at__isnull=True, assignee__in=list(old - new)).update(assignee=lead)
    return case
