"""Sign-in throttling, session limits, security headers and caching of signed-in pages."""

from __future__ import annotations

import logging
import time

import pytest
from django.test import Client
from django.urls import reverse

from core.middleware import SEEN_AT, SIGNED_IN_AT
from tests.factories import UserFactory
from tests.two_factor import authenticator_for_tests, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-2026"


@pytest.fixture
def person(service):
    user = UserFactory(username="sam_signin", role="facilitator", service=service)
    user.set_password(PASSWORD)
    user.save()
    return user


def _attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_ten_failures_lock_the_username_out_even_with_the_right_password(person, caplog):
    client = Client()
    for _ in range(9):
        assert _attempt(client, "sam_signin", "wrong password!!").status_code == 422
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        response = _attempt(client, "sam_signin", "wrong password!!", ip="10.0.0.2")
        assert response.status_code == 429
        assert "Sign-in locked" in response.content.decode()
    assert any(r.message == "sign-in locked out" for r in caplog.records)
    assert not any("wrong password" in str(r.__dict__) for r in caplog.records)
    response = _attempt(client, "sam_signin", PASSWORD, ip="10.0.0.3")
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_ten_failures_from_one_address_lock_it_out(person):
    client = Client()
    for n in range(10):
        _attempt(client, f"nobody{n}", "wrong password!!", ip="10.9.9.9")
    assert _attempt(client, "sam_signin", PASSWORD, ip="10.9.9.9").status_code == 429
    assert _attempt(Client(), "sam_signin", PASSWORD, ip="10.1.1.1").status_code == 302


def test_failed_sign_ins_are_security_events(person, caplog):
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        _attempt(Client(), "sam_signin", "wrong password!!")
    assert [r.message for r in caplog.records if r.name == "rjcase.security"] == ["sign-in failed"]


def test_a_new_session_key_at_sign_in(person):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    assert _attempt(client, "sam_signin", PASSWORD).status_code == 302
    assert client.session.session_key != before


def _signed_in(person) -> Client:
    """Signed in with the password and a code from the authenticator app."""
    device = authenticator_for_tests(person)
    client = Client()
    assert _attempt(client, "sam_signin", PASSWORD).status_code == 302
    assert client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(device)}).status_code == 302
    return client


def _age(client: Client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_thirty_minutes_idle_ends_the_session(person):
    client = _signed_in(person)
    assert client.get(reverse("cases:my_work")).status_code == 200
    _age(client, SEEN_AT, 29 * 60)
    assert client.get(reverse("cases:my_work")).status_code == 200
    _age(client, SEEN_AT, 31 * 60)
    response = client.get(reverse("cases:my_work"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("cases:my_work")).status_code == 302


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(person):
    client = _signed_in(person)
    _age(client, SIGNED_IN_AT, 12 * 60 * 60 + 5)
    response = client.get(reverse("cases:my_work"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_expired_htmx_request_is_sent_to_sign_in(person):
    client = _signed_in(person)
    _age(client, SEEN_AT, 31 * 60)
    response = client.get(reverse("cases:my_work"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("login")


def test_a_deactivated_user_is_refused_at_the_next_request(person):
    client = _signed_in(person)
    assert client.get(reverse("cases:my_work")).status_code == 200
    person.is_active = False
    person.save()
    assert client.get(reverse("cases:my_work")).status_code == 302


def test_headers_on_a_signed_in_page(person):
    response = _signed_in(person).get(reverse("cases:my_work"))
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_sign_in_page_has_the_policy_too():
    response = Client().get(reverse("login"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
