"""Suitability assessments of each person: separate tables for each side."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from cases.models import CodeList
from cases.models.codes import code_fk


class SuitabilityOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", "Not decided yet"
    SUITABLE = "suitable", "Suitable"
    UNSUITABLE = "unsuitable", "Unsuitable"


class SuitabilityBase(models.Model):
    assessed_on = models.DateField()
    outcome = models.CharField(
        max_length=20, choices=SuitabilityOutcome.choices, default=SuitabilityOutcome.IN_PROGRESS
    )
    outcome_reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-assessed_on", "-id"]


class OffenderSuitability(SuitabilityBase):
    """The assessment interview with a person responsible (DOMAIN §2.4)."""

    participant = models.ForeignKey("cases.Offender", on_delete=models.CASCADE, related_name="suitability")
    # Interview themes
    who_was_affected = models.TextField("who was affected and how", blank=True)
    what_they_would_say = models.TextField("what they would say to the person harmed", blank=True)
    responsibility = models.TextField("how responsible they were and who was to blame", blank=True)
    repairing_harm = models.TextField("how they could repair the harm", blank=True)
    who_they_would_bring = models.TextField("whom they would bring", blank=True)
    victim_feelings = models.TextField("how the person harmed might feel about meeting", blank=True)
    knows_victim = models.TextField("whether they know the person harmed or their circle", blank=True)
    history_between = models.TextField("any history between them", blank=True)
    # Unsuitability criteria, each answered with notes
    denies_involvement = models.BooleanField(default=False)
    denies_involvement_notes = models.TextField(blank=True)
    revictimising_attitudes = models.BooleanField(default=False)
    revictimising_attitudes_notes = models.TextField(blank=True)
    unsafe_mental_health = models.BooleanField(default=False)
    unsafe_mental_health_notes = models.TextField(blank=True)
    unsafe_substance_use = models.BooleanField(default=False)
    unsafe_substance_use_notes = models.TextField(blank=True)
    immovably_resistant = models.BooleanField(default=False)
    immovably_resistant_notes = models.TextField(blank=True)
    accepts_some_responsibility = models.BooleanField(null=True)
    told_no_effect_on_sentence = models.BooleanField(
        default=False, help_text="Told that taking part has no effect on sentence, parole or licence."
    )
    history = HistoricalRecords()

    class Meta(SuitabilityBase.Meta):
        verbose_name_plural = "offender suitability assessments"

    def __str__(self) -> str:
        return f"Suitability of {self.participant} on {self.assessed_on}"


class PreferredActivity(models.TextChoices):
    CONFERENCE = "conference", "A face-to-face meeting"
    LETTER = "letter", "A letter"
    SHUTTLE = "shuttle", "Messages passed by the facilitator (shuttle)"
    RECORDED = "recorded", "A recorded video or audio message"
    OTHER = "other", "Something else"
    NOT_SURE = "not_sure", "Not sure yet"


class VictimDecision(models.TextChoices):
    UNDECIDED = "undecided", "Not decided yet"
    PREPARE_CONFERENCE = "prepare_conference", "Wants to prepare for a meeting"
    TIME_TO_THINK = "time_to_think", "Needs time to think"
    PREFERS_INDIRECT = "prefers_indirect", "Prefers indirect involvement"
    DECLINES = "declines", "Declines"


class VictimSuitability(SuitabilityBase):
    """The assessment of a person harmed (DOMAIN §2.5). Their participation is wholly voluntary."""

    participant = models.ForeignKey("cases.Victim", on_delete=models.CASCADE, related_name="suitability")
    readiness = models.TextField(blank=True)
    motivation = models.TextField(blank=True)
    expectations = models.TextField(blank=True)
    expectations_realistic = models.BooleanField(null=True)
    relationship = code_fk(CodeList.RELATIONSHIP)
    power_imbalance = models.BooleanField(default=False)
    power_imbalance_notes = models.TextField(blank=True)
    vulnerability = models.TextField(blank=True)
    self_harm_risk = models.BooleanField(default=False)
    self_harm_notes = models.TextField(blank=True)
    support_available = models.TextField(blank=True)
    preferred_activity = models.CharField(
        max_length=20, choices=PreferredActivity.choices, default=PreferredActivity.NOT_SURE
    )
    consent_informed_and_free = models.BooleanField(
        null=True, help_text="Consent is informed and freely given, with no sign of coercion."
    )
    coercion_check_notes = models.TextField(blank=True)
    decision = models.CharField(max_length=20, choices=VictimDecision.choices, default=VictimDecision.UNDECIDED)
    recontact_on = models.DateField(null=True, blank=True, help_text="When to get back in touch.")
    vlo_liaison_done = models.BooleanField(
        default=False, help_text="For Victim Contact Scheme members: the VLO was consulted before contact."
    )
    history = HistoricalRecords()

    class Meta(SuitabilityBase.Meta):
        verbose_name_plural = "victim suitability assessments"

    def __str__(self) -> str:
        return f"Suitability of {self.participant} on {self.assessed_on}"
