"""A small world with known answers for the dashboard and compliance tests.

The quarter under test is July to September 2026; the clock stands at 16 November 2026, so it is
the last quarter that has ended. Cases are registered, screened, allocated, contacted, assessed and
closed through the services; records the services would take many steps to reach (approved
assessments, conferences held, agreements, feedback) are written directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

import pytest
from django.utils import timezone

from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementStatus,
    Conference,
    ConferenceStatus,
    FeedbackQuestionSet,
    IndirectCommunication,
    ItemStatus,
    OffenderFeedback,
    OutcomeAgreement,
    VictimFeedback,
    VictimUpdate,
)
from cases import permissions
from cases.models import Case, CaseEvent, CodeList, ConsentKind, Stage
from cases.services import participants as participant_services
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close
from cases.services.referrals import eligibility_decide, referral_register
from core import clock
from reporting.quarters import Quarter
from risk.checklist import current_template
from risk.models import AssessmentPoint, AssessmentStatus, RiskAssessment
from risk.services.safeguarding import safeguarding_acknowledge, safeguarding_record
from risk.services.suitability import suitability_record
from tests.factories import code, offender_data, referral_case_data, victim_data

QUARTER = Quarter(dt.date(2026, 7, 1))  # July to September 2026
PREVIOUS = QUARTER.previous
NOW = timezone.make_aware(dt.datetime(2026, 11, 16, 12, 0))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    moment = at(day, hour)
    with clock.use(lambda: moment):
        yield


@pytest.fixture
def fixed_clock():
    """Pages and services see 16 November 2026 (so July to September 2026 is the last quarter ended)."""
    with clock.use(lambda: NOW):
        yield NOW


@pytest.fixture
def staff(service, administrator, manager, facilitator, facilitator2, criteria) -> dict[str, Any]:
    return {
        "service": service,
        "administrator": administrator,
        "manager": manager,
        "facilitator": facilitator,
        "facilitator2": facilitator2,
    }


def make_case(
    staff: dict[str, Any],
    referred_on: dt.date,
    *,
    source: str = "police",
    cj_stage: str = "community",
    offender: dict[str, Any] | None = None,
    victim: dict[str, Any] | None = None,
    allocate: bool = True,
) -> Case:
    """A case referred on `referred_on`, screened eligible and allocated the same day."""
    with on(referred_on, 9):
        case = referral_register(
            actor=staff["administrator"],
            service=staff["service"],
            case_data=referral_case_data(
                referral_date=referred_on,
                referral_source=code(CodeList.REFERRAL_SOURCE, source),
                cj_stage=code(CodeList.CJ_STAGE, cj_stage),
            ),
            offender_data=offender_data(**(offender or {})),
            victim_data=victim_data(**(victim or {})),
        )
        eligibility_decide(case=case, actor=staff["manager"], eligible=True, reasons="Meets the criteria.")
        if allocate:
            case_allocate(case=case, actor=staff["manager"], lead=staff["facilitator"], second=staff["facilitator2"])
    case.refresh_from_db()
    return case


def contact(person, actor, day: dt.date, *, attempt: bool = False, logged: dt.date | None = None, informs=None):
    """A contact on `day` at 10:00, logged then (or on `logged`, which makes it late)."""
    data = {
        "occurred_at": at(day),
        "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
        "direction": code(CodeList.DIRECTION, "attempt" if attempt else "outgoing"),
        "appointment": code(CodeList.APPOINTMENT, "not_applicable"),
        "notes": "Spoke about the process",
        "informs_event": informs,
    }
    with on(logged or day, 11):
        return participant_services.contact_log(participant=person, actor=actor, data=data)


def close(case: Case, actor, day: dt.date, *, stage: str = Stage.CLOSED, reason: str | None = None, by: str = ""):
    with on(day, 16):
        case_close(
            case=case,
            actor=actor,
            stage=stage,
            outcome_code="conference" if stage == Stage.CLOSED else None,
            reason_code=reason,
            withdrawn_by=by,
            outcome_reason="Recorded for the dashboard test",
            closed_on=day,
        )
    case.refresh_from_db()
    return case


def approved_assessment(case: Case, person, manager, decided: dt.date, *, manageable: bool | None = True):
    subject = "victim" if person.side == "victim" else "offender"
    return RiskAssessment.objects.create(
        case=case,
        subject=subject,
        victim=person if subject == "victim" else None,
        offender=person if subject == "offender" else None,
        point=AssessmentPoint.PRE_CONFERENCE,
        status=AssessmentStatus.APPROVED,
        template=current_template(case.service),
        rating="high" if manageable is False else "low",
        risk_manageable=manageable,
        created_at=at(decided, 9),
        created_by=manager,
        decided_at=at(decided, 15),
        decided_by=manager,
    )


def held(case: Case, actor, day: dt.date) -> Conference:
    conference = Conference.objects.create(
        case=case,
        status=ConferenceStatus.HELD,
        date=day,
        start_time=dt.time(10, 0),
        venue_name="Community hall",
        created_at=at(day - dt.timedelta(days=20)),
        created_by=actor,
    )
    conference.attending_victims.set(case.victims.all())
    conference.attending_offenders.set(case.offenders.all())
    Case.objects.filter(pk=case.pk).update(stage=Stage.ACTIVITY)
    case.refresh_from_db()
    return conference


def feedback(model, person, actor, activity_on: dt.date, called_on: dt.date, *, satisfied, recommend, **activity):
    return model.objects.create(
        participant=person,
        question_set=FeedbackQuestionSet.objects.filter(service__isnull=True).order_by("-version").first(),
        activity_on=activity_on,
        called_on=called_on,
        satisfied=satisfied,
        would_recommend=recommend,
        recorded_at=at(called_on),
        recorded_by=actor,
        **activity,
    )


@pytest.fixture
def world(staff, fixed_clock, other_service, other_manager) -> dict[str, Any]:
    """Cases A to D in the home service (see the module's tests for the answers), one case referred
    after the quarter, and one case in another service."""
    fac, mgr = staff["facilitator"], staff["manager"]

    # A: the whole pathway. Conference, agreement, feedback, closed as completed.
    a = make_case(
        staff,
        dt.date(2026, 7, 1),
        source="police",
        offender={"sentence_date": dt.date(2026, 6, 20), "sex": code(CodeList.SEX, "male")},
        victim={"sex": code(CodeList.SEX, "female"), "ethnicity": code(CodeList.ETHNICITY, "white_irish")},
    )
    a_victim, a_offender = a.victims.get(), a.offenders.get()
    contact(a_offender, fac, dt.date(2026, 7, 6))
    with on(dt.date(2026, 7, 7)):
        participant_services.need_add(
            participant=a_offender, actor=fac, data={"need": code(CodeList.NEED, "travel_costs")}
        )
        suitability_record(
            participant=a_offender,
            actor=fac,
            data={"assessed_on": dt.date(2026, 7, 7), "accepts_some_responsibility": True, "outcome": "suitable"},
        )
    contact(a_victim, fac, dt.date(2026, 7, 10))
    with on(dt.date(2026, 7, 12)):
        participant_services.need_add(
            participant=a_victim,
            actor=fac,
            data={
                "need": code(CodeList.NEED, "interpreter"),
                "action_taken": "Interpreter booked",
                "action_on": dt.date(2026, 7, 12),
            },
        )
        suitability_record(
            participant=a_victim,
            actor=fac,
            data={
                "assessed_on": dt.date(2026, 7, 12),
                "outcome": "suitable",
                "decision": "prepare_conference",
                "consent_informed_and_free": True,
            },
        )
        for person in (a_victim, a_offender):
            participant_services.consent_record(
                participant=person, actor=fac, data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 7, 12)}
            )
    victim_decision = CaseEvent.objects.get(victim=a_victim, needs_informing=True)
    contact(a_victim, fac, dt.date(2026, 7, 16), informs=victim_decision)
    with on(dt.date(2026, 8, 1)):
        concern = safeguarding_record(
            case=a,
            actor=fac,
            data={
                "concern": "Threats made about a neighbour",
                "at_risk": "other",
                "at_risk_details": "A neighbour",
                "agency": "police",
                "passed_by": "phone",
                "passed_at": at(dt.date(2026, 8, 1)),
                "escalate_rosh": False,
            },
        )
    with on(dt.date(2026, 8, 3)):
        safeguarding_acknowledge(
            disclosure=concern, actor=fac, acknowledged_at=at(dt.date(2026, 8, 2)), acknowledgement="Logged"
        )
    for person in (a_victim, a_offender):
        approved_assessment(a, person, mgr, dt.date(2026, 7, 30))
    conference = held(a, fac, dt.date(2026, 8, 5))
    agreement = OutcomeAgreement.objects.create(
        case=a,
        conference=conference,
        status=AgreementStatus.AGREED,
        activity_on=dt.date(2026, 8, 5),
        agreed_on=dt.date(2026, 8, 5),
        copies_due_on=dt.date(2026, 8, 10),
        created_at=at(dt.date(2026, 8, 5)),
        created_by=fac,
    )
    agreement.victims.set([a_victim])
    agreement.offenders.set([a_offender])
    copy = {"agreement": agreement, "method": "post", "recorded_at": at(dt.date(2026, 8, 12)), "recorded_by": fac}
    AgreementCopy.objects.create(
        recipient="victim", victim=a_victim, version="victim", sent_on=dt.date(2026, 8, 7), **copy
    )
    AgreementCopy.objects.create(
        recipient="offender", offender=a_offender, version="offender", sent_on=dt.date(2026, 8, 12), **copy
    )
    item = {"agreement": agreement, "kind": "action", "description": "Write a letter", "responsible": "offender"}
    items = [
        AgreementItem.objects.create(
            number=1, target_date=dt.date(2026, 8, 20), status=ItemStatus.DONE, outcome_on=dt.date(2026, 8, 18), **item
        ),
        AgreementItem.objects.create(
            number=2, target_date=dt.date(2026, 9, 1), status=ItemStatus.DONE, outcome_on=dt.date(2026, 9, 5), **item
        ),
        AgreementItem.objects.create(
            number=3,
            target_date=dt.date(2026, 9, 10),
            status=ItemStatus.NOT_DONE,
            outcome_on=dt.date(2026, 9, 11),
            **item,
        ),
        AgreementItem.objects.create(number=4, target_date=dt.date(2026, 9, 15), **item),
        AgreementItem.objects.create(number=5, target_date=dt.date(2026, 10, 5), **item),
    ]
    VictimUpdate.objects.create(
        agreement=agreement,
        item=items[0],
        participant=a_victim,
        informed_on=dt.date(2026, 8, 19),
        method="phone",
        what_was_said="The letter was written",
        recorded_at=at(dt.date(2026, 8, 19)),
        recorded_by=fac,
    )
    feedback(VictimFeedback, a_victim, fac, dt.date(2026, 8, 5), dt.date(2026, 8, 10), satisfied=True, recommend=True,
             conference=conference)  # fmt: skip
    feedback(OffenderFeedback, a_offender, fac, dt.date(2026, 8, 5), dt.date(2026, 8, 20), satisfied=True,
             recommend=False, conference=conference)  # fmt: skip
    close(a, fac, dt.date(2026, 9, 20))

    # B: the person responsible is unsuitable; the case stops.
    b = make_case(
        staff,
        dt.date(2026, 7, 15),
        source="victim_self",
        cj_stage="pre_sentence",
        offender={"sentence_date": dt.date(2026, 7, 1)},
    )
    b_offender = b.offenders.get()
    contact(b_offender, fac, dt.date(2026, 7, 20), attempt=True)
    contact(b_offender, fac, dt.date(2026, 8, 1), logged=dt.date(2026, 8, 3))
    with on(dt.date(2026, 8, 2)):
        suitability_record(
            participant=b_offender,
            actor=fac,
            data={"assessed_on": dt.date(2026, 8, 2), "outcome": "unsuitable", "outcome_reason": "Denies it"},
        )
    close(b, mgr, dt.date(2026, 8, 15), stage=Stage.NOT_PROCEEDING, reason="offender_unsuitable_risk")

    # C: the person harmed withdraws.
    c = make_case(staff, dt.date(2026, 8, 1), source="police")
    close(c, mgr, dt.date(2026, 9, 1), stage=Stage.WITHDRAWN, reason="victim_declined", by="victim")

    # D: referred the quarter before; risk cannot be managed, so a letter of apology instead.
    d = make_case(staff, dt.date(2026, 6, 20), source="police")
    approved_assessment(d, d.offenders.get(), mgr, dt.date(2026, 7, 5), manageable=False)
    IndirectCommunication.objects.create(
        case=d,
        kind="letter_of_apology",
        started_on=dt.date(2026, 7, 10),
        completed_on=dt.date(2026, 8, 15),
        created_at=at(dt.date(2026, 7, 10)),
        created_by=fac,
    )

    # Referred after the quarter, and a case of another service
    later = make_case(staff, dt.date(2026, 10, 2), source="police")
    with on(dt.date(2026, 7, 3)):
        elsewhere = referral_register(
            actor=other_manager,
            service=other_service,
            case_data=referral_case_data(referral_date=dt.date(2026, 7, 3)),
            offender_data=offender_data(),
            victim_data=victim_data(),
        )
    return {"a": a, "b": b, "c": c, "d": d, "later": later, "elsewhere": elsewhere, "decision": victim_decision}


class TableReader(HTMLParser):
    """Every table cell's text on a page, by table caption: {caption: [[cell, ...], ...]}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[(self._caption or "").strip()] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption = (self._caption or "") + data
        elif self._cell is not None:
            self._cell.append(data)


def tables_of(response) -> dict[str, list[list[str]]]:
    reader = TableReader()
    reader.feed(response.content.decode())
    return reader.tables


def row_of(table: list[list[str]], label: str) -> list[str]:
    return next(row for row in table if row and row[0] == label)


def bulk_cases(service, actor, referred_on: dt.date, count: int, *, source: str = "police") -> list[Case]:
    """`count` plain cases referred on `referred_on` (written directly: only their figures matter), each with
    the usual person harmed and person responsible."""
    from cases.models import Offender, ParticipationBasis, Victim

    made = []
    start = Case.objects.filter(service=service).count()
    for number in range(start + 1, start + count + 1):
        case = Case.objects.create(
            service=service,
            reference=f"{service.code}-BULK-{number:05d}",
            stage=Stage.REFERRAL,
            stage_changed_at=at(referred_on),
            created_at=at(referred_on),
            created_by=actor,
            referral_date=referred_on,
            referral_source=code(CodeList.REFERRAL_SOURCE, source),
            initiator=code(CodeList.INITIATOR, "agency"),
            cj_stage=code(CodeList.CJ_STAGE, "community"),
            participation_basis=ParticipationBasis.VOLUNTARY,
            main_offence=code(CodeList.OFFENCE, "burglary_residential"),
        )
        Victim.objects.create(case=case, created_at=at(referred_on), created_by=actor, **victim_data())
        Offender.objects.create(case=case, created_at=at(referred_on), created_by=actor, **offender_data())
        permissions.grant_case_to_service(case)  # the service's managers see it, as after a referral
        made.append(case)
    return made


def bulk_contacts(cases: list[Case], actor, day: dt.date, *, late: int = 0, side: str = "victim") -> None:
    """One contact with each case's person harmed (or person responsible) on `day`; the first `late` of them
    logged late."""
    from cases.models import OffenderContact, VictimContact

    model, people = (VictimContact, "victims") if side == "victim" else (OffenderContact, "offenders")
    for index, case in enumerate(cases):
        model.objects.create(
            participant=getattr(case, people).get(),
            occurred_at=at(day),
            contact_type=code(CodeList.CONTACT_TYPE, "phone"),
            direction=code(CodeList.DIRECTION, "outgoing"),
            appointment=code(CodeList.APPOINTMENT, "not_applicable"),
            is_late=index < late,
            logged_at=at(day + dt.timedelta(days=2 if index < late else 0), 12),
            logged_by=actor,
        )
