"""The sections of the quarterly return, their columns, and the counting rules written beside every version.

Each column has a key, a heading and a kind: "text", "date" (ISO text in the snapshot), "int" or "bool"
(true, false or null in the snapshot; "Yes", "No" or blank in the exports). The exports follow the columns
stored with each version, so an old snapshot keeps its own layout if these lists change.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Column(NamedTuple):
    key: str
    label: str
    kind: str = "text"


CASES = "cases"
CONFERENCES = "conferences"
ALTERNATIVES = "alternatives"
FEEDBACK = "feedback"
FOLLOW_UP = "follow_up"

CASE_COLUMNS = (
    Column("case_reference", "Case reference"),
    Column("counted_as", "Counted as"),
    Column("allocation_date", "Allocation date", "date"),
    Column("referral_date", "Referral date", "date"),
    Column("referral_source", "Referral source"),
    Column("initiator", "Who initiated"),
    Column("cj_stage", "Criminal justice stage"),
    Column("participation", "Participation"),
    Column("offender_first_name", "First name (person responsible)"),
    Column("offender_last_name", "Last name (person responsible)"),
    Column("offender_date_of_birth", "Date of birth", "date"),
    Column("offender_age", "Age at referral", "int"),
    Column("pnc_id", "PNC ID"),
    Column("prison_number", "Prison number"),
    Column("crn", "CRN"),
    Column("ucrn", "UCRN (police reference)"),
    Column("other_offenders", "Other people responsible on the case", "int"),
    Column("co_defendants", "Co-defendants (from the referral)"),
    Column("gender", "Sex or gender"),
    Column("ethnicity", "Ethnicity"),
    Column("ethnic_group", "Ethnic group"),
    Column("tier", "Tier"),
    Column("ppo", "PPO", "bool"),
    Column("mappa", "MAPPA", "bool"),
    Column("mappa_category", "MAPPA category", "int"),
    Column("mappa_level", "MAPPA level", "int"),
    Column("iom", "IOM", "bool"),
    Column("yot", "YOT", "bool"),
    Column("main_offence", "Main offence"),
    Column("main_offence_group", "Main offence group"),
    Column("other_offences", "Other offences"),
    Column("sentence", "Sentence"),
    Column("sentence_length", "Sentence length"),
    Column("supervision_length", "Length of supervision"),
    Column("sentence_date", "Sentence date", "date"),
    Column("victims", "People harmed on the case", "int"),
    Column("victim_agrees", "Person harmed agrees to take part"),
    Column("offender_agrees", "Person responsible agrees to take part"),
    Column("status_at_quarter_end", "Status at the end of the quarter"),
    Column("outcome_code", "Outcome code"),
    Column("outcome", "Outcome"),
    Column("reason_code", "Reason not proceeding code"),
    Column("reason", "Reason not proceeding"),
    Column("withdrawn_by", "Withdrawn by"),
    Column("outcome_reason", "Why (conference, rejection or other outcome)"),
    Column("outcome_date", "Outcome date", "date"),
    Column("facilitator_1", "Facilitator 1"),
    Column("facilitator_1_agency", "Facilitator 1 agency"),
    Column("facilitator_2", "Facilitator 2"),
    Column("facilitator_2_agency", "Facilitator 2 agency"),
)

CONFERENCE_COLUMNS = (
    Column("case_reference", "Case reference"),
    Column("date", "Date held", "date"),
    Column("start_time", "Started"),
    Column("end_time", "Ended"),
    Column("venue_kind", "Venue"),
    Column("venue_name", "Venue name"),
    Column("video_link", "Video link used", "bool"),
    Column("victims_attending", "People harmed attending", "int"),
    Column("offenders_attending", "People responsible attending", "int"),
    Column("others_attending", "Others attending", "int"),
    Column("facilitator_1", "Facilitator 1"),
    Column("facilitator_1_agency", "Facilitator 1 agency"),
    Column("facilitator_2", "Facilitator 2"),
    Column("facilitator_2_agency", "Facilitator 2 agency"),
    Column("background", "Background"),
    Column("how_it_went", "How it went and its turning points"),
    Column("lessons_learnt", "Lessons learnt"),
    Column("video_worked_for_victim", "Video worked for the person harmed", "bool"),
    Column("video_worked_for_offender", "Video worked for the person responsible", "bool"),
    Column("video_how_we_know", "How we know whether the video worked"),
    Column("write_up_complete", "Write-up complete", "bool"),
)

ALTERNATIVE_COLUMNS = (
    Column("case_reference", "Case reference"),
    Column("kind", "Kind"),
    Column("started_on", "Started", "date"),
    Column("completed_on", "Completed", "date"),
    Column("messages_passed_on", "Messages passed on", "int"),
    Column("effective", "Effective", "bool"),
    Column("how_we_know", "How we know"),
)

FEEDBACK_COLUMNS = (
    Column("case_reference", "Case reference"),
    Column("side", "Who gave feedback"),
    Column("activity", "About"),
    Column("activity_date", "Date of the activity", "date"),
    Column("call_date", "Date of the call", "date"),
    Column("days_after", "Days after the activity", "int"),
    Column("late", "Later than 7 days", "bool"),
    Column("satisfied", "Satisfied", "bool"),
    Column("would_recommend", "Would recommend", "bool"),
    Column("worry_raised", "Worry raised", "bool"),
)

FOLLOW_UP_COLUMNS = (
    Column("case_reference", "Case reference"),
    Column("activity_date", "Date of the activity", "date"),
    Column("agreed_on", "Agreement signed", "date"),
    Column("copies_due_on", "Copies due by", "date"),
    Column("parties", "Parties to the agreement", "int"),
    Column("parties_copied_on_time", "Parties given a copy within 3 working days", "int"),
    Column("copies_on_time", "Copies within 3 working days", "bool"),
    Column("copies_recorded", "Copies recorded", "int"),
    Column("item_number", "Item", "int"),
    Column("item_kind", "Kind"),
    Column("description", "Item"),
    Column("responsible", "Responsible"),
    Column("target_date", "Target date", "date"),
    Column("status", "Status at the end of the quarter"),
    Column("outcome_date", "Outcome date", "date"),
    Column("timeliness", "On time, late or not done"),
    Column("signed_off", "Signed off", "bool"),
    Column("signed_off_on", "Signed off on", "date"),
)

SECTIONS: dict[str, tuple[str, tuple[Column, ...]]] = {
    CASES: ("Cases", CASE_COLUMNS),
    CONFERENCES: ("Conference write-ups", CONFERENCE_COLUMNS),
    ALTERNATIVES: ("Alternative outcomes", ALTERNATIVE_COLUMNS),
    FEEDBACK: ("Feedback results", FEEDBACK_COLUMNS),
    FOLLOW_UP: ("Agreement follow-up", FOLLOW_UP_COLUMNS),
}


def section_of(sections: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """One section of a snapshot (stored as a list, so the order survives PostgreSQL's jsonb)."""
    for section in sections:
        if section["key"] == key:
            return section
    raise KeyError(key)


COUNTING_RULES = """\
Counting rules for the quarterly evaluation return

1. Which cases are counted. A case of the service is counted when it was allocated to a facilitator on or
   before the last day of the quarter and was not closed before the first day of the quarter. "Allocated in
   the quarter" means its first allocation fell within the quarter; "active from an earlier quarter" means it
   was first allocated before the quarter began and was still open on its first day. A case closed on the
   first day of the quarter is counted; a case allocated on the first day of the next quarter is not. Cases
   never allocated (referrals screened out, or withdrawn before allocation) are not counted. Reallocation
   does not change the allocation date: it is the date of the first allocation (Europe/London).
2. One row per case. A case with several people responsible has one row: the main person responsible is the
   first recorded on the case; the number of others is given in "Other people responsible on the case",
   beside the co-defendants recorded on the referral. Age is the main person responsible's age on the
   referral date.
3. Outcome. The outcome code, reasons not proceeding and outcome date are given only for a case closed,
   withdrawn or stopped on or before the last day of the quarter; a case that ended later is shown as open.
4. Agreement to take part. "Person harmed agrees" is Yes when at least one person harmed on the case had
   given consent to take part on or before the last day of the quarter and had not withdrawn it by then;
   Withdrawn when every such consent had been withdrawn; No otherwise. "Person responsible agrees" is the
   same for the main person responsible.
5. Details of each case (identifiers, statuses, offences, sentence, facilitators) are as recorded when the
   return was built; facilitators are the case's current lead and second facilitator, each with their
   agency (the service, when none is recorded).
6. Conference write-ups: every conference of the service recorded as held with its date in the quarter.
7. Alternative outcomes: every indirect communication completed in the quarter.
8. Feedback results: every feedback call (person harmed or person responsible) made in the quarter. A call
   more than 7 days after the conference or indirect work is late.
9. Agreement follow-up: every item of an outcome agreement signed by everyone on or before the last day of
   the quarter, unless the item was signed off before the quarter began. Status, outcome and sign-off are
   as at the last day of the quarter (an outcome dated later counts as not yet recorded). Done by the
   target date is on time, done after it is late; an item with no outcome whose target date had passed by
   the end of the quarter (or by the day the return was built, for a quarter still running) is overdue.
   Copies are within 3 working days when every party to the agreement was given their copy on or before
   the copies due date (3 working days after the activity).
10. A submitted version is frozen: its rows, warnings and these rules are kept exactly as submitted and the
    downloads of that version are made from them. Building again after submission makes the next version.
"""
