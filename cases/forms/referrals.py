"""Referral registration, screening and targeting-criteria forms.

A referral is one page of fieldsets, each its own form with a prefix, validated
together by ReferralForms. Which fieldsets a person sees depends on their role:
an offender manager refers the person responsible only; a victim liaison officer
refers a person harmed (and names the person responsible); the RJ team may give
either side or both.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from accounts.models import Role, User
from cases.models import (
    Case,
    Code,
    CodeList,
    DocumentStatus,
    Offender,
    ParticipationBasis,
    Seriousness,
    TargetingCriteria,
    Victim,
)
from cases.models.participants import age_on
from core.forms import DateField, Form, ModelChoiceField, ModelForm, ModelMultipleChoiceField

YES_NO = [("yes", "Yes"), ("no", "No")]


def codes(list_name: str):
    return Code.objects.filter(list_name=list_name, active=True)


def yes_no_field(label: str, *, required: bool = False, help_text: str = "", **kwargs: Any) -> forms.TypedChoiceField:
    """Yes or No as inline radios, cleaned to True, False or (when optional and unanswered) None."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=required,
        help_text=help_text,
        widget=forms.RadioSelect(attrs={"inline": True}),
        **kwargs,
    )


def _as_yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return "yes" if value else "no"


class GroupedCodeIterator(ModelChoiceIterator):
    """Codes under their Code.group headings (an <optgroup> each)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        loose = []
        for obj in self.queryset:
            if obj.group:
                groups.setdefault(obj.group, []).append(self.choice(obj))
            else:
                loose.append(self.choice(obj))
        yield from groups.items()
        yield from loose


class GroupedCodeField(ModelChoiceField):
    iterator = GroupedCodeIterator


def fields_in(sections: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """Every field named in a form's sections, for its Meta.fields."""
    return tuple(name for _, names in sections for name in names.split())


class SectionsMixin:
    """Fields grouped under sub-headings, for templates: [(heading, [bound fields])]."""

    sections: tuple[tuple[str, str], ...] = ()

    def field_sections(self) -> list[tuple[str, list]]:
        result = []
        for heading, names in self.sections:
            bound = [self[name] for name in names.split() if name in self.fields]  # type: ignore[index,attr-defined]
            if bound:
                result.append((heading, bound))
        return result


# --- About the referral -----------------------------------------------------------------------


ABOUT_SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "",
        "referral_date rj_notified_date referral_source initiator cj_stage participation_basis",
    ),
    ("Who is referring", "referrer_name referrer_agency referrer_phone referrer_email"),
)


class AboutReferralForm(SectionsMixin, ModelForm):
    referral_date = DateField(label="Date of referral", past_only=True)
    rj_notified_date = DateField(
        label="Date the RJ team was notified", past_only=True, required=False, help_text="For example, 27 3 2026"
    )
    referral_source = ModelChoiceField(
        label="Where the referral came from",
        queryset=codes(CodeList.REFERRAL_SOURCE),
        empty_label="Choose where it came from",
        error_messages={"required": "Choose where the referral came from"},
    )
    initiator = ModelChoiceField(
        label="Who asked for restorative justice",
        queryset=codes(CodeList.INITIATOR),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose who asked for restorative justice"},
    )
    cj_stage = ModelChoiceField(
        label="Criminal justice stage",
        queryset=codes(CodeList.CJ_STAGE),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the criminal justice stage"},
    )
    participation_basis = forms.ChoiceField(
        label="Is taking part statutory or voluntary?",
        choices=ParticipationBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether taking part is statutory or voluntary"},
    )

    sections = ABOUT_SECTIONS

    class Meta:
        model = Case
        fields = fields_in(ABOUT_SECTIONS)
        labels = {
            "referrer_name": "Referrer's name",
            "referrer_agency": "Referrer's organisation",
            "referrer_phone": "Referrer's phone number",
            "referrer_email": "Referrer's email address",
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referrer_is_user = user.role in (Role.OFFENDER_MANAGER, Role.VICTIM_LIAISON)
        self.fields["referral_date"].error_messages["required"] = "Enter the date of referral"
        self.fields["referrer_email"].error_messages["invalid"] = (
            "Enter an email address in the correct format, like name@example.com"
        )
        if self.referrer_is_user:
            # The service records the referrer from the person's own account.
            for name in ("referrer_name", "referrer_agency", "referrer_email"):
                del self.fields[name]
            self.fields["referrer_phone"].label = "Your phone number"
            self.fields["referrer_phone"].help_text = "So the RJ team can call you about this referral"


# --- The offence ------------------------------------------------------------------------------


OFFENCE_SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "",
        "main_offence other_offences offence_date offence_location offence_summary "
        "seriousness weapon_or_violence encounter_at_time police_reference co_defendants",
    ),
    ("Flags", "flag_domestic_abuse flag_hate_crime hate_strand flag_child_victim"),
)


class OffenceForm(SectionsMixin, ModelForm):
    main_offence = GroupedCodeField(
        label="Main offence",
        queryset=codes(CodeList.OFFENCE),
        empty_label="Choose the main offence",
        error_messages={"required": "Choose the main offence"},
    )
    other_offences = ModelMultipleChoiceField(
        label="Other offences",
        queryset=codes(CodeList.OFFENCE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    offence_date = DateField(label="Date of the offence", past_only=True, required=False)
    offence_summary = forms.CharField(
        label="Brief details of what happened", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    seriousness = forms.ChoiceField(
        label="Seriousness",
        choices=Seriousness.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"inline": True}),
    )
    weapon_or_violence = yes_no_field("Was a weapon or violence used?")
    encounter_at_time = yes_no_field("Did the people involved meet at the time of the offence?")
    hate_strand = ModelChoiceField(
        label="Hate crime strand",
        queryset=codes(CodeList.HATE_STRAND),
        required=False,
        empty_label="Choose a strand",
        help_text="Only if it is a hate crime",
    )
    co_defendants = ModelChoiceField(
        label="Co-defendants",
        queryset=codes(CodeList.CO_DEFENDANTS),
        required=False,
        empty_label=None,
        widget=forms.RadioSelect(attrs={"inline": True}),
    )

    sections = OFFENCE_SECTIONS

    class Meta:
        model = Case
        fields = fields_in(OFFENCE_SECTIONS)
        labels = {
            "offence_location": "Where the offence happened",
            "police_reference": "Police or offence reference",
            "flag_domestic_abuse": "Domestic abuse or intimate partner violence",
            "flag_hate_crime": "Hate crime",
            "flag_child_victim": "A person harmed is under 18",
        }
        help_texts = {"police_reference": "For example, a crime reference or URN"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("flag_hate_crime") and not data.get("hate_strand"):
            self.add_error("hate_strand", "Choose the hate crime strand")
        if data.get("hate_strand") and not data.get("flag_hate_crime"):
            self.add_error("flag_hate_crime", "Tick hate crime if you choose a hate crime strand")
        main = data.get("main_offence")
        if main is not None and main in data.get("other_offences", []):
            self.add_error("other_offences", "Do not tick the main offence again under other offences")
        return data


# --- People -----------------------------------------------------------------------------------


class ParticipantForm(SectionsMixin, ModelForm):
    """A person on one side. Optional forms count as not given when nothing was typed in them."""

    side_label = ""

    first_name = forms.CharField(label="First name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = DateField(label="Date of birth", past_only=True, required=False, help_text="For example, 27 3 2007")

    def __init__(self, *args: Any, required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_required = required
        if required:
            for name, part in (("first_name", "first"), ("last_name", "last")):
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = f"Enter the {part} name of the {self.side_label}"
        if "email" in self.fields:
            self.fields["email"].error_messages["invalid"] = (
                "Enter an email address in the correct format, like name@example.com"
            )

    def has_input(self) -> bool:
        """Whether anything at all was typed or ticked in this fieldset."""
        if not self.is_bound:
            return False
        for name, field in self.fields.items():
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, "", [], False):
                return True
        return False

    @property
    def is_given(self) -> bool:
        return self.is_required or self.has_input()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.is_given:
            return data
        if not data.get("first_name") and "first_name" not in self.errors:
            self.add_error("first_name", f"Enter the first name of the {self.side_label}")
        if not data.get("last_name") and "last_name" not in self.errors:
            self.add_error("last_name", f"Enter the last name of the {self.side_label}")
        return data


OFFENDER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("", "first_name last_name date_of_birth sex ethnicity address postcode phone email"),
    (
        "Identifiers and status",
        "pnc_id prison_number crn tier at_risk_of_custody special_statuses mappa_category "
        "mappa_level in_custody prison_name",
    ),
    (
        "Sentence",
        "sentence_type sentence_length supervision_length sentence_date sentencing_court "
        "sentence_purpose requirement_1 requirement_2 requirement_3 compensation psr_author "
        "om_details",
    ),
)


class OffenderForm(ParticipantForm):
    side_label = "person responsible"

    sex = ModelChoiceField(label="Sex", queryset=codes(CodeList.SEX), required=False, empty_label="Not known")
    ethnicity = GroupedCodeField(
        label="Ethnicity", queryset=codes(CodeList.ETHNICITY), required=False, empty_label="Not known"
    )
    tier = ModelChoiceField(
        label="Probation tier", queryset=codes(CodeList.TIER), required=False, empty_label="Not known"
    )
    special_statuses = ModelMultipleChoiceField(
        label="Special statuses",
        queryset=codes(CodeList.SPECIAL_STATUS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    mappa_category = forms.TypedChoiceField(
        label="MAPPA category",
        choices=[("", "Not MAPPA"), (1, "1"), (2, "2"), (3, "3")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mappa_level = forms.TypedChoiceField(
        label="MAPPA level",
        choices=[("", "Not MAPPA"), (1, "1"), (2, "2"), (3, "3")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    sentence_type = ModelChoiceField(
        label="Sentence",
        queryset=codes(CodeList.SENTENCE_TYPE),
        required=False,
        empty_label="Not sentenced or not known",
    )
    sentence_date = DateField(label="Date of sentence", required=False)
    address = forms.CharField(label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    sections = OFFENDER_SECTIONS

    class Meta:
        model = Offender
        fields = fields_in(OFFENDER_SECTIONS)
        labels = {
            "postcode": "Postcode",
            "phone": "Phone number",
            "email": "Email address",
            "pnc_id": "PNC ID",
            "prison_number": "Prison number",
            "crn": "CRN (case reference number)",
            "at_risk_of_custody": "At risk of custody",
            "in_custody": "In custody now",
            "prison_name": "Prison",
            "sentence_length": "Length of sentence",
            "supervision_length": "Length of supervision",
            "sentencing_court": "Sentencing court",
            "sentence_purpose": "Purpose of the sentence",
            "requirement_1": "Requirement 1",
            "requirement_2": "Requirement 2",
            "requirement_3": "Requirement 3",
            "compensation": "Compensation ordered",
            "psr_author": "Pre-sentence report author",
            "om_details": "Offender manager",
        }
        help_texts = {
            "pnc_id": "For example, 90/123456A",
            "prison_name": "Only if in custody",
            "om_details": "Name, office, phone number and email address",
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.role == Role.OFFENDER_MANAGER:
            # The person referring is the offender manager; the service records that.
            del self.fields["om_details"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("prison_name") and not data.get("in_custody"):
            self.add_error("in_custody", "Tick in custody now if you give a prison")
        if data.get("mappa_level") and not data.get("mappa_category"):
            self.add_error("mappa_category", "Choose the MAPPA category as well as the level")
        return data


VICTIM_SECTIONS: tuple[tuple[str, str], ...] = (
    ("", "first_name last_name date_of_birth address postcode phone email"),
    ("Safe contact", "no_voicemail no_letters safe_times"),
    ("Support and liaison", "in_victim_contact_scheme vlo_details parent_guardian"),
)


class VictimForm(ParticipantForm):
    side_label = "person harmed"

    address = forms.CharField(label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    in_victim_contact_scheme = yes_no_field("Is the person harmed in the Victim Contact Scheme?")

    sections = VICTIM_SECTIONS

    class Meta:
        model = Victim
        fields = fields_in(VICTIM_SECTIONS)
        labels = {
            "postcode": "Postcode",
            "phone": "Phone number",
            "email": "Email address",
            "no_voicemail": "Do not leave voicemail messages",
            "no_letters": "Do not send letters",
            "safe_times": "Safe times to call",
            "vlo_details": "Victim liaison officer",
            "parent_guardian": "Parent or guardian",
        }
        help_texts = {
            "safe_times": "For example, weekdays after 6pm",
            "vlo_details": "Name and contact details, if the person has one",
            "parent_guardian": "If the person harmed is under 18: their name and how to reach them",
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.role == Role.VICTIM_LIAISON:
            # The referring VLO is recorded as this person's VLO, in the Victim Contact Scheme.
            del self.fields["in_victim_contact_scheme"]
            del self.fields["vlo_details"]

    def clean_in_victim_contact_scheme(self) -> bool:
        return bool(self.cleaned_data.get("in_victim_contact_scheme"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        born = data.get("date_of_birth")
        if born and (age_on(born, timezone.localdate()) or 0) < 18 and not data.get("parent_guardian"):
            self.add_error("parent_guardian", "Enter a parent or guardian, as the person harmed is under 18")
        return data


# --- Documents --------------------------------------------------------------------------------


DOCUMENT_SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "",
        "psr_status cps_papers_requested_on cps_papers_attached victim_details_requested_on "
        "victim_details_received_on officer_in_case police_station",
    ),
)


class DocumentsForm(SectionsMixin, ModelForm):
    psr_status = forms.ChoiceField(
        label="Pre-sentence report",
        choices=DocumentStatus.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"inline": True}),
    )
    cps_papers_requested_on = DateField(label="Date CPS papers were requested", past_only=True, required=False)
    victim_details_requested_on = DateField(
        label="Date details of the person harmed were requested", past_only=True, required=False
    )
    victim_details_received_on = DateField(
        label="Date details of the person harmed were received", past_only=True, required=False
    )

    sections = DOCUMENT_SECTIONS

    class Meta:
        model = Case
        fields = fields_in(DOCUMENT_SECTIONS)
        labels = {
            "cps_papers_attached": "CPS papers are attached",
            "officer_in_case": "Officer in the case",
            "police_station": "Police station",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        requested, received = data.get("victim_details_requested_on"), data.get("victim_details_received_on")
        if requested and received and received < requested:
            self.add_error(
                "victim_details_received_on", "Date details were received must be on or after the date requested"
            )
        return data


# --- All of it together -----------------------------------------------------------------------

SERVICE_FIELD_FORMS = ("about", "offence", "documents")


class ReferralForms:
    """The fieldsets of one referral, validated together; nothing is saved unless all are valid."""

    def __init__(self, user: User, data: Any = None) -> None:
        self.user = user
        is_om = user.role == Role.OFFENDER_MANAGER
        is_vlo = user.role == Role.VICTIM_LIAISON
        self.is_rj_team = not (is_om or is_vlo)
        about_initial: dict[str, Any] = {"referral_date": timezone.localdate()}
        if is_vlo:
            about_initial["initiator"] = codes(CodeList.INITIATOR).filter(code="victim").first()
            about_initial["referral_source"] = codes(CodeList.REFERRAL_SOURCE).filter(code="vlu_vcs").first()
        self.about = AboutReferralForm(data, prefix="referral", user=user, initial=about_initial)
        self.offence = OffenceForm(data, prefix="offence")
        self.offender = OffenderForm(data, prefix="offender", user=user, required=not self.is_rj_team)
        self.victim = None if is_om else VictimForm(data, prefix="victim", user=user, required=is_vlo)
        self.documents = DocumentsForm(data, prefix="documents")
        self.confirm = DuplicateConfirmForm(data, prefix="duplicate")
        if not self.is_rj_team:
            self.confirm.fields["confirm_new"].label = "I want to send this referral"

    @property
    def forms(self) -> list[forms.Form]:
        return [f for f in (self.about, self.offence, self.offender, self.victim, self.documents) if f is not None]

    def is_valid(self) -> bool:
        # Validate every fieldset (no short cut), so each shows its own errors.
        results = [f.is_valid() for f in self.forms]
        valid = all(results)
        if valid and self.is_rj_team and not self.offender.is_given and not (self.victim and self.victim.is_given):
            message = "Enter the name of the person responsible or the person harmed (or both)"
            self.offender.add_error("first_name", message)
            valid = False
        return valid

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self.forms)

    @property
    def confirmed_new(self) -> bool:
        return self.confirm.is_valid() and bool(self.confirm.cleaned_data.get("confirm_new"))

    def case_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for form in (self.about, self.offence, self.documents):
            data.update(form.cleaned_data)
        return data

    def offender_data(self) -> dict[str, Any] | None:
        return dict(self.offender.cleaned_data) if self.offender.is_given else None

    def victim_data(self) -> dict[str, Any] | None:
        if self.victim is None or not self.victim.is_given:
            return None
        return dict(self.victim.cleaned_data)

    def duplicate_query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"police_reference": self.offence.cleaned_data.get("police_reference", "")}
        offender = self.offender_data()
        if offender:
            for key in ("pnc_id", "prison_number", "crn", "first_name", "last_name", "date_of_birth"):
                query[key] = offender.get(key) or ("" if key != "date_of_birth" else None)
        return query

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ValidationError on the field it names, or at the top of the page."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.about.add_error(None, message)
            return
        for field, errors in exc.message_dict.items():
            target = next((f for f in self.forms if field in f.fields), None)
            for message in errors:
                if target is None:
                    self.about.add_error(None, message)
                else:
                    target.add_error(field, message)


class DuplicateConfirmForm(Form):
    confirm_new = forms.BooleanField(
        label="This is a new referral, not one of the cases listed",
        required=False,
    )


# --- Screening --------------------------------------------------------------------------------


class EligibilityForm(Form):
    eligible = yes_no_field(
        "Does the case meet the targeting criteria?",
        required=True,
        error_messages={"required": "Choose yes if the case is eligible, or no if it is not"},
    )
    reasons = forms.CharField(
        label="Reasons for your decision",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say why, especially where a criterion is not met or the case is flagged",
        error_messages={"required": "Enter the reasons for your decision"},
    )

    def clean_reasons(self) -> str:
        reasons = self.cleaned_data["reasons"].strip()
        if not reasons:
            raise ValidationError("Enter the reasons for your decision")
        return reasons


class ExceptionalForm(Form):
    approve = forms.TypedChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve: restorative justice may go ahead"),
            ("refuse", "Refuse: the case will not proceed"),
        ],
        coerce=lambda value: value == "approve",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve or refuse"},
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Record why, including how the risks will be managed if you approve",
        error_messages={"required": "Enter the reasons for your decision"},
    )


# --- Targeting criteria -----------------------------------------------------------------------


class CriteriaForm(ModelForm):
    requires_identifiable_victim = yes_no_field(
        "Must there be an identifiable person who was personally harmed?",
        required=True,
        error_messages={"required": "Choose yes or no"},
    )
    offences_in_scope = ModelMultipleChoiceField(
        label="Offences in scope",
        queryset=codes(CodeList.OFFENCE),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to accept any offence",
    )
    minimum_seriousness = forms.ChoiceField(
        label="Lowest seriousness accepted",
        choices=Seriousness.choices,
        widget=forms.RadioSelect(attrs={"inline": True}),
        error_messages={"required": "Choose the lowest seriousness accepted"},
    )
    tiers_in_scope = ModelMultipleChoiceField(
        label="Probation tiers in scope",
        queryset=codes(CodeList.TIER),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to accept any tier",
    )
    tier_2_if_at_risk_of_custody = yes_no_field(
        "Accept tier 2 if the person responsible is at risk of custody?",
        required=True,
        error_messages={"required": "Choose yes or no"},
    )

    class Meta:
        model = TargetingCriteria
        fields = (
            "requires_identifiable_victim",
            "offences_in_scope",
            "minimum_seriousness",
            "tiers_in_scope",
            "tier_2_if_at_risk_of_custody",
            "notes",
        )
        labels = {"notes": "Notes"}
        help_texts = {"notes": "Anything else the person screening should know, such as what changed"}

    @classmethod
    def initial_from(cls, criteria: TargetingCriteria | None) -> dict[str, Any]:
        if criteria is None:
            return {"requires_identifiable_victim": "yes", "tier_2_if_at_risk_of_custody": "yes"}
        return {
            "requires_identifiable_victim": _as_yes_no(criteria.requires_identifiable_victim),
            "offences_in_scope": list(criteria.offences_in_scope.all()),
            "minimum_seriousness": criteria.minimum_seriousness,
            "tiers_in_scope": list(criteria.tiers_in_scope.all()),
            "tier_2_if_at_risk_of_custody": _as_yes_no(criteria.tier_2_if_at_risk_of_custody),
            "notes": criteria.notes,
        }


__all__ = [
    "AboutReferralForm",
    "CriteriaForm",
    "DocumentsForm",
    "DuplicateConfirmForm",
    "EligibilityForm",
    "ExceptionalForm",
    "OffenceForm",
    "OffenderForm",
    "ReferralForms",
    "VictimForm",
]
