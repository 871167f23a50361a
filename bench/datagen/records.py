"""The people on a case and what is recorded about each of them, one side's tables at a time: their own rows
(written once the case is built, with their final pathway status), contacts, consents, needs, supporters and
information they agreed to share, with the timeline entries and processing-log rows the services write.

A contact's own timeline entry and processing-log row are derived by the database (derived.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bench.datagen import words
from bench.datagen.timebase import MINUTES

if TYPE_CHECKING:
    from bench.datagen.cases import Builder, CaseState, Person

DAY = MINUTES
SIDES = ("victim", "offender")
TYPE = {"victim": "Victim", "offender": "Offender"}
CONSENT_LABEL = {
    "take_part": "to take part",
    "share_information": "to share information",
    "evaluation": "to evaluation contact",
    "recording": "to recording or observers",
}
NEED_LABEL = {
    "interpreter": "Interpreter",
    "sign_language": "Sign language",
    "disability_access": "Disability access",
    "childcare": "Childcare",
    "travel_costs": "Travel costs",
    "literacy": "Reading and writing",
    "other": "Other",
}
DISCLOSURE_TEXT = {
    "taking_part": "That they are taking part.",
    "impact": "How the offence affected their sleep, work and family.",
    "questions": "Why their home? Did they know them?",
    "first_name": "Their first name only.",
}
PERSON_COLUMNS = (
    "id case_id first_name last_name date_of_birth sex_id ethnicity_id disability_id address postcode phone email "
    "safe_channels safe_times no_voicemail no_letters pathway_status pathway_status_changed_at created_at "
    "created_by_id"
)


def makers(b: Builder) -> dict[str, Any]:
    """The row makers of this module's tables, built once per builder."""
    cached = getattr(b, "_record_makers", None)
    if cached is not None:
        return cached
    t = b.t
    contact = (
        "id occurred_at contact_type_id direction_id with_whom purpose appointment_id minutes_spent notes "
        "next_appointment_at next_appointment_type_id is_attempt is_late logged_at logged_by_id participant_id"
    )
    consent = (
        "id kind given_on leaflet data_sharing_explained recorded_at recorded_by_id withdrawn_on withdrawn_reason "
        "withdrawn_recorded_by_id participant_id"
    )
    need = "id need_id details action_taken action_on recorded_at recorded_by_id participant_id"
    disclosure = "id kind content granted_on recorded_at recorded_by_id participant_id"
    supporter = "id kind name relationship_id phone recorded_at recorded_by_id participant_id"
    m = {
        "victim": t["victim"].maker(
            PERSON_COLUMNS + " is_organisation in_victim_contact_scheme vlo_id vlo_details parent_guardian"
        ),
        "offender": t["offender"].maker(
            PERSON_COLUMNS + " pnc_id prison_number crn tier_id mappa_category mappa_level at_risk_of_custody "
            "in_custody prison_name sentence_type_id sentence_length supervision_length sentence_date "
            "sentencing_court sentence_purpose requirement_1 compensation psr_author offender_manager_id om_details "
            "first_contact_at"
        ),
        "offender_status": t["offender_statuses"].maker("id offender_id code_id"),
    }
    for side in SIDES:
        m[f"{side}_contact"] = t[f"{side}_contact"].maker(contact)
        m[f"{side}_consent"] = t[f"{side}_consent"].maker(consent)
        m[f"{side}_need"] = t[f"{side}_need"].maker(need)
        m[f"{side}_disclosure"] = t[f"{side}_disclosure"].maker(disclosure)
        m[f"{side}_supporter"] = t[f"{side}_supporter"].maker(supporter)
    b._record_makers = m  # type: ignore[attr-defined]
    return m


# --- Records about a person --------------------------------------------------------------------


def contact(
    b: Builder,
    c: CaseState,
    person: Person,
    at: int,
    by: int,
    *,
    attempt: bool = False,
    purpose: str = "",
    kind: str | None = None,
) -> bool:
    """Log a contact (or a failed attempt) on the person's own side."""
    if at >= c.cut:
        return False
    rng, tb, codes = b.rng, b.tb, b.codes
    table = b.t[f"{person.side}_contact"]
    kind = kind or ("prison_visit" if person.custody and rng.random() < 0.4 else b.pick_contact_type())
    if kind == "prison_visit" and not person.custody:
        kind = "phone"
    if attempt:
        direction, appointment, minutes = "attempt", "not_applicable", rng.randint(2, 10)
    else:
        direction = "incoming" if rng.random() < 0.2 else "outgoing"
        appointment = b.pick_appointment() if kind.endswith("visit") else "not_applicable"
        minutes = rng.randint(10, 40) if kind in ("phone", "video") else rng.randint(30, 120)
    late = rng.random() < 0.04
    logged = at + (rng.randint(25 * 60, 60 * 60) if late else rng.randint(5, 8 * 60))
    if logged >= c.cut:
        logged = max(at + 1, c.cut - 1)
        late = logged - at > DAY
    next_at = next_type = None
    if not attempt and rng.random() < 0.35:
        next_at = b.later(at, 3, 14)
        next_type = codes["contact_type"][rng.choice(("phone", "home_visit", "office_visit"))]
    row = makers(b)[f"{person.side}_contact"](
        id=table.new_id(),
        occurred_at=tb.ts(at),
        contact_type_id=codes["contact_type"][kind],
        direction_id=codes["direction"][direction],
        with_whom=f"{person.first} {person.last}",
        purpose=purpose or rng.choice(words.CONTACT_PURPOSES),
        appointment_id=codes["appointment"][appointment],
        minutes_spent=minutes,
        notes=words.CONTACT_NOTES[2] if attempt else rng.choice(words.CONTACT_NOTES),
        next_appointment_at=tb.ts(next_at) if next_at else None,
        next_appointment_type_id=next_type,
        is_attempt=attempt,
        is_late=late,
        logged_at=tb.ts(logged),
        logged_by_id=by,
        participant_id=person.id,
    )
    table.add(row)
    if c.last_contact is None or at > c.last_contact:
        c.last_contact = at
    if not attempt:
        person.contacted = True
        if person.first_contact is None or at < person.first_contact:
            person.first_contact = at
        if c.first_contact is None or at < c.first_contact:
            c.first_contact = at
    return True


def consultation(b: Builder, c: CaseState, person: Person, at: int, user: int, reason: str = "Record opened") -> None:
    """The person's record was opened: a processing-log row, as the views write."""
    if at < c.cut:
        path = f"/cases/{person.side}s/{person.id}/"
        b.plog(at, user, "consultation", person, c.id, TYPE[person.side], person.id, reason, path=path)


def consent(
    b: Builder, c: CaseState, person: Person, kind: str, at: int, by: int, withdrawn: int | None = None
) -> None:
    if at >= c.cut:
        return
    tb = b.tb
    table = b.t[f"{person.side}_consent"]
    gone = withdrawn is not None and withdrawn < c.cut
    row = makers(b)[f"{person.side}_consent"](
        id=table.new_id(),
        kind=kind,
        given_on=tb.day(at // DAY),
        leaflet=words.LEAFLET,
        data_sharing_explained=True,
        recorded_at=tb.ts(at),
        recorded_by_id=by,
        withdrawn_on=tb.day(withdrawn // DAY) if gone else None,
        withdrawn_reason="Changed their mind" if gone else "",
        withdrawn_recorded_by_id=by if gone else None,
        participant_id=person.id,
    )
    table.add(row)
    b.event(c, at, by, "consent", f"Consent recorded: {CONSENT_LABEL[kind]}", person)
    b.plog(at, by, "collection", person, c.id, f"{TYPE[person.side]}Consent", row[0], "Consent recorded")
    if gone:
        b.event(c, withdrawn, by, "consent_withdrawn", f"Consent withdrawn: {CONSENT_LABEL[kind]}", person)


def need(b: Builder, c: CaseState, person: Person, at: int, by: int) -> None:
    if at >= c.cut:
        return
    rng, tb = b.rng, b.tb
    code = rng.choice(tuple(words.NEED_DETAILS))
    details, action = words.NEED_DETAILS[code]
    acted = at + rng.randint(1, 10) * DAY
    done = acted < c.cut and rng.random() < 0.85
    table = b.t[f"{person.side}_need"]
    row = makers(b)[f"{person.side}_need"](
        id=table.new_id(),
        need_id=b.codes["need"][code],
        details=details,
        action_taken=action if done else "",
        action_on=tb.day(acted // DAY) if done else None,
        recorded_at=tb.ts(at),
        recorded_by_id=by,
        participant_id=person.id,
    )
    table.add(row)
    b.event(c, at, by, "need", f"Additional need recorded: {NEED_LABEL[code]}", person)
    b.plog(at, by, "collection", person, c.id, f"{TYPE[person.side]}Need", row[0], "Additional need recorded")


def supporter(b: Builder, c: CaseState, person: Person, at: int, by: int) -> None:
    if at >= c.cut:
        return
    first, last = b.name()
    table = b.t[f"{person.side}_supporter"]
    row = makers(b)[f"{person.side}_supporter"](
        id=table.new_id(),
        kind="supporter",
        name=f"{first} {last}",
        relationship_id=b.codes["supporter_relationship"][b.rng.choice(words.SUPPORTER_RELATIONSHIPS)],
        phone=b.phone(),
        recorded_at=b.tb.ts(at),
        recorded_by_id=by,
        participant_id=person.id,
    )
    table.add(row)
    person.supporters.append(f"{first} {last}")
    b.plog(at, by, "collection", person, c.id, f"{TYPE[person.side]}Supporter", row[0], "Supporter added")


def disclosure(b: Builder, c: CaseState, person: Person, kind: str, at: int, by: int) -> None:
    if at >= c.cut:
        return
    tb = b.tb
    table = b.t[f"{person.side}_disclosure"]
    row = makers(b)[f"{person.side}_disclosure"](
        id=table.new_id(),
        kind=kind,
        content=DISCLOSURE_TEXT[kind],
        granted_on=tb.day(at // DAY),
        recorded_at=tb.ts(at),
        recorded_by_id=by,
        participant_id=person.id,
    )
    table.add(row)
    b.event(c, at, by, "disclosure", "Information sharing agreed", person)


# --- The people's own rows ---------------------------------------------------------------------


def _postcode(b: Builder, c: CaseState) -> str:
    rng, letters = b.rng, words.POSTCODE_LETTERS
    return f"{c.service.postcode}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def write_people(b: Builder, c: CaseState, created: int, created_by: int, referral_day: int) -> None:
    """Each victim's and offender's row, with the coded fields the equality breakdowns count."""
    rng, tb, codes, t = b.rng, b.tb, b.codes, b.t
    m = makers(b)
    when = tb.ts(created)
    names = b.world.names
    for person in c.victims:
        child = rng.random() < 0.05
        age = rng.randint(10, 17) if child else rng.randrange(*b.pick_victim_age())
        organisation = rng.random() < 0.03
        if organisation:
            person.first, person.last = rng.choice(words.ORGANISATIONS), "(organisation)"
        disability = b.pick_disability()
        email = ""
        if rng.random() < 0.7 and not organisation:
            email = (
                f"{person.first.lower()}.{person.last.lower()}{rng.randrange(100)}@{rng.choice(words.EMAIL_DOMAINS)}"
            )
        row = m["victim"](
            id=person.id,
            case_id=c.id,
            first_name=person.first,
            last_name=person.last,
            date_of_birth=None if organisation else tb.day(referral_day - age * 365 - rng.randrange(365)),
            sex_id=None if organisation else codes["sex"][b.pick_victim_sex()],
            ethnicity_id=None if organisation else codes["ethnicity"][b.pick_ethnicity()],
            disability_id=codes["disability"][disability] if disability and not organisation else None,
            address=f"{rng.randint(1, 240)} {rng.choice(words.VICTIM_STREETS)}\n{c.service.town}",
            postcode=_postcode(b, c),
            phone=b.phone(),
            email=email,
            safe_channels=json.dumps(["phone", "letter"] if rng.random() < 0.8 else ["email"]),
            safe_times="Weekdays after 10am" if rng.random() < 0.3 else "",
            no_voicemail=rng.random() < 0.1,
            no_letters=rng.random() < 0.04,
            pathway_status=person.status,
            pathway_status_changed_at=tb.ts(person.status_at) if person.status_at else None,
            created_at=when,
            created_by_id=created_by,
            is_organisation=organisation,
            in_victim_contact_scheme=person.vlo is not None,
            vlo_id=person.vlo,
            vlo_details=f"{names[person.vlo]}, {words.AGENCY_VCS}" if person.vlo else "",
            parent_guardian="Parent: contact through the family phone" if child else "",
        )
        t["victim"].add(row)
    statuses = t["offender_statuses"]
    for person in c.offenders:
        age = rng.randrange(*b.pick_offender_age())
        sentence = "custody" if person.custody else b.pick_sentence()
        sentenced = referral_day - rng.randint(5, 200)
        mappa = rng.random() < 0.03
        disability = b.pick_disability()
        prison_number = ""
        if person.custody:
            prison_number = f"A{rng.randrange(10000):04d}{rng.choice('ABCDEFGHJK')}{rng.choice('ABCDEFGHJK')}"
        row = m["offender"](
            id=person.id,
            case_id=c.id,
            first_name=person.first,
            last_name=person.last,
            date_of_birth=tb.day(referral_day - age * 365 - rng.randrange(365)),
            sex_id=codes["sex"][b.pick_offender_sex()],
            ethnicity_id=codes["ethnicity"][b.pick_ethnicity()],
            disability_id=codes["disability"][disability] if disability else None,
            address=f"{rng.randint(1, 240)} {rng.choice(words.OFFENDER_STREETS)}\n{c.service.town}",
            postcode=_postcode(b, c),
            phone=b.phone(),
            email="",
            safe_channels=json.dumps(["phone"]),
            safe_times="",
            no_voicemail=False,
            no_letters=False,
            pathway_status=person.status,
            pathway_status_changed_at=tb.ts(person.status_at) if person.status_at else None,
            created_at=when,
            created_by_id=created_by,
            pnc_id=f"{tb.year(sentenced) % 100:02d}/{rng.randrange(10**7):07d}{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}",
            prison_number=prison_number,
            crn=f"X{rng.randrange(10**6):06d}",
            tier_id=codes["tier"][b.pick_tier()],
            mappa_category=rng.randint(1, 3) if mappa else None,
            mappa_level=rng.randint(1, 2) if mappa else None,
            at_risk_of_custody=rng.random() < 0.1,
            in_custody=person.custody,
            prison_name=rng.choice(words.PRISONS) if person.custody else "",
            sentence_type_id=codes["sentence_type"][sentence],
            sentence_length=f"{rng.randint(6, 48)} months" if sentence in ("custody", "suspended") else "",
            supervision_length=(
                f"{rng.randint(6, 24)} months" if sentence in ("community_order", "suspended", "licence") else ""
            ),
            sentence_date=tb.day(sentenced),
            sentencing_court=f"{c.service.town} Magistrates' Court (fictional)",
            sentence_purpose="Punishment and rehabilitation",
            requirement_1="Restorative justice activity requirement" if rng.random() < 0.2 else "",
            compensation="£150 compensation" if rng.random() < 0.1 else "",
            psr_author="Court report writer (fictional)",
            offender_manager_id=person.om,
            om_details=f"{names[person.om]}, {words.AGENCY_PROBATION}" if person.om else "",
            first_contact_at=tb.ts(person.first_contact) if person.first_contact is not None else None,
        )
        t["offender"].add(row)
        for code, share in (("ppo", 0.05), ("iom", 0.08)):
            if rng.random() < share:
                statuses.rows.append(m["offender_status"](statuses.new_id(), person.id, codes["special_status"][code]))
        if mappa:
            statuses.rows.append(m["offender_status"](statuses.new_id(), person.id, codes["special_status"]["mappa"]))
