"""The quarterly return's dataset: which cases are counted, every DOMAIN §7 field, the sections and the warnings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from agreements.models import AgreementItem, ItemStatus
from agreements.services import indirect as indirect_services
from agreements.services import outcome
from cases.models import Case, CodeList, ConsentKind, Stage
from cases.services.participants import consent_record, consent_withdraw, participant_add
from reporting.returns import columns as cols
from tests.agreements.support import agreed_agreement
from tests.factories import UserFactory, code, criteria_for
from tests.reporting import returns_support
from tests.reporting.returns_support import (
    CARRIED,
    IN_QUARTER,
    WRITE_UP,
    at,
    build,
    close,
    feedback,
    held_conference,
    make_case,
    moment,
    rows_by_reference,
    section_dicts,
)

pytestmark = pytest.mark.django_db

people = returns_support.people


def _to_activity(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(stage=Stage.ACTIVITY)
    case.refresh_from_db()
    return case


# --- Which cases are counted ------------------------------------------------------------------------


def test_cases_counted_at_the_quarter_boundaries(people, other_service, other_manager):
    made = {
        "before_open": make_case(people, allocated_at=at(dt.date(2026, 3, 31), 10)),
        "first_minute": make_case(people, allocated_at=at(dt.date(2026, 4, 1), 0, 30)),
        "last_minute": make_case(people, allocated_at=at(dt.date(2026, 6, 30), 23, 30)),
        "next_quarter": make_case(people, allocated_at=at(dt.date(2026, 7, 1), 0, 30)),
        "closed_before": make_case(people, allocated_at=at(dt.date(2026, 2, 2))),
        "closed_first_day": make_case(people, allocated_at=at(dt.date(2026, 2, 2))),
        "closed_after": make_case(people, allocated_at=at(dt.date(2026, 5, 4))),
        "never_allocated": make_case(people, allocated_at=None),
    }
    close(_to_activity(made["closed_before"]), people["manager"], dt.date(2026, 3, 31))
    close(_to_activity(made["closed_first_day"]), people["manager"], dt.date(2026, 4, 1))
    close(_to_activity(made["closed_after"]), people["manager"], dt.date(2026, 7, 2))
    # Another service's case allocated in the quarter is never in this service's return
    criteria_for(other_service, other_manager)
    elsewhere = {
        "service": other_service,
        "administrator": UserFactory(role=Role.ADMINISTRATOR, service=other_service),
        "manager": other_manager,
        "facilitator": UserFactory(role=Role.FACILITATOR, service=other_service),
        "facilitator2": UserFactory(role=Role.FACILITATOR, service=other_service),
    }
    make_case(elsewhere, allocated_at=at(dt.date(2026, 5, 5)))

    rows = rows_by_reference(build(people["service"]))

    expected = {"before_open", "first_minute", "last_minute", "closed_first_day", "closed_after"}
    assert set(rows) == {made[name].reference for name in expected}
    assert rows[made["before_open"].reference]["counted_as"] == CARRIED
    assert rows[made["first_minute"].reference]["counted_as"] == IN_QUARTER
    assert rows[made["first_minute"].reference]["allocation_date"] == "2026-04-01"
    assert rows[made["last_minute"].reference]["allocation_date"] == "2026-06-30"
    # Closed on the first day: counted, with its outcome; closed after the quarter: shown as open
    first_day = rows[made["closed_first_day"].reference]
    assert first_day["status_at_quarter_end"] == "Closed" and first_day["outcome_date"] == "2026-04-01"
    assert first_day["outcome_code"] == "conference"
    after = rows[made["closed_after"].reference]
    assert after["status_at_quarter_end"] == "Open" and after["outcome_code"] is None and after["outcome_date"] is None


def test_reallocation_keeps_the_first_allocation_date(people, unallocated_facilitator):
    from cases.services.allocation import case_allocate

    case = make_case(people, allocated_at=at(dt.date(2026, 3, 16)))
    with moment(at(dt.date(2026, 5, 1))):
        case_allocate(
            case=case,
            actor=people["manager"],
            lead=unallocated_facilitator,
            second=people["facilitator2"],
            reason="Leave",
        )
    row = rows_by_reference(build(people["service"]))[case.reference]
    assert row["allocation_date"] == "2026-03-16" and row["counted_as"] == CARRIED
    assert row["facilitator_1"] == unallocated_facilitator.display_name


# --- Every field of the dataset ---------------------------------------------------------------------


def test_every_domain_field_of_a_case_row(people):
    statuses = [code(CodeList.SPECIAL_STATUS, s) for s in ("ppo", "mappa", "iom", "yot")]
    case = make_case(
        people,
        allocated_at=at(dt.date(2026, 4, 20)),
        offender={
            "first_name": "Otto",
            "last_name": "Rowfield",
            "date_of_birth": dt.date(1990, 6, 15),
            "pnc_id": "90/111111Z",
            "prison_number": "A1234BC",
            "crn": "X999999",
            "sex": code(CodeList.SEX, "male"),
            "ethnicity": code(CodeList.ETHNICITY, "white_irish"),
            "tier": code(CodeList.TIER, "4"),
            "special_statuses": statuses,
            "mappa_category": 2,
            "mappa_level": 1,
            "sentence_type": code(CodeList.SENTENCE_TYPE, "community_order"),
            "sentence_length": "12 months",
            "supervision_length": "18 months",
            "sentence_date": dt.date(2026, 3, 2),
        },
        case={
            "police_reference": "UCRN-2026-77",
            "co_defendants": code(CodeList.CO_DEFENDANTS, "1"),
            "other_offences": [code(CodeList.OFFENCE, "criminal_damage_arson"), code(CodeList.OFFENCE, "drugs")],
            "cj_stage": code(CodeList.CJ_STAGE, "custody"),
            "referral_source": code(CodeList.REFERRAL_SOURCE, "prison"),
        },
    )
    participant_add(
        case=case, actor=people["facilitator"], side="offender", data={"first_name": "Co", "last_name": "Defendant"}
    )
    victim, offender = case.victims.get(), case.offenders.order_by("pk").first()
    with moment(at(dt.date(2026, 5, 2))):
        for person in (victim, offender):
            consent_record(
                participant=person,
                actor=people["facilitator"],
                data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 5, 2)},
            )
    close(_to_activity(case), people["manager"], dt.date(2026, 6, 12), outcome="letter_of_apology")

    row = rows_by_reference(build(people["service"]))[case.reference]

    expected = {
        "case_reference": case.reference,
        "counted_as": IN_QUARTER,
        "allocation_date": "2026-04-20",
        "referral_date": "2026-04-15",
        "referral_source": "Prison",
        "initiator": "An agency",
        "cj_stage": "Custody",
        "participation": "Voluntary",
        "offender_first_name": "Otto",
        "offender_last_name": "Rowfield",
        "offender_date_of_birth": "1990-06-15",
        "offender_age": 35,
        "pnc_id": "90/111111Z",
        "prison_number": "A1234BC",
        "crn": "X999999",
        "ucrn": "UCRN-2026-77",
        "other_offenders": 1,
        "co_defendants": "1",
        "gender": "Male",
        "ethnicity": "Irish",
        "ethnic_group": "White",
        "tier": "Tier 4",
        "ppo": True,
        "mappa": True,
        "mappa_category": 2,
        "mappa_level": 1,
        "iom": True,
        "yot": True,
        "main_offence": "Residential burglary",
        "main_offence_group": "Theft",
        "other_offences": "Criminal damage and arson; Drug offences",
        "sentence": "Community order 12 months",
        "sentence_length": "12 months",
        "supervision_length": "18 months",
        "sentence_date": "2026-03-02",
        "victims": 1,
        "victim_agrees": "Yes",
        "offender_agrees": "Yes",
        "status_at_quarter_end": "Closed",
        "outcome_code": "letter_of_apology",
        "outcome": "Letter of apology",
        "reason_code": "",
        "reason": "",
        "withdrawn_by": "",
        "outcome_reason": "Recorded for the return test",
        "outcome_date": "2026-06-12",
        "facilitator_1": people["facilitator"].display_name,
        "facilitator_1_agency": people["service"].name,
        "facilitator_2": people["facilitator2"].display_name,
        "facilitator_2_agency": people["service"].name,
    }
    assert row == expected
    assert [c.key for c in cols.CASE_COLUMNS] == list(expected)


@pytest.mark.parametrize(
    ("stage", "reason", "code_expected", "withdrawn_by"),
    [
        (Stage.NOT_PROCEEDING, "offender_unsuitable_risk", "not_proceeding", ""),
        (Stage.WITHDRAWN, "victim_declined", "not_proceeding", "Person harmed"),
    ],
)
def test_reasons_not_proceeding_with_their_codes(people, stage, reason, code_expected, withdrawn_by):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 7)))
    close(case, people["manager"], dt.date(2026, 5, 5), stage=stage, reason=reason)
    row = rows_by_reference(build(people["service"]))[case.reference]
    assert row["outcome_code"] == code_expected and row["reason_code"] == reason
    assert row["withdrawn_by"] == withdrawn_by and row["outcome_date"] == "2026-05-05"


def test_consents_to_take_part_as_at_the_end_of_the_quarter(people):
    withdrawn = make_case(people, allocated_at=at(dt.date(2026, 4, 7)))
    later = make_case(people, allocated_at=at(dt.date(2026, 4, 7)))
    victim = withdrawn.victims.get()
    with moment(at(dt.date(2026, 4, 10))):
        consent = consent_record(
            participant=victim,
            actor=people["facilitator"],
            data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 4, 10)},
        )
    with moment(at(dt.date(2026, 5, 10))):
        consent_withdraw(consent=consent, actor=people["facilitator"], withdrawn_on=dt.date(2026, 5, 10), reason="x")
    with moment(at(dt.date(2026, 7, 3))):
        consent_record(
            participant=later.offenders.get(),
            actor=people["facilitator"],
            data={"kind": ConsentKind.TAKE_PART, "given_on": dt.date(2026, 7, 3)},
        )
    rows = rows_by_reference(build(people["service"]))
    assert rows[withdrawn.reference]["victim_agrees"] == "Withdrawn"
    assert rows[later.reference]["offender_agrees"] == "No"  # given after the quarter ended


# --- Sections --------------------------------------------------------------------------------------


def test_conference_write_ups_held_in_the_quarter(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 2)))
    written = held_conference(case, people["facilitator"], dt.date(2026, 5, 12), **WRITE_UP)
    held_conference(case, people["facilitator"], dt.date(2026, 7, 1), **WRITE_UP)  # next quarter
    rows = section_dicts(build(people["service"]), cols.CONFERENCES)
    assert len(rows) == 1
    row = rows[0]
    assert row["case_reference"] == case.reference and row["date"] == "2026-05-12"
    assert row["venue_kind"] == "Community venue" and row["video_link"] is False
    assert row["start_time"] == "10:05" and row["end_time"] == "11:40"
    assert row["victims_attending"] == 1 and row["offenders_attending"] == 1 and row["others_attending"] == 0
    assert row["background"] == WRITE_UP["background"] and row["lessons_learnt"] == WRITE_UP["lessons_learnt"]
    assert row["how_it_went"] == WRITE_UP["how_it_went"] and row["write_up_complete"] is True
    assert row["facilitator_1"] == written.lead_facilitator.display_name


def test_alternative_outcomes_completed_in_the_quarter(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 2)))
    with moment(at(dt.date(2026, 4, 20))):
        letter = indirect_services.indirect_start(
            case=case, actor=people["facilitator"], kind="letter_of_apology", started_on=dt.date(2026, 4, 20)
        )
    with moment(at(dt.date(2026, 6, 1))):
        indirect_services.indirect_complete(
            communication=letter,
            actor=people["facilitator"],
            completed_on=dt.date(2026, 6, 1),
            effective=True,
            how_we_know="The person harmed said so on the phone",
        )
    rows = section_dicts(build(people["service"]), cols.ALTERNATIVES)
    assert rows == [
        {
            "case_reference": case.reference,
            "kind": "Letter of apology",
            "started_on": "2026-04-20",
            "completed_on": "2026-06-01",
            "messages_passed_on": 0,
            "effective": True,
            "how_we_know": "The person harmed said so on the phone",
        }
    ]


def test_feedback_results_of_calls_in_the_quarter(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 2)))
    conference = held_conference(case, people["facilitator"], dt.date(2026, 5, 4), **WRITE_UP)
    with moment(at(dt.date(2026, 5, 20))):
        feedback(case.victims.get(), people["facilitator"], conference, dt.date(2026, 5, 8))
        feedback(case.offenders.get(), people["facilitator"], conference, dt.date(2026, 5, 20))
    dataset = build(people["service"])
    rows = section_dicts(dataset, cols.FEEDBACK)
    assert [(r["side"], r["days_after"], r["late"]) for r in rows] == [
        ("Person harmed", 4, False),
        ("Person responsible", 16, True),
    ]
    assert rows[0]["satisfied"] is True and rows[0]["would_recommend"] is True and rows[0]["worry_raised"] is False
    assert rows[0]["activity"] == "Conference" and rows[0]["activity_date"] == "2026-05-04"
    late = [w for w in dataset.warnings if w["code"] == "feedback_late"]
    assert len(late) == 1 and late[0]["case_reference"] == case.reference
    assert dataset.summary["feedback"]["victim"]["satisfied"] == 1


def test_agreement_follow_up_on_time_late_not_done_and_copies(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 2)))
    conference = held_conference(case, people["facilitator"], dt.date(2026, 4, 14), **WRITE_UP)
    agreement = agreed_agreement(case, people["facilitator"], conference=conference, target=dt.date(2026, 5, 1))
    items = list(agreement.items.order_by("number"))  # two actions (targets 1 and 2 May), one statement
    with moment(at(dt.date(2026, 4, 16))):
        outcome.copy_record(
            agreement=agreement,
            actor=people["facilitator"],
            data={"recipient": "victim", "method": "post", "sent_on": dt.date(2026, 4, 16)},
        )
        outcome.copy_record(
            agreement=agreement,
            actor=people["facilitator"],
            data={"recipient": "offender", "method": "post", "sent_on": dt.date(2026, 4, 16)},
        )
    with moment(at(dt.date(2026, 5, 20))):
        outcome.item_outcome_record(
            item=items[0], actor=people["facilitator"], status=ItemStatus.DONE, outcome_on=dt.date(2026, 4, 30),
            comment="Letter written",
        )  # fmt: skip
        outcome.item_outcome_record(
            item=items[1], actor=people["facilitator"], status=ItemStatus.DONE, outcome_on=dt.date(2026, 5, 20),
            comment="Fence painted late",
        )  # fmt: skip
        outcome.item_sign_off(item=items[0], actor=people["facilitator"])
    AgreementItem.objects.filter(pk=items[2].pk).update(target_date=dt.date(2026, 6, 1))
    dataset = build(people["service"])
    rows = section_dicts(dataset, cols.FOLLOW_UP)
    assert [(r["item_number"], r["timeliness"]) for r in rows] == [
        (items[0].number, "On time"),
        (items[1].number, "Late"),
        (items[2].number, "Overdue"),
    ]
    first = rows[0]
    assert first["signed_off"] is True and first["signed_off_on"] == "2026-05-20"
    assert first["agreed_on"] == "2026-04-14" and first["copies_due_on"] == "2026-04-17"
    assert first["parties"] == 2 and first["parties_copied_on_time"] == 2 and first["copies_on_time"] is True
    assert [w["code"] for w in dataset.warnings if w["case_reference"] == case.reference] == ["item_overdue"]


def test_follow_up_of_a_quarter_still_running_is_judged_as_at_today(people):
    from reporting.quarters import Quarter
    from reporting.returns.dataset import build_dataset

    case = make_case(people, allocated_at=at(dt.date(2026, 4, 2)))
    conference = held_conference(case, people["facilitator"], dt.date(2026, 4, 14), **WRITE_UP)
    agreed_agreement(case, people["facilitator"], conference=conference, target=dt.date(2026, 5, 20))
    dataset = build_dataset(service=people["service"], quarter=Quarter(dt.date(2026, 4, 1)), today=dt.date(2026, 5, 1))
    assert {r["timeliness"] for r in section_dicts(dataset, cols.FOLLOW_UP)} == {"Not yet due"}
    assert not [w for w in dataset.warnings if w["code"] == "item_overdue"]


# --- Warnings --------------------------------------------------------------------------------------


def test_data_quality_warnings_name_the_case(people):
    unknown = {"date_of_birth": None, "sex": None, "ethnicity": None}
    missing = make_case(people, allocated_at=at(dt.date(2026, 4, 8)), offender=unknown)
    nobody = make_case(people, allocated_at=at(dt.date(2026, 4, 8)), no_offender=True)
    unwritten = make_case(people, allocated_at=at(dt.date(2026, 4, 8)))
    held_conference(unwritten, people["facilitator"], dt.date(2026, 5, 6))
    uncopied = make_case(people, allocated_at=at(dt.date(2026, 4, 8)))
    conference = held_conference(uncopied, people["facilitator"], dt.date(2026, 5, 6), **WRITE_UP)
    agreed_agreement(uncopied, people["facilitator"], conference=conference, target=dt.date(2026, 9, 1))
    dated = make_case(people, allocated_at=at(dt.date(2026, 4, 8)))
    Case.objects.filter(pk=dated.pk).update(outcome=code(CodeList.OUTCOME, "conference"))

    found = {(w["case_reference"], w["code"]) for w in build(people["service"]).warnings}

    assert {
        (missing.reference, "missing_ethnicity"),
        (missing.reference, "missing_gender"),
        (missing.reference, "missing_date_of_birth"),
        (nobody.reference, "no_offender"),
        (unwritten.reference, "conference_without_write_up"),
        (uncopied.reference, "agreement_without_copies"),
        (dated.reference, "outcome_without_date"),
    } <= found


# --- Queries ---------------------------------------------------------------------------------------


def _busy_cases(people, count: int) -> None:
    for index in range(count):
        case = make_case(people, allocated_at=at(dt.date(2026, 4, 2 + index)))
        conference = held_conference(case, people["facilitator"], dt.date(2026, 5, 4 + index), **WRITE_UP)
        agreement = agreed_agreement(case, people["facilitator"], conference=conference, target=dt.date(2026, 6, 1))
        with moment(at(dt.date(2026, 5, 20))):
            feedback(case.victims.get(), people["facilitator"], conference, dt.date(2026, 5, 6 + index))
            outcome.copy_record(
                agreement=agreement,
                actor=people["facilitator"],
                data={"recipient": "victim", "method": "post", "sent_on": conference.date},
            )


def _queries(service) -> int:
    with CaptureQueriesContext(connection) as context:
        build(service)
    return len(context.captured_queries)


def test_the_build_takes_the_same_number_of_queries_for_3_and_12_cases(people):
    _busy_cases(people, 3)
    few = _queries(people["service"])
    _busy_cases(people, 9)
    many = _queries(people["service"])
    assert build(people["service"]).row_count == 12
    assert few == many <= 16
