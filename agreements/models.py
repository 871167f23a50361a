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


# --- Outcome agreements ------------------------------------------------------------------------


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Being written"
    AGREED = "agreed", "Agreed: following up"
    CLOSED = "closed", "Closed"


class OutcomeAgreement(models.Model):
    """The written agreement reached at a conference (or at the end of indirect work).

    Items are written while it is a draft; it becomes agreed once every party named on it has signed,
    and closes itself when every item has been resolved and signed off.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="agreements")
    conference = models.ForeignKey(
        Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    indirect = models.ForeignKey(
        IndirectCommunication, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    activity_on = models.DateField(help_text="The date of the conference or of the end of the indirect work.")
    agreed_on = models.DateField(null=True, blank=True)
    copies_due_on = models.DateField(null=True, blank=True)
    victim_wants_updates = models.BooleanField(
        default=True, help_text="The person harmed asked to be told how each item went, successes and failures."
    )
    victim_updates = models.TextField(blank=True, help_text="What the person harmed asked to be told, and how.")
    victim_updates_until = models.DateField(null=True, blank=True)
    victims = models.ManyToManyField("cases.Victim", blank=True, related_name="agreements")
    offenders = models.ManyToManyField("cases.Offender", blank=True, related_name="agreements")
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-activity_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conference__isnull=True) | models.Q(indirect__isnull=True),
                name="agreement_one_activity",
            ),
            models.UniqueConstraint(
                fields=["conference"], condition=models.Q(conference__isnull=False), name="agreement_per_conference"
            ),
            models.UniqueConstraint(
                fields=["indirect"], condition=models.Q(indirect__isnull=False), name="agreement_per_indirect"
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome agreement of {self.activity_on:%d %B %Y}"


class AgreementSignature(models.Model):
    """A party signed the agreement. Exactly one of victim and offender is set."""

    agreement = models.ForeignKey(OutcomeAgreement, on_delete=models.CASCADE, related_name="signatures")
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    offender = models.ForeignKey("cases.Offender", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    signed_on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(victim__isnull=True, offender__isnull=False)
                | models.Q(victim__isnull=False, offender__isnull=True),
                name="signature_one_party",
            ),
            models.UniqueConstraint(
                fields=["agreement", "victim"], condition=models.Q(victim__isnull=False), name="signature_victim_once"
            ),
            models.UniqueConstraint(
                fields=["agreement", "offender"],
                condition=models.Q(offender__isnull=False),
                name="signature_offender_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Signed on {self.signed_on:%d %B %Y}"


class ItemKind(models.TextChoices):
    ACTION = "action", "Action"
    STATEMENT = "statement", "Statement"


class Responsible(models.TextChoices):
    OFFENDER = "offender", "The person responsible"
    VICTIM = "victim", "The person harmed"
    SERVICE = "service", "The RJ service"
    OTHER = "other", "Someone else"


class ItemStatus(models.TextChoices):
    OPEN = "open", "Not yet due or not yet recorded"
    DONE = "done", "Done"
    PARTLY_DONE = "partly_done", "Partly done"
    NOT_DONE = "not_done", "Not done"


class AgreementItem(models.Model):
    """One action or statement agreed, with who is responsible and by when."""

    agreement = models.ForeignKey(OutcomeAgreement, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ItemKind.choices, default=ItemKind.ACTION)
    description = models.TextField()
    responsible = models.CharField(max_length=20, choices=Responsible.choices)
    responsible_victim = models.ForeignKey(
        "cases.Victim", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    responsible_offender = models.ForeignKey(
        "cases.Offender", on_delete=models.CASCADE, null=True, blank=True, related_name="agreement_items"
    )
    responsible_other = models.CharField(max_length=200, blank=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_comment = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_item_number"),
            models.CheckConstraint(
                condition=models.Q(signed_off_at__isnull=True) | ~models.Q(status="open"),
                name="item_signed_off_only_with_outcome",
            ),
        ]
        indexes = [
            models.Index(
                fields=["target_date"], name="item_open_by_target", condition=models.Q(signed_off_at__isnull=True)
            ),
            # The daily reminders (agreements.reminders): only items still waiting for an outcome, by target date.
            models.Index(
                fields=["target_date"],
                name="item_due_by_target",
                condition=models.Q(status="open", target_date__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Item {self.number}"

    @property
    def is_resolved(self) -> bool:
        return self.status != ItemStatus.OPEN and self.signed_off_at is not None


class CopyRecipient(models.TextChoices):
    VICTIM = "victim", "Person harmed"
    OFFENDER = "offender", "Person responsible"
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    VLO = "vlo", "Victim liaison officer"
    OTHER = "other", "Someone else"


class CopyVersion(models.TextChoices):
    VICTIM = "victim", "Copy for the person harmed's side"
    OFFENDER = "offender", "Copy for the person responsible's side"


class CopyMethod(models.TextChoices):
    AT_CONFERENCE = "at_conference", "Handed over at the conference"
    IN_PERSON = "in_person", "In person"
    POST = "post", "Post"
    EMAIL = "email", "Email"
    SECURE_EMAIL = "secure_email", "Secure email"


class AgreementCopy(models.Model):
    """The distribution log: who received a copy of the agreement, which version, how and when."""

    agreement = models.ForeignKey(OutcomeAgreement, on_delete=models.CASCADE, related_name="copies")
    recipient = models.CharField(max_length=20, choices=CopyRecipient.choices)
    victim = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    offender = models.ForeignKey("cases.Offender", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    recipient_name = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=20, choices=CopyVersion.choices)
    method = models.CharField(max_length=20, choices=CopyMethod.choices)
    sent_on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["sent_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(recipient="victim") | models.Q(victim__isnull=False, version="victim"),
                name="copy_victim_gets_victim_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(recipient="offender") | models.Q(offender__isnull=False, version="offender"),
                name="copy_offender_gets_offender_version",
            ),
        ]

    def __str__(self) -> str:
        return f"Copy given on {self.sent_on:%d %B %Y}"


class UpdateMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    IN_PERSON = "in_person", "In person"
    THROUGH_VLO = "through_vlo", "Through their victim liaison officer"


class VictimUpdate(models.Model):
    """The person harmed was told how an agreement item went (success or failure), as agreed with them.

    Victim-side data: only the RJ team working the case sees it.
    """

    agreement = models.ForeignKey(OutcomeAgreement, on_delete=models.CASCADE, related_name="victim_updates_given")
    item = models.ForeignKey(AgreementItem, on_delete=models.CASCADE, null=True, blank=True, related_name="updates")
    participant = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="agreement_updates")
    informed_on = models.DateField()
    method = models.CharField(max_length=20, choices=UpdateMethod.choices)
    what_was_said = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-informed_on", "-id"]

    def __str__(self) -> str:
        return f"Update given on {self.informed_on:%d %B %Y}"


# --- Post-conference feedback ------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    ONE = "one", "Choose one"
    MANY = "many", "Choose any that apply"
    YES_NO_TEXT = "yes_no_text", "Yes or no, with details"
    TEXT = "text", "Free text"


class Measure(models.TextChoices):
    """What a question measures for the returns and the dashboard, whatever its wording."""

    NONE = "", "Nothing counted"
    SATISFACTION = "satisfaction", "Satisfaction"
    RECOMMEND = "recommend", "Would recommend"
    WORRY = "worry", "Worries after taking part"
    IMPACT = "impact", "Overall impact"
    PREPARED = "prepared", "Felt prepared"
    SUPPORTED = "supported", "Felt supported"


class FeedbackQuestionSet(models.Model):
    """A version of the feedback call's questions. Services may write their own; the default has no service."""

    service = models.ForeignKey(
        "accounts.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback_sets"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    introduced_at = models.DateTimeField()
    introduced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["service", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="feedback_set_version"),
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(service__isnull=True), name="feedback_default_set_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class FeedbackQuestion(models.Model):
    """One question. `choices` is a list of {"code", "label"} with optional flags:
    "concern" (a worry or threat: raises a safeguarding task) and "positive" (counts as satisfied,
    would recommend, felt prepared...)."""

    question_set = models.ForeignKey(FeedbackQuestionSet, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=60)
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    choices = models.JSONField(default=list, blank=True)
    measure = models.CharField(max_length=20, choices=Measure.choices, blank=True, default="")
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["question_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["question_set", "key"], name="feedback_question_key"),
        ]

    def __str__(self) -> str:
        return self.text


class FeedbackBase(models.Model):
    question_set = models.ForeignKey(FeedbackQuestionSet, on_delete=models.PROTECT, related_name="+")
    conference = models.ForeignKey(Conference, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    indirect = models.ForeignKey(
        IndirectCommunication, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    activity_on = models.DateField()
    called_on = models.DateField()
    answers = models.JSONField(default=dict)
    satisfied = models.BooleanField(null=True, blank=True)
    would_recommend = models.BooleanField(null=True, blank=True)
    worry_raised = models.BooleanField(default=False)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["-called_on", "-id"]

    def __str__(self) -> str:
        return f"Feedback call on {self.called_on:%d %B %Y}"

    @property
    def is_late(self) -> bool:
        return (self.called_on - self.activity_on).days > 7


class VictimFeedback(FeedbackBase):
    """Feedback from a person harmed: victim-side data."""

    participant = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="feedback")
    history = HistoricalRecords()

    class Meta(FeedbackBase.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conference__isnull=True) | models.Q(indirect__isnull=True),
                name="victim_feedback_one_activity",
            )
        ]
        indexes = [models.Index(fields=["called_on"], name="victim_feedback_called")]  # the quarter's calls


class OffenderFeedback(FeedbackBase):
    """Feedback from a person responsible."""

    participant = models.ForeignKey("cases.Offender", on_delete=models.CASCADE, related_name="feedback")
    history = HistoricalRecords()

    class Meta(FeedbackBase.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conference__isnull=True) | models.Q(indirect__isnull=True),
                name="offender_feedback_one_activity",
            )
        ]
        indexes = [models.Index(fields=["called_on"], name="offender_feedback_called")]  # the quarter's calls


# --- Reminders ---------------------------------------------------------------------------------


class AgreementSettings(models.Model):
    """A service's follow-up settings."""

    service = models.OneToOneField("accounts.Service", on_delete=models.CASCADE, related_name="agreement_settings")
    item_notice_working_days = models.PositiveSmallIntegerField(
        default=3, help_text="How many working days before an item's target date the facilitator is reminded."
    )
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Follow-up settings of {self.service}"


class ReminderKind(models.TextChoices):
    ITEM_COMING_UP = "item_coming_up", "Agreement item due soon"
    ITEM_DUE = "item_due", "Agreement item due today"
    ITEM_OVERDUE = "item_overdue", "Agreement item overdue"
    ITEM_ESCALATION = "item_escalation", "Agreement item overdue: escalated"
    COPIES_DUE = "copies_due", "Agreement copies not sent"
    FEEDBACK_DUE = "feedback_due", "Feedback call not recorded"
    RECONTACT_DUE = "recontact_due", "Time to contact the person harmed again"
    FIRST_CONTACT_LATE = "first_contact_late", "First contact with the person responsible is late"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    NOT_NEEDED = "not_needed", "No email address"


class SentReminder(models.Model):
    """A reminder given: one row per (kind, subject, due date, recipient), never two.

    The row is written, with its in-app task, before any email leaves; the email is then claimed
    (pending → sending) by exactly one worker and marked sent. A worker that dies after claiming
    leaves the row in "sending": it is never sent again, so nobody gets the same email twice.
    """

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    subject_key = models.CharField(max_length=60, help_text="What the reminder is about, e.g. item:42.")
    due_on = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    email_state = models.CharField(max_length=20, choices=EmailState.choices, default=EmailState.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key", "due_on", "recipient"], name="reminder_once"),
        ]
        indexes = [
            models.Index(
                fields=["email_state"], name="reminder_email_pending", condition=models.Q(email_state="pending")
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.subject_key}, {self.due_on})"
