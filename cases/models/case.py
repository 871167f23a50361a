from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cases.models.codes import Code, CodeList, code_fk


class Stage(models.TextChoices):
    REFERRAL = "referral", "New referral"
    ELIGIBILITY = "eligibility", "Eligible"
    ALLOCATED = "allocated", "Allocated"
    ASSESSMENT = "assessment", "Assessment"
    PREPARATION = "preparation", "Preparation"
    ACTIVITY = "activity", "Activity"
    FOLLOW_UP = "follow_up", "Follow-up"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NOT_PROCEEDING = "not_proceeding", "Not proceeding"


OPEN_STAGES = (
    Stage.REFERRAL,
    Stage.ELIGIBILITY,
    Stage.ALLOCATED,
    Stage.ASSESSMENT,
    Stage.PREPARATION,
    Stage.ACTIVITY,
    Stage.FOLLOW_UP,
)
TERMINAL_STAGES = (Stage.CLOSED, Stage.WITHDRAWN, Stage.NOT_PROCEEDING)

# The pathway moves forward one step at a time; any open case may also be withdrawn or stopped.
FORWARD = {
    Stage.REFERRAL: (Stage.ELIGIBILITY,),
    Stage.ELIGIBILITY: (Stage.ALLOCATED,),
    Stage.ALLOCATED: (Stage.ASSESSMENT,),
    Stage.ASSESSMENT: (Stage.PREPARATION,),
    Stage.PREPARATION: (Stage.ACTIVITY,),
    Stage.ACTIVITY: (Stage.FOLLOW_UP, Stage.CLOSED),
    Stage.FOLLOW_UP: (Stage.CLOSED,),
}


def allowed_transitions(stage: str) -> tuple[str, ...]:
    if stage in TERMINAL_STAGES:
        return ()
    return (*FORWARD.get(stage, ()), Stage.WITHDRAWN, Stage.NOT_PROCEEDING)


class ParticipationBasis(models.TextChoices):
    VOLUNTARY = "voluntary", "Voluntary"
    STATUTORY = "statutory", "Statutory, with informed consent"


class Seriousness(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class DocumentStatus(models.TextChoices):
    ATTACHED = "attached", "Attached"
    NOT_AVAILABLE = "not_available", "Not available"
    NOT_NEEDED = "not_needed", "Not needed"


class WithdrawnBy(models.TextChoices):
    VICTIM = "victim", "Person harmed"
    OFFENDER = "offender", "Person responsible"
    SERVICE = "service", "The service"
    REFERRER = "referrer", "The referrer"


class Case(models.Model):
    service = models.ForeignKey("accounts.Service", on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=20, unique=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REFERRAL)
    stage_changed_at = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    # Referral
    referral_date = models.DateField()
    rj_notified_date = models.DateField(null=True, blank=True)
    referral_source = code_fk(CodeList.REFERRAL_SOURCE, null=False)
    initiator = code_fk(CodeList.INITIATOR, null=False)
    cj_stage = code_fk(CodeList.CJ_STAGE, null=False)
    participation_basis = models.CharField(max_length=20, choices=ParticipationBasis.choices)
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_agency = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=40, blank=True)
    referrer_email = models.EmailField(blank=True)

    # Offence
    main_offence = code_fk(CodeList.OFFENCE, null=False)
    other_offences = models.ManyToManyField(
        Code, blank=True, related_name="+", limit_choices_to={"list_name": CodeList.OFFENCE}
    )
    offence_date = models.DateField(null=True, blank=True)
    offence_location = models.CharField(max_length=200, blank=True)
    offence_summary = models.TextField(blank=True)
    seriousness = models.CharField(max_length=10, choices=Seriousness.choices, blank=True)
    weapon_or_violence = models.BooleanField(null=True, blank=True)
    encounter_at_time = models.BooleanField(null=True, blank=True)
    police_reference = models.CharField(max_length=60, blank=True)
    flag_domestic_abuse = models.BooleanField(default=False)
    flag_sexual = models.BooleanField(default=False)
    flag_hate_crime = models.BooleanField(default=False)
    hate_strand = code_fk(CodeList.HATE_STRAND)
    flag_caused_death = models.BooleanField(default=False)
    flag_child_victim = models.BooleanField(default=False)
    co_defendants = code_fk(CodeList.CO_DEFENDANTS)

    # Documents and requests to the police
    psr_status = models.CharField(max_length=20, choices=DocumentStatus.choices, blank=True)
    cps_papers_requested_on = models.DateField(null=True, blank=True)
    cps_papers_attached = models.BooleanField(default=False)
    victim_details_requested_on = models.DateField(null=True, blank=True)
    victim_details_received_on = models.DateField(null=True, blank=True)
    officer_in_case = models.CharField(max_length=200, blank=True)
    police_station = models.CharField(max_length=200, blank=True)

    # Allocation (current; every allocation is also an Allocation row)
    lead_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)

    # Routing and pauses
    youth_route = models.BooleanField(default=False, help_text="An offender aged 15 to 17: youth justice route.")
    is_paused = models.BooleanField(default=False)
    paused_reason = models.CharField(max_length=300, blank=True)

    # Closure
    closed_on = models.DateField(null=True, blank=True)
    outcome = code_fk(CodeList.OUTCOME)
    not_proceeding_reason = code_fk(CodeList.NOT_PROCEEDING)
    withdrawn_by = models.CharField(max_length=20, choices=WithdrawnBy.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    victim_contact_end_on = models.DateField(null=True, blank=True)

    # Kept up to date by the services, so lists need no aggregate queries
    last_contact_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(
        null=True, blank=True, help_text="The first contact (not an attempt) with anyone on the case."
    )
    # What is due next on a case (its soonest open task) is read from the tasks themselves:
    # cases.selectors.with_next_due / with_next_step.

    history = HistoricalRecords(excluded_fields=["last_contact_at", "first_contact_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_case_progress", "See the stage and dates of a case they referred"),
        ]
        indexes = [
            models.Index(fields=["service", "stage"], name="case_service_stage"),
            models.Index(fields=["service", "-created_at", "-id"], name="case_service_recent"),
            # Lists of cases from several services, newest first (cases.permissions.visible_list)
            models.Index(fields=["-created_at", "-id"], name="case_recent"),
            # The returns' and the dashboard's quarter windows
            models.Index(fields=["service", "referral_date"], name="case_service_referred"),
            models.Index(fields=["service", "closed_on"], name="case_service_closed"),
            models.Index(fields=["service", "first_contact_at"], name="case_service_first_contact"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def flags(self) -> list[str]:
        labels = []
        if self.flag_domestic_abuse:
            labels.append("Domestic abuse")
        if self.flag_sexual:
            labels.append("Sexual offence")
        if self.flag_hate_crime:
            labels.append("Hate crime")
        if self.flag_caused_death:
            labels.append("Offence caused death")
        if self.flag_child_victim:
            labels.append("Child victim")
        if self.youth_route:
            labels.append("Youth justice route")
        if self.is_paused:
            labels.append("Paused")
        return labels

    @property
    def needs_exceptional_approval(self) -> bool:
        return any(
            (
                self.flag_domestic_abuse,
                self.flag_sexual,
                self.flag_hate_crime,
                self.flag_caused_death,
                self.flag_child_victim,
            )
        )


class CaseReferenceCounter(models.Model):
    """The last number used for a service's case references in one year."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "year"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.service_id}/{self.year}: {self.last_number}"


class Allocation(models.Model):
    """Who facilitated the case and when: one row per allocation or reallocation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="allocations")
    lead_facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    second_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-allocated_at"]

    def __str__(self) -> str:
        return f"{self.case} allocated {self.allocated_at:%Y-%m-%d}"


class TargetingCriteria(models.Model):
    """One version of a service's published targeting criteria. The newest version is in force."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="criteria_versions")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requires_identifiable_victim = models.BooleanField(default=True)
    offences_in_scope = models.ManyToManyField(
        Code, related_name="+", limit_choices_to={"list_name": CodeList.OFFENCE}, blank=True
    )
    minimum_seriousness = models.CharField(max_length=10, choices=Seriousness.choices, default=Seriousness.MEDIUM)
    tiers_in_scope = models.ManyToManyField(
        Code, related_name="+", limit_choices_to={"list_name": CodeList.TIER}, blank=True
    )
    tier_2_if_at_risk_of_custody = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "-version"]
        constraints = [models.UniqueConstraint(fields=["service", "version"], name="criteria_unique_version")]

    def __str__(self) -> str:
        return f"Targeting criteria v{self.version}"


class ExceptionalStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed"
    AWAITING = "awaiting", "Waiting for a manager"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class EligibilityDecision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="eligibility_decisions")
    criteria = models.ForeignKey(TargetingCriteria, on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    eligible = models.BooleanField()
    checks = models.JSONField(default=list, help_text="Each criterion and whether the case met it.")
    reasons = models.TextField()
    flags = models.JSONField(default=list)
    youth_route = models.BooleanField(default=False)
    exceptional_status = models.CharField(
        max_length=20, choices=ExceptionalStatus.choices, default=ExceptionalStatus.NOT_NEEDED
    )
    exceptional_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exceptional_decided_at = models.DateTimeField(null=True, blank=True)
    exceptional_rationale = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]
        get_latest_by = "decided_at"

    def __str__(self) -> str:
        return f"{self.case}: {'eligible' if self.eligible else 'not eligible'}"
