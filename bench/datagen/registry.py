"""Every table the generator writes, by a short key, in an order where each table's references come first."""

from __future__ import annotations

from django.contrib.auth.models import Group

from accounts.models import PccArea, Service, Team, User
from agreements import models as agreements
from audit.models import ProcessingLogEntry
from bench.datagen.tables import Table
from cases import models as cases
from risk import models as risk

MODELS = {
    # Organisations and staff
    "area": PccArea,
    "service": Service,
    "group": Group,
    "team": Team,
    "user": User,
    "user_groups": User.groups.through,
    "user_areas": User.areas.through,
    "criteria": cases.TargetingCriteria,
    "criteria_offences": cases.TargetingCriteria.offences_in_scope.through,
    "criteria_tiers": cases.TargetingCriteria.tiers_in_scope.through,
    "template": risk.ChecklistTemplate,
    "checklist_item": risk.ChecklistItem,
    "risk_settings": risk.RiskSettings,
    "agreement_settings": agreements.AgreementSettings,
    "counter": cases.CaseReferenceCounter,
    # Cases and people
    "case": cases.Case,
    "case_offences": cases.Case.other_offences.through,
    "victim": cases.Victim,
    "offender": cases.Offender,
    "offender_statuses": cases.Offender.special_statuses.through,
    "allocation": cases.Allocation,
    "decision": cases.EligibilityDecision,
    "event": cases.CaseEvent,
    "task": cases.Task,
    "victim_contact": cases.VictimContact,
    "offender_contact": cases.OffenderContact,
    "victim_need": cases.VictimNeed,
    "offender_need": cases.OffenderNeed,
    "victim_consent": cases.VictimConsent,
    "offender_consent": cases.OffenderConsent,
    "victim_disclosure": cases.VictimDisclosure,
    "offender_disclosure": cases.OffenderDisclosure,
    "victim_supporter": cases.VictimSupporter,
    "offender_supporter": cases.OffenderSupporter,
    # Who may see what
    "case_uperm": cases.CaseUserObjectPermission,
    "case_gperm": cases.CaseGroupObjectPermission,
    "victim_uperm": cases.VictimUserObjectPermission,
    "victim_gperm": cases.VictimGroupObjectPermission,
    "offender_uperm": cases.OffenderUserObjectPermission,
    "offender_gperm": cases.OffenderGroupObjectPermission,
    # Risk
    "offender_suitability": risk.OffenderSuitability,
    "victim_suitability": risk.VictimSuitability,
    "assessment": risk.RiskAssessment,
    "answer": risk.RiskAnswer,
    "safeguarding": risk.SafeguardingDisclosure,
    # Activity and agreements
    "conference": agreements.Conference,
    "conference_victims": agreements.Conference.attending_victims.through,
    "conference_offenders": agreements.Conference.attending_offenders.through,
    "attendee": agreements.ConferenceAttendee,
    "indirect": agreements.IndirectCommunication,
    "message": agreements.IndirectMessage,
    "agreement": agreements.OutcomeAgreement,
    "agreement_victims": agreements.OutcomeAgreement.victims.through,
    "agreement_offenders": agreements.OutcomeAgreement.offenders.through,
    "signature": agreements.AgreementSignature,
    "item": agreements.AgreementItem,
    "copy": agreements.AgreementCopy,
    "victim_update": agreements.VictimUpdate,
    "victim_feedback": agreements.VictimFeedback,
    "offender_feedback": agreements.OffenderFeedback,
    # The processing log
    "plog": ProcessingLogEntry,
}

# History rows for these only with --history core (the cases and the people on them).
CORE_HISTORY = ("case", "victim", "offender", "user", "service")
# History rows of these objects are dated and signed from their parent's created_at and created_by.
HISTORY_PARENT = {
    "item": ("agreement_id", "agreements_outcomeagreement"),
    "answer": ("assessment_id", "risk_riskassessment"),
    "attendee": ("conference_id", "agreements_conference"),
}
# Tables that hold the seeded rows of a new database (the role groups): never emptied, only added to.
SEEDED = ("group",)


# Rows the database numbers itself: these tables also get rows from INSERT ... SELECT while the load runs.
AUTO_ID = ("event", "plog")


def build_tables(*, history: str) -> dict[str, Table]:
    """A Table for every key; `history` is "all", "core" or "none"."""
    tables = {}
    for key, model in MODELS.items():
        keep = history == "all" or (history == "core" and key in CORE_HISTORY)
        tables[key] = Table(model, history=keep, auto_id=key in AUTO_ID)
    return tables
