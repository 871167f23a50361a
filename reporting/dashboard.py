"""The commissioner dashboard: headline figures and sections, each with its tables, chart and counting rules.

Figures come from reporting.metrics (database aggregates per service) and are suppressed with
reporting.disclosure before anything is shown, to commissioners and managers alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.core.cache import cache

from reporting.labels import Codes
from reporting.metrics import Scope
from reporting.sections import BENCHMARKS, SECTIONS
from reporting.snapshots import figures_for, tokens_key
from reporting.sql import figures_transaction
from reporting.suppression import HIDDEN, Cell
from reporting.tables import Row, Section, Table, change_cell, with_previous

SUPPRESSION_NOTE = (
    'Counts from 1 to 4 are shown as "fewer than 5", and so are other figures that would let them be worked '
    "out from a total. Shares and medians based on fewer than 5 people are not shown."
)


# --- The dashboard ------------------------------------------------------------------------------

SECTION_KEYS = frozenset(key for key, _ in SECTIONS) | {"headline"}


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    cell: Cell
    note: str = ""
    previous: Cell | None = None
    change: Cell | None = None


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    compare: bool
    headlines: list[Headline]
    sections: list[Section]
    as_at: dt.datetime | None = None  # when the oldest figure shown was worked out (reporting.snapshots)
    cache_key: str | None = None  # set when it came from (or went into) the cache: the page caches its HTML too

    def section(self, key: str) -> Section | None:
        if key == "headline":
            return self.headline_section()
        return next((section for section in self.sections if section.key == key), None)

    def headline_section(self) -> Section:
        headers = ["Figure"] + (["Previous quarter", "Change"] if self.compare else [])
        rows = [
            Row(h.key, h.label, [h.cell, *(cell for cell in (h.previous, h.change) if cell is not None)])
            for h in self.headlines
        ]
        table = Table(caption="Headline figures", first_header="Measure", headers=headers, rows=rows)
        return Section(key="headline", title="Headline figures", rules=[], tables=[table])


def _headlines(sections: dict[str, Section]) -> list[Headline]:
    def pick(section: str, table: int, row: str) -> Cell:
        return sections[section].tables[table].cell(row) or HIDDEN

    return [
        Headline("referrals", "Referrals", pick("referrals", 0, "total")),
        Headline("conferences", "Conferences held", pick("activity", 0, "conference")),
        Headline("agreements", "Outcome agreements completed", pick("activity", 2, "completed")),
        Headline(
            "satisfaction",
            "People harmed satisfied",
            pick("feedback", 0, "victim_satisfied"),
            note=f"Benchmark {BENCHMARKS['victim_satisfied']}%",
        ),
    ]


def _build(scope: Scope, codes: Codes) -> tuple[dict[str, Section], dt.datetime | None]:
    figures = figures_for(scope)
    return {key: build(figures.values, codes) for key, build in SECTIONS}, figures.as_at


CACHE_SECONDS = 24 * 60 * 60  # a refresh changes the key long before this


def dashboard_build(*, scope: Scope, compare: bool = False) -> Dashboard:
    """The dashboard for a scope. Built dashboards are cached under the tokens of the summary rows they were
    built from (reporting.snapshots), so a cached one is only ever used until those rows are refreshed."""
    scope = Scope(tuple(sorted(scope.service_ids)), scope.quarter)  # the same services, the same dashboard
    quarters = (scope.quarter, scope.quarter.previous) if compare else (scope.quarter,)
    prefix = f"dashboard:{compare:d}"
    key = tokens_key(scope, quarters, prefix=prefix)
    if key is not None and (cached := cache.get(key)) is not None:
        return cached
    with figures_transaction():
        board = _dashboard(scope, compare)
    key = key or tokens_key(scope, quarters, prefix=prefix)
    if key is not None:
        board = replace(board, cache_key=key)
        cache.set(key, board, CACHE_SECONDS)
    return board


def _dashboard(scope: Scope, compare: bool) -> Dashboard:
    codes = Codes()
    sections, as_at = _build(scope, codes)
    headlines = _headlines(sections)
    if compare:
        before, before_at = _build(scope.previous, codes)
        as_at = min((at for at in (as_at, before_at) if at is not None), default=None)
        units = {"satisfaction": "%"}
        headlines = [
            Headline(
                h.key,
                h.label,
                h.cell,
                h.note,
                previous=p.cell,
                change=change_cell(h.cell, p.cell, units.get(h.key, "")),
            )
            for h, p in zip(headlines, _headlines(before), strict=True)
        ]
        sections = {
            key: Section(
                key=section.key,
                title=section.title,
                rules=section.rules,
                tables=[with_previous(t, p) for t, p in zip(section.tables, before[key].tables, strict=True)],
                chart=section.chart,
                chart_table=section.chart_table,
                wide=True,
            )
            for key, section in sections.items()
        }
    return Dashboard(scope=scope, compare=compare, headlines=headlines, sections=list(sections.values()), as_at=as_at)
