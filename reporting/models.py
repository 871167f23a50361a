"""Quarterly evaluation returns: each service's schedule, its returns and their versions.

A return is built as a version: a snapshot of every row, the data-quality warnings and the
counting rules in force, with a checksum. Building again replaces the unsubmitted version;
submitting freezes it. A submitted version can never change (ReturnVersion.save and its
queryset refuse), so a rebuild after submission makes the next version.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reporting.quarters import DEFAULT_SCHEDULE, Quarter, Schedule


class FrozenReturnError(Exception):
    """A submitted return version was about to be changed or deleted."""


class ReturnSchedule(models.Model):
    """When a service's quarters start and when their returns are due. Without a row: DEFAULT_SCHEDULE."""

    service = models.OneToOneField("accounts.Service", on_delete=models.CASCADE, related_name="return_schedule")
    first_month = models.PositiveSmallIntegerField(
        default=DEFAULT_SCHEDULE.first_month, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    due_months_after_end = models.PositiveSmallIntegerField(
        default=DEFAULT_SCHEDULE.due_months_after_end, validators=[MaxValueValidator(6)]
    )
    due_day = models.PositiveSmallIntegerField(
        default=DEFAULT_SCHEDULE.due_day, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_month__gte=1, first_month__lte=12), name="return_schedule_month"
            ),
            models.CheckConstraint(condition=models.Q(due_day__gte=1, due_day__lte=28), name="return_schedule_due_day"),
            models.CheckConstraint(condition=models.Q(due_months_after_end__lte=6), name="return_schedule_lag"),
        ]

    def __str__(self) -> str:
        return f"Return schedule of {self.service}"

    def as_schedule(self) -> Schedule:
        return Schedule(
            first_month=self.first_month, due_months_after_end=self.due_months_after_end, due_day=self.due_day
        )


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    BUILDING = "building", "Building"
    READY = "ready", "Ready to submit"
    SUBMITTED = "submitted", "Submitted"


class QuarterlyReturn(models.Model):
    """One service's return for one quarter.

    draft: no version built yet (or the last build failed); building: a build is running;
    ready: the newest version is built and waiting to be submitted; submitted: the newest version
    was submitted.
    """

    service = models.ForeignKey("accounts.Service", on_delete=models.PROTECT, related_name="quarterly_returns")
    quarter_start = models.DateField()
    quarter_end = models.DateField()
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    build_started_at = models.DateTimeField(null=True, blank=True)
    build_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    build_error = models.CharField(max_length=300, blank=True)
    administrators_told_at = models.DateTimeField(
        null=True, blank=True, help_text="When the administrators were emailed that the draft is ready."
    )

    class Meta:
        ordering = ["service", "-quarter_start"]
        constraints = [
            models.UniqueConstraint(fields=["service", "quarter_start"], name="return_per_service_quarter"),
            models.CheckConstraint(condition=models.Q(quarter_end__gt=models.F("quarter_start")), name="return_dates"),
        ]

    def __str__(self) -> str:
        return f"Return for {self.quarter.label}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:return_detail", args=[self.pk])

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.quarter_start)

    def due_on(self, schedule: Schedule = DEFAULT_SCHEDULE) -> dt.date:
        return Quarter(self.quarter_start, schedule).due_on


class ReturnVersionQuerySet(models.QuerySet):
    """Bulk changes never reach a submitted version."""

    def update(self, **kwargs):
        if self.filter(submitted_at__isnull=False).exists():
            raise FrozenReturnError("A submitted return version cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(submitted_at__isnull=False).exists():
            raise FrozenReturnError("A submitted return version cannot be deleted.")
        return super().delete()


class ReturnVersion(models.Model):
    """A snapshot of a return: the rows of every section, the warnings and the counting rules beside them.

    `sections` is a list of {"key", "title", "columns": [[key, label, kind], ...], "rows": [[...], ...]}, in
    order (a list, so PostgreSQL keeps it), values as JSON (dates as ISO text). `summary` holds the headline
    figures; `people` the ids of the persons whose data the snapshot holds ({"offender": [...], "victim":
    [...]}), for the processing log of downloads.
    """

    quarterly_return = models.ForeignKey(QuarterlyReturn, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    built_at = models.DateTimeField()
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    build_seconds = models.FloatField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counting_rules = models.TextField()
    sections = models.JSONField()
    warnings = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    people = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
    checksum = models.CharField(max_length=64)

    objects = ReturnVersionQuerySet.as_manager()

    class Meta:
        ordering = ["quarterly_return", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["quarterly_return", "number"], name="return_version_number"),
            models.UniqueConstraint(
                fields=["quarterly_return"],
                condition=models.Q(submitted_at__isnull=True),
                name="return_one_unsubmitted_version",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True, submitted_by__isnull=True)
                | models.Q(submitted_at__isnull=False),
                name="return_version_submitted_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and type(self).objects.filter(pk=self.pk, submitted_at__isnull=False).exists():
            raise FrozenReturnError("A submitted return version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and type(self).objects.filter(pk=self.pk, submitted_at__isnull=False).exists():
            raise FrozenReturnError("A submitted return version cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class ExportKind(models.TextChoices):
    XLSX = "xlsx", "Spreadsheet (XLSX)"
    PDF = "pdf", "Summary (PDF)"


class ReturnExport(models.Model):
    """A download made once from a version's snapshot and kept with it (a large spreadsheet takes a while).

    Made by the build task straight after the version; otherwise the spreadsheet at its first download and the
    PDF summary by its own Celery task (reporting.returns.pdf). Made again only when an erasure rewrites the
    snapshot, or (the PDF) when the version is submitted.
    """

    version = models.ForeignKey(ReturnVersion, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(max_length=10, choices=ExportKind.choices)
    content = models.BinaryField()
    made_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="return_export_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.version}"


class ReturnExportRequest(models.Model):
    """A kept download asked for and not made yet (the PDF summary, made in Celery): the task is queued once,
    when the row is made, and again only if it failed (failed_at, "Try again") or was lost. Deleted once the
    file is kept."""

    version = models.ForeignKey(ReturnVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ExportKind.choices)
    queued_at = models.DateTimeField()
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="return_export_request_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.version_id} asked for"


class FigureSnapshot(models.Model):
    """The dashboard's figures for one service and one quarter, as last worked out (reporting.snapshots).

    Only aggregates: counts keyed by code ids, and histograms of whole days. Refreshed by Celery (the quarters
    under way every few minutes, every quarter on offer each night) and made at the first view when missing.
    """

    service = models.ForeignKey("accounts.Service", on_delete=models.CASCADE, related_name="+")
    quarter_start = models.DateField()
    figures = models.JSONField()
    computed_at = models.DateTimeField()
    # A new value at every refresh: dashboards built from these rows are cached under their tokens
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "quarter_start"], name="figure_snapshot_per_service_quarter")
        ]

    def __str__(self) -> str:
        return f"Figures for service {self.service_id}, quarter from {self.quarter_start}"
