"""The dashboard's figures, kept per service and quarter in a summary table (FigureSnapshot).

Working the figures out takes a few hundred queries' worth of aggregation over every case of the services in
scope. They are worked out for all services at once by Celery (`refresh`, reporting/tasks.py) and stored one
row per service and quarter; a dashboard then reads the rows of its services and adds them up. A service whose
row is missing (a new service, a quarter nobody has looked at) is worked out live, once, and stored.

Every figure is either keyed by service id, keyed by (service id, something), or an `Intervals` (a histogram of
whole days per service), so one service's share can be cut out and several services' shares added back
together exactly — medians included, since histograms add up. Only aggregates are stored: counts keyed by
code ids and numbers of days; nothing about any one person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accounts.models import Service
from core import clock
from reporting.metrics import Scope
from reporting.metrics.dashboard import all_figures
from reporting.models import FigureSnapshot
from reporting.quarters import Quarter
from reporting.sql import Intervals

# Bump when a figure is added, removed or counted differently: stored rows of another version are worked out
# again at the next view or refresh.
FIGURES_VERSION = 2

BY_SERVICE = "service"  # {sid: value}
BY_SERVICE_KEY = "service_key"  # {(sid, key): value}
INTERVALS = "intervals"  # Intervals


@dataclass(frozen=True)
class Figures:
    values: dict[str, Any]
    as_at: dt.datetime | None  # when the oldest of the rows used was worked out


# --- JSON that keeps tuples and non-string keys ---------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {"d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "d" in value:
            return {_decode(k): _decode(v) for k, v in value["d"]}
        return tuple(_decode(v) for v in value["t"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


# --- One service's share, and shares added back together ----------------------------------------


def _kind(value: Any) -> str:
    if isinstance(value, Intervals):
        return INTERVALS
    if any(isinstance(key, tuple) for key in value):
        return BY_SERVICE_KEY
    return BY_SERVICE


def split(figures: dict[str, Any], service_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{service id: the JSON-ready share of each figure for that service} (every service asked for, even one
    with nothing to count)."""
    shares: dict[int, dict[str, Any]] = {sid: {} for sid in service_ids}
    for name, value in figures.items():
        kind = _kind(value)
        parts: dict[int, Any] = {}
        if kind == INTERVALS:
            for sid, days in value.histogram.items():
                parts[sid] = {"h": _encode(days), "w": value.within.get(sid, 0)}
        elif kind == BY_SERVICE_KEY:
            for (sid, key), counts in value.items():
                parts.setdefault(sid, {})[key] = counts
            parts = {sid: _encode(keyed) for sid, keyed in parts.items()}
        else:
            parts = {sid: _encode(share) for sid, share in value.items()}
        for sid, share in shares.items():
            share[name] = [kind, parts.get(sid)]
    return shares


def merge(shares: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The figures of several services from their stored shares (the inverse of `split`)."""
    merged: dict[str, Any] = {}
    histograms: dict[str, dict[int, dict[int, int]]] = {}
    within: dict[str, dict[int, int]] = {}
    for sid, share in shares.items():
        for name, (kind, part) in share.items():
            if kind == INTERVALS:
                histograms.setdefault(name, {})
                within.setdefault(name, {})
                if part is not None:
                    histograms[name][sid] = _decode(part["h"])
                    if part["w"]:
                        within[name][sid] = part["w"]
                continue
            target = merged.setdefault(name, {})
            if part is None:
                continue
            if kind == BY_SERVICE_KEY:
                for key, counts in _decode(part).items():
                    target[(sid, key)] = counts
            else:
                target[sid] = _decode(part)
    for name, histogram in histograms.items():
        merged[name] = Intervals(histogram=histogram, within=within[name])
    return merged


# --- Stored rows ---------------------------------------------------------------------------------


def refresh(quarter: Quarter, service_ids: Iterable[int] | None = None) -> int:
    """Work out the quarter's figures for these services (all of them by default) in one go and store one
    row per service. Returns how many rows were written."""
    ids = tuple(sorted(Service.objects.values_list("pk", flat=True) if service_ids is None else service_ids))
    if not ids:
        return 0
    shares = split(all_figures(Scope(ids, quarter)), ids)
    moment = clock.now()
    rows = [
        FigureSnapshot(
            service_id=sid,
            quarter_start=quarter.start,
            figures={"v": FIGURES_VERSION, "figures": share},
            computed_at=moment,
            token=uuid.uuid4(),
        )
        for sid, share in shares.items()
    ]
    FigureSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["service", "quarter_start"],
        update_fields=["figures", "computed_at", "token"],
    )
    return len(rows)


def figures_for(scope: Scope) -> Figures:
    """The scope's figures from the stored rows, working out (and storing) the services that have none."""
    stored = {
        row.service_id: row
        for row in FigureSnapshot.objects.filter(
            service_id__in=scope.service_ids, quarter_start=scope.quarter.start, figures__v=FIGURES_VERSION
        ).only("service_id", "figures", "computed_at")
    }
    missing = [sid for sid in scope.service_ids if sid not in stored]
    if missing:
        refresh(scope.quarter, missing)
        stored.update(
            (row.service_id, row)
            for row in FigureSnapshot.objects.filter(service_id__in=missing, quarter_start=scope.quarter.start).only(
                "service_id", "figures", "computed_at"
            )
        )
    shares = {sid: row.figures["figures"] for sid, row in stored.items()}
    as_at = min((row.computed_at for row in stored.values()), default=None)
    if not shares:  # no services in scope
        return Figures(values=all_figures(scope), as_at=None)
    return Figures(values=merge(shares), as_at=as_at)


def tokens_key(scope: Scope, quarters: Iterable[Quarter], *, prefix: str) -> str | None:
    """A cache key for something built from the stored rows of these services and quarters: it changes whenever
    one of the rows is refreshed. None when a row is missing or of another version (one query)."""
    quarters = list(quarters)
    found = sorted(
        FigureSnapshot.objects.filter(
            service_id__in=scope.service_ids,
            quarter_start__in=[quarter.start for quarter in quarters],
            figures__v=FIGURES_VERSION,
        ).values_list("token", flat=True)
    )
    if len(found) != len(scope.service_ids) * len(quarters):
        return None
    digest = hashlib.sha256(b"".join(token.bytes for token in found)).hexdigest()
    return f"{prefix}:{FIGURES_VERSION}:{digest}"
