"""Two-factor authentication pages: set up, enter a code, use a recovery code, manage codes, reset for staff.

Until a session is verified, accounts.middleware.TwoFactorRequiredMiddleware lets the person reach only the
set-up, code and recovery-code pages (and sign out).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.forms import AuthenticatorCodeForm, RecoveryCodeForm
from accounts.models import User
from core.security import security_log

SESSION_RECOVERY_CODES = "rjcase_recovery_codes"
TOO_MANY = "Too many attempts, wait and try again"
WRONG_APP_CODE = "The code is not correct. Enter the code your authenticator app shows now"
WRONG_RECOVERY_CODE = "The recovery code is not correct or has already been used"


def _next_url(request: HttpRequest) -> str:
    """Where to go once verified: `next` when it is a page of this site, otherwise the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _verified(request: HttpRequest, device: object) -> None:
    """Mark the session verified with the device that accepted the code, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


def _refused(form: AuthenticatorCodeForm | RecoveryCodeForm, exc: two_factor.CodeRefused, wrong: str) -> int:
    form.refuse(TOO_MANY if exc.too_many else wrong)
    return 429 if exc.too_many else 422


def _show_recovery_codes(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    request.session[SESSION_RECOVERY_CODES] = codes
    return redirect(_with_next("accounts:recovery_codes", next_url))


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: at the first sign-in, or later (when verified) to move to a new app."""
    user = request.user
    next_url = _next_url(request)
    replacing = user.is_verified()
    if not replacing and two_factor.has_authenticator(user):
        return redirect(_with_next("accounts:two_factor_verify", next_url))
    device = two_factor.authenticator_start(user=user)
    form = AuthenticatorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                codes = two_factor.authenticator_confirm(
                    user=user, device=device, code=form.cleaned_data["code"], ip=_ip(request)
                )
            except two_factor.CodeRefused as exc:
                status = _refused(form, exc, WRONG_APP_CODE)
            else:
                _verified(request, device)
                return _show_recovery_codes(request, codes, next_url)
    context = {
        "form": form,
        "next": next_url,
        "replacing": replacing,
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_in_groups(device),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not two_factor.has_authenticator(user):
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = AuthenticatorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                device = two_factor.sign_in_check(user=user, code=form.cleaned_data["code"], ip=_ip(request))
            except two_factor.CodeRefused as exc:
                status = _refused(form, exc, WRONG_APP_CODE)
            else:
                _verified(request, device)
                return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url}, status=status)


@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """After the password, for someone without their authenticator app: one of their recovery codes."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not two_factor.has_authenticator(user):
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = RecoveryCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                device = two_factor.recovery_code_use(user=user, code=form.cleaned_data["code"], ip=_ip(request))
            except two_factor.CodeRefused as exc:
                status = _refused(form, exc, WRONG_RECOVERY_CODE)
            else:
                _verified(request, device)
                left = two_factor.recovery_codes_left(user)
                messages.info(
                    request,
                    f"You signed in with a recovery code. It cannot be used again. You have {left} left: "
                    "you can get new ones from your two-factor authentication settings.",
                )
                return redirect(next_url)
    return render(request, "accounts/two_factor_recovery.html", {"form": form, "next": next_url}, status=status)


@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just issued, shown once: they are taken out of the session as the page is made."""
    codes = request.session.pop(SESSION_RECOVERY_CODES, None)
    if not codes:
        return redirect("accounts:two_factor")
    context = {"codes": [two_factor.format_recovery_code(code) for code in codes], "next": _next_url(request)}
    return render(request, "accounts/recovery_codes.html", context)


@require_GET
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "authenticator": two_factor.authenticator_for(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "may_reset_others": two_factor.may_reset_others(user),
    }
    return render(request, "accounts/two_factor.html", context)


@require_POST
def recovery_codes_replace(request: HttpRequest) -> HttpResponse:
    codes = two_factor.recovery_codes_replace(user=request.user)
    return _show_recovery_codes(request, codes, reverse("accounts:two_factor"))


def _require_reset_role(user: User) -> None:
    if not two_factor.may_reset_others(user):
        raise Http404("Page not found")


def _staff_member_for_reset(actor: User, pk: int) -> User:
    """Someone else in the actor's own service. Missing and forbidden both answer 404, logged."""
    _require_reset_role(actor)
    member = User.objects.filter(pk=pk, service_id=actor.service_id, is_active=True).exclude(pk=actor.pk).first()
    if member is None:
        security_log.warning(
            "refused or missing object", extra={"model": "accounts.user", "object_id": pk, "user_id": actor.pk}
        )
        raise Http404("Page not found")
    return member


@require_GET
def staff_two_factor(request: HttpRequest) -> HttpResponse:
    """The actor's service's staff and whether each has set up two-factor authentication."""
    _require_reset_role(request.user)
    staff = two_factor.staff_two_factor_list(service=request.user.service)
    return render(request, "accounts/two_factor_staff.html", {"staff": staff, "service": request.user.service})


@require_http_methods(["GET", "POST"])
def two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    member = _staff_member_for_reset(request.user, pk)
    if request.method == "POST":
        two_factor.two_factor_reset(user=member, actor=request.user)
        messages.success(
            request,
            f"Two-factor authentication reset for {member.display_name}. "
            "They will set up an authenticator app when they next sign in.",
        )
        return redirect("accounts:two_factor_staff")
    return render(request, "accounts/two_factor_reset.html", {"member": member})
