from __future__ import annotations

from django.db import models


class Capability(models.Model):
    """Holds the role-level permissions that are not about one model (no table).

    Roles (groups) are given these in accounts.roles; object-level access to
    case records is separate and handled by django-guardian.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_my_work", "See My work: tasks and allocated cases"),
            ("refer_case", "Refer a case"),
            ("screen_referrals", "Decide whether a referral meets the targeting criteria"),
            ("view_my_referrals", "See My referrals"),
            ("approve_assessments", "Approve or return pre-conference risk assessments"),
            ("allocate_cases", "Allocate cases to facilitators"),
            ("manage_returns", "Build, submit and export quarterly returns"),
            ("view_dashboard", "See the commissioner dashboard"),
            ("configure_service", "Change the service's settings"),
            ("view_access_log", "See who has seen a record"),
            ("view_service_summary", "See the service summary"),
        ]

    def __str__(self) -> str:
        return "Capability"


class HousekeepingRun(models.Model):
    """One run of the daily housekeeping job."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expired_sessions_removed = models.PositiveIntegerField(default=0)
    triggered_by = models.CharField(max_length=40, default="schedule")

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Housekeeping at {self.started_at:%Y-%m-%d %H:%M}"
