from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from accounts.models import Role, User
from core.demo import DEMO_PASSWORD, DEMO_TOTP_KEY, USERS
from core.models import HousekeepingRun
from tests.factories import TEST_PASSWORD
from tests.two_factor import authenticator_for_tests, totp_code

pytestmark = pytest.mark.django_db


def test_settings_are_for_england_and_wales():
    assert settings.TIME_ZONE == "Europe/London"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "en-gb"
    assert settings.AUTH_USER_MODEL == "accounts.User"


@pytest.mark.parametrize(
    ("persona", "home"),
    [
        ("facilitator", "cases:my_work"),
        ("manager", "risk:approvals"),
        ("administrator", "reporting:returns"),
        ("commissioner", "reporting:dashboard"),
        ("offender_manager", "cases:my_referrals"),
        ("vlo", "cases:my_referrals"),
    ],
)
def test_home_sends_each_role_to_its_own_page(request, as_user, persona, home):
    user = request.getfixturevalue(persona)
    client = as_user(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(home)
    page = client.get(reverse(home))
    assert page.status_code == 200
    assert user.get_full_name() in page.content.decode()


@pytest.mark.parametrize(
    ("persona", "url_name", "allowed"),
    [
        ("facilitator", "risk:approvals", False),
        ("facilitator", "reporting:dashboard", False),
        ("offender_manager", "cases:my_work", False),
        ("offender_manager", "core:service_summary", False),
        ("commissioner", "cases:my_work", False),
        ("commissioner", "reporting:returns", False),
        ("commissioner", "core:service_summary", False),
        ("vlo", "reporting:returns", False),
        ("manager", "reporting:dashboard", True),
        ("administrator", "risk:approvals", False),
    ],
)
def test_role_pages_are_hidden_from_other_roles(request, as_user, persona, url_name, allowed):
    client = as_user(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == (200 if allowed else 404)


def test_navigation_shows_only_what_the_role_may_use(as_user, offender_manager):
    html = as_user(offender_manager).get(reverse("cases:my_referrals")).content.decode()
    assert reverse("cases:my_referrals") in html
    for hidden in ("cases:my_work", "risk:approvals", "reporting:returns", "reporting:dashboard"):
        assert f'href="{reverse(hidden)}"' not in html


def test_user_can_sign_in_and_out(client, facilitator):
    device = authenticator_for_tests(facilitator)
    response = client.post(reverse("login"), {"username": "fac", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_verify"))
    response = client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("cases:my_work")).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("cases:my_work")).status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, facilitator):
    response = client.post(reverse("login"), {"username": "fac", "password": "not-the-password"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert 'value="fac"' in html  # what was typed is kept


def test_sign_in_with_empty_fields_links_errors_to_fields(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_username"' in html
    assert "govuk-form-group--error" in html


def test_password_change_requires_twelve_characters(as_user, facilitator):
    client = as_user(facilitator)
    url = reverse("accounts:password_change")
    response = client.post(
        url, {"old_password": TEST_PASSWORD, "new_password1": "short-pw1", "new_password2": "short-pw1"}
    )
    assert response.status_code == 422
    assert "at least 12 characters" in response.content.decode()
    facilitator.refresh_from_db()
    assert facilitator.check_password(TEST_PASSWORD)

    new = "a-much-longer-passphrase-42"
    response = client.post(url, {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    facilitator.refresh_from_db()
    assert facilitator.check_password(new)


def test_password_reset_sends_a_link_that_sets_a_new_password(client, facilitator):
    response = client.post(reverse("accounts:password_reset"), {"email": facilitator.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/password-reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    new = "reset-passphrase-for-tests-7"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    facilitator.refresh_from_db()
    assert facilitator.check_password(new)


def test_password_reset_does_not_reveal_unknown_addresses(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_healthz_reports_database_and_broker_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok"}


def test_housekeeping_task_records_its_run_and_removes_expired_sessions(db):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from core.tasks import housekeeping_daily

    Session.objects.create(session_key="old", session_data="x", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="x", expire_date=timezone.now() + timedelta(days=1))
    run_id = housekeeping_daily.apply(kwargs={"triggered_by": "test"}).get()
    run = HousekeepingRun.objects.get(pk=run_id)
    assert run.finished_at is not None
    assert run.expired_sessions_removed == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


def test_housekeeping_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping-daily"]
    assert entry["task"] == "core.tasks.housekeeping_daily"


def test_service_summary_page_and_pdf(as_user, manager, facilitator):
    client = as_user(manager)
    page = client.get(reverse("core:service_summary"))
    assert page.status_code == 200
    assert "Testshire RJ" in page.content.decode()

    response = client.get(reverse("core:service_summary_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Testshire RJ" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Page 1 of" in text
    assert "Fay Cilitator" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4


def test_service_summary_shows_only_the_users_own_service(as_user, manager, other_manager):
    html = as_user(manager).get(reverse("core:service_summary")).content.decode()
    assert "Elsewhere RJ" not in html
    assert "Otto" not in html


def test_load_demo_refuses_without_debug(db):
    with override_settings(DEBUG=False), pytest.raises(CommandError):
        call_command("load_demo")


def test_load_demo_creates_every_role_and_is_idempotent(db):
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=out)
        call_command("load_demo", stdout=io.StringIO())
    for spec in USERS:
        user = User.objects.get(username=spec.username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.groups.filter(name=f"role:{spec.role}").count() == 1
        # Every demo account has one authenticator app, with the key README.md publishes.
        assert [(d.key, d.confirmed) for d in TOTPDevice.objects.filter(user=user)] == [(DEMO_TOTP_KEY, True)]
    assert "OJVG GYLT MUWW IZLN N4WT EZTB FUZD AMRW" in out.getvalue()
    device = TOTPDevice.objects.get(user__username="facilitator")
    assert device.verify_token(TOTP(bytes.fromhex(DEMO_TOTP_KEY)).token())
    assert {u.role for u in User.objects.all()} == set(Role.values)
    for required in ("facilitator", "facilitator2", "manager", "admin", "offender_manager", "vlo", "commissioner"):
        assert User.objects.filter(username=required).exists()
    assert User.objects.count() == len(USERS)
