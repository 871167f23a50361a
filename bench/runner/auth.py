"""Signed-in sessions for the bench users, made directly with the session engine (no password form).

A session holds what django.contrib.auth.login puts in it, the sign-in times core.middleware checks, and,
when django-otp is installed, the verified device the way django_otp.login records it (a confirmed TOTP
device is made for the user if they have none). Django must be set up.
"""

from __future__ import annotations

import time
from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

BENCH_DEVICE_NAME = "Benchmark"
MODEL_BACKEND = "accounts.backends.AccountBackend"


def otp_device(user):
    """The user's confirmed TOTP device (made if missing), or None when django-otp's TOTP is not installed."""
    if not apps.is_installed("django_otp.plugins.otp_totp"):
        return None
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=BENCH_DEVICE_NAME, confirmed=True)
    return device


def session_for(user) -> str:
    """A new signed-in (and, with django-otp, verified) session for `user`; returns its key."""
    from core.middleware import SEEN_AT, SIGNED_IN_AT

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = MODEL_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    store[SIGNED_IN_AT] = now
    store[SEEN_AT] = now
    device = otp_device(user)
    if device is not None:
        import django_otp

        django_otp.login(SimpleNamespace(user=user, session=store), device)
    store.create()
    return store.session_key
