"""The canary: offender-side staff and commissioners never meet a victim's data, wherever they click.

With the whole demo dataset loaded, every victim's name, address, phone and email is a marker. Signed
in as an offender manager and as a commissioner, the test follows every link and htmx request
reachable from their home page (pages, PDFs, CSV and XLSX downloads, fragments) and reads each
response as text: no marker may appear anywhere.
"""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client, override_settings

from cases.models import Victim
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LINK = re.compile(r"""(?:href|hx-get|data-href)\s*=\s*["']([^"']+)["']""")
SKIP = ("/login/", "/account/logout/", "/static/", "mailto:", "tel:", "javascript:")
LIMIT = 600


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        from pypdf import PdfReader

        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    return unescape(content.decode("utf-8", errors="replace"))


def _links(base: str, html: str) -> set[str]:
    found = set()
    for raw in LINK.findall(html):
        url = urljoin(base, unescape(raw))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
            continue
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _markers() -> set[str]:
    markers = set()
    for first, last, address, phone, email in Victim.objects.values_list(
        "first_name", "last_name", "address", "phone", "email"
    ):
        markers.add(f"{first} {last}")
        markers.update(value for value in (address, phone, email) if value and len(value) > 6)
    return markers


def _crawl(client: Client) -> tuple[set[str], list[tuple[str, str]]]:
    seen: set[str] = set()
    queue = ["/"]
    pages: list[tuple[str, str]] = []
    while queue and len(seen) < LIMIT:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue
        final = response.request["PATH_INFO"]
        text = _text(response)
        pages.append((url, text))
        if "text/html" in response.get("Content-Type", ""):
            queue.extend(sorted(_links(final, text) - seen))
    return seen, pages


@pytest.mark.parametrize("username", ["offender_manager", "commissioner"])
def test_no_victim_data_reaches_offender_side_staff_or_commissioners(username):
    from core.demo import load_demo

    with override_settings(DEBUG=True):
        users = load_demo()
    markers = _markers()
    assert len(markers) > 50
    client = client_for(users[username])
    seen, pages = _crawl(client)
    assert len(pages) >= 5, f"{username} reached too few pages: {sorted(seen)}"
    assert len(seen) < LIMIT, "the crawl hit its limit: raise LIMIT or check for a link loop"
    leaks = [(url, marker) for url, text in pages for marker in markers if marker in text]
    assert not leaks, f"victim data reached {username}: {leaks[:10]}"
