"""Two-factor authentication for tests: a known authenticator app for any user, and codes from it.

Every signed-in page needs a session verified by django-otp. `verify_session` does for a test client
what django_otp.login() does after a code is accepted: it records the device in the session.
"""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import authenticator_install

TEST_TOTP_KEY = b"rjcase-tests-totp-20".hex()  # 20 bytes, as django-otp generates


def authenticator_for_tests(user) -> TOTPDevice:
    """The user's confirmed authenticator app, created with TEST_TOTP_KEY if they have none."""
    return authenticator_install(user=user, key=TEST_TOTP_KEY, name="Test authenticator")


def verify_session(client: Client, user) -> TOTPDevice:
    device = authenticator_for_tests(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: for the current time step, or the next one if the current step's code
    was used already (django-otp accepts each step once, and one step either side of now)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    totp.time = now
    if totp.t() <= device.last_t:
        ahead = device.last_t + 1 - totp.t()
        if ahead > 1:  # two codes used in this step already: wait for the next step
            time.sleep(device.step - (now - device.t0) % device.step + 0.1)
            return totp_code(device)
        totp.time = now + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A 6-digit code the device does not accept now."""
    right = {int(totp_code(device))}
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    for offset in (-1, 0, 1, 2):
        totp.time = time.time() + offset * device.step
        right.add(totp.token())
    return next(f"{n:06d}" for n in range(10**6) if n not in right)
