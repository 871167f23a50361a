"""Two-factor authentication: reads and writes around django-otp's devices.

Every account has one authenticator app (a confirmed TOTP device) and a set of single-use recovery codes
(a static device with RECOVERY_CODE_COUNT tokens). Codes are checked through django-otp, whose throttling
makes each failure double the wait before the next attempt (1, 2, 4, 8... seconds). A failed or throttled
attempt is a security event (rjcase.security); the code typed is never logged.

Checks are not wrapped in a transaction of ours: a refused code must still count towards throttling.
"""

from __future__ import annotations

import base64
import enum

import qrcode
import qrcode.constants
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, Service, User
from core.security import security_log

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Roles that may reset two-factor authentication for other people in their own service.
RESET_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


class Refusal(enum.Enum):
    WRONG = "wrong"
    TOO_MANY = "too_many"


class CodeRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason

    @property
    def too_many(self) -> bool:
        return self.reason is Refusal.TOO_MANY


# --- Reads --------------------------------------------------------------------------------------


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_for(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def staff_two_factor_list(*, service: Service) -> QuerySet[User]:
    """The service's active staff, each with `has_authenticator`, in one query."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User.objects.filter(service=service, is_active=True)
        .annotate(has_authenticator=Exists(confirmed))
        .order_by("last_name", "first_name", "username")
    )


def may_reset_others(user: User) -> bool:
    return user.is_authenticated and user.role in RESET_ROLES and user.service_id is not None


def secret_in_groups(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(device: TOTPDevice, *, title: str = "QR code for your authenticator app") -> SafeString:
    """The device's otpauth:// address as an inline SVG QR code (no script, no style attribute)."""
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(device.config_url)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="232" height="232" '
        'role="img" aria-labelledby="qr-code-title" shape-rendering="crispEdges">'
        '<title id="qr-code-title">{title}</title>'
        '<rect width="{size}" height="{size}" fill="#ffffff"/><path fill="#0b0c0c" d="{path}"/></svg>',
        size=size,
        title=title,
        path=path,
    )


def format_recovery_code(token: str) -> str:
    return f"{token[:4]} {token[4:]}"


def normalise_recovery_code(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


# --- Checks -------------------------------------------------------------------------------------


def _refused(*, user: User, reason: Refusal, purpose: str, ip: str) -> CodeRefused:
    message = "two-factor attempts throttled" if reason is Refusal.TOO_MANY else "two-factor code refused"
    security_log.warning(
        message, extra={"user_id": user.pk, "username": user.get_username(), "purpose": purpose, "ip": ip}
    )
    return CodeRefused(reason)


def _check(*, user: User, device: TOTPDevice | StaticDevice | None, code: str, purpose: str, ip: str) -> None:
    if device is None:
        raise _refused(user=user, reason=Refusal.WRONG, purpose=purpose, ip=ip)
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise _refused(user=user, reason=Refusal.TOO_MANY, purpose=purpose, ip=ip)
    if verify_token(user, device.persistent_id, code) is None:
        raise _refused(user=user, reason=Refusal.WRONG, purpose=purpose, ip=ip)


def sign_in_check(*, user: User, code: str, ip: str = "") -> TOTPDevice:
    """Check a code from the user's authenticator app; return the device to mark the session verified with."""
    device = authenticator_for(user)
    _check(user=user, device=device, code=code, purpose="sign-in", ip=ip)
    assert device is not None  # noqa: S101 - _check refuses a missing device
    return device


def recovery_code_use(*, user: User, code: str, ip: str = "") -> StaticDevice:
    """Use up one recovery code (it stops working at once); return the device to mark the session verified."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    _check(user=user, device=device, code=normalise_recovery_code(code), purpose="recovery code", ip=ip)
    assert device is not None  # noqa: S101 - _check refuses a missing device
    security_log.warning(
        "recovery code used",
        extra={"user_id": user.pk, "username": user.get_username(), "ip": ip, "left": recovery_codes_left(user)},
    )
    return device


# --- Writes -------------------------------------------------------------------------------------


def _history(*, user: User, actor: User | None, reason: str) -> None:
    User.history.bulk_history_create([user], update=True, default_user=actor, default_change_reason=reason[:100])


@transaction.atomic
def authenticator_start(*, user: User) -> TOTPDevice:
    """The authenticator app being set up (not confirmed yet): the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def authenticator_confirm(*, user: User, device: TOTPDevice, code: str, ip: str = "") -> list[str]:
    """Confirm the app being set up with a code it shows. It replaces any earlier app; new recovery codes
    replace any earlier ones. Returns the recovery codes, to show once."""
    if device.user_id != user.pk or device.confirmed:
        raise _refused(user=user, reason=Refusal.WRONG, purpose="set-up", ip=ip)
    _check(user=user, device=device, code=code, purpose="set-up", ip=ip)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(user=user)
        _history(user=user, actor=user, reason="Two-factor authentication set up")
    security_log.info("two-factor set up", extra={"user_id": user.pk, "username": user.get_username(), "ip": ip})
    return codes


def _recovery_codes_issue(*, user: User) -> list[str]:
    # The same device keeps its id, so a session verified with a recovery code stays verified.
    device = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """New recovery codes; every earlier one stops working. Returns the codes, to show once."""
    codes = _recovery_codes_issue(user=user)
    _history(user=user, actor=user, reason="New recovery codes")
    security_log.info("recovery codes replaced", extra={"user_id": user.pk, "username": user.get_username()})
    return codes


@transaction.atomic
def two_factor_reset(*, user: User, actor: User | None, by: str = "") -> None:
    """Remove the person's authenticator app and recovery codes: any session they have stops being verified,
    and they set up an app again at their next sign-in. `actor` is the colleague who reset it; without one
    (the operators' `manage.py reset_two_factor`), `by` says who did."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    who = actor.display_name if actor is not None else by or "the system operator"
    _history(user=user, actor=actor, reason=f"Two-factor authentication reset by {who}")
    security_log.warning(
        "two-factor reset",
        extra={
            "user_id": user.pk,
            "username": user.get_username(),
            "actor_id": actor.pk if actor is not None else None,
            "by": who,
        },
    )


def authenticator_install(*, user: User, key: str, name: str = AUTHENTICATOR_NAME) -> TOTPDevice:
    """Give someone with no authenticator app a confirmed one with a known key (demonstration accounts)."""
    existing = authenticator_for(user)
    if existing is not None:
        return existing
    return TOTPDevice.objects.create(user=user, name=name, key=key, confirmed=True)
