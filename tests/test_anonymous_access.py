"""Every URL but sign-in, password reset and /healthz sends anonymous people to sign in.

The URL patterns are enumerated from the URL configuration, so a new view is
covered the moment it is added.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from tests.url_patterns import iter_patterns

PUBLIC = {
    "login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "core:healthz",
}

SAMPLE_ARGS = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}


def _sample_url(route: str, pattern: URLPattern) -> str:
    converters = getattr(pattern.pattern, "converters", {})
    url = route
    for key, converter in converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        sample = SAMPLE_ARGS.get(kind) or converter.regex.split("|")[0]
        url = url.replace(f"<{kind}:{key}>", sample).replace(f"<{key}>", "x")
    return "/" + url.lstrip("^").rstrip("$")


ALL = sorted(((name or route), _sample_url(route, p)) for name, p, route in iter_patterns())


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), [item for item in ALL if item[0] not in PUBLIC])
def test_anonymous_requests_are_sent_to_sign_in(client, name, url):
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302, f"{method.upper()} {url} ({name})"
        assert response["Location"].startswith(reverse("login")), f"{method.upper()} {url} ({name})"


def test_every_url_pattern_is_classified():
    names = {name for name, _ in ALL}
    assert names >= PUBLIC, f"public names missing from the URL configuration: {PUBLIC - names}"
    assert len(ALL) > len(PUBLIC)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC - {"accounts:password_reset_confirm"}))
def test_public_pages_open_without_sign_in(client, name):
    assert client.get(reverse(name)).status_code == 200
