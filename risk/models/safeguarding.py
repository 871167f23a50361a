"""Safeguarding and public protection (R10): concerns passed promptly to the right agency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class AtRisk(models.TextChoices):
    VICTIM = "victim", "The person harmed"
    CHILD = "child", "A child"
    OFFENDER = "offender", "The person responsible"
    OTHER = "other", "Someone else"


class SafeguardingAgency(models.TextChoices):
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    PROBATION = "probation", "National Probation Service"
    POLICE = "police", "Police"
    PRISON_SECURITY = "prison_security", "Prison security"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    VLO = "vlo", "Victim liaison officer"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    OTHER = "other", "Other"


class PassedBy(models.TextChoices):
    PHONE = "phone", "Phone"
    SECURE_EMAIL = "secure_email", "Secure email"
    MEETING = "meeting", "In person"
    REFERRAL_FORM = "referral_form", "Referral form"
    OTHER = "other", "Other"


class SafeguardingDisclosure(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="safeguarding")
    victim = models.ForeignKey(
        "cases.Victim", on_delete=models.CASCADE, null=True, blank=True, related_name="safeguarding",
        help_text="The person harmed the concern came from or is about, if any.",
    )  # fmt: skip
    offender = models.ForeignKey(
        "cases.Offender", on_delete=models.CASCADE, null=True, blank=True, related_name="safeguarding",
        help_text="The person responsible the concern came from or is about, if any.",
    )  # fmt: skip
    concern = models.TextField()
    at_risk = models.CharField(max_length=20, choices=AtRisk.choices)
    at_risk_details = models.CharField(max_length=300, blank=True)
    agency = models.CharField(max_length=30, choices=SafeguardingAgency.choices)
    agency_details = models.CharField(max_length=300, blank=True, help_text="Who at the agency, and how to reach them.")
    passed_by = models.CharField(max_length=20, choices=PassedBy.choices)
    passed_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.CharField(max_length=500, blank=True)
    escalate_rosh = models.BooleanField(
        "risk of serious harm rising: escalated to probation",
        default=False,
        help_text="The case pauses until an RJ manager resolves it.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-passed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(victim__isnull=False, offender__isnull=False),
                name="safeguarding_one_side",
            )
        ]

    def __str__(self) -> str:
        return f"Safeguarding concern passed {self.passed_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.escalate_rosh and self.resolved_at is None
