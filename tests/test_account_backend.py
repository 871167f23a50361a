"""accounts.backends.AccountBackend: the same capabilities as Django's ModelBackend, in one query."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import AccountBackend
from accounts.models import User

PERSONAS = ["facilitator", "manager", "administrator", "offender_manager", "vlo", "commissioner"]


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_capabilities_are_those_model_backend_gives(request, persona):
    user = request.getfixturevalue(persona)
    assert AccountBackend().get_all_permissions(fresh(user)) == ModelBackend().get_all_permissions(fresh(user))
    assert AccountBackend().get_all_permissions(fresh(user))  # every role holds some


def test_own_and_group_permissions_both_count(facilitator):
    own = Permission.objects.get(codename="view_session")
    group = Group.objects.create(name="extra")
    held = Permission.objects.get(codename="change_session")
    group.permissions.add(held)
    facilitator.user_permissions.add(own)
    facilitator.groups.add(group)
    found = AccountBackend().get_all_permissions(fresh(facilitator))
    assert {"sessions.view_session", "sessions.change_session"} <= found
    assert found == ModelBackend().get_all_permissions(fresh(facilitator))


def test_one_query_then_none(facilitator):
    user = fresh(facilitator)
    backend = AccountBackend()
    with CaptureQueriesContext(connection) as queries:
        assert backend.has_perm(user, "core.view_my_work")
        assert not backend.has_perm(user, "core.export_returns_nowhere")
        backend.get_all_permissions(user)
    assert len(queries) == 1


def test_inactive_superuser_and_object_questions(facilitator):
    user = fresh(facilitator)
    user.is_active = False
    assert AccountBackend().get_all_permissions(user) == set()
    boss = User.objects.create(username="boss", is_superuser=True, service=facilitator.service)
    assert AccountBackend().get_all_permissions(boss) == {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
    }
    assert AccountBackend().get_all_permissions(fresh(facilitator), obj=facilitator) == set()


def test_signed_in_user_comes_with_their_service(facilitator):
    backend = AccountBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(facilitator.pk)
        assert user.service.name == facilitator.service.name
    assert len(queries) == 1
    facilitator.is_active = False
    facilitator.save()
    assert backend.get_user(facilitator.pk) is None
    assert backend.get_user(10**9) is None
