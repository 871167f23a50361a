"""Retention periods, erasures and the nightly retention job's runs.

An Erasure row says that a person's (or a whole case's) personal data was erased: which record, when, by whom
(or by the retention job) and why. It never holds a name. Pages and the services use it to know a person is
erased; the processing log gets one "erasure" row for each person as well.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RetentionKind(models.TextChoices):
    CLOSED_CASE = "closed_case", "Cases that ended after allocation"
    UNPROCEEDED_REFERRAL = "unproceeded_referral", "Referrals that did not go ahead"
    FEEDBACK_TEXT = "feedback_text", "Feedback answers in words"


class RetentionSetting(models.Model):
    """A service's retention period for one kind of record, with the reason for it. Without a row: the default."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=RetentionKind.choices)
    months = models.PositiveSmallIntegerField()
    reason = models.TextField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "kind"]
        constraints = [models.UniqueConstraint(fields=["service", "kind"], name="retention_setting_once")]
        permissions = [("manage_retention", "Change how long the service keeps personal data")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.months} months"


class ErasureKind(models.TextChoices):
    VICTIM = "victim", "Person harmed"
    OFFENDER = "offender", "Person responsible"
    CASE = "case", "Whole case"


class ErasureTrigger(models.TextChoices):
    MANUAL = "manual", "Erased by an RJ manager"
    RETENTION = "retention", "Retention period ended"


class Erasure(models.Model):
    """The personal data of one person (or of a whole case) was erased. Holds ids, never a name."""

    kind = models.CharField(max_length=10, choices=ErasureKind.choices)
    object_id = models.BigIntegerField(help_text="The person's (or the case's) record number.")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("accounts.Service", on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=20, choices=ErasureTrigger.choices)
    reason = models.CharField(max_length=300)
    return_versions_redacted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="erasure_once")]
        indexes = [models.Index(fields=["case", "kind"], name="erasure_by_case")]
        permissions = [
            ("manage_personal_data", "Erase a person's personal data and export it for them (subject access)")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id} erased {self.erased_at:%Y-%m-%d}"


class RetentionRun(models.Model):
    """One run of the nightly retention job, with what it erased."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.CharField(max_length=40, default="schedule")
    cases_erased = models.PositiveIntegerField(default=0)
    referrals_erased = models.PositiveIntegerField(default=0)
    people_erased = models.PositiveIntegerField(default=0)
    feedback_cleared = models.PositiveIntegerField(default=0)
    more_due = models.BooleanField(default=False, help_text="The run stopped at its limit: the next run goes on.")

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Retention run at {self.started_at:%Y-%m-%d %H:%M}"


class RetentionProgress(models.Model):
    """How far the retention job has got with one kind of record of a service: everything dated before
    `done_before` has been dealt with. Lets each run start where the last one stopped."""

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=RetentionKind.choices)
    done_before = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "kind"], name="retention_progress_once")]

    def __str__(self) -> str:
        return f"{self.kind} of service {self.service_id}: done before {self.done_before}"
