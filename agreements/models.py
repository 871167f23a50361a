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

    # Facilitators (usually the case's two), each with their agency
    lead_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_facilitator_agency = models.CharField(max_length=200, blank=True)
    second_facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_facilitator_agency = models.CharField(max_length=200, blank=True)

    # Venue checklist
    venue_visited = models.BooleanField(default=False)
    venue_accessible = models.BooleanField(default=False)
    separate_waiting_rooms = models.BooleanField(default=False)
    break_out_room = models.BooleanField(default=False)
    venue_safe = models.BooleanField(default=False)
    venue_notes = models.TextField(blank=True)

    # Custody
    security_liaison = models.CharField(
        max_length=300, blank=True, help_text="Prison security contact and what was agreed."
    )
    visitor_list_sent = models.BooleanField(default=False)
    id_requirements = models.CharField(max_length=300, blank=True)
    arrival_plan = models.TextField(blank=True, help_text="Staggered arrival and leaving, waiting areas.")

    # Record of the conference once held
    held_start_time = models.TimeField(null=True, blank=True)
    held_end_time = models.TimeField(null=True, blank=True)
    background = models.TextField(blank=True)
    how_it_went = models.TextField(blank=True, help_text="How the conference went and its turning points.")
    lessons_learnt = models.TextField(blank=True)
    video_worked_for_victim = models.BooleanField(null=True, blank=True)
    video_worked_for_offender = models.BooleanField(null=True, blank=True)
    video_how_we_know = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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


class AttendeeKind(models.TextChoices):
    VICTIM_SUPPORTER = "victim_supporter", "Supporter of the person harmed"
    OFFENDER_SUPPORTER = "offender_supporter", "Supporter of the person responsible"
    OTHER_AFFECTED = "other_affected", "Other affected person"
    OBSERVER = "observer", "Observer"
    RESEARCHER = "researcher", "Researcher"


class ConferenceAttendee(models.Model):
    """Someone other than the parties at a conference. Observers and researchers only with recorded agreement."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="other_attendees")
    kind = models.CharField(max_length=30, choices=AttendeeKind.choices)
    name = models.CharField(max_length=200)
    relationship_or_organisation = models.CharField(max_length=200, blank=True)
    agreement_recorded = models.BooleanField(
        default=False, help_text="Everyone taking part agreed to this person being there."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class IndirectKind(models.TextChoices):
    LETTER_OF_APOLOGY = "letter_of_apology", "Letter of apology"
    OTHER_LETTER = "other_letter", "Other letter"
    SHUTTLE = "shuttle", "Shuttle mediation"
    RECORDED_MESSAGE = "recorded_message", "Recorded video or audio message"
    VICTIM_EMPATHY = "victim_empathy", "Victim empathy work"
    OTHER_REPARATION = "other_reparation", "Other reparation"


class IndirectCommunication(models.Model):
    """Letters, shuttle mediation or recorded messages between the parties, passed through the facilitator."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="indirect_communications")
    kind = models.CharField(max_length=30, choices=IndirectKind.choices)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    effective = models.BooleanField(null=True, blank=True)
    how_we_know = models.TextField(blank=True, help_text="How we know whether it was effective.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_on:%d %B %Y}"


class MessageDirection(models.TextChoices):
    TO_OFFENDER = "to_offender", "From the person harmed to the person responsible"
    TO_VICTIM = "to_victim", "From the person responsible to the person harmed"


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved to pass on"
    NEEDS_CHANGES = "needs_changes", "Needs changes before it can be passed on"


class IndirectMessage(models.Model):
    """One message exchanged. It is never passed to the other side before a facilitator has reviewed it."""

    communication = models.ForeignKey(IndirectCommunication, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=MessageDirection.choices)
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="+")
    offender = models.ForeignKey("cases.Offender", on_delete=models.CASCADE, related_name="+")
    content = models.TextField(help_text="The message, or a summary of it for a recording.")
    received_on = models.DateField()
    review_outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING)
    review_notes = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    passed_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(passed_on__isnull=True) | models.Q(review_outcome="approved"),
                name="message_passed_only_after_review",
            )
        ]

    def __str__(self) -> str:
        return f"Message received {self.received_on:%d %B %Y}"
