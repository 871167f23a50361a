"""Risk assessments: a checklist (each issue: risk yes/no and how it will be managed), an overall
rating, reasons and a plan, approved by an RJ manager of the case's service.

An approved assessment is frozen: a change starts a new version that needs approval again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class AssessmentOrder(models.TextChoices):
    OFFENDER_FIRST = "offender_first", "Person responsible first, then the person harmed"
    VICTIM_FIRST = "victim_first", "Person harmed first"


class RiskSettings(models.Model):
    """A service's settings for assessments. Each change is kept in history with who made it."""

    service = models.OneToOneField("accounts.Service", on_delete=models.CASCADE, related_name="risk_settings")
    assessment_order = models.CharField(
        max_length=20, choices=AssessmentOrder.choices, default=AssessmentOrder.OFFENDER_FIRST
    )
    om_sees_offender_assessments = models.BooleanField(
        default=False, help_text="Offender managers may read the assessments of the person they manage."
    )
    approval_valid_days = models.PositiveIntegerField(
        default=90, help_text="How long an approved pre-conference assessment stays current."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "risk settings"

    def __str__(self) -> str:
        return f"Risk settings for {self.service}"


class ChecklistTemplate(models.Model):
    """One version of a service's risk checklist. The newest version is used for new assessments."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="checklist_templates")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "-version"]
        constraints = [models.UniqueConstraint(fields=["service", "version"], name="checklist_unique_version")]

    def __str__(self) -> str:
        return f"Risk checklist v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=300)
    guidance = models.CharField(max_length=500, blank=True)
    subjects = models.JSONField(
        default=list,
        blank=True,
        help_text="Which assessments ask this (victim, offender, venue, staff); empty for all of them.",
    )

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="checklist_item_position")]

    def __str__(self) -> str:
        return self.text

    def applies_to(self, subject: str) -> bool:
        return not self.subjects or subject in self.subjects


class AssessmentPoint(models.TextChoices):
    INITIAL = "initial", "Initial"
    ONGOING = "ongoing", "Ongoing"
    PRE_CONFERENCE = "pre_conference", "Pre-conference"
    POST_CONFERENCE = "post_conference", "Post-conference"


class RiskSubject(models.TextChoices):
    VICTIM = "victim", "Person harmed"
    OFFENDER = "offender", "Person responsible"
    VENUE = "venue", "Venue"
    STAFF = "staff", "Staff safety"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned"
    APPROVED = "approved", "Approved"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# Risk level tags: colour and the word together, never colour alone.
RATING_TAG_CLASSES = {
    RiskLevel.LOW: "govuk-tag--green",
    RiskLevel.MEDIUM: "govuk-tag--yellow",
    RiskLevel.HIGH: "govuk-tag--red",
}


class RiskAssessment(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="risk_assessments")
    subject = models.CharField(max_length=10, choices=RiskSubject.choices)
    victim = models.ForeignKey(
        "cases.Victim", on_delete=models.CASCADE, null=True, blank=True, related_name="risk_assessments"
    )
    offender = models.ForeignKey(
        "cases.Offender", on_delete=models.CASCADE, null=True, blank=True, related_name="risk_assessments"
    )
    point = models.CharField(max_length=20, choices=AssessmentPoint.choices)
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version"
    )
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="assessments")

    rating = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    rating_reasons = models.TextField(blank=True)
    management_plan = models.TextField(blank=True)
    risk_manageable = models.BooleanField(
        null=True,
        blank=True,
        help_text="No: a face-to-face meeting is not safe; offer indirect communication instead. "
        "Must be answered when the risk is high.",
    )
    facilitator_ratio = models.CharField(
        max_length=60, blank=True, help_text="Pre-conference: facilitators to attendees, set by the manager."
    )
    discussed_with_manager = models.BooleanField(default=False)
    prison_security_consulted = models.BooleanField(default=False)

    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contributors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "submitted_at"],
                name="risk_queue",
                condition=models.Q(status="submitted"),
            ),
            models.Index(fields=["case", "subject", "point"], name="risk_by_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(subject="victim", victim__isnull=False, offender__isnull=True)
                    | models.Q(subject="offender", offender__isnull=False, victim__isnull=True)
                    | models.Q(subject__in=["venue", "staff"], victim__isnull=True, offender__isnull=True)
                ),
                name="risk_subject_matches_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_point_display()} risk assessment v{self.version} ({self.get_subject_display()})"

    @property
    def participant(self):
        return self.victim or self.offender

    @property
    def is_editable(self) -> bool:
        return self.status in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class RiskAnswer(models.Model):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    risk = models.BooleanField(null=True)
    management = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["item__position"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="risk_answer_once")]

    def __str__(self) -> str:
        return f"{self.item}: {'yes' if self.risk else 'no' if self.risk is False else 'not answered'}"


class NewRisk(models.Model):
    """New information about a person's risk. It ends the currency of their approved assessments."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="new_risks")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    offender = models.ForeignKey("cases.Offender", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    description = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(victim__isnull=True, offender__isnull=False)
                | models.Q(victim__isnull=False, offender__isnull=True),
                name="new_risk_one_person",
            )
        ]

    def __str__(self) -> str:
        return f"New risk recorded {self.recorded_at:%Y-%m-%d}"
