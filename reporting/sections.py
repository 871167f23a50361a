"""The dashboard's sections: for each, its tables (suppressed), its chart and its counting rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agreements.models import IndirectKind
from cases.models import CodeList, WithdrawnBy
from reporting.disclosure import rate_between, suppress_counts, suppress_grid, suppress_median, suppress_rate
from reporting.labels import NOT_RECORDED, Codes
from reporting.metrics.dashboard import AGE_BANDS, FUNNEL_STEPS
from reporting.sql import Intervals
from reporting.suppression import HIDDEN, Cell, count_cell
from reporting.tables import (
    Chart,
    Keys,
    Row,
    Section,
    Table,
    bar_chart,
    chart_value,
    grid_table,
    line_table,
    sum_by,
    text_cell,
    used_keys,
)
from risk.models import AtRisk, SafeguardingAgency

BENCHMARKS = {"victim_satisfied": 85, "victim_recommend": 78, "offender_recommend": 74}


# --- Sections -----------------------------------------------------------------------------------


def referrals_section(figures: dict[str, Any], codes: Codes) -> Section:
    found = figures["referrals"]
    by_source = sum_by(found, lambda key: key[0])
    by_stage = sum_by(found, lambda key: key[1])
    sources = line_table(
        by_source,
        codes.rows(CodeList.REFERRAL_SOURCE, used_keys(by_source)),
        caption="Referrals by source",
        first_header="Source",
        header="Referrals",
    )
    stages = line_table(
        by_stage,
        codes.rows(CodeList.CJ_STAGE, used_keys(by_stage)),
        caption="Referrals by criminal justice stage",
        first_header="Stage",
        header="Referrals",
    )
    return Section(
        key="referrals",
        title="Referrals",
        rules=["A referral counts in the quarter its referral date falls in, whatever has happened to it since."],
        tables=[sources, stages],
        chart=bar_chart(sources, label="Referrals"),
        chart_table=sources.caption,
    )


def _funnel_table(per_service: Mapping[int, list[int]]) -> Table:
    size = len(FUNNEL_STEPS)
    grids = {sid: [list(values)] for sid, values in per_service.items()}
    shown = suppress_grid(grids, rows=1, columns=size, row_totals=True)
    reached_only = [sum(values[i] for values in per_service.values()) for i in range(size)]
    cells = shown.cells[0]
    total = shown.row_totals[0] if shown.row_totals else HIDDEN
    counts: list[Cell] = []
    for step in range(size):
        before_shown = not total.suppressed and not any(cell.suppressed for cell in cells[:step])
        after_shown = not any(cell.suppressed for cell in cells[step:])
        if step == 0:
            counts.append(total)
        elif before_shown or after_shown:
            counts.append(count_cell(sum(reached_only[step:])))
        else:
            counts.append(HIDDEN)
    rows = [
        Row(name, label, [cell, rate_between(cell, counts[0])])
        for (name, label), cell in zip(FUNNEL_STEPS, counts, strict=True)
    ]
    return Table(
        caption="How far the cases referred in the quarter have got",
        first_header="Step",
        headers=["Cases", "Share of referrals"],
        rows=rows,
    )


def funnel_section(figures: dict[str, Any], codes: Codes) -> Section:
    steps = _funnel_table(figures["funnel"])
    found = figures["attrition"]
    by_reason = sum_by(found, lambda key: key[0])
    by_whom = sum_by({sid: {k: v for k, v in counts.items() if k[1]} for sid, counts in found.items()}, lambda k: k[1])
    reasons = line_table(
        by_reason,
        codes.rows(CodeList.NOT_PROCEEDING, used_keys(by_reason), not_recorded=True),
        caption="Why cases referred in the quarter did not go ahead",
        first_header="Reason",
        header="Cases",
    )
    withdrawn = line_table(
        by_whom,
        list(WithdrawnBy.choices),
        caption="Cases referred in the quarter that were withdrawn, by who withdrew",
        first_header="Withdrawn by",
        header="Cases",
    )
    return Section(
        key="funnel",
        title="From referral to completion",
        rules=[
            "Counts the cases referred in the quarter and how far each has got so far, so the figures for a "
            "recent quarter can still rise.",
            "A case counts at a step when it has reached that step or any later one. Met the targeting criteria: "
            "an eligibility decision said so. Found suitable: a suitability assessment found the person suitable. "
            "Consented: a person harmed and a person responsible each recorded consent to take part. Activity: a "
            "conference was held or indirect communication completed. Agreement: an outcome agreement was signed. "
            "Completed: the case was closed with an outcome (not withdrawn or stopped).",
            "Cases that did not go ahead are those withdrawn or stopped, by the reason recorded.",
        ],
        tables=[steps, reasons, withdrawn],
        chart=bar_chart(steps, label="Cases"),
        chart_table=steps.caption,
    )


def activity_section(figures: dict[str, Any], codes: Codes) -> Section:
    kinds = [("conference", "Conference held"), *IndirectKind.choices]
    activities = line_table(
        figures["activities"],
        kinds,
        caption="Restorative activity in the quarter",
        first_header="Activity",
        header="Number",
    )
    found = figures["outcomes"]
    outcomes = line_table(
        found,
        codes.rows(CodeList.OUTCOME, used_keys(found), not_recorded=True),
        caption="How the cases that ended in the quarter ended",
        first_header="Outcome",
        header="Cases",
    )
    agreements = figures["agreements"]
    cells = suppress_counts(
        {sid: [counts["agreed"], counts["completed"]] for sid, counts in agreements.items()}, size=2
    )
    agreement_table = Table(
        caption="Outcome agreements",
        first_header="Agreements",
        headers=["Number"],
        rows=[
            Row("agreed", "Agreed in the quarter", [cells[0]]),
            Row("completed", "Completed in the quarter (every item resolved and signed off)", [cells[1]]),
        ],
    )
    return Section(
        key="activity",
        title="Conferences and indirect communication",
        rules=[
            "A conference counts in the quarter it was held. Indirect communication (letters, shuttle mediation, "
            "recorded messages and other kinds) counts in the quarter it was completed.",
            "Outcomes count the cases closed, withdrawn or stopped in the quarter, by their outcome code.",
        ],
        tables=[activities, outcomes, agreement_table],
        chart=bar_chart(activities, label="Number"),
        chart_table=activities.caption,
    )


ITEM_ROWS = (
    ("on_time", "Done on time"),
    ("late", "Done late"),
    ("partly", "Partly done"),
    ("not_done", "Not done"),
    ("open", "No outcome recorded yet"),
)


def items_section(figures: dict[str, Any], codes: Codes) -> Section:
    per_service = {
        sid: {**counts, "late": counts["done"] - counts["on_time"]} for sid, counts in figures["items"].items()
    }
    table = line_table(
        per_service,
        list(ITEM_ROWS),
        caption="Agreement items due in the quarter",
        first_header="How the item went",
        header="Items",
    )
    return Section(
        key="items",
        title="Agreement items",
        rules=[
            "Counts the items of signed outcome agreements whose target date fell in the quarter. On time: done "
            "on or before the target date; late: done after it. Statements with no target date are not counted."
        ],
        tables=[table],
        chart=bar_chart(table, label="Items"),
        chart_table=table.caption,
    )


def _median_row(key: str, label: str, result: Intervals) -> Row:
    shown = suppress_median(result.per_service, result.median, result.count)
    return Row(key, label, [shown.median, shown.base])


def _rate_row(key: str, label: str, parts: Mapping[Any, tuple[int, int]]) -> Row:
    """A share added up from parts (services, or services and sides): hidden if any part's own is."""
    shown = suppress_rate(parts)
    return Row(key, label, [shown.rate, shown.base])


def timeliness_section(figures: dict[str, Any], codes: Codes) -> Section:
    medians = Table(
        caption="Median time from referral",
        first_header="From referral to",
        headers=["Median", "Based on (cases)"],
        rows=[
            _median_row("first_contact", "First contact with anyone on the case", figures["to_first_contact"]),
            _median_row("activity", "First conference or indirect communication", figures["to_activity"]),
            _median_row("closure", "The end of the case", figures["to_closure"]),
        ],
        unit=" days",
    )
    standards = Table(
        caption="Work done within the national standards",
        first_header="Standard",
        headers=["Share within the standard", "Based on"],
        rows=[
            _rate_row(
                "offender_first_contact",
                "First contact with the person responsible within 15 working days of sentence",
                {
                    sid: (figures["offender_first_contact"].within.get(sid, 0), total)
                    for sid, total in figures["offender_first_contact"].per_service.items()
                },
            ),
            _rate_row(
                "copies",
                "Copies of the agreement to every party within 3 working days",
                {sid: (c["on_time"], c["total"]) for sid, c in figures["copies_on_time"].items()},
            ),
            _rate_row(
                "feedback",
                "Feedback calls within 7 days of the conference or indirect communication",
                {
                    **{(sid, "victim"): (c["on_time"], c["calls"]) for sid, c in figures["victim_feedback"].items()},
                    **{
                        (sid, "offender"): (c["on_time"], c["calls"]) for sid, c in figures["offender_feedback"].items()
                    },
                },
            ),
            _rate_row(
                "contacts",
                "Contacts logged within 24 hours",
                {part: (c["on_time"], c["total"]) for part, c in figures["contacts_logged"].items()},
            ),
        ],
        unit="%",
    )
    return Section(
        key="timeliness",
        title="Timeliness",
        rules=[
            "Medians count whole calendar days from the referral date: to the first contact (not an attempt) with "
            "anyone on the case, for cases first contacted in the quarter; to the first conference held or indirect "
            "communication started, for cases whose first activity was in the quarter; to the end of the case, "
            "for cases closed, withdrawn or stopped in the quarter.",
            "First contact with the person responsible: people with a sentence date first contacted in the quarter. "
            "15 working days are counted as 21 calendar days (calendar days times 5/7), without taking bank holidays "
            "off, so the figure can be slightly generous in a week with a bank holiday.",
            "Agreement copies: agreements signed in the quarter where every person harmed and person responsible "
            "named on them was given their copy by the due date (3 working days after the activity). Feedback "
            "calls: calls recorded in the quarter made within 7 calendar days. Contacts: contacts and attempts "
            "made in the quarter, logged within 24 hours.",
        ],
        tables=[medians, standards],
        chart=bar_chart(standards, label="Share within the standard", unit="%"),
        chart_table=standards.caption,
    )


def feedback_section(figures: dict[str, Any], codes: Codes) -> Section:
    victims, offenders = figures["victim_feedback"], figures["offender_feedback"]

    def measure(key: str, label: str, found: Mapping[int, Mapping[str, int]], yes: str, benchmark: int | None) -> Row:
        shown = suppress_rate({sid: (c[f"{yes}_yes"], c[f"{yes}_asked"]) for sid, c in found.items()})
        mark = text_cell(f"{benchmark}%") if benchmark is not None else text_cell("none published")
        return Row(key, label, [shown.rate, mark, shown.base])

    table = Table(
        caption="What people said in their feedback calls",
        first_header="Measure",
        headers=["Our figure", "Research benchmark", "Based on (calls)"],
        rows=[
            measure(
                "victim_satisfied", "People harmed satisfied", victims, "satisfied", BENCHMARKS["victim_satisfied"]
            ),
            measure(
                "victim_recommend",
                "People harmed who would recommend it",
                victims,
                "recommend",
                BENCHMARKS["victim_recommend"],
            ),
            measure("offender_satisfied", "People responsible satisfied", offenders, "satisfied", None),
            measure(
                "offender_recommend",
                "People responsible who would recommend it",
                offenders,
                "recommend",
                BENCHMARKS["offender_recommend"],
            ),
        ],
        unit="%",
    )
    rows = table.rows
    chart = Chart(
        labels=[row.label for row in rows],
        datasets=[
            {"label": "Our figure", "data": [chart_value(row.cells[0]) for row in rows]},
            {"label": "Research benchmark", "data": [BENCHMARKS.get(row.key) for row in rows]},
        ],
        unit="%",
        horizontal=True,
        maximum=100,
    )
    return Section(
        key="feedback",
        title="Satisfaction and would recommend",
        rules=[
            "Counts the feedback calls recorded in the quarter where the question was answered. Benchmarks are "
            "from Restorative Justice Council research: 85% of people harmed satisfied; 78% of people harmed and "
            "74% of people responsible would recommend restorative justice."
        ],
        tables=[table],
        chart=chart,
        chart_table=table.caption,
    )


ADDRESSED_COLUMNS = ((True, "Addressed"), (False, "Not yet addressed"))


def needs_section(figures: dict[str, Any], codes: Codes) -> Section:
    tables = []
    for side, label in (("victim", "people harmed"), ("offender", "people responsible")):
        found = figures[f"{side}_needs"]
        tables.append(
            grid_table(
                found,
                codes.rows(CodeList.NEED, used_keys(found, lambda key: key[0])),
                list(ADDRESSED_COLUMNS),
                caption=f"Additional needs of {label}",
                first_header="Need",
            )
        )
    rows = [row for row in tables[0].rows if not row.total]
    datasets = []
    for table, who in zip(tables, ("People harmed", "People responsible"), strict=True):
        for column, (_, heading) in enumerate(ADDRESSED_COLUMNS):
            data = [chart_value(table.cell(row.key, column)) for row in rows]
            datasets.append({"label": f"{who}: {heading.lower()}", "data": data, "stack": who})
    return Section(
        key="needs",
        title="Additional needs",
        rules=[
            "Counts the additional needs (interpreter, access, childcare, travel costs and so on) recorded in the "
            "quarter. A need is addressed when the action taken and its date are recorded. A need recorded late in "
            "the quarter may be addressed after it ends."
        ],
        tables=tables,
        chart=Chart(labels=[row.label for row in rows], datasets=datasets, horizontal=True, stacked=True),
        chart_table=tables[0].caption,
    )


def safeguarding_section(figures: dict[str, Any], codes: Codes) -> Section:
    found = figures["safeguarding"]
    by_agency = sum_by(found, lambda key: (key[0], key[2]))
    by_risk = sum_by(found, lambda key: key[1])
    agencies = grid_table(
        by_agency,
        list(SafeguardingAgency.choices),
        [(True, "Acknowledged"), (False, "Not yet acknowledged")],
        caption="Safeguarding concerns passed on, by agency",
        first_header="Agency",
    )
    at_risk = line_table(
        by_risk,
        list(AtRisk.choices),
        caption="Safeguarding concerns passed on, by who was at risk",
        first_header="Who was at risk",
        header="Concerns",
    )
    rows = [row for row in agencies.rows if not row.total]
    chart = Chart(
        labels=[row.label for row in rows],
        datasets=[
            {"label": "Acknowledged", "data": [chart_value(row.cells[0]) for row in rows]},
            {"label": "Not yet acknowledged", "data": [chart_value(row.cells[1]) for row in rows]},
        ],
        horizontal=True,
        stacked=True,
    )
    return Section(
        key="safeguarding",
        title="Safeguarding",
        rules=[
            "Counts the safeguarding concerns passed to an agency in the quarter, and whether the agency has "
            "acknowledged them."
        ],
        tables=[agencies, at_risk],
        chart=chart,
        chart_table=agencies.caption,
        wide=True,
    )


COMPLETED_COLUMNS = ((True, "Completed"), (False, "Did not go ahead"))


def equality_section(figures: dict[str, Any], codes: Codes) -> Section:
    dimensions: list[tuple[str, str, Keys, Callable[[tuple], Any]]] = [
        ("ethnicity", "ethnic group", codes.ethnic_groups(), lambda k: k[0] or k[1] or NOT_RECORDED),
        ("sex", "sex", codes.by_code(CodeList.SEX), lambda k: k[2] or NOT_RECORDED),
        ("age", "age band", [(code, label) for code, label, _, _ in AGE_BANDS] + [("not_known", "Not known")],
         lambda k: k[4]),
        ("disability", "disability", codes.by_code(CodeList.DISABILITY), lambda k: k[3] or NOT_RECORDED),
    ]  # fmt: skip
    tables = []
    for side, who in (("victim", "People harmed"), ("offender", "People responsible")):
        found = figures[f"{side}_equality"]
        for _, name, keys, part in dimensions:
            per_service = sum_by(found, lambda key, part=part: (part(key), key[5]))
            tables.append(
                grid_table(
                    per_service,
                    keys,
                    list(COMPLETED_COLUMNS),
                    caption=f"{who} on cases that ended in the quarter, by {name}",
                    first_header=name.capitalize(),
                    share_of=True,
                    share_header="Share completed",
                )
            )
    victims, offenders = tables[0], tables[4]
    rows = [row for row in victims.rows if not row.total]
    share = len(victims.headers) - 1
    chart = Chart(
        labels=[row.label for row in rows],
        datasets=[
            {"label": "People harmed", "data": [chart_value(victims.cell(row.key, share)) for row in rows]},
            {"label": "People responsible", "data": [chart_value(offenders.cell(row.key, share)) for row in rows]},
        ],
        unit="%",
        horizontal=True,
        maximum=100,
    )
    return Section(
        key="equality",
        title="Equality monitoring",
        rules=[
            "Counts the people harmed and people responsible on cases that were closed, withdrawn or stopped in the "
            "quarter (organisations harmed are left out). Completed: the case was closed with an outcome; did not "
            "go ahead: it was withdrawn or stopped. Age is worked out on the last day of the quarter. Ethnicity is "
            "shown by the 2021 census group."
        ],
        tables=tables,
        chart=chart,
        chart_table=victims.caption,
        wide=True,
    )


SECTIONS: tuple[tuple[str, Callable[[dict[str, Any], Codes], Section]], ...] = (
    ("referrals", referrals_section),
    ("funnel", funnel_section),
    ("activity", activity_section),
    ("items", items_section),
    ("timeliness", timeliness_section),
    ("feedback", feedback_section),
    ("needs", needs_section),
    ("safeguarding", safeguarding_section),
    ("equality", equality_section),
)
