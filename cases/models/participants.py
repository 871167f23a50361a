"""People on a case. Victims and offenders are separate models and tables.

Everything recorded about a person (contacts, needs, consents, disclosure
permissions, supporters) is also kept in a table of its own side, so that no
query for one side can return the other side's rows.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cases.models.case import Case
from cases.models.codes import Code, CodeList, code_fk


class Side(models.TextChoices):
    VICTIM = "victim", "Victim side"
    OFFENDER = "offender", "Offender side"


class PathwayStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_CONTACT = "in_contact", "In contact"
    ASSESSING = "assessing", "Being assessed"
    THINKING = "thinking", "Needs time to think"
    SUITABLE = "suitable", "Suitable"
    UNSUITABLE = "unsuitable", "Unsuitable"
    PREPARING = "preparing", "Preparing"
    READY = "ready", "Ready"
    TAKING_PART = "taking_part", "Taking part"
    FOLLOW_UP = "follow_up", "Follow-up"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    PAUSED = "paused", "Paused"


STOPPED_STATUSES = (PathwayStatus.DECLINED, PathwayStatus.WITHDRAWN, PathwayStatus.UNSUITABLE, PathwayStatus.PAUSED)

AGE_BANDS = ((0, 18, "Under 18"), (18, 25, "18 to 24"), (25, 35, "25 to 34"), (35, 45, "35 to 44"),
             (45, 55, "45 to 54"), (55, 65, "55 to 64"), (65, 200, "65 and over"))  # fmt: skip


def age_on(date_of_birth: dt.date | None, on: dt.date) -> int | None:
    if date_of_birth is None:
        return None
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


def age_band(age: int | None) -> str:
    if age is None:
        return "Not known"
    return next(label for low, high, label in AGE_BANDS if low <= age < high)


class ContactChannel(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    HOME_VISIT = "home_visit", "Home visit"
    VIA_VLO = "via_vlo", "Through their victim liaison officer"
    VIA_OM = "via_om", "Through their offender manager"


class ParticipantBase(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="%(class)ss")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = code_fk(CodeList.SEX)
    sex_self_description = models.CharField(max_length=100, blank=True)
    ethnicity = code_fk(CodeList.ETHNICITY)
    disability = code_fk(CodeList.DISABILITY)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=60, blank=True)

    # Safe contact preferences
    safe_channels = models.JSONField(default=list, blank=True)
    safe_times = models.CharField(max_length=200, blank=True)
    no_voicemail = models.BooleanField(default=False)
    no_letters = models.BooleanField(default=False)
    contact_safety_notes = models.TextField(blank=True)

    pathway_status = models.CharField(max_length=20, choices=PathwayStatus.choices, default=PathwayStatus.NOT_STARTED)
    pathway_status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def age_on(self, on: dt.date) -> int | None:
        return age_on(self.date_of_birth, on)

    @property
    def age_band(self) -> str:
        from django.utils import timezone

        return age_band(self.age_on(timezone.localdate()))

    @property
    def is_stopped(self) -> bool:
        return self.pathway_status in STOPPED_STATUSES


class Victim(ParticipantBase):
    side = Side.VICTIM
    is_organisation = models.BooleanField(default=False, help_text="A business or organisation harmed.")
    in_victim_contact_scheme = models.BooleanField(default=False)
    vlo = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="victim liaison officer",
    )
    vlo_details = models.CharField(max_length=300, blank=True, help_text="Name and contact details of the VLO.")
    parent_guardian = models.CharField(
        max_length=300, blank=True, help_text="For a person harmed under 18: parent or guardian and how to reach them."
    )
    history = HistoricalRecords()

    class Meta(ParticipantBase.Meta):
        permissions = [("view_victim_shared", "See what a person harmed agreed to share")]

    def get_absolute_url(self) -> str:
        return reverse("cases:victim_detail", args=[self.pk])


class Offender(ParticipantBase):
    side = Side.OFFENDER
    pnc_id = models.CharField("PNC ID", max_length=20, blank=True)
    prison_number = models.CharField(max_length=20, blank=True)
    crn = models.CharField("CRN", max_length=20, blank=True)
    tier = code_fk(CodeList.TIER)
    special_statuses = models.ManyToManyField(
        Code, blank=True, related_name="+", limit_choices_to={"list_name": CodeList.SPECIAL_STATUS}
    )
    mappa_category = models.PositiveSmallIntegerField(null=True, blank=True, choices=[(1, "1"), (2, "2"), (3, "3")])
    mappa_level = models.PositiveSmallIntegerField(null=True, blank=True, choices=[(1, "1"), (2, "2"), (3, "3")])
    at_risk_of_custody = models.BooleanField(default=False)
    in_custody = models.BooleanField(default=False)
    prison_name = models.CharField(max_length=120, blank=True)
    release_date = models.DateField(null=True, blank=True)

    # Sentence
    sentence_type = code_fk(CodeList.SENTENCE_TYPE)
    sentence_length = models.CharField(max_length=60, blank=True)
    supervision_length = models.CharField(max_length=60, blank=True)
    sentence_date = models.DateField(null=True, blank=True)
    sentencing_court = models.CharField(max_length=120, blank=True)
    sentence_purpose = models.CharField(max_length=200, blank=True)
    requirement_1 = models.CharField(max_length=200, blank=True)
    requirement_2 = models.CharField(max_length=200, blank=True)
    requirement_3 = models.CharField(max_length=200, blank=True)
    compensation = models.CharField(max_length=200, blank=True)
    psr_author = models.CharField("pre-sentence report author", max_length=200, blank=True)

    # Offender manager: a user of rjcase, or someone outside it
    offender_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    om_details = models.CharField(
        "offender manager details", max_length=300, blank=True, help_text="Name, office, phone and email."
    )
    # Kept up to date by the services (the first contact that was not an attempt), for the timeliness figures
    first_contact_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["first_contact_at"])

    class Meta(ParticipantBase.Meta):
        permissions = [("view_offender_summary", "See the record of an offender they manage")]
        indexes = [
            models.Index(fields=["pnc_id"], name="offender_pnc"),
            models.Index(fields=["prison_number"], name="offender_prison_number"),
            models.Index(fields=["crn"], name="offender_crn"),
            models.Index(fields=["last_name", "first_name", "date_of_birth"], name="offender_name_dob"),
            models.Index(fields=["first_contact_at"], name="offender_first_contact"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("cases:offender_detail", args=[self.pk])


PARTICIPANT_MODELS = {Side.VICTIM: Victim, Side.OFFENDER: Offender}
