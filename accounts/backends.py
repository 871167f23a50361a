"""Signing in and role capabilities, as django.contrib.auth's ModelBackend does them, in fewer queries.

Every signed-in request loads the user and, at its first `has_perm`, their capabilities. ModelBackend does that
in three queries (the user, then their own permissions, then their groups'); the header shows the user's service,
a fourth. Here the user comes with their service, and their own and their groups' permissions come in one query.
Who holds what is decided exactly as ModelBackend decides it: active users only, every permission for a
superuser, none asked about an object (django-guardian's backend answers those, from the permission rows).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from accounts.models import User


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User._default_manager.select_related("service").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                found = Permission.objects.all()
            else:
                own = User.user_permissions.through.objects.filter(user_id=user_obj.pk).values("permission_id")
                groups = User.groups.through.objects.filter(user_id=user_obj.pk).values("group_id")
                held = Group.permissions.through.objects.filter(group_id__in=groups).values("permission_id")
                found = Permission.objects.filter(Q(pk__in=own) | Q(pk__in=held))
            rows = found.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
