"""django-guardian's direct foreign-key permission tables for case data.

These rows are the single source of truth for who may see what. They are
written only by cases.permissions (called from the services).
"""

from __future__ import annotations

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.models.case import Case
from cases.models.participants import Offender, Victim


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "user"], name="case_uop_object")]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "group"], name="case_gop_object")]


class VictimUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Victim, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "user"], name="victim_uop_object")]


class VictimGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Victim, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "group"], name="victim_gop_object")]


class OffenderUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Offender, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "user"], name="offender_uop_object")]


class OffenderGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Offender, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["content_object", "group"], name="offender_gop_object")]
