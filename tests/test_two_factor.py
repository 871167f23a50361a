"""Two-factor authentication: enrolment at the first sign-in, codes at every later one, recovery codes,
throttling, and resets by a manager or administrator of the person's own service."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.middleware import OPEN_BEFORE_CODE
from tests.factories import TEST_PASSWORD, UserFactory
from tests.test_anonymous_access import ALL, PUBLIC
from tests.two_factor import authenticator_for_tests, totp_code, wrong_code

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")
RECOVERY = reverse("accounts:two_factor_recovery")
CODES = reverse("accounts:recovery_codes")


def _password(client: Client, user, next_url: str = ""):
    data = {"username": user.username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def _path(response) -> str:
    return urlsplit(response["Location"]).path


def _next(response) -> str:
    return parse_qs(urlsplit(response["Location"]).query).get("next", [""])[0]


def _verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


def _codes_on_page(html: str) -> list[str]:
    block = html.split('id="recovery-codes"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>([a-z2-7]{4} [a-z2-7]{4})</li>", block)


def _enrol(client: Client, user, next_url: str = "") -> list[str]:
    """Sign in for the first time and set up the authenticator app; return the recovery codes shown."""
    response = _password(client, user, next_url)
    assert _path(response) == SETUP
    client.get(response["Location"])
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": totp_code(device), "next": next_url})
    assert _path(response) == CODES, response.content.decode()[:500]
    return [code.replace(" ", "") for code in _codes_on_page(client.get(response["Location"]).content.decode())]


@pytest.fixture
def person(service):
    return UserFactory(username="tess", role="facilitator", service=service, first_name="Tess", last_name="Twofa")


@pytest.fixture
def enrolled(person):
    """Someone who set up two-factor authentication (in another browser) and signed out."""
    codes = _enrol(Client(), person)
    return person, codes


# --- The first sign-in ----------------------------------------------------------------------------------


def test_the_password_alone_leads_to_setting_up_an_authenticator_app(client, person):
    response = _password(client, person, next_url="/cases/my-work/")
    assert response.status_code == 302 and _path(response) == SETUP
    assert _next(response) == "/cases/my-work/"
    assert not _verified(client)
    response = client.get(reverse("cases:my_work"))
    assert response.status_code == 302 and _path(response) == SETUP
    assert _next(response) == reverse("cases:my_work")


def test_htmx_requests_before_the_code_are_sent_to_set_up_with_hx_redirect(client, person):
    _password(client, person)
    response = client.get(reverse("cases:my_work"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == SETUP
    response = client.post(reverse("accounts:recovery_codes_replace"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == SETUP
    assert not StaticDevice.objects.filter(user=person).exists()


CONFINED = [(name, url) for name, url in ALL if name not in PUBLIC and name not in OPEN_BEFORE_CODE]


@pytest.mark.parametrize(("name", "url"), CONFINED)
def test_no_other_page_is_reachable_before_the_code(name, url, service):
    user = UserFactory(role="manager", service=service)
    authenticator_for_tests(user)
    client = Client()
    client.force_login(user)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302, f"{method.upper()} {url} ({name})"
        assert _path(response) == VERIFY, f"{method.upper()} {url} ({name})"
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == VERIFY


@pytest.mark.parametrize("name", sorted(PUBLIC - {"accounts:password_reset_confirm", "login"}))
def test_public_pages_stay_open_before_the_code(client, person, name):
    _password(client, person)
    assert client.get(reverse(name)).status_code == 200


def test_sign_out_works_before_the_code(client, person):
    _password(client, person)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and _path(response) == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_set_up_page_has_a_server_made_qr_code_and_no_inline_script_or_style(client, person):
    _password(client, person)
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert '<title id="qr-code-title">' in html
    assert two_factor.secret_in_groups(device) in html
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", two_factor.secret_in_groups(device))
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script: {tag}"
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html)
    assert " style=" not in html and "<style" not in html
    assert "data:" not in html
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert 'id="navigation"' not in html and "Primary navigation" not in html


def test_the_qr_code_holds_the_otpauth_address(person):
    device = two_factor.authenticator_start(user=person)
    assert device.config_url.startswith("otpauth://totp/rjcase%3Atess?secret=")
    svg = two_factor.qr_code_svg(device)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<script" not in svg


def test_the_same_app_is_offered_until_it_is_confirmed(client, person):
    _password(client, person)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=person).count() == 1


def test_enrolment_refuses_a_wrong_code_then_accepts_the_right_one(client, person, caplog):
    _password(client, person, next_url="/cases/my-work/")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    bad = wrong_code(device)
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        response = client.post(SETUP, {"code": bad, "next": "/cases/my-work/"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_code"' in html
    assert 'id="id_code-error"' in html and "The code is not correct" in html
    assert "govuk-input--error" in html
    device.refresh_from_db()
    assert not device.confirmed and not _verified(client)
    assert not StaticDevice.objects.filter(user=person).exists()
    assert [r.message for r in caplog.records if r.name == "rjcase.security"] == ["two-factor code refused"]
    assert bad not in str([r.__dict__ for r in caplog.records])

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # the 1-second wait
    response = client.post(SETUP, {"code": totp_code(device), "next": "/cases/my-work/"})
    assert response.status_code == 302 and _path(response) == CODES
    assert _next(response) == "/cases/my-work/"
    device.refresh_from_db()
    assert device.confirmed and _verified(client)
    assert StaticToken.objects.filter(device__user=person).count() == two_factor.RECOVERY_CODE_COUNT
    assert person.history.first().history_change_reason == "Two-factor authentication set up"

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    codes = _codes_on_page(html)
    assert len(codes) == 10
    assert {c.replace(" ", "") for c in codes} == set(
        StaticToken.objects.filter(device__user=person).values_list("token", flat=True)
    )
    assert "This is the only time you will see these codes" in html
    assert 'href="/cases/my-work/"' in html
    # Shown once: the codes are not in the page a second time.
    again = client.get(CODES)
    assert again.status_code == 302 and _path(again) == reverse("accounts:two_factor")
    assert client.get("/cases/my-work/").status_code == 200


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Enter the 6-digit code from your authenticator app"), ("12ab56", "Enter the code as 6 numbers")],
)
def test_enrolment_explains_a_missing_or_malformed_code(client, person, typed, message):
    _password(client, person)
    client.get(SETUP)
    response = client.post(SETUP, {"code": typed})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert TOTPDevice.objects.get(user=person).throttling_failure_count == 0


def test_an_unsafe_next_address_is_replaced_by_the_home_page(client, person):
    _password(client, person)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=person)
    response = client.post(SETUP, {"code": totp_code(device), "next": "https://evil.example/"})
    assert _next(response) == reverse("core:home")
    page = client.get(response["Location"]).content.decode()
    assert "evil.example" not in page


def test_someone_with_an_app_cannot_set_up_another_without_a_code_from_it(client, enrolled):
    person, _ = enrolled
    _password(client, person)
    response = client.get(SETUP)
    assert response.status_code == 302 and _path(response) == VERIFY
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 302 and _path(response) == VERIFY
    assert TOTPDevice.objects.filter(user=person).count() == 1


# --- Later sign-ins -------------------------------------------------------------------------------------


def test_a_later_sign_in_asks_for_a_code_and_accepts_the_right_one(client, enrolled):
    person, _ = enrolled
    response = _password(client, person, next_url="/cases/my-work/")
    assert _path(response) == VERIFY and _next(response) == "/cases/my-work/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Enter the code from your authenticator app" in html
    assert "Use a recovery code instead" in html
    device = two_factor.authenticator_for(person)
    response = client.post(VERIFY, {"code": wrong_code(device), "next": "/cases/my-work/"})
    assert response.status_code == 422 and "The code is not correct" in response.content.decode()
    assert not _verified(client)
    before = client.session.session_key
    # Wait out the one-second throttle from the wrong code.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/cases/my-work/"})
    assert response.status_code == 302 and response["Location"] == "/cases/my-work/"
    assert _verified(client) and client.session.session_key != before
    assert client.get(reverse("cases:my_work")).status_code == 200


def test_a_code_is_accepted_only_once(enrolled):
    person, _ = enrolled
    device = two_factor.authenticator_for(person)
    code = totp_code(device)
    first, second = Client(), Client()
    _password(first, person)
    _password(second, person)
    assert first.post(VERIFY, {"code": code}).status_code == 302
    assert second.post(VERIFY, {"code": code}).status_code == 422


def test_the_code_pages_send_a_verified_person_on(as_user, facilitator):
    client = as_user(facilitator)
    assert client.get(VERIFY + "?next=/cases/my-work/")["Location"] == "/cases/my-work/"
    assert client.get(RECOVERY)["Location"] == reverse("core:home")


def test_the_code_page_without_an_app_sends_to_set_up(client, person):
    _password(client, person)
    response = client.get(VERIFY)
    assert response.status_code == 302 and _path(response) == SETUP


def test_a_recovery_code_works_once(enrolled, caplog):
    person, codes = enrolled
    client = Client()
    _password(client, person)
    typed = f"{codes[0][:4].upper()}-{codes[0][4:].upper()}"  # as someone might copy it
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        response = client.post(RECOVERY, {"code": typed, "next": "/cases/my-work/"})
    assert response.status_code == 302 and response["Location"] == "/cases/my-work/"
    assert _verified(client)
    assert two_factor.recovery_codes_left(person) == 9
    assert "recovery code used" in [r.message for r in caplog.records]
    page = client.get(reverse("cases:my_work")).content.decode()
    assert "You signed in with a recovery code" in page and "You have 9 left" in page

    again = Client()
    _password(again, person)
    response = again.post(RECOVERY, {"code": codes[0]})
    assert response.status_code == 422
    assert "The recovery code is not correct or has already been used" in response.content.decode()
    assert not _verified(again)
    StaticDevice.objects.filter(user=person).update(throttling_failure_timestamp=None)
    assert again.post(RECOVERY, {"code": codes[1]}).status_code == 302


def test_a_recovery_code_of_the_wrong_shape_is_explained(enrolled):
    person, _ = enrolled
    client = Client()
    _password(client, person)
    response = client.post(RECOVERY, {"code": "abc"})
    assert response.status_code == 422
    assert "Enter the recovery code as 8 letters and numbers" in response.content.decode()


# --- Throttling -----------------------------------------------------------------------------------------


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)
def test_after_a_wrong_code_even_the_right_one_waits(enrolled, caplog):
    person, _ = enrolled
    client = Client()
    _password(client, person)
    device = two_factor.authenticator_for(person)
    bad = wrong_code(device)
    assert client.post(VERIFY, {"code": bad}).status_code == 422
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        for _ in range(3):
            response = client.post(VERIFY, {"code": totp_code(device)})
            assert response.status_code == 429
            html = response.content.decode()
            assert "Too many attempts, wait and try again" in html and "There is a problem" in html
    assert not _verified(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert {r.message for r in caplog.records if r.name == "rjcase.security"} == {"two-factor attempts throttled"}
    assert bad not in str([r.__dict__ for r in caplog.records])
    # Once the wait is over, the right code works and the count starts again.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_each_wrong_code_doubles_the_wait(enrolled):
    person, _ = enrolled
    client = Client()
    _password(client, person)
    device = two_factor.authenticator_for(person)
    for expected in (1, 2, 3):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 422
        device.refresh_from_db()
        assert device.throttling_failure_count == expected
    allowed, info = device.verify_is_allowed()
    assert not allowed and (info["locked_until"] - device.throttling_failure_timestamp).total_seconds() == 4


@override_settings(OTP_STATIC_THROTTLE_FACTOR=60)
def test_recovery_codes_are_throttled_too(enrolled):
    person, codes = enrolled
    client = Client()
    _password(client, person)
    assert client.post(RECOVERY, {"code": "aaaa aaaa"}).status_code == 422
    response = client.post(RECOVERY, {"code": codes[0]})
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert two_factor.recovery_codes_left(person) == 10


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)
def test_enrolment_is_throttled_too(client, person):
    _password(client, person)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=person)
    assert client.post(SETUP, {"code": wrong_code(device)}).status_code == 422
    assert client.post(SETUP, {"code": totp_code(device)}).status_code == 429
    device.refresh_from_db()
    assert not device.confirmed


# --- Managing one's own codes ---------------------------------------------------------------------------


def test_the_settings_page_shows_the_app_and_the_codes_left(as_user, facilitator):
    client = as_user(facilitator)
    two_factor.recovery_codes_replace(user=facilitator)
    html = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Set up on" in html and "10 unused" in html
    assert reverse("accounts:two_factor_staff") not in html


def test_new_recovery_codes_replace_the_old_ones(enrolled):
    person, old = enrolled
    client = Client()
    _password(client, person)
    assert client.post(RECOVERY, {"code": old[0]}).status_code == 302
    response = client.post(reverse("accounts:recovery_codes_replace"))
    assert response.status_code == 302 and _path(response) == CODES
    new = [c.replace(" ", "") for c in _codes_on_page(client.get(response["Location"]).content.decode())]
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.recovery_codes_left(person) == 10
    assert person.history.first().history_change_reason == "New recovery codes"

    other = Client()
    _password(other, person)
    assert other.post(RECOVERY, {"code": old[1]}).status_code == 422
    StaticDevice.objects.filter(user=person).update(throttling_failure_timestamp=None)
    assert other.post(RECOVERY, {"code": new[0]}).status_code == 302


def test_new_recovery_codes_need_a_post(as_user, facilitator):
    assert as_user(facilitator).get(reverse("accounts:recovery_codes_replace")).status_code == 405


def test_a_verified_person_can_move_to_a_new_app(as_user, facilitator):
    client = as_user(facilitator)
    old = two_factor.authenticator_for(facilitator)
    page = client.get(SETUP)
    assert page.status_code == 200 and "Set up a new authenticator app" in page.content.decode()
    new = TOTPDevice.objects.get(user=facilitator, confirmed=False)
    response = client.post(SETUP, {"code": totp_code(new)})
    assert _path(response) == CODES
    assert list(TOTPDevice.objects.filter(user=facilitator)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get(reverse("cases:my_work")).status_code == 200


# --- Resets by a manager or administrator -----------------------------------------------------------------


@pytest.mark.parametrize("actor", ["manager", "administrator"])
def test_a_manager_or_administrator_resets_someone_in_their_service(request, as_user, actor, facilitator, caplog):
    actor_user = request.getfixturevalue(actor)
    target = as_user(facilitator)  # the facilitator is signed in and verified
    two_factor.recovery_codes_replace(user=facilitator)
    client = as_user(actor_user)
    url = reverse("accounts:two_factor_reset", args=[facilitator.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Reset two-factor authentication for Fay Cilitator" in page.content.decode()
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor_staff")
    assert not TOTPDevice.objects.filter(user=facilitator).exists()
    assert not StaticDevice.objects.filter(user=facilitator).exists()
    record = next(r for r in caplog.records if r.message == "two-factor reset")
    assert record.user_id == facilitator.pk and record.actor_id == actor_user.pk
    latest = facilitator.history.first()
    assert latest.history_change_reason == f"Two-factor authentication reset by {actor_user.display_name}"
    assert latest.history_user_id == actor_user.pk
    # Their session stops being verified; their next page is setting up an app again.
    response = target.get(reverse("cases:my_work"))
    assert response.status_code == 302 and _path(response) == SETUP


def test_a_reset_person_sets_up_again_at_the_next_sign_in(client, enrolled, manager):
    person, _ = enrolled
    person.service = manager.service
    person.save(update_fields=["service"])
    two_factor.two_factor_reset(user=person, actor=manager)
    assert _path(_password(client, person)) == SETUP


@pytest.mark.parametrize("actor", ["other_manager", "facilitator2", "offender_manager", "commissioner"])
def test_others_cannot_reset_and_get_404(request, as_user, actor, facilitator, caplog):
    device = authenticator_for_tests(facilitator)
    client = as_user(request.getfixturevalue(actor))
    url = reverse("accounts:two_factor_reset", args=[facilitator.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_manager_cannot_reset_themselves(as_user, manager, caplog):
    client = as_user(manager)
    with caplog.at_level(logging.WARNING, logger="rjcase.security"):
        assert client.post(reverse("accounts:two_factor_reset", args=[manager.pk])).status_code == 404
    assert any(r.message == "refused or missing object" for r in caplog.records)
    assert TOTPDevice.objects.filter(user=manager).exists()


def test_the_staff_list_shows_only_the_service_and_who_has_set_up(
    as_user, manager, facilitator, other_manager, django_assert_max_num_queries
):
    client = as_user(manager)
    for n in range(8):
        UserFactory(username=f"staff{n}", first_name=f"Staff{n}", last_name="Member", service=manager.service)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:two_factor_staff"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fay Cilitator" in html and "staff7" in html
    assert "Otto" not in html
    assert reverse("accounts:two_factor_reset", args=[facilitator.pk]) in html
    assert reverse("accounts:two_factor_reset", args=[manager.pk]) not in html
    cell = r"<td[^>]*>([^<]*)</td>\s*"
    rows = {name: status for name, _, _, status in re.findall(cell * 4, html)}
    assert rows["Mina Ager"] == "Set up" and rows["Staff0 Member"] == "Not set up"


def test_the_settings_page_links_managers_to_the_staff_list(as_user, manager):
    html = as_user(manager).get(reverse("accounts:two_factor")).content.decode()
    assert reverse("accounts:two_factor_staff") in html


def test_an_operator_resets_a_commissioner_from_the_server(commissioner, caplog):
    from django.core.management import CommandError, call_command

    authenticator_for_tests(commissioner)
    with pytest.raises(CommandError):
        call_command("reset_two_factor", commissioner.username, by=" ", reason="Lost phone")
    assert TOTPDevice.objects.filter(user=commissioner).exists()
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "nobody-here", by="Sam Operator", reason="Lost phone")
    with caplog.at_level(logging.WARNING):
        call_command("reset_two_factor", commissioner.username, by="Sam Operator", reason="Lost phone")
    assert not TOTPDevice.objects.filter(user=commissioner).exists()
    assert not StaticDevice.objects.filter(user=commissioner).exists()
    assert commissioner.history.first().history_change_reason.startswith("Two-factor authentication reset by Sam")
    assert any(record.getMessage() == "two-factor reset" for record in caplog.records)
