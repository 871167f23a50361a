"""The rows of one service's quarterly return, built with a fixed number of queries.

Every section is read with `values()` queries (joins and correlated counts in SQL, never a query per case)
and turned into rows in the order of reporting.returns.columns. The counting rules are written out in
columns.COUNTING_RULES; the functions here follow them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Service
from agreements.models import (
    AgreementCopy,
    AgreementItem,
    Conference,
    ConferenceAttendee,
    ConferenceStatus,
    IndirectCommunication,
    IndirectKind,
    IndirectMessage,
    ItemKind,
    ItemStatus,
    OffenderFeedback,
    OutcomeAgreement,
    Responsible,
    VenueKind,
    VictimFeedback,
)
from cases.models import (
    Allocation,
    Case,
    Code,
    CodeList,
    ConsentKind,
    Offender,
    OffenderConsent,
    ParticipationBasis,
    Stage,
    Victim,
    VictimConsent,
    WithdrawnBy,
)
from cases.models.case import TERMINAL_STAGES
from cases.models.participants import age_on
from core import clock
from reporting.quarters import Quarter
from reporting.returns import columns as cols

LATE_AFTER_DAYS = 7  # the feedback call is due within 7 days of the activity (DOMAIN §9)

ALLOCATED_IN = "Allocated in the quarter"
CARRIED_OVER = "Active from an earlier quarter"
OPEN = "Open"

TIMELINESS_ORDER = ("On time", "Late", "Partly done", "Not done", "Overdue", "Not yet due", "Done (no target date)")


@dataclass
class Dataset:
    """What one build produces: the snapshot's content before it is stored."""

    sections: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    summary: dict[str, Any]
    people: dict[str, list[int]]
    row_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# --- Helpers ---------------------------------------------------------------------------------------


def quarter_moments(quarter: Quarter) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the quarter and the first moment after it, in Europe/London."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(quarter.start, dt.time.min), zone)
    end = timezone.make_aware(dt.datetime.combine(quarter.end_exclusive, dt.time.min), zone)
    return start, end


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _time(value: dt.time | None) -> str:
    return f"{value:%H:%M}" if value is not None else ""


def _name(first: str | None, last: str | None, username: str | None) -> str:
    full = f"{first or ''} {last or ''}".strip()
    return full or (username or "")


def _count_of(model: Any, fk: str, **filters: Any) -> Coalesce:
    """A correlated count of `model` rows pointing at the outer row through `fk` (0 when none)."""
    rows = (
        model.objects.filter(**{fk: OuterRef("pk")}, **filters)
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _warning(code: str, case_id: int, reference: str, message: str) -> dict[str, Any]:
    return {"code": code, "case_id": case_id, "case_reference": reference, "message": message}


def _day(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def cases_in_quarter(*, service: Service, quarter: Quarter) -> QuerySet[Case]:
    """The service's cases the return counts (counting rule 1), with `first_allocated_at` annotated."""
    _, end = quarter_moments(quarter)
    first_allocation = (
        Allocation.objects.filter(case=OuterRef("pk")).order_by("allocated_at", "pk").values("allocated_at")[:1]
    )
    return (
        Case.objects.filter(service=service, allocated_at__isnull=False)
        .annotate(first_allocated_at=Coalesce(Subquery(first_allocation), F("allocated_at")))
        .filter(first_allocated_at__lt=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=quarter.start))
    )


def _section(key: str, rows: list[list[Any]]) -> dict[str, Any]:
    title, columns = cols.SECTIONS[key]
    return {"key": key, "title": title, "columns": [list(c) for c in columns], "rows": rows}


def _row(columns: tuple[cols.Column, ...], values: dict[str, Any]) -> list[Any]:
    return [values.get(c.key) for c in columns]


# --- Cases -----------------------------------------------------------------------------------------


def _agrees(consents: list[dt.date | None], end: dt.date) -> str:
    """From (withdrawn_on) of each consent to take part given by the quarter's end (counting rule 4)."""
    if not consents:
        return "No"
    if any(withdrawn is None or withdrawn > end for withdrawn in consents):
        return "Yes"
    return "Withdrawn"


def _case_rows(service: Service, quarter: Quarter, scope: QuerySet[Case], warnings: list) -> tuple:
    ids = scope.values("pk")
    cases = list(
        scope.order_by("reference").values(
            "pk",
            "reference",
            "stage",
            "first_allocated_at",
            "referral_date",
            "referral_source__label",
            "initiator__label",
            "cj_stage__label",
            "participation_basis",
            "police_reference",
            "co_defendants__label",
            "main_offence__label",
            "main_offence__group",
            "outcome__code",
            "outcome__label",
            "not_proceeding_reason__code",
            "not_proceeding_reason__label",
            "withdrawn_by",
            "outcome_reason",
            "closed_on",
            "lead_facilitator__first_name",
            "lead_facilitator__last_name",
            "lead_facilitator__username",
            "lead_facilitator__agency",
            "second_facilitator__first_name",
            "second_facilitator__last_name",
            "second_facilitator__username",
            "second_facilitator__agency",
        )
    )
    offenders_by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for offender in (
        Offender.objects.filter(case__in=ids)
        .order_by("case_id", "pk")
        .values(
            "pk",
            "case_id",
            "first_name",
            "last_name",
            "date_of_birth",
            "pnc_id",
            "prison_number",
            "crn",
            "tier__label",
            "sex__label",
            "ethnicity__label",
            "ethnicity__group",
            "mappa_category",
            "mappa_level",
            "sentence_type__label",
            "sentence_length",
            "supervision_length",
            "sentence_date",
        )
    ):
        offenders_by_case[offender["case_id"]].append(offender)
    statuses: dict[int, set[str]] = defaultdict(set)
    for offender_id, status in Offender.special_statuses.through.objects.filter(offender__case__in=ids).values_list(
        "offender_id", "code__code"
    ):
        statuses[offender_id].add(status)
    other_offences: dict[int, list[str]] = defaultdict(list)
    for case_id, label in (
        Case.other_offences.through.objects.filter(case__in=ids)
        .order_by("case_id", "code__sort_order", "code__label")
        .values_list("case_id", "code__label")
    ):
        other_offences[case_id].append(label)
    victims_by_case: dict[int, list[int]] = defaultdict(list)
    for victim_id, case_id in Victim.objects.filter(case__in=ids).order_by("pk").values_list("pk", "case_id"):
        victims_by_case[case_id].append(victim_id)
    victim_consents: dict[int, list[dt.date | None]] = defaultdict(list)
    for case_id, withdrawn in VictimConsent.objects.filter(
        kind=ConsentKind.TAKE_PART, participant__case__in=ids, given_on__lte=quarter.end
    ).values_list("participant__case_id", "withdrawn_on"):
        victim_consents[case_id].append(withdrawn)
    offender_consents: dict[int, list[dt.date | None]] = defaultdict(list)
    for offender_id, withdrawn in OffenderConsent.objects.filter(
        kind=ConsentKind.TAKE_PART, participant__case__in=ids, given_on__lte=quarter.end
    ).values_list("participant_id", "withdrawn_on"):
        offender_consents[offender_id].append(withdrawn)

    participation = dict(ParticipationBasis.choices)
    stage_labels = dict(Stage.choices)
    withdrawn_labels = dict(WithdrawnBy.choices)
    rows, main_offenders, status_counts = [], [], Counter()
    for case in cases:
        pk, reference = case["pk"], case["reference"]
        allocated_on = _local_date(case["first_allocated_at"])
        offenders = offenders_by_case.get(pk, [])
        main = offenders[0] if offenders else {}
        if main:
            main_offenders.append(main["pk"])
        flags = statuses.get(main.get("pk"), set())
        ended = case["closed_on"] is not None and case["closed_on"] <= quarter.end and case["stage"] in TERMINAL_STAGES
        status = stage_labels[case["stage"]] if ended else OPEN
        status_counts[case["outcome__label"] if ended and case["outcome__label"] else status] += 1
        values = {
            "case_reference": reference,
            "counted_as": ALLOCATED_IN if allocated_on and allocated_on >= quarter.start else CARRIED_OVER,
            "allocation_date": _iso(allocated_on),
            "referral_date": _iso(case["referral_date"]),
            "referral_source": case["referral_source__label"],
            "initiator": case["initiator__label"],
            "cj_stage": case["cj_stage__label"],
            "participation": participation.get(case["participation_basis"], case["participation_basis"]),
            "ucrn": case["police_reference"],
            "co_defendants": case["co_defendants__label"] or "",
            "other_offenders": max(len(offenders) - 1, 0),
            "main_offence": case["main_offence__label"],
            "main_offence_group": case["main_offence__group"],
            "other_offences": "; ".join(other_offences.get(pk, [])),
            "victims": len(victims_by_case.get(pk, [])),
            "victim_agrees": _agrees(victim_consents.get(pk, []), quarter.end),
            "offender_agrees": _agrees(offender_consents.get(main.get("pk"), []), quarter.end) if main else "",
            "status_at_quarter_end": status,
            "facilitator_1": _name(
                case["lead_facilitator__first_name"],
                case["lead_facilitator__last_name"],
                case["lead_facilitator__username"],
            ),
            "facilitator_1_agency": (case["lead_facilitator__agency"] or service.name)
            if case["lead_facilitator__username"]
            else "",
            "facilitator_2": _name(
                case["second_facilitator__first_name"],
                case["second_facilitator__last_name"],
                case["second_facilitator__username"],
            ),
            "facilitator_2_agency": (case["second_facilitator__agency"] or service.name)
            if case["second_facilitator__username"]
            else "",
        }
        if ended:
            values.update(
                {
                    "outcome_code": case["outcome__code"] or "",
                    "outcome": case["outcome__label"] or "",
                    "reason_code": case["not_proceeding_reason__code"] or "",
                    "reason": case["not_proceeding_reason__label"] or "",
                    "withdrawn_by": withdrawn_labels.get(case["withdrawn_by"], ""),
                    "outcome_reason": case["outcome_reason"],
                    "outcome_date": _iso(case["closed_on"]),
                }
            )
        if main:
            values.update(
                {
                    "offender_first_name": main["first_name"],
                    "offender_last_name": main["last_name"],
                    "offender_date_of_birth": _iso(main["date_of_birth"]),
                    "offender_age": age_on(main["date_of_birth"], case["referral_date"]),
                    "pnc_id": main["pnc_id"],
                    "prison_number": main["prison_number"],
                    "crn": main["crn"],
                    "gender": main["sex__label"] or "",
                    "ethnicity": main["ethnicity__label"] or "",
                    "ethnic_group": main["ethnicity__group"] or "",
                    "tier": main["tier__label"] or "",
                    "ppo": "ppo" in flags,
                    "mappa": "mappa" in flags,
                    "mappa_category": main["mappa_category"],
                    "mappa_level": main["mappa_level"],
                    "iom": "iom" in flags,
                    "yot": "yot" in flags,
                    "sentence": " ".join(filter(None, (main["sentence_type__label"], main["sentence_length"]))),
                    "sentence_length": main["sentence_length"],
                    "supervision_length": main["supervision_length"],
                    "sentence_date": _iso(main["sentence_date"]),
                }
            )
        rows.append(_row(cols.CASE_COLUMNS, values))
        warnings.extend(_case_warnings(case, main, ended))
    people_victims = [v for ids_ in victims_by_case.values() for v in ids_]
    return rows, main_offenders, people_victims, status_counts


def _case_warnings(case: dict[str, Any], main: dict[str, Any], ended: bool) -> list[dict[str, Any]]:
    pk, reference = case["pk"], case["reference"]
    found = []
    if not main:
        found.append(_warning("no_offender", pk, reference, "No person responsible is recorded"))
    else:
        if main["ethnicity__label"] is None:
            found.append(_warning("missing_ethnicity", pk, reference, "The person responsible's ethnicity is missing"))
        if main["sex__label"] is None:
            found.append(_warning("missing_gender", pk, reference, "The person responsible's sex or gender is missing"))
        if main["date_of_birth"] is None:
            found.append(
                _warning("missing_date_of_birth", pk, reference, "The person responsible's date of birth is missing")
            )
    if case["outcome__code"] and case["closed_on"] is None:
        found.append(_warning("outcome_without_date", pk, reference, "An outcome is recorded without an outcome date"))
    if ended and not case["outcome__code"]:
        found.append(_warning("ended_without_outcome", pk, reference, "The case has ended without an outcome code"))
    return found


# --- Conferences, alternative outcomes, feedback -----------------------------------------------------


def _facilitator(prefix: str, row: dict[str, Any], service: Service) -> tuple[str, str]:
    name = _name(row[f"{prefix}__first_name"], row[f"{prefix}__last_name"], row[f"{prefix}__username"])
    if not name:
        return "", ""
    return name, row[f"{prefix}_agency"] or row[f"{prefix}__agency"] or service.name


def _conference_rows(service: Service, quarter: Quarter, warnings: list) -> list[list[Any]]:
    held = Conference.objects.filter(
        case__service=service, status=ConferenceStatus.HELD, date__gte=quarter.start, date__lte=quarter.end
    )
    victims = Conference.attending_victims.through
    offenders = Conference.attending_offenders.through
    records = (
        held.annotate(
            victims_n=_count_of(victims, "conference"),
            offenders_n=_count_of(offenders, "conference"),
            others_n=_count_of(ConferenceAttendee, "conference"),
        )
        .order_by("date", "case__reference", "pk")
        .values(
            "pk",
            "case_id",
            "case__reference",
            "date",
            "start_time",
            "end_time",
            "held_start_time",
            "held_end_time",
            "venue_kind",
            "venue_name",
            "video_link",
            "victims_n",
            "offenders_n",
            "others_n",
            "lead_facilitator__first_name",
            "lead_facilitator__last_name",
            "lead_facilitator__username",
            "lead_facilitator__agency",
            "lead_facilitator_agency",
            "second_facilitator__first_name",
            "second_facilitator__last_name",
            "second_facilitator__username",
            "second_facilitator__agency",
            "second_facilitator_agency",
            "background",
            "how_it_went",
            "lessons_learnt",
            "video_worked_for_victim",
            "video_worked_for_offender",
            "video_how_we_know",
        )
    )
    venues = dict(VenueKind.choices)
    rows = []
    for c in records:
        written = all((c[k] or "").strip() for k in ("background", "how_it_went", "lessons_learnt"))
        if c["video_link"]:
            written = written and c["video_worked_for_victim"] is not None and bool(c["video_how_we_know"].strip())
        lead, lead_agency = _facilitator("lead_facilitator", c, service)
        second, second_agency = _facilitator("second_facilitator", c, service)
        values = {
            "case_reference": c["case__reference"],
            "date": _iso(c["date"]),
            "start_time": _time(c["held_start_time"] or c["start_time"]),
            "end_time": _time(c["held_end_time"] or c["end_time"]),
            "venue_kind": venues.get(c["venue_kind"], c["venue_kind"]),
            "venue_name": c["venue_name"],
            "video_link": c["video_link"],
            "victims_attending": c["victims_n"],
            "offenders_attending": c["offenders_n"],
            "others_attending": c["others_n"],
            "facilitator_1": lead,
            "facilitator_1_agency": lead_agency,
            "facilitator_2": second,
            "facilitator_2_agency": second_agency,
            "background": c["background"],
            "how_it_went": c["how_it_went"],
            "lessons_learnt": c["lessons_learnt"],
            "video_worked_for_victim": c["video_worked_for_victim"] if c["video_link"] else None,
            "video_worked_for_offender": c["video_worked_for_offender"] if c["video_link"] else None,
            "video_how_we_know": c["video_how_we_know"] if c["video_link"] else "",
            "write_up_complete": written,
        }
        rows.append(_row(cols.CONFERENCE_COLUMNS, values))
        if not written:
            warnings.append(
                _warning(
                    "conference_without_write_up",
                    c["case_id"],
                    c["case__reference"],
                    f"The conference held on {_day(c['date'])} has no complete write-up",
                )
            )
    return rows


def _alternative_rows(service: Service, quarter: Quarter) -> tuple[list[list[Any]], int]:
    records = (
        IndirectCommunication.objects.filter(
            case__service=service, completed_on__gte=quarter.start, completed_on__lte=quarter.end
        )
        .annotate(passed_n=_count_of(IndirectMessage, "communication", passed_on__isnull=False))
        .order_by("completed_on", "case__reference", "pk")
        .values("case__reference", "kind", "started_on", "completed_on", "passed_n", "effective", "how_we_know")
    )
    kinds = dict(IndirectKind.choices)
    rows, effective = [], 0
    for r in records:
        effective += bool(r["effective"])
        values = {
            "case_reference": r["case__reference"],
            "kind": kinds.get(r["kind"], r["kind"]),
            "started_on": _iso(r["started_on"]),
            "completed_on": _iso(r["completed_on"]),
            "messages_passed_on": r["passed_n"],
            "effective": r["effective"],
            "how_we_know": r["how_we_know"],
        }
        rows.append(_row(cols.ALTERNATIVE_COLUMNS, values))
    return rows, effective


FEEDBACK_SIDES = (("victim", "Person harmed", VictimFeedback), ("offender", "Person responsible", OffenderFeedback))


def _feedback_rows(service: Service, quarter: Quarter, warnings: list) -> tuple[list[list[Any]], dict, dict]:
    found = []
    people: dict[str, list[int]] = {"victim": [], "offender": []}
    figures: dict[str, Counter] = {"victim": Counter(), "offender": Counter()}
    for side, label, model in FEEDBACK_SIDES:
        records = model.objects.filter(
            participant__case__service=service, called_on__gte=quarter.start, called_on__lte=quarter.end
        ).values(
            "participant_id",
            "participant__case_id",
            "participant__case__reference",
            "conference_id",
            "activity_on",
            "called_on",
            "satisfied",
            "would_recommend",
            "worry_raised",
        )
        for r in records:
            people[side].append(r["participant_id"])
            days = (r["called_on"] - r["activity_on"]).days
            late = days > LATE_AFTER_DAYS
            activity = "Conference" if r["conference_id"] else "Indirect communication"
            figures[side].update(
                calls=1,
                satisfied=r["satisfied"] is True,
                satisfied_answered=r["satisfied"] is not None,
                recommend=r["would_recommend"] is True,
                recommend_answered=r["would_recommend"] is not None,
                late=late,
                worry=r["worry_raised"],
            )
            values = {
                "case_reference": r["participant__case__reference"],
                "side": label,
                "activity": activity,
                "activity_date": _iso(r["activity_on"]),
                "call_date": _iso(r["called_on"]),
                "days_after": days,
                "late": late,
                "satisfied": r["satisfied"],
                "would_recommend": r["would_recommend"],
                "worry_raised": r["worry_raised"],
            }
            found.append((r["participant__case__reference"], r["called_on"], side, _row(cols.FEEDBACK_COLUMNS, values)))
            if late:
                warnings.append(
                    _warning(
                        "feedback_late",
                        r["participant__case_id"],
                        r["participant__case__reference"],
                        f"A feedback call to the {label.lower()} was made {days} days after the "
                        f"{activity.lower()} (due within {LATE_AFTER_DAYS} days)",
                    )
                )
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found], people, {side: dict(c) for side, c in figures.items()}


# --- Agreement follow-up ---------------------------------------------------------------------------


def _timeliness(status: str, outcome_on: dt.date | None, target: dt.date | None, as_at: dt.date) -> str:
    if status == ItemStatus.DONE:
        if target is None:
            return "Done (no target date)"
        return "On time" if outcome_on and outcome_on <= target else "Late"
    if status == ItemStatus.PARTLY_DONE:
        return "Partly done"
    if status == ItemStatus.NOT_DONE:
        return "Not done"
    return "Overdue" if target is not None and target < as_at else "Not yet due"


def _follow_up_rows(
    service: Service, quarter: Quarter, start: dt.datetime, as_at: dt.date, warnings: list
) -> tuple[list, Counter]:
    """Items as at `as_at`: the quarter's last day, or today while the quarter is still running."""
    items_qs = AgreementItem.objects.filter(
        agreement__case__service=service, agreement__agreed_on__isnull=False, agreement__agreed_on__lte=quarter.end
    ).filter(Q(signed_off_at__isnull=True) | Q(signed_off_at__gte=start))
    items = list(
        items_qs.order_by("agreement__case__reference", "agreement_id", "number").values(
            "agreement_id",
            "agreement__case_id",
            "agreement__case__reference",
            "agreement__activity_on",
            "agreement__agreed_on",
            "agreement__copies_due_on",
            "number",
            "kind",
            "description",
            "responsible",
            "target_date",
            "status",
            "outcome_on",
            "signed_off_at",
        )
    )
    agreements = OutcomeAgreement.objects.filter(pk__in=items_qs.values("agreement_id"))
    parties: dict[int, set[tuple[str, int]]] = defaultdict(set)
    for agreement_id, victim_id in OutcomeAgreement.victims.through.objects.filter(
        outcomeagreement__in=agreements
    ).values_list("outcomeagreement_id", "victim_id"):
        parties[agreement_id].add(("victim", victim_id))
    for agreement_id, offender_id in OutcomeAgreement.offenders.through.objects.filter(
        outcomeagreement__in=agreements
    ).values_list("outcomeagreement_id", "offender_id"):
        parties[agreement_id].add(("offender", offender_id))
    copies: dict[int, list[tuple[str | None, dt.date]]] = defaultdict(list)
    for agreement_id, victim_id, offender_id, sent_on in AgreementCopy.objects.filter(
        agreement__in=agreements, sent_on__lte=quarter.end
    ).values_list("agreement_id", "victim_id", "offender_id", "sent_on"):
        party = ("victim", victim_id) if victim_id else ("offender", offender_id) if offender_id else None
        copies[agreement_id].append((party, sent_on))

    kinds, responsible = dict(ItemKind.choices), dict(Responsible.choices)
    statuses = dict(ItemStatus.choices)
    rows, timeliness_counts, warned = [], Counter(), set()
    for item in items:
        agreement_id = item["agreement_id"]
        due = item["agreement__copies_due_on"]
        on_time_parties = {p for p, sent in copies.get(agreement_id, []) if p and due and sent <= due}
        party_set = parties.get(agreement_id, set())
        copied_on_time = len(party_set & on_time_parties)
        all_copied = bool(party_set) and copied_on_time == len(party_set)
        copies_on_time = True if all_copied else (False if due and due < as_at else None)
        # As at the end of the quarter: an outcome dated later is not yet recorded.
        recorded = item["outcome_on"] is not None and item["outcome_on"] <= quarter.end
        status = item["status"] if recorded else ItemStatus.OPEN
        signed_on = _local_date(item["signed_off_at"])
        signed = signed_on is not None and signed_on <= quarter.end
        timeliness = _timeliness(status, item["outcome_on"] if recorded else None, item["target_date"], as_at)
        timeliness_counts[timeliness] += 1
        values = {
            "case_reference": item["agreement__case__reference"],
            "activity_date": _iso(item["agreement__activity_on"]),
            "agreed_on": _iso(item["agreement__agreed_on"]),
            "copies_due_on": _iso(due),
            "parties": len(party_set),
            "parties_copied_on_time": copied_on_time,
            "copies_on_time": copies_on_time,
            "copies_recorded": len(copies.get(agreement_id, [])),
            "item_number": item["number"],
            "item_kind": kinds.get(item["kind"], item["kind"]),
            "description": item["description"],
            "responsible": responsible.get(item["responsible"], item["responsible"]),
            "target_date": _iso(item["target_date"]),
            "status": statuses[status],
            "outcome_date": _iso(item["outcome_on"]) if recorded else None,
            "timeliness": timeliness,
            "signed_off": signed,
            "signed_off_on": _iso(signed_on) if signed else None,
        }
        rows.append(_row(cols.FOLLOW_UP_COLUMNS, values))
        case_id, reference = item["agreement__case_id"], item["agreement__case__reference"]
        if due and due < as_at and not copies.get(agreement_id) and agreement_id not in warned:
            warned.add(agreement_id)
            warnings.append(
                _warning(
                    "agreement_without_copies",
                    case_id,
                    reference,
                    f"The outcome agreement signed on {_day(item['agreement__agreed_on'])} has no copies recorded",
                )
            )
        if timeliness == "Overdue":
            warnings.append(
                _warning(
                    "item_overdue",
                    case_id,
                    reference,
                    f"Agreement item {item['number']} was due on {_day(item['target_date'])} and has no outcome",
                )
            )
    return rows, timeliness_counts


# --- The whole return ------------------------------------------------------------------------------


def _outcome_order() -> list[str]:
    return list(Code.objects.filter(list_name=CodeList.OUTCOME).order_by("sort_order").values_list("label", flat=True))


def build_dataset(*, service: Service, quarter: Quarter, today: dt.date | None = None) -> Dataset:
    """Every section, warning and headline figure of the service's return for the quarter.

    Follow-up is judged as at the quarter's last day, or as at `today` (default: the services' clock) while
    the quarter is still running.
    """
    start, _ = quarter_moments(quarter)
    as_at = min(quarter.end, today or clock.today())
    scope = cases_in_quarter(service=service, quarter=quarter)
    warnings: list[dict[str, Any]] = []
    case_rows, main_offenders, victims, status_counts = _case_rows(service, quarter, scope, warnings)
    conference_rows = _conference_rows(service, quarter, warnings)
    alternative_rows, effective = _alternative_rows(service, quarter)
    feedback_rows, feedback_people, feedback_figures = _feedback_rows(service, quarter, warnings)
    follow_up_rows, timeliness = _follow_up_rows(service, quarter, start, as_at, warnings)
    warnings.sort(key=lambda w: (w["case_reference"], w["code"], w["message"]))

    counted = Counter(row[1] for row in case_rows)
    order = [OPEN, *_outcome_order()]
    statuses = sorted(status_counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    summary = {
        "cases": len(case_rows),
        "allocated_in_quarter": counted.get(ALLOCATED_IN, 0),
        "carried_over": counted.get(CARRIED_OVER, 0),
        "open_at_end": status_counts.get(OPEN, 0),
        "ended_in_quarter": len(case_rows) - status_counts.get(OPEN, 0),
        "by_status": [[label, n] for label, n in statuses],
        "conferences_held": len(conference_rows),
        "alternatives_completed": len(alternative_rows),
        "alternatives_effective": effective,
        "feedback": feedback_figures,
        "feedback_calls": len(feedback_rows),
        "agreement_items": len(follow_up_rows),
        "items_by_timeliness": [[label, timeliness[label]] for label in TIMELINESS_ORDER if timeliness.get(label)],
        "warnings": len(warnings),
    }
    people = {
        "offender": sorted(set(main_offenders) | set(feedback_people["offender"])),
        "victim": sorted(set(victims) | set(feedback_people["victim"])),
    }
    sections = [
        _section(cols.CASES, case_rows),
        _section(cols.CONFERENCES, conference_rows),
        _section(cols.ALTERNATIVES, alternative_rows),
        _section(cols.FEEDBACK, feedback_rows),
        _section(cols.FOLLOW_UP, follow_up_rows),
    ]
    return Dataset(sections=sections, warnings=warnings, summary=summary, people=people, row_count=len(case_rows))
