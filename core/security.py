"""Security events: failed sign-ins and lockouts go to the security log (rjcase.security), like refused access."""

from __future__ import annotations

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

security_log = logging.getLogger("rjcase.security")


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_login_failed)
def _failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    security_log.warning(
        "sign-in failed", extra={"username": str(credentials.get("username", ""))[:150], "ip": _address(request)}
    )


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    security_log.warning("sign-in locked out", extra={"username": (username or "")[:150], "ip": ip_address or ""})
