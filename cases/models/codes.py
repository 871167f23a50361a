from __future__ import annotations

from django.db import models


class CodeList(models.TextChoices):
    """The coded lists a service can extend. Each entry is a Code row."""

    ETHNICITY = "ethnicity", "Ethnicity"
    SEX = "sex", "Sex or gender"
    DISABILITY = "disability", "Disability"
    OFFENCE = "offence", "Offence group"
    HATE_STRAND = "hate_strand", "Hate crime strand"
    REFERRAL_SOURCE = "referral_source", "Referral source"
    INITIATOR = "initiator", "Who initiated"
    CJ_STAGE = "cj_stage", "Criminal justice stage"
    SENTENCE_TYPE = "sentence_type", "Sentence type"
    SPECIAL_STATUS = "special_status", "Special status"
    TIER = "tier", "Probation tier"
    CO_DEFENDANTS = "co_defendants", "Co-defendants"
    CONTACT_TYPE = "contact_type", "Contact type"
    APPOINTMENT = "appointment", "Appointment kept"
    DIRECTION = "direction", "Direction"
    OUTCOME = "outcome", "Case outcome"
    NOT_PROCEEDING = "not_proceeding", "Reason not proceeding"
    NEED = "need", "Additional need"
    RELATIONSHIP = "relationship", "Relationship to the other party"
    SUPPORTER_RELATIONSHIP = "supporter_relationship", "Supporter's relationship"


class Code(models.Model):
    """One entry of a coded list: a stable code, a label, and whether it can still be chosen."""

    list_name = models.CharField(max_length=40, choices=CodeList.choices)
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    group = models.CharField(max_length=120, blank=True, help_text="Heading the entry sits under, if any.")
    sort_order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["list_name", "sort_order", "label"]
        constraints = [models.UniqueConstraint(fields=["list_name", "code"], name="code_unique_per_list")]

    def __str__(self) -> str:
        return self.label


def code_fk(list_name: str, *, null: bool = True, related_name: str = "+", **kwargs) -> models.ForeignKey:
    """A foreign key to one coded list."""
    return models.ForeignKey(
        Code,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
        limit_choices_to={"list_name": list_name},
        **kwargs,
    )
