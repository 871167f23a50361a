"""The personal-data processing log (DPA 2018 s.62): who did what to whose data, when and why.

Rows are only ever added. Saving an existing row or deleting one raises.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Operation(models.TextChoices):
    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"


class PersonKind(models.TextChoices):
    VICTIM = "victim", "Person harmed"
    OFFENDER = "offender", "Person responsible"


class AppendOnlyError(Exception):
    pass


class ProcessingLogEntry(models.Model):
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    operation = models.CharField(max_length=20, choices=Operation.choices)
    person_kind = models.CharField(max_length=10, choices=PersonKind.choices)
    person_id = models.BigIntegerField()
    case_id = models.BigIntegerField(null=True)
    object_type = models.CharField(max_length=60)
    object_id = models.BigIntegerField(null=True)
    reason = models.CharField(max_length=300, blank=True)
    break_glass = models.BooleanField(default=False)
    recipient = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person_kind", "person_id", "-at"], name="plog_person"),
            models.Index(fields=["case_id", "-at"], name="plog_case"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.operation} {self.person_kind} {self.person_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Processing log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Processing log entries cannot be deleted.")
