"""The personal-data processing log (DPA 2018 s.62): who did what to whose data, when and why.

Rows are only ever added. Saving an existing row or deleting one raises, and so do the bulk paths (a
queryset's update() and delete()); on PostgreSQL the database refuses UPDATE and DELETE as well.
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


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Processing log entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Processing log entries cannot be deleted.")


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
    # The BreakGlassAccess the user was working under: its typed reason stays there (erasable with the person's
    # data), never copied into this log, which cannot be changed
    break_glass_access_id = models.BigIntegerField(null=True, blank=True)
    recipient = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

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


class BreakGlassAccess(models.Model):
    """A case opened outside the user's own work, with the reason they typed (see audit.breakglass).

    While it is live (until `expires_at`) the user is not asked again on that case, and every
    processing-log row they write about it carries break_glass=True and this reason. A manager of the
    case's service marks it reviewed. Apart from that review and an early end when the user signs out,
    rows are never changed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    person_kind = models.CharField(max_length=10, choices=PersonKind.choices, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # A digest of the session the reason was given in (audit.breakglass.session_digest): the access ends with that
    # session, however it ends (signing out, or lapsing unseen). Blank: given outside a request, tied to none.
    session_digest = models.CharField(max_length=64, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "break-glass access"
        verbose_name_plural = "break-glass accesses"
        indexes = [
            models.Index(fields=["user", "case", "-expires_at"], name="breakglass_live"),
            models.Index(fields=["-at", "-id"], name="breakglass_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person_kind="", person_id__isnull=True)
                | (~models.Q(person_kind="") & models.Q(person_id__isnull=False)),
                name="breakglass_person_kind_and_id_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} case {self.case_id} by user {self.user_id}"
