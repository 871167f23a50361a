from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history.models import HistoricalRecords


def staff_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """How a member of staff is named on pages and files: their full name, or their username when they have none
    (User.display_name; also for names read as plain columns, as the case list download does)."""
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")


class Role(models.TextChoices):
    FACILITATOR = "facilitator", "Facilitator"
    MANAGER = "manager", "RJ manager"
    ADMINISTRATOR = "administrator", "Administrator"
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    VICTIM_LIAISON = "vlo", "Victim liaison officer"
    COMMISSIONER = "commissioner", "Commissioner"


RJ_TEAM_ROLES = frozenset({Role.FACILITATOR, Role.MANAGER, Role.ADMINISTRATOR})
OFFENDER_SIDE_ROLES = frozenset({Role.OFFENDER_MANAGER})
VICTIM_SIDE_ROLES = frozenset({Role.VICTIM_LIAISON})


class Skill(models.TextChoices):
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    SEXUAL_HARM = "sexual_harm", "Sexual harm"
    HATE_CRIME = "hate_crime", "Hate crime"
    BEREAVEMENT = "bereavement", "Bereavement"
    YOUTH = "youth", "Young people"
    CUSTODY = "custody", "Work in prisons"
    LANGUAGES = "languages", "Languages other than English"


class PccArea(models.Model):
    """A Police and Crime Commissioner's area (one of the 42 police force areas)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "PCC area"

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """An RJ service (provider) commissioned in one PCC area."""

    area = models.ForeignKey(PccArea, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(
        max_length=6,
        unique=True,
        help_text="Short letters used at the start of case references, for example TV.",
    )
    name = models.CharField(max_length=120, unique=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["service", "name"], name="team_unique_name_per_service")]

    def __str__(self) -> str:
        return f"{self.name} ({self.service.code})"


class User(AbstractUser):
    """A member of staff. Each belongs to one service; a commissioner to one or more PCC areas."""

    role = models.CharField(max_length=20, choices=Role.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    areas = models.ManyToManyField(PccArea, blank=True, related_name="commissioners")
    agency = models.CharField(
        max_length=120, blank=True, help_text="The organisation the person works for, for example Probation Service."
    )
    job_title = models.CharField(max_length=120, blank=True)
    is_volunteer = models.BooleanField(
        default=False, help_text="Volunteers facilitate only alongside an accredited facilitator."
    )
    skills = models.JSONField(default=list, blank=True, help_text="Codes from accounts.models.Skill.")
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="commissioner") | models.Q(service__isnull=False),
                name="user_staff_have_a_service",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return staff_name(self.first_name, self.last_name, self.username)

    @property
    def is_rj_team(self) -> bool:
        return self.role in RJ_TEAM_ROLES

    @property
    def is_offender_side(self) -> bool:
        return self.role in OFFENDER_SIDE_ROLES

    @property
    def is_commissioner(self) -> bool:
        return self.role == Role.COMMISSIONER
