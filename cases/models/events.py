from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models.case import Case
from cases.models.participants import Offender, Side, Victim


class EventKind(models.TextChoices):
    REFERRED = "referred", "Referral received"
    FURTHER_REFERRAL = "further_referral", "Further referral linked"
    SCREENED = "screened", "Eligibility decided"
    EXCEPTIONAL = "exceptional", "Exceptional circumstances decided"
    ALLOCATED = "allocated", "Allocated"
    REALLOCATED = "reallocated", "Reallocated"
    STAGE = "stage", "Stage changed"
    PARTICIPANT_ADDED = "participant_added", "Person added"
    CONTACT = "contact", "Contact logged"
    CONSENT = "consent", "Consent recorded"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    DISCLOSURE = "disclosure", "Information sharing agreed"
    NEED = "need", "Additional need recorded"
    DECISION = "decision", "Decision"
    CLOSED = "closed", "Closed"
    SUITABILITY = "suitability", "Suitability assessment"
    RISK = "risk", "Risk assessment"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    CONFERENCE = "conference", "Conference"
    AGREEMENT = "agreement", "Outcome agreement"
    FEEDBACK = "feedback", "Feedback"
    NOTE = "note", "Note"


class CaseEvent(models.Model):
    """One entry on a case's timeline. Side-specific entries are shown only to people who may see that side."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    summary = models.CharField(max_length=500)
    needs_informing = models.BooleanField(
        default=False, help_text="A decision the person it affects must be told about."
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["case", "-occurred_at"], name="case_event_recent")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(side="", victim__isnull=True, offender__isnull=True)
                    | models.Q(side="victim", offender__isnull=True)
                    | models.Q(side="offender", victim__isnull=True)
                ),
                name="case_event_one_side",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_kind_display()}"


class TaskKind(models.TextChoices):
    TELL_PARTICIPANT = "tell_participant", "Tell the person about a decision"
    TELL_OTHER_PARTY = "tell_other_party", "Tell the other party, with care"
    SCREEN = "screen", "Screen a referral"
    EXCEPTIONAL = "exceptional", "Decide on exceptional circumstances"
    ALLOCATE = "allocate", "Allocate a case"
    FIRST_CONTACT = "first_contact", "Make first contact"
    RECONTACT = "recontact", "Contact again"
    REVIEW_ASSESSMENT = "review_assessment", "Review a risk assessment"
    RESOLVE_ESCALATION = "resolve_escalation", "Resolve a safeguarding escalation"
    REMINDER = "reminder", "Reminder"
    SEND_COPIES = "send_copies", "Send copies of the agreement"
    FOLLOW_UP_ITEM = "follow_up_item", "Follow up an agreement item"
    INFORM_VICTIM = "inform_victim", "Tell the person harmed how an item went"
    FEEDBACK_CALL = "feedback_call", "Make the feedback call"
    SAFEGUARDING = "safeguarding", "Act on a worry raised"


class Task(models.Model):
    """Something a member of staff has to do. Titles hold no personal data."""

    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=30, choices=TaskKind.choices)
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    event = models.ForeignKey(CaseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    link = models.CharField(max_length=300, blank=True, help_text="Where the task is done, when not the case page.")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["assignee", "due_on"], name="task_open_by_assignee", condition=models.Q(done_at__isnull=True)
            ),
            # A case's soonest open task (cases.selectors.with_next_due): the top of this index.
            models.Index(
                fields=["case", "due_on", "id"], name="task_open_by_case", condition=models.Q(done_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title
