"""What is recorded about each person, one table per side.

Each kind of record has an abstract base with its fields and one concrete model
per side, always with a `participant` foreign key to that side's person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from cases.models.codes import CodeList, code_fk
from cases.models.participants import Offender, Victim


class ContactBase(models.Model):
    occurred_at = models.DateTimeField()
    contact_type = code_fk(CodeList.CONTACT_TYPE, null=False)
    direction = code_fk(CodeList.DIRECTION, null=False)
    with_whom = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    appointment = code_fk(CodeList.APPOINTMENT, null=False)
    minutes_spent = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)
    next_appointment_at = models.DateTimeField(null=True, blank=True)
    next_appointment_with = models.CharField(max_length=200, blank=True)
    next_appointment_where = models.CharField(max_length=200, blank=True)
    next_appointment_type = code_fk(CodeList.CONTACT_TYPE)
    informs_event = models.ForeignKey(
        "cases.CaseEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The decision this contact told the person about.",
    )
    is_attempt = models.BooleanField(default=False)
    is_late = models.BooleanField(default=False, help_text="Logged more than 24 hours after the contact.")
    logged_at = models.DateTimeField()
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"Contact on {self.occurred_at:%Y-%m-%d %H:%M}"


class VictimContact(ContactBase):
    participant = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="contacts")
    history = HistoricalRecords()

    class Meta(ContactBase.Meta):
        indexes = [
            models.Index(fields=["participant", "-occurred_at"], name="victim_contact_recent"),
            models.Index(fields=["occurred_at"], name="victim_contact_when"),  # the quarter's contacts
        ]


class OffenderContact(ContactBase):
    participant = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="contacts")
    history = HistoricalRecords()

    class Meta(ContactBase.Meta):
        indexes = [
            models.Index(fields=["participant", "-occurred_at"], name="offender_contact_recent"),
            models.Index(fields=["occurred_at"], name="offender_contact_when"),  # the quarter's contacts
        ]


class NeedBase(models.Model):
    need = code_fk(CodeList.NEED, null=False)
    details = models.CharField(max_length=300, blank=True)
    action_taken = models.CharField(max_length=300, blank=True)
    action_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return str(self.need)

    @property
    def is_addressed(self) -> bool:
        return bool(self.action_taken and self.action_on)


class VictimNeed(NeedBase):
    participant = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="needs")
    history = HistoricalRecords()


class OffenderNeed(NeedBase):
    participant = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="needs")
    history = HistoricalRecords()


class ConsentKind(models.TextChoices):
    TAKE_PART = "take_part", "To take part in restorative justice"
    SHARE_INFORMATION = "share_information", "To share information with the other party"
    EVALUATION = "evaluation", "To be contacted for evaluation or research"
    MEDIA = "media", "To be contacted by the media"
    PEER_SUPPORT = "peer_support", "To speak to future participants"
    RECORDING = "recording", "To recording or observers"


class ConsentBase(models.Model):
    kind = models.CharField(max_length=30, choices=ConsentKind.choices)
    given_on = models.DateField()
    leaflet = models.CharField(max_length=200, blank=True, help_text="Which information leaflet, and its version.")
    data_sharing_explained = models.BooleanField(default=False)
    notes = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["kind", "-given_on"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class VictimConsent(ConsentBase):
    participant = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="consents")
    history = HistoricalRecords()


class OffenderConsent(ConsentBase):
    participant = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="consents")
    history = HistoricalRecords()


class DisclosureKind(models.TextChoices):
    TAKING_PART = "taking_part", "That they are taking part"
    FIRST_NAME = "first_name", "Their first name"
    IMPACT = "impact", "How the offence affected them"
    QUESTIONS = "questions", "Questions they want answered"
    OUTCOME = "outcome", "What they want to come of it"
    OTHER = "other", "Something else"


class DisclosureBase(models.Model):
    """One item a person allows to be passed to the other side: the only route across sides."""

    kind = models.CharField(max_length=20, choices=DisclosureKind.choices)
    content = models.TextField(help_text="Exactly what may be passed on, in the words agreed with the person.")
    granted_on = models.DateField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["granted_on", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class VictimDisclosure(DisclosureBase):
    participant = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="disclosures")
    history = HistoricalRecords()


class OffenderDisclosure(DisclosureBase):
    participant = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="disclosures")
    history = HistoricalRecords()


class SupporterKind(models.TextChoices):
    SUPPORTER = "supporter", "Supporter"
    OTHER_AFFECTED = "other_affected", "Other affected person"


class SupporterBase(models.Model):
    kind = models.CharField(max_length=20, choices=SupporterKind.choices, default=SupporterKind.SUPPORTER)
    name = models.CharField(max_length=200)
    relationship = code_fk(CodeList.SUPPORTER_RELATIONSHIP)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class VictimSupporter(SupporterBase):
    participant = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="supporters")
    history = HistoricalRecords()


class OffenderSupporter(SupporterBase):
    participant = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="supporters")
    history = HistoricalRecords()
