"""Where personal data lives: every table that belongs to a case, and which of its text says who someone is.

Each Record names a model (its simple-history table, if any, is treated the same way), how a row reaches its
case, and its text fields, each either personal (it may identify someone: names, contact details, identifiers,
anything typed in words) or kept (codes, statuses, generated labels: it identifies nobody). `owners` picks the
rows that are one person's own record (their contacts, their assessments, messages they wrote...).

When a person is erased, the personal fields of their own rows are overwritten, and every other personal field
of the case has their names, contact details and identifiers taken out of it. When a whole case is erased,
every personal field of every row of the case is overwritten. tests/privacy/test_registry.py fails when a model
that belongs to a case is missing here, or one of its text fields is neither personal nor kept.

The people themselves (Victim, Offender) are in PERSON_FIELDS: each field with the neutral value it gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, Q

ERASED = "Erased"  # what an erased field holds (an empty field stays empty)
MENTION = "[erased]"  # what replaces an erased person's name or details inside other text

Owner = Callable[[int], Q]


def _by(field_name: str) -> Owner:
    return lambda pk: Q(**{field_name: pk})


@dataclass(frozen=True)
class Record:
    label: str  # "app_label.ModelName"
    case: str  # lookup from a row to its case's id
    personal: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    owners: dict[str, Owner] = field(default_factory=dict)  # side -> rows that are that person's own
    history_owners: dict[str, Owner] = field(default_factory=dict)  # the same for history rows, when different
    history_case: str = ""  # the case lookup on history rows, when different
    answers: bool = False  # feedback answers (JSON): the answers given in words are personal
    relabel: str = ""  # overwrite personal fields with the label of this (choice) field instead of ERASED

    @property
    def model(self) -> type[Model] | None:
        try:
            return apps.get_model(self.label)
        except LookupError:  # a model of a part of the product that is not installed
            return None

    @property
    def history_model(self) -> type[Model] | None:
        model = self.model
        history = getattr(model, "history", None) if model is not None else None
        return getattr(history, "model", None)

    def case_lookup(self, *, history: bool) -> str:
        return (self.history_case or self.case) if history else self.case

    def owned(self, side: str, pk: int, *, history: bool) -> Q | None:
        owner = (self.history_owners.get(side) if history else None) or self.owners.get(side)
        return owner(pk) if owner else None

    def fields_on(self, model: type[Model], names: tuple[str, ...]) -> tuple[str, ...]:
        """The fields of `names` that the model has (a history table may leave some out)."""
        present = {f.name for f in model._meta.concrete_fields}
        return tuple(name for name in names if name in present)


def _participant_owned(side: str) -> dict[str, Owner]:
    return {side: _by("participant_id")}


def _either_person() -> dict[str, Owner]:
    return {"victim": _by("victim_id"), "offender": _by("offender_id")}


def _agreements_of_victim(pk: int) -> Q:
    from agreements.models import OutcomeAgreement

    return Q(id__in=OutcomeAgreement.objects.filter(victims=pk).values("pk"))


CONTACT = ("with_whom", "purpose", "notes", "next_appointment_with", "next_appointment_where")
NEED = ("details", "action_taken")
CONSENT_PERSONAL, CONSENT_KEPT = ("notes", "withdrawn_reason"), ("kind", "leaflet")
SUPPORTER_PERSONAL, SUPPORTER_KEPT = ("name", "phone", "email", "address", "notes"), ("kind",)
SUITABILITY_OFFENDER = (
    "outcome_reason",
    "who_was_affected",
    "what_they_would_say",
    "responsibility",
    "repairing_harm",
    "who_they_would_bring",
    "victim_feelings",
    "knows_victim",
    "history_between",
    "denies_involvement_notes",
    "revictimising_attitudes_notes",
    "unsafe_mental_health_notes",
    "unsafe_substance_use_notes",
    "immovably_resistant_notes",
)
SUITABILITY_VICTIM = (
    "outcome_reason",
    "readiness",
    "motivation",
    "expectations",
    "power_imbalance_notes",
    "vulnerability",
    "self_harm_notes",
    "support_available",
    "coercion_check_notes",
)


def _side_records(side: str, model_prefix: str) -> list[Record]:
    owned = _participant_owned(side)
    case = "participant__case_id"
    return [
        Record(f"cases.{model_prefix}Contact", case, CONTACT, owners=owned),
        Record(f"cases.{model_prefix}Need", case, NEED, owners=owned),
        Record(f"cases.{model_prefix}Consent", case, CONSENT_PERSONAL, CONSENT_KEPT, owners=owned),
        Record(f"cases.{model_prefix}Disclosure", case, ("content",), ("kind",), owners=owned),
        Record(f"cases.{model_prefix}Supporter", case, SUPPORTER_PERSONAL, SUPPORTER_KEPT, owners=owned),
        Record(f"agreements.{model_prefix}Feedback", case, (), ("answers",), owners=owned, answers=True),
    ]


RECORDS: tuple[Record, ...] = (
    Record(
        "cases.Case",
        "pk",
        history_case="id",
        personal=(
            "referrer_name",
            "referrer_phone",
            "referrer_email",
            "offence_location",
            "offence_summary",
            "police_reference",
            "officer_in_case",
            "paused_reason",
            "outcome_reason",
        ),
        kept=(
            "reference",
            "stage",
            "participation_basis",
            "referrer_agency",
            "seriousness",
            "psr_status",
            "police_station",
            "withdrawn_by",
        ),
    ),
    Record("cases.Allocation", "case_id", ("reason",)),
    Record(
        "cases.EligibilityDecision",
        "case_id",
        ("reasons", "exceptional_rationale"),
        ("checks", "flags", "exceptional_status"),
    ),
    # Timeline entries: erased entries keep the plain label of their kind ("Contact logged").
    Record("cases.CaseEvent", "case_id", ("summary",), ("kind", "side"), owners=_either_person(), relabel="kind"),
    Record("cases.Task", "case_id", (), ("kind", "title", "side", "dedupe_key", "link")),  # titles hold no names
    *_side_records("victim", "Victim"),
    *_side_records("offender", "Offender"),
    Record(
        "risk.RiskAssessment",
        "case_id",
        ("rating_reasons", "management_plan", "decision_comment", "invalidated_reason"),
        ("subject", "point", "status", "rating", "facilitator_ratio"),
        owners=_either_person(),
    ),
    Record(
        "risk.RiskAnswer",
        "assessment__case_id",
        ("management",),
        owners={"victim": _by("assessment__victim_id"), "offender": _by("assessment__offender_id")},
    ),
    Record("risk.NewRisk", "case_id", ("description",), owners=_either_person()),
    Record(
        "risk.SafeguardingDisclosure",
        "case_id",
        ("concern", "at_risk_details", "agency_details", "acknowledgement", "resolution"),
        ("at_risk", "agency", "passed_by"),
        owners=_either_person(),
    ),
    Record(
        "risk.OffenderSuitability",
        "participant__case_id",
        SUITABILITY_OFFENDER,
        ("outcome",),
        owners=_participant_owned("offender"),
    ),
    Record(
        "risk.VictimSuitability",
        "participant__case_id",
        SUITABILITY_VICTIM,
        ("outcome", "preferred_activity", "decision"),
        owners=_participant_owned("victim"),
    ),
    Record(
        "agreements.Conference",
        "case_id",
        (
            "status_reason",
            "venue_name",
            "venue_notes",
            "security_liaison",
            "id_requirements",
            "arrival_plan",
            "background",
            "how_it_went",
            "lessons_learnt",
            "video_how_we_know",
        ),
        ("status", "venue_kind", "lead_facilitator_agency", "second_facilitator_agency"),
    ),
    Record(
        "agreements.ConferenceAttendee",
        "conference__case_id",
        ("name", "relationship_or_organisation"),
        ("kind",),
        owners={
            "victim": lambda pk: Q(kind="victim_supporter", conference__attending_victims=pk),
            "offender": lambda pk: Q(kind="offender_supporter", conference__attending_offenders=pk),
        },
    ),
    Record("agreements.IndirectCommunication", "case_id", ("how_we_know",), ("kind",)),
    Record(
        "agreements.IndirectMessage",
        "communication__case_id",
        ("content", "review_notes"),
        ("direction", "review_outcome"),
        owners={  # the messages the person wrote
            "victim": lambda pk: Q(victim_id=pk, direction="to_offender"),
            "offender": lambda pk: Q(offender_id=pk, direction="to_victim"),
        },
    ),
    Record(
        "agreements.OutcomeAgreement",
        "case_id",
        ("victim_updates",),
        ("status",),
        owners={"victim": lambda pk: Q(victims=pk)},
        history_owners={"victim": _agreements_of_victim},
    ),
    Record("agreements.AgreementSignature", "agreement__case_id"),
    Record(
        "agreements.AgreementItem",
        "agreement__case_id",
        ("description", "responsible_other", "outcome_comment"),
        ("kind", "responsible", "status"),
    ),
    Record(
        "agreements.AgreementCopy",
        "agreement__case_id",
        ("recipient_name",),
        ("recipient", "version", "method"),
        owners=_either_person(),
    ),
    Record(
        "agreements.VictimUpdate",
        "agreement__case_id",
        ("what_was_said",),
        ("method",),
        owners=_participant_owned("victim"),
    ),
    Record("agreements.SentReminder", "case_id", (), ("kind", "subject_key", "email_state")),
    # A case opened outside the user's own work, with the reason they typed (when that part is installed).
    Record(
        "audit.BreakGlassAccess",
        "case_id",
        ("reason",),
        ("person_kind", "session_digest"),  # the digest of a session identifies nobody
        owners={
            "victim": lambda pk: Q(person_kind="victim", person_id=pk),
            "offender": lambda pk: Q(person_kind="offender", person_id=pk),
        },
    ),
)

# Tables of a case that hold no personal data of their own (ids only), and why.
NOT_PERSONAL = {
    "cases.CaseUserObjectPermission": "who may see the case: user rows go when the case is erased",
    "cases.CaseGroupObjectPermission": "the service team's access to the anonymised case",
    "cases.VictimUserObjectPermission": "deleted when the person is erased",
    "cases.VictimGroupObjectPermission": "deleted when the person is erased",
    "cases.OffenderUserObjectPermission": "deleted when the person is erased",
    "cases.OffenderGroupObjectPermission": "deleted when the person is erased",
    "reporting.ReturnVersion": "the returns' snapshots: rewritten by privacy.snapshots",
    "reporting.ReturnExport": "the returns' stored spreadsheets and PDF summaries: made again by privacy.snapshots",
    "reporting.ReturnExportRequest": "a PDF summary asked for and not made yet: ids and times only",
    "privacy.Erasure": "who erased which record number, when and why: no names",
}

# The person's own fields: the value each gets. KEEP marks a field the returns need (codes and counts are
# foreign keys and numbers, not listed). "synthetic" dates of birth keep the age on the referral date.
BLANK, OVERWRITE, SYNTHETIC_DATE, EMPTY_LIST, NONE, KEEP = "blank", "overwrite", "synthetic", "[]", "none", "keep"

PERSON_COMMON: dict[str, str] = {
    "first_name": OVERWRITE,
    "last_name": BLANK,
    "preferred_name": BLANK,
    "date_of_birth": SYNTHETIC_DATE,
    "sex_self_description": OVERWRITE,
    "address": OVERWRITE,
    "postcode": OVERWRITE,
    "phone": OVERWRITE,
    "email": OVERWRITE,
    "preferred_language": OVERWRITE,
    "safe_channels": EMPTY_LIST,
    "safe_times": OVERWRITE,
    "contact_safety_notes": OVERWRITE,
    "pathway_status": KEEP,
}
PERSON_FIELDS: dict[str, dict[str, str]] = {
    "victim": {**PERSON_COMMON, "vlo_details": OVERWRITE, "parent_guardian": OVERWRITE, "vlo": NONE},
    "offender": {
        **PERSON_COMMON,
        "pnc_id": OVERWRITE,
        "prison_number": OVERWRITE,
        "crn": OVERWRITE,
        "prison_name": OVERWRITE,
        "sentencing_court": OVERWRITE,
        "sentence_purpose": OVERWRITE,
        "requirement_1": OVERWRITE,
        "requirement_2": OVERWRITE,
        "requirement_3": OVERWRITE,
        "compensation": OVERWRITE,
        "psr_author": OVERWRITE,
        "om_details": OVERWRITE,
        "offender_manager": NONE,
        "sentence_length": KEEP,  # in the returns
        "supervision_length": KEEP,  # in the returns
    },
}

# The person's details that are looked for in other text of the case, as (field, how to read it).
PERSON_STRINGS = (
    "first_name",
    "last_name",
    "preferred_name",
    "phone",
    "email",
    "postcode",
    "address",
    "pnc_id",
    "prison_number",
    "crn",
    "parent_guardian",
)
SUPPORTER_STRINGS = ("name", "phone", "email", "address")


def installed_records() -> list[tuple[Record, type[Model]]]:
    return [(record, model) for record in RECORDS if (model := record.model) is not None]


def record_for(label: str) -> Record:
    return next(record for record in RECORDS if record.label == label)


def text_fields(model: type[Model]) -> set[str]:
    from django.db import models

    kinds: tuple[Any, ...] = (models.CharField, models.TextField, models.JSONField)
    return {f.name for f in model._meta.concrete_fields if isinstance(f, kinds)}
