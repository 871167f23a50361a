"""Enumerate every named URL pattern of the project, for tests that must cover every view."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def iter_patterns(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, URLPattern, str]]:
    """(name, pattern, route) for every URL pattern, names with their namespaces."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from iter_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name or "", entry, prefix + str(entry.pattern)


def all_url_names() -> set[str]:
    return {name for name, _, _ in iter_patterns()}
