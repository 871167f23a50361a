"""Keyset pagination: page N costs the same as page 1, whatever N.

The list is ordered by (field, id), both descending or both ascending. A page
token carries the last row's values; the next page starts strictly after them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    rows: list[Any]
    next_token: str | None
    previous_token: str | None
    has_next: bool
    is_first: bool


def _encode(value: Any, pk: int, backwards: bool = False) -> str:
    if isinstance(value, dt.datetime | dt.date):
        value = {"t": value.isoformat(), "dt": isinstance(value, dt.datetime)}
    raw = json.dumps([value, pk, backwards]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[Any, int, bool] | None:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, pk, backwards = json.loads(raw)
        if isinstance(value, dict) and "t" in value:
            value = dt.datetime.fromisoformat(value["t"]) if value.get("dt") else dt.date.fromisoformat(value["t"])
        if value is None or isinstance(value, bool | list | dict):
            return None
        return value, int(pk), bool(backwards)
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
        return None


def keyset_page(
    queryset: QuerySet, *, field: str, descending: bool = True, token: str = "", size: int = 25
) -> KeysetPage:
    """One page of `queryset` ordered by (field, id); `token` comes from a previous page's links."""
    decoded = _decode(token) if token else None
    if decoded is not None:
        try:
            value = queryset.model._meta.get_field(field).to_python(decoded[0])
        except (ValidationError, TypeError, ValueError, OverflowError):
            decoded = None  # a token that was not made by us: start from the first page
        else:
            decoded = (value, decoded[1], decoded[2])
    backwards = bool(decoded and decoded[2])
    forward_desc = descending
    query_desc = forward_desc != backwards
    order = [f"-{field}", "-id"] if query_desc else [field, "id"]
    qs = queryset.order_by(*order)
    if decoded is not None:
        value, pk, _ = decoded
        # The first condition says nothing the second does not; it lets the database start reading an index on
        # (field, id) at the token's row instead of at the list's first.
        if query_desc:
            qs = qs.filter(**{f"{field}__lte": value}).filter(
                Q(**{f"{field}__lt": value}) | Q(**{field: value, "id__lt": pk})
            )
        else:
            qs = qs.filter(**{f"{field}__gte": value}).filter(
                Q(**{f"{field}__gt": value}) | Q(**{field: value, "id__gt": pk})
            )
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    is_first = decoded is None or (backwards and not more)
    has_next = (more and not backwards) or (backwards and bool(rows))
    next_token = _encode(getattr(rows[-1], field), rows[-1].pk) if rows and has_next else None
    previous_token = None if is_first or not rows else _encode(getattr(rows[0], field), rows[0].pk, backwards=True)
    return KeysetPage(
        rows=rows, next_token=next_token, previous_token=previous_token, has_next=has_next, is_first=is_first
    )
