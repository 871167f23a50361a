"""Helpers for tests that check outsiders are refused, now that a facilitator covering a colleague's case is
asked for a break-glass reason (audit.breakglass) on the pages they may read with one."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse

COVERING = "unallocated_facilitator"  # the persona of a facilitator of the service who is not on the case


def asked_why(response, case_id: int) -> bool:
    """The response sends the user to the reason page of the case (a redirect, or htmx's HX-Redirect)."""
    location = response.get("Location") or response.get("HX-Redirect") or ""
    return response.status_code in (302, 204) and urlsplit(location).path == reverse(
        "audit:break_glass", args=[case_id]
    )


def refused(response, persona: str, case_id: int) -> bool:
    """404 for everyone; the covering facilitator may instead be asked why (the authorisation matrix says
    which pages ask). Either way nothing is opened."""
    return response.status_code == 404 or (persona == COVERING and asked_why(response, case_id))
