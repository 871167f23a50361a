"""Render a Django template to a PDF with WeasyPrint.

Only files under our own static folders may be fetched while rendering: a
template can never make the server reach out to the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

_STATIC_PREFIX = "rjcase-static:/"


def _local_fetcher() -> Any:
    """A WeasyPrint fetcher that serves our static files and data: URLs, and refuses the rest."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(_STATIC_PREFIX):
                path = finders.find(url.removeprefix(_STATIC_PREFIX).lstrip("/"))
                if not path:
                    raise ValueError(f"No static file for {url!r}")
                return super().fetch(Path(path).as_uri(), headers)
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise ValueError(f"Refused to fetch {url!r} while rendering a PDF")

    return LocalOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def render_pdf(template_name: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "pdf": True}, request=request)
    return HTML(string=html, base_url=_STATIC_PREFIX + "/", url_fetcher=_local_fetcher()).write_pdf()


def pdf_response(pdf: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


__all__ = ["pdf_response", "render_pdf"]
