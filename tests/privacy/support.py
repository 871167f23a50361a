"""A case with distinctive personal data on every record of both people, history rows for most of them, and a
submitted quarterly return (with its spreadsheet stored), built through the services. And scanners that look
for strings in every table of the database and every file under MEDIA_ROOT.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from agreements.models import Conference, ConferenceStatus, MessageDirection, ReviewOutcome
from agreements.services import conferences as conference_services
from agreements.services import feedback as feedback_services
from agreements.services import indirect as indirect_services
from agreements.services import outcome as outcome_services
from cases.models import CodeList, ConsentKind, DisclosureKind, Stage
from cases.services import participants as participant_services
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close, case_set_stage
from cases.services.referrals import eligibility_decide, referral_register
from core import clock
from reporting.quarters import DEFAULT_SCHEDULE
from reporting.returns import exports
from reporting.returns import services as return_services
from reporting.returns.dataset import build_dataset
from risk.services.assessments import assessment_start, assessment_update, new_risk_record
from risk.services.safeguarding import safeguarding_record
from risk.services.suitability import suitability_record, suitability_update
from tests.factories import code, referral_case_data

VICTIM = {
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "preferred_name": "Zephy",
    "date_of_birth": dt.date(1979, 7, 21),
    "address": "17 Larkspur Mews, Testtown",
    "postcode": "TT1 9ZQ",
    "phone": "07700 900456",
    "email": "zephyrine.q@victim.example",
}
VICTIM_TYPO = "Zefirine"  # the first name as first recorded, then corrected: only the history holds it
VICTIM_SUPPORTER = {"name": "Bartholomew Gristlewood", "phone": "07700 900789", "email": "bart@supporter.example"}
VICTIM_REMOVED_SUPPORTER = "Ottoline Fernsby"  # added and removed: only the history holds her

OFFENDER = {
    "first_name": "Thaddeus",
    "last_name": "Crumblethorpe",
    "date_of_birth": dt.date(1988, 3, 14),
    "pnc_id": "11/998877Q",
    "prison_number": "A9876ZZ",
    "crn": "Z998877",
    "address": "4 Bramblewick Row, Testtown",
    "phone": "07700 900321",
    "email": "t.crumble@offender.example",
}
OFFENDER_TYPO = "Thadeus"
OFFENDER_SUPPORTER = {"name": "Mortimer Vexley", "phone": "07700 900654", "email": "mort@supporter.example"}
OFFENDER_REMOVED_SUPPORTER = "Perpetua Knoxwell"

CANARIES = {
    "victim": [
        VICTIM["first_name"],
        VICTIM["last_name"],
        VICTIM["preferred_name"],
        "Larkspur",
        VICTIM["postcode"],
        VICTIM["phone"],
        "07700900456",
        VICTIM["email"],
        VICTIM_TYPO,
        "Gristlewood",
        "Bartholomew",
        VICTIM_SUPPORTER["phone"],
        VICTIM_SUPPORTER["email"],
        "Fernsby",
    ],
    "offender": [
        OFFENDER["first_name"],
        OFFENDER["last_name"],
        OFFENDER["pnc_id"],
        OFFENDER["prison_number"],
        OFFENDER["crn"],
        "Bramblewick",
        OFFENDER["phone"],
        OFFENDER["email"],
        OFFENDER_TYPO,
        "Vexley",
        "Mortimer",
        OFFENDER_SUPPORTER["phone"],
        "Knoxwell",
    ],
}
FEEDBACK_ANSWERS = {
    "worries": ["none"],
    "overall_satisfaction": "satisfied",
    "would_recommend": "yes",
}


def quarter():
    return DEFAULT_SCHEDULE.quarter_containing(clock.today())


def activity_day() -> dt.date:
    """A day just past, inside the current quarter."""
    return max(quarter().start, clock.today() - dt.timedelta(days=3))


def _v(text: str) -> str:
    return text.format(**{f"v_{k}": v for k, v in VICTIM.items()}, **{f"o_{k}": v for k, v in OFFENDER.items()})


def _person_records(person, side: str, facilitator, data: dict[str, Any], supporter: dict, removed: str) -> None:
    name = data["first_name"]
    contact = participant_services.contact_log(
        participant=person,
        actor=facilitator,
        data={
            "occurred_at": timezone.now() - dt.timedelta(hours=2),
            "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
            "direction": code(CodeList.DIRECTION, "outgoing"),
            "appointment": code(CodeList.APPOINTMENT, "kept"),
            "with_whom": f"{name} {data['last_name']}",
            "purpose": f"Talk to {name} about the meeting",
            "notes": f"{name} said {supporter['name']} will come; call {data['phone']}",
            "next_appointment_where": data["address"],
        },
    )
    assert contact.pk
    need = participant_services.need_add(
        participant=person,
        actor=facilitator,
        data={"need": code(CodeList.NEED, "interpreter"), "details": f"{name} needs an interpreter"},
    )
    participant_services.need_update(
        need=need,
        actor=facilitator,
        data={"action_taken": f"Booked for {name} {data['last_name']}", "action_on": clock.today()},
    )
    consent = participant_services.consent_record(
        participant=person,
        actor=facilitator,
        data={"kind": ConsentKind.EVALUATION, "given_on": clock.today(), "notes": f"{name} signed at home"},
    )
    participant_services.consent_withdraw(
        consent=consent, actor=facilitator, withdrawn_on=clock.today(), reason=f"{name} changed their mind"
    )
    participant_services.consent_record(
        participant=person,
        actor=facilitator,
        data={"kind": ConsentKind.TAKE_PART, "given_on": clock.today(), "notes": f"{data['last_name']} agreed"},
    )
    participant_services.disclosure_grant(
        participant=person,
        actor=facilitator,
        data={
            "kind": DisclosureKind.FIRST_NAME,
            "content": f"Their first name, {name}",
            "granted_on": clock.today(),
        },
    )
    kept = participant_services.supporter_add(
        participant=person, actor=facilitator, data={"name": supporter["name"], "phone": "07700 000000"}
    )
    participant_services.supporter_update(
        supporter=kept,
        actor=facilitator,
        data={"name": supporter["name"], "phone": supporter["phone"], "email": supporter["email"]},
    )
    gone = participant_services.supporter_add(
        participant=person, actor=facilitator, data={"name": removed, "notes": f"Friend of {name}"}
    )
    participant_services.supporter_remove(supporter=gone, actor=facilitator)


def rich_case(*, service, administrator, manager, facilitator, facilitator2, offender_manager) -> dict[str, Any]:
    """The case, its two people and a submitted return that holds them (see the module's docstring)."""
    victim_data = {**VICTIM, "first_name": VICTIM_TYPO, "sex": code(CodeList.SEX, "female")}
    offender_data = {
        **OFFENDER,
        "first_name": OFFENDER_TYPO,
        "sex": code(CodeList.SEX, "male"),
        "ethnicity": code(CodeList.ETHNICITY, "white_british"),
        "tier": code(CodeList.TIER, "3"),
        "offender_manager": offender_manager,
        "om_details": "Probation office, Testtown",
    }
    case = referral_register(
        actor=administrator,
        service=service,
        case_data=referral_case_data(
            offence_summary=_v("Took {v_first_name} {v_last_name}'s laptop from {v_address}"),
            referrer_name=_v("{v_first_name} {v_last_name}"),
            referrer_phone=VICTIM["phone"],
        ),
        offender_data=offender_data,
        victim_data=victim_data,
    )
    eligibility_decide(
        case=case, actor=manager, eligible=True, reasons=_v("{o_last_name} admits it; {v_first_name} wants answers")
    )
    case_allocate(case=case, actor=manager, lead=facilitator, second=facilitator2)
    case.refresh_from_db()
    victim, offender = case.victims.get(), case.offenders.get()
    participant_services.participant_update(
        participant=victim,
        actor=facilitator,
        data={"first_name": VICTIM["first_name"], "contact_safety_notes": _v("Never call {v_first_name} after 6pm")},
    )
    participant_services.participant_update(
        participant=offender,
        actor=facilitator,
        data={"first_name": OFFENDER["first_name"], "contact_safety_notes": _v("Knows {v_first_name}'s street")},
    )
    case_set_stage(case=case, actor=facilitator, stage=Stage.ASSESSMENT, note=_v("Spoke with {v_first_name}"))
    victim.refresh_from_db()
    offender.refresh_from_db()
    _person_records(victim, "victim", facilitator, VICTIM, VICTIM_SUPPORTER, VICTIM_REMOVED_SUPPORTER)
    _person_records(offender, "offender", facilitator, OFFENDER, OFFENDER_SUPPORTER, OFFENDER_REMOVED_SUPPORTER)

    offender_suitability = suitability_record(
        participant=offender,
        actor=facilitator,
        data={
            "assessed_on": clock.today(),
            "accepts_some_responsibility": True,
            "outcome": "suitable",
            "knows_victim": _v("Knows {v_first_name} {v_last_name} from school"),
            "what_they_would_say": _v("{o_first_name} wants to say sorry"),
        },
    )
    suitability_update(
        assessment=offender_suitability,
        actor=facilitator,
        data={
            "assessed_on": clock.today(),
            "accepts_some_responsibility": True,
            "outcome": "suitable",
            "knows_victim": _v("Knows {v_first_name} {v_last_name} from school, and {v_phone}"),
            "what_they_would_say": _v("{o_first_name} {o_last_name} wants to say sorry"),
            "who_they_would_bring": "Not Gristlewood, and not Zephy's friends",
        },
    )
    suitability_record(
        participant=victim,
        actor=facilitator,
        data={
            "assessed_on": clock.today(),
            "readiness": _v("{v_first_name} is ready to meet {o_first_name}"),
            "support_available": VICTIM_SUPPORTER["name"],
        },
    )
    for subject, person in (("victim", victim), ("offender", offender)):
        assessment = assessment_start(
            case=case, actor=facilitator, subject=subject, person=person, point="pre_conference"
        )
        first = person.first_name
        assessment_update(
            assessment=assessment,
            actor=facilitator,
            answers={a.item_id: (True, f"Keep {first} apart at arrival") for a in assessment.answers.all()},
            data={
                "rating": "medium",
                "rating_reasons": f"{first} {person.last_name} is anxious",
                "management_plan": f"Meet {first} first",
                "facilitator_ratio": "2 to 4",
            },
        )
        new_risk_record(person=person, actor=facilitator, description=f"{first} was threatened near home")
        safeguarding_record(
            case=case,
            actor=facilitator,
            person=person,
            data={
                "concern": f"{first} {person.last_name} received threats",
                "at_risk": subject,
                "agency": "police",
                "agency_details": "PC Smith",
                "passed_by": "phone",
                "passed_at": timezone.now() - dt.timedelta(hours=1),
                "escalate_rosh": False,
            },
        )

    conference = conference_services.conference_plan(
        case=case,
        actor=facilitator,
        data={
            "date": clock.today() + dt.timedelta(days=7),
            "start_time": dt.time(10, 0),
            "venue_kind": "community",
            "venue_name": "Testtown community centre",
            "venue_notes": _v("{v_first_name} waits in room 2"),
        },
        victims=[victim],
        offenders=[offender],
    )
    conference_services.attendee_add(
        conference=conference,
        actor=facilitator,
        data={"kind": "victim_supporter", "name": VICTIM_SUPPORTER["name"], "relationship_or_organisation": "Uncle"},
    )
    conference_services.attendee_add(
        conference=conference,
        actor=facilitator,
        data={
            "kind": "offender_supporter",
            "name": OFFENDER_SUPPORTER["name"],
            "relationship_or_organisation": "Father",
        },
    )
    Conference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.HELD, date=activity_day())
    conference.refresh_from_db()
    conference.background = _v("{o_first_name} broke into {v_first_name}'s home")
    conference.how_it_went = _v("{v_first_name} Quillfeather asked {o_first_name} why; he apologised")
    conference.lessons_learnt = "Allow more time"
    conference.held_start_time, conference.held_end_time = dt.time(10, 5), dt.time(11, 30)
    conference.save()
    type(case).objects.filter(pk=case.pk).update(stage=Stage.ACTIVITY)
    case.refresh_from_db()

    communication = indirect_services.indirect_start(
        case=case, actor=facilitator, kind="letter_of_apology", started_on=activity_day()
    )
    for direction, content in (
        (MessageDirection.TO_OFFENDER, _v("From {v_first_name} {v_last_name}: why my house?")),
        (MessageDirection.TO_VICTIM, _v("Dear {v_first_name}, I am sorry. {o_first_name} {o_last_name}")),
    ):
        message = indirect_services.message_record(
            communication=communication,
            actor=facilitator,
            direction=direction,
            victim=victim,
            offender=offender,
            content=content,
            received_on=activity_day(),
        )
        indirect_services.message_review(message=message, actor=facilitator, outcome=ReviewOutcome.APPROVED, notes="")

    agreement = outcome_services.agreement_start(case=case, actor=facilitator, conference=conference)
    item = outcome_services.item_add(
        agreement=agreement,
        actor=facilitator,
        data={
            "kind": "action",
            "description": _v("{o_first_name} writes to {v_first_name}"),
            "responsible": "offender",
            "target_date": clock.today() + dt.timedelta(days=20),
        },
    )
    outcome_services.agreement_update(
        agreement=agreement,
        actor=facilitator,
        data={"victim_wants_updates": True, "victim_updates": _v("Write to {v_first_name} at {v_address}")},
    )
    outcome_services.signatures_record(
        agreement=agreement, actor=facilitator, signed_on=activity_day(), victims=[victim], offenders=[offender]
    )
    outcome_services.copy_record(
        agreement=agreement, actor=facilitator, data={"recipient": "victim", "method": "post", "sent_on": clock.today()}
    )
    outcome_services.copy_record(
        agreement=agreement,
        actor=facilitator,
        data={"recipient": "offender", "method": "post", "sent_on": clock.today()},
    )
    outcome_services.victim_update_record(
        agreement=agreement,
        actor=facilitator,
        victim=victim,
        item=item,
        data={
            "informed_on": clock.today(),
            "method": "phone",
            "what_was_said": _v("Told {v_first_name} it is on track"),
        },
    )
    for person, supporter in ((victim, VICTIM_SUPPORTER), (offender, OFFENDER_SUPPORTER)):
        feedback_services.feedback_record(
            participant=person,
            actor=facilitator,
            activity=conference,
            called_on=clock.today(),
            answers={
                **FEEDBACK_ANSWERS,
                "could_be_better": f"{person.first_name} wanted more time",
                "pleased_by": {"answer": "yes", "details": f"{supporter['name']} came along"},
            },
        )

    case_close(
        case=case,
        actor=facilitator,
        stage=Stage.CLOSED,
        outcome_code="conference",
        outcome_reason=_v("{v_first_name} and {o_first_name} {o_last_name} met; PNC {o_pnc_id}"),
        closed_on=clock.today(),
    )
    case.refresh_from_db()

    quarterly_return, _ = return_services.return_get_or_create(service=service, quarter=quarter(), actor=administrator)
    version = return_services.return_build(quarterly_return=quarterly_return, actor=administrator)
    exports.xlsx_for(version)
    version = return_services.return_submit(
        quarterly_return=quarterly_return, actor=administrator, version_number=version.number
    )
    victim.refresh_from_db()
    offender.refresh_from_db()
    return {
        "case": case,
        "victim": victim,
        "offender": offender,
        "conference": conference,
        "agreement": agreement,
        "version": version,
        "quarterly_return": quarterly_return,
    }


def return_counts(service) -> dict[str, Any]:
    """The return's figures worked out again now."""
    dataset = build_dataset(service=service, quarter=quarter())
    return {"summary": dataset.summary, "rows": dataset.row_count, "warnings": len(dataset.warnings)}


# --- Scanning ---------------------------------------------------------------------------------------


def _texts(value: Any) -> Iterable[str]:
    if value is None:
        return
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        yield from _bytes_texts(value)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        yield str(value)


def _bytes_texts(data: bytes) -> Iterable[str]:
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield archive.read(name).decode("utf-8", errors="replace")
    else:
        yield data.decode("utf-8", errors="replace")


def scan_database(needles: Iterable[str]) -> list[str]:
    """Where any of the strings appears (any case) in any column of any table: ["table.column: needle", ...]."""
    needles = [n.lower() for n in needles]
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    for text in _texts(value):
                        lowered = text.lower()
                        found.extend(f"{table}.{column}: {n}" for n in needles if n in lowered)
    return sorted(set(found))


def scan_files(needles: Iterable[str], root: Path | None = None) -> list[str]:
    needles = [n.lower() for n in needles]
    root = Path(root or settings.MEDIA_ROOT)
    found = []
    if root.exists():
        for path in root.rglob("*"):
            if path.is_file():
                for text in _bytes_texts(path.read_bytes()):
                    found.extend(f"{path}: {n}" for n in needles if n in text.lower())
    return sorted(set(found))
