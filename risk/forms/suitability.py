"""Suitability assessment forms: one page of fieldsets for each side.

Forms check input only; the rules (order, responsibility, reasons, re-contact date) are in
risk.services.suitability. Views pass cleaned_data to the service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from cases.models import Code, CodeList, Offender, Victim
from core.forms import DateField, Form, ModelChoiceField
from risk.models import PreferredActivity, SuitabilityOutcome, VictimDecision
from risk.services.suitability import FIELDS, OFFENDER_CRITERIA


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _tick(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False)


class YesNoField(forms.ChoiceField):
    """Yes, no or not known yet, cleaning to True, False or None."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid_choice": "Select yes, no or not known yet"})
        super().__init__(choices=(("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet")), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if value is True:
            return "yes"
        if value is False:
            return "no"
        if value in (None, ""):
            return "unknown"
        return value

    def clean(self, value: Any) -> bool | None:  # type: ignore[override]
        value = super().clean(value)
        return {"yes": True, "no": False}.get(value)


CRITERIA_LABELS = {
    "denies_involvement": "Denies being involved in the offence",
    "revictimising_attitudes": "Shows attitudes that could harm the person harmed again",
    "unsafe_mental_health": "Mental health makes taking part unsafe",
    "unsafe_substance_use": "Drug or alcohol use makes taking part unsafe",
    "immovably_resistant": "Firmly resistant to the process",
}


class SuitabilityForm(Form):
    """Fields shared by both sides; `groups` lays them out as fieldsets (key, legend, field names)."""

    groups: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    side = ""

    assessed_on = DateField(
        label="Date of the assessment",
        past_only=True,
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date of the assessment"},
    )
    outcome = forms.ChoiceField(
        label="Are they suitable?",
        choices=SuitabilityOutcome.choices,
        initial=SuitabilityOutcome.IN_PROGRESS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they are suitable"},
    )
    outcome_reason = _text("Reasons for the outcome", "Needed when they are unsuitable.")

    def __init__(self, *args: Any, person: Victim | Offender, **kwargs: Any) -> None:
        self.person = person
        super().__init__(*args, **kwargs)

    def grouped(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (key, legend, [self[name] for name in names if name in self.fields]) for key, legend, names in self.groups
        ]

    def initial_from(self, assessment: Any) -> dict[str, Any]:
        return {name: getattr(assessment, name) for name in FIELDS[self.side] if name in self.fields}


class OffenderSuitabilityForm(SuitabilityForm):
    side = "offender"
    groups = (
        ("date", "The assessment", ("assessed_on",)),
        (
            "themes",
            "Interview themes",
            (
                "who_was_affected",
                "what_they_would_say",
                "responsibility",
                "repairing_harm",
                "who_they_would_bring",
                "victim_feelings",
                "knows_victim",
                "history_between",
            ),
        ),
        (
            "criteria",
            "Reasons they may be unsuitable",
            tuple(name for criterion in OFFENDER_CRITERIA for name in (criterion, f"{criterion}_notes")),
        ),
        ("responsibility", "Responsibility", ("accepts_some_responsibility", "told_no_effect_on_sentence")),
        ("outcome", "Outcome", ("outcome", "outcome_reason")),
    )

    who_was_affected = _text("Who was affected, and how")
    what_they_would_say = _text("What they would say to the person harmed")
    responsibility = _text("How responsible they feel, and who they think was to blame")
    repairing_harm = _text("How they could repair the harm")
    who_they_would_bring = _text("Who they would bring with them")
    victim_feelings = _text("How they think the person harmed might feel about meeting")
    knows_victim = _text("Whether they know the person harmed or people close to them")
    history_between = _text("Any history between them")

    denies_involvement = _tick(CRITERIA_LABELS["denies_involvement"])
    denies_involvement_notes = _text("Notes on denying involvement")
    revictimising_attitudes = _tick(CRITERIA_LABELS["revictimising_attitudes"])
    revictimising_attitudes_notes = _text("Notes on their attitudes")
    unsafe_mental_health = _tick(CRITERIA_LABELS["unsafe_mental_health"])
    unsafe_mental_health_notes = _text("Notes on mental health")
    unsafe_substance_use = _tick(CRITERIA_LABELS["unsafe_substance_use"])
    unsafe_substance_use_notes = _text("Notes on drug or alcohol use")
    immovably_resistant = _tick(CRITERIA_LABELS["immovably_resistant"])
    immovably_resistant_notes = _text("Notes on their resistance")

    accepts_some_responsibility = YesNoField(
        label="Do they accept at least some responsibility for the harm?",
        help_text="They must, before anyone harmed is invited.",
    )
    told_no_effect_on_sentence = _tick("Told that taking part has no effect on their sentence, parole or licence")


class VictimSuitabilityForm(SuitabilityForm):
    side = "victim"
    groups = (
        ("date", "The assessment", ("assessed_on",)),
        (
            "readiness",
            "Readiness, motivation and expectations",
            ("readiness", "motivation", "expectations", "expectations_realistic"),
        ),
        (
            "safety",
            "Relationship and safety",
            (
                "relationship",
                "power_imbalance",
                "power_imbalance_notes",
                "vulnerability",
                "self_harm_risk",
                "self_harm_notes",
                "support_available",
            ),
        ),
        ("preference", "What they would like", ("preferred_activity",)),
        ("consent", "Consent", ("consent_informed_and_free", "coercion_check_notes")),
        ("vcs", "Victim Contact Scheme", ("vlo_liaison_done",)),
        ("decision", "Their decision", ("decision", "recontact_on")),
        ("outcome", "Outcome", ("outcome", "outcome_reason")),
    )

    readiness = _text("How ready are they?")
    motivation = _text("Why do they want to take part?")
    expectations = _text("What do they expect from it?")
    expectations_realistic = YesNoField(label="Are their expectations realistic?")
    relationship = ModelChoiceField(
        label="Relationship to the person responsible",
        queryset=Code.objects.none(),
        required=False,
        empty_label="Select",
    )
    power_imbalance = _tick("There is a power imbalance between them")
    power_imbalance_notes = _text("Notes on the power imbalance")
    vulnerability = _text("Vulnerability", "Anything that makes them more vulnerable, and what will help.")
    self_harm_risk = _tick("There is a risk of self-harm")
    self_harm_notes = _text("Notes on the risk of self-harm")
    support_available = _text("Support available to them")
    preferred_activity = forms.ChoiceField(
        label="What kind of restorative activity would they prefer?",
        choices=PreferredActivity.choices,
        initial=PreferredActivity.NOT_SURE,
        widget=forms.RadioSelect,
        help_text="Their preference comes first.",
        error_messages={"required": "Select what they would prefer"},
    )
    consent_informed_and_free = YesNoField(
        label="Is their consent informed and freely given, with no sign of pressure?",
    )
    coercion_check_notes = _text("How you checked for pressure or coercion")
    vlo_liaison_done = _tick(
        "Their victim liaison officer was consulted before contact",
        "They are in the Victim Contact Scheme.",
    )
    decision = forms.ChoiceField(
        label="What have they decided?",
        choices=VictimDecision.choices,
        initial=VictimDecision.UNDECIDED,
        widget=forms.RadioSelect,
        help_text="Taking part is their choice. They can change their mind at any time.",
        error_messages={"required": "Select what they have decided"},
    )
    recontact_on = DateField(
        label="Date to contact them again",
        required=False,
        help_text="Needed when they need time to think.",
    )

    def __init__(self, *args: Any, person: Victim | Offender, **kwargs: Any) -> None:
        super().__init__(*args, person=person, **kwargs)
        codes = Q(active=True)
        current = (kwargs.get("initial") or {}).get("relationship")
        if isinstance(current, Code):
            codes |= Q(pk=current.pk)
        self.fields["relationship"].queryset = Code.objects.filter(codes, list_name=CodeList.RELATIONSHIP).order_by(
            "sort_order", "label"
        )
        if not getattr(person, "in_victim_contact_scheme", False):
            del self.fields["vlo_liaison_done"]


FORMS: dict[str, type[SuitabilityForm]] = {"offender": OffenderSuitabilityForm, "victim": VictimSuitabilityForm}
