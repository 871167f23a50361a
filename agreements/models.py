"""Conferences and (in later parts) indirect communication and outcome agreements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ConferenceStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CONFIRMED = "confirmed", "Confirmed"
    HELD = "held", "Held"
    POSTPONED = "postponed", "Postponed"
    CANCELLED = "cancelled", "Cancelled"


class VenueKind(models.TextChoices):
    COMMUNITY = "community", "Community venue"
    PRISON = "prison", "Prison"


class Conference(models.Model):
    """A face-to-face meeting. It can be confirmed only when every attending person has a current
    approved pre-conference risk assessment (risk.gate)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="conferences")
    status = models.CharField(max_length=20, choices=ConferenceStatus.choices, default=ConferenceStatus.PLANNED)
    status_reason = models.CharField(max_length=300, blank=True)
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField(null=True, blank=True)
    venue_kind = models.CharField(max_length=20, choices=VenueKind.choices, default=VenueKind.COMMUNITY)
    venue_name = models.CharField(max_length=200)
    video_link = models.BooleanField(default=False)
    attending_victims = models.ManyToManyField("cases.Victim", blank=True, related_name="conferences")
    attending_offenders = models.ManyToManyField("cases.Offender", blank=True, related_name="conferences")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-start_time"]

    def __str__(self) -> str:
        return f"Conference on {self.date:%d %B %Y}"
