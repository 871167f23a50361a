"""A case's own row, written once everything on the case is known: its stage, dates, allocation, outcome and the
fields kept up to date for the lists and figures (last_contact_at, first_contact_at)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.datagen import words
from bench.datagen.shares import ACTIVITY_OUTCOMES
from bench.datagen.timebase import MINUTES

if TYPE_CHECKING:
    from bench.datagen.cases import Builder, CaseState

DAY = MINUTES
REFERRER_AGENCY = {
    "police": "Police (fictional force)",
    "police_leaflet": "Police (fictional force)",
    "court_psr": "Court report writers (fictional)",
    "prison": "Prison (fictional)",
    "vlu_vcs": words.AGENCY_VCS,
    "victim_hub": "Victim support hub (fictional)",
    "yot": "Youth offending team (fictional)",
    "victim_self": "",
    "offender_self": "",
}
CJ_STAGE = {
    "police": "pre_charge",
    "police_leaflet": "pre_charge",
    "court_psr": "pre_sentence",
    "prison": "custody",
    "probation_licence": "licence",
    "probation_community": "community",
    "probation_rar": "community",
    "probation_deferred": "pre_sentence",
}
HATE_STRANDS = ("race", "religion", "sexual_orientation", "disability", "transgender")


def write_case(
    b: Builder,
    c: CaseState,
    created: int,
    created_by: int,
    referral_day: int,
    source: str,
    offence: str,
    flags: list[str],
    youth: bool,
    outcome: str,
    reason: str,
    withdrawn_by: str,
) -> None:
    rng, tb, codes, t = b.rng, b.tb, b.codes, b.t
    closed = c.closed_at is not None
    initiator = "agency"
    if source in ("victim_self", "vlu_vcs", "victim_hub"):
        initiator = "victim"
    elif source == "offender_self":
        initiator = "offender"
    cj_stage = CJ_STAGE.get(source) or rng.choice(("pre_charge", "pre_sentence", "community", "custody", "licence"))
    first, last = b.name()
    hate = "Hate crime" in flags
    co_defendants = "1" if len(c.offenders) > 1 else rng.choice(("0", "0", "0", "0", "0", "1", "2", "3_plus"))
    row = b.m_case(
        id=c.id,
        service_id=c.service.id,
        reference=c.ref,
        stage=c.stage,
        stage_changed_at=tb.ts(c.stage_at),
        created_at=tb.ts(created),
        created_by_id=created_by,
        referral_date=tb.day(referral_day),
        rj_notified_date=tb.day(referral_day - rng.randint(0, 3)),
        referral_source_id=codes["referral_source"][source],
        initiator_id=codes["initiator"][initiator],
        cj_stage_id=codes["cj_stage"][cj_stage],
        participation_basis="statutory" if source in ("probation_rar", "probation_deferred") else "voluntary",
        referrer_name=f"{first} {last}",
        referrer_agency=REFERRER_AGENCY.get(source, words.AGENCY_PROBATION),
        referrer_phone=b.phone(),
        referrer_email=f"referrals@{c.service.code.lower()}.example.org",
        main_offence_id=codes["offence"][offence],
        offence_date=tb.day(referral_day - rng.randint(20, 400)),
        offence_location=rng.choice(words.LOCATIONS),
        offence_summary=words.OFFENCE_TEXT[offence],
        seriousness=rng.choice(("low", "medium", "medium", "high")),
        weapon_or_violence=offence.startswith(("violence", "robbery", "homicide", "weapons")),
        encounter_at_time=rng.random() < 0.4,
        police_reference=f"{c.service.code}/{tb.year(referral_day)}/{rng.randrange(10**6):06d}",
        flag_domestic_abuse="Domestic abuse" in flags,
        flag_sexual=offence == "sexual",
        flag_hate_crime=hate,
        hate_strand_id=codes["hate_strand"][rng.choice(HATE_STRANDS)] if hate else None,
        flag_caused_death=offence in ("homicide", "death_injury_driving"),
        flag_child_victim="Child victim" in flags,
        co_defendants_id=codes["co_defendants"][co_defendants],
        psr_status=rng.choice(("attached", "not_available", "not_needed")),
        cps_papers_requested_on=tb.day(referral_day + 1) if rng.random() < 0.3 else None,
        cps_papers_attached=rng.random() < 0.2,
        victim_details_requested_on=tb.day(referral_day + rng.randint(0, 3)),
        victim_details_received_on=tb.day(referral_day + rng.randint(4, 15)),
        officer_in_case=f"PC {b.name()[1]} (fictional)",
        police_station=f"{c.service.town} police station (fictional)",
        lead_facilitator_id=c.lead,
        second_facilitator_id=c.second,
        allocated_at=tb.ts(c.allocated) if c.lead is not None else None,
        youth_route=youth,
        is_paused=c.paused,
        paused_reason="A rising risk of serious harm was escalated to probation" if c.paused else "",
        closed_on=tb.day(c.closed_at // DAY) if closed else None,
        outcome_id=codes["outcome"][outcome] if closed else None,
        not_proceeding_reason_id=codes["not_proceeding"][reason] if closed and reason else None,
        withdrawn_by=withdrawn_by if closed else "",
        outcome_reason=words.OUTCOME_REASONS.get(reason, "") if closed else "",
        victim_contact_end_on=(tb.day(c.closed_at // DAY + 28) if closed and outcome in ACTIVITY_OUTCOMES else None),
        last_contact_at=tb.ts(c.last_contact) if c.last_contact else None,
        first_contact_at=tb.ts(c.first_contact) if c.first_contact is not None else None,
    )
    t["case"].add(row)
    other = b.pick_offence() if rng.random() < 0.2 else offence
    if other != offence:
        table = t["case_offences"]
        table.rows.append(b.m_case_offence(table.new_id(), c.id, codes["offence"][other]))


CASE_COLUMNS = (
    "id service_id reference stage stage_changed_at created_at created_by_id referral_date rj_notified_date "
    "referral_source_id initiator_id cj_stage_id participation_basis referrer_name referrer_agency referrer_phone "
    "referrer_email main_offence_id offence_date offence_location offence_summary seriousness weapon_or_violence "
    "encounter_at_time police_reference flag_domestic_abuse flag_sexual flag_hate_crime hate_strand_id "
    "flag_caused_death flag_child_victim co_defendants_id psr_status cps_papers_requested_on cps_papers_attached "
    "victim_details_requested_on victim_details_received_on officer_in_case police_station lead_facilitator_id "
    "second_facilitator_id allocated_at youth_route is_paused paused_reason closed_on outcome_id "
    "not_proceeding_reason_id withdrawn_by outcome_reason victim_contact_end_on last_contact_at "
    "first_contact_at"
)
