"""Every URL but sign-in, password reset and /healthz sends anonymous people to sign in.

The URL patterns are enumerated from the URL configuration, so a new view is
covered the moment it is added.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = {
    "login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "core:healthz",
}

SAMPLE_ARGS = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, entry, prefix + str(entry.pattern)


def _sample_url(route: str, pattern: URLPattern) -> str:
    converters = getattr(pattern.pattern, "converters", {})
    url = route
    for key, converter in converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        url = url.replace(f"<{kind}:{key}>", SAMPLE_ARGS.get(kind, "1")).replace(f"<{key}>", "x")
    return "/" + url.lstrip("^").rstrip("$")


ALL = sorted(((name or route), _sample_url(route, p)) for name, p, route in _patterns(get_resolver()))


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
