"""A subject access export for one person: what the service holds about them, and nothing about anyone else.

A ZIP of a README (what is in it and what is left out, and why), the records as JSON, and one CSV per
section. It holds the person's own records only: never the other party's records, no risk assessment of
anyone else, no conference write-ups (they are about everyone who took part), no supporters' contact details.
Where the person's own records mention another person on the case (the other party, another person harmed or
responsible, their supporters) by name or contact details, those are replaced by "[removed]".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from accounts.models import User
from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementSignature,
    FeedbackQuestion,
    IndirectMessage,
    MessageDirection,
    OutcomeAgreement,
    VictimUpdate,
)
from agreements.services.feedback import answer_rows
from audit.models import ProcessingLogEntry
from cases.models import CaseEvent, Offender, Victim
from cases.models.participants import ContactChannel
from privacy.erasure import person_mentions, side_of
from privacy.mentions import Mentions
from reporting.returns.exports import neutralise
from risk.models import RiskAnswer, RiskAssessment

Person = Victim | Offender
REMOVED = "[removed]"
OWN_NAMES = ("first_name", "last_name", "preferred_name")  # never taken out, even when a relative shares them

# Questions of an offender's suitability interview that are about the person harmed: left out of their export.
OFFENDER_SUITABILITY_ABOUT_VICTIM = ("who_was_affected", "victim_feelings", "knows_victim", "history_between")


@dataclass
class Section:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict[str, Any]] = field(default_factory=list)


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value if isinstance(value, int | float) else str(value)


def _section(key: str, title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> Section:
    return Section(key, title, columns, [{k: _text(row.get(k)) for k, _ in columns} for row in rows])


def others_on_case(person: Person) -> Mentions:
    """The names and details of everyone else on the person's case (and of their supporters)."""
    victims = Victim.objects.filter(case_id=person.case_id)
    offenders = Offender.objects.filter(case_id=person.case_id)
    if isinstance(person, Victim):
        victims = victims.exclude(pk=person.pk)
    else:
        offenders = offenders.exclude(pk=person.pk)
    mentions = Mentions([])
    for other in [*victims, *offenders]:
        mentions = mentions | person_mentions(other, side_of(other))
    return mentions


def _details(person: Person) -> Section:
    channels = [ContactChannel(c).label for c in person.safe_channels if c in ContactChannel.values]
    row: dict[str, Any] = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "preferred_name": person.preferred_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "sex_self_description": person.sex_self_description,
        "ethnicity": person.ethnicity,
        "disability": person.disability,
        "address": person.address,
        "postcode": person.postcode,
        "phone": person.phone,
        "email": person.email,
        "preferred_language": person.preferred_language,
        "safe_channels": ", ".join(channels),
        "safe_times": person.safe_times,
        "no_voicemail": person.no_voicemail,
        "no_letters": person.no_letters,
        "contact_safety_notes": person.contact_safety_notes,
        "pathway_status": person.get_pathway_status_display(),
    }
    columns = [
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("preferred_name", "Preferred name"),
        ("date_of_birth", "Date of birth"),
        ("sex", "Sex or gender"),
        ("sex_self_description", "Sex or gender in their words"),
        ("ethnicity", "Ethnicity"),
        ("disability", "Disability"),
        ("address", "Address"),
        ("postcode", "Postcode"),
        ("phone", "Phone"),
        ("email", "Email"),
        ("preferred_language", "Preferred language"),
        ("safe_channels", "Safe ways to contact them"),
        ("safe_times", "Safe times"),
        ("no_voicemail", "No voicemail"),
        ("no_letters", "No letters"),
        ("contact_safety_notes", "Contact safety notes"),
        ("pathway_status", "Where they are in the process"),
    ]
    if isinstance(person, Victim):
        row.update(
            {
                "in_victim_contact_scheme": person.in_victim_contact_scheme,
                "vlo_details": person.vlo_details,
                "parent_guardian": person.parent_guardian,
            }
        )
        columns += [
            ("in_victim_contact_scheme", "In the Victim Contact Scheme"),
            ("vlo_details", "Victim liaison officer"),
            ("parent_guardian", "Parent or guardian"),
        ]
    else:
        row.update(
            {
                "pnc_id": person.pnc_id,
                "prison_number": person.prison_number,
                "crn": person.crn,
                "tier": person.tier,
                "special_statuses": ", ".join(str(s) for s in person.special_statuses.all()),
                "mappa_category": person.mappa_category,
                "mappa_level": person.mappa_level,
                "in_custody": person.in_custody,
                "prison_name": person.prison_name,
                "release_date": person.release_date,
                "sentence_type": person.sentence_type,
                "sentence_length": person.sentence_length,
                "supervision_length": person.supervision_length,
                "sentence_date": person.sentence_date,
                "sentencing_court": person.sentencing_court,
                "requirements": "; ".join(
                    r for r in (person.requirement_1, person.requirement_2, person.requirement_3) if r
                ),
                "om_details": person.om_details,
            }
        )
        columns += [
            ("pnc_id", "PNC ID"),
            ("prison_number", "Prison number"),
            ("crn", "CRN"),
            ("tier", "Tier"),
            ("special_statuses", "Special statuses"),
            ("mappa_category", "MAPPA category"),
            ("mappa_level", "MAPPA level"),
            ("in_custody", "In custody"),
            ("prison_name", "Prison"),
            ("release_date", "Release date"),
            ("sentence_type", "Sentence"),
            ("sentence_length", "Sentence length"),
            ("supervision_length", "Length of supervision"),
            ("sentence_date", "Sentence date"),
            ("sentencing_court", "Sentencing court"),
            ("requirements", "Requirements"),
            ("om_details", "Offender manager"),
        ]
    return _section("details", "Their details", columns, [row])


def _case(person: Person) -> Section:
    case = person.case
    row = {
        "reference": case.reference,
        "referral_date": case.referral_date,
        "referral_source": case.referral_source,
        "main_offence": case.main_offence,
        "offence_date": case.offence_date,
        "stage": case.get_stage_display(),
        "closed_on": case.closed_on,
        "outcome": case.outcome or "",
    }
    columns = [
        ("reference", "Case reference"),
        ("referral_date", "Referral date"),
        ("referral_source", "Referred by"),
        ("main_offence", "Offence"),
        ("offence_date", "Date of the offence"),
        ("stage", "Stage"),
        ("closed_on", "Closed on"),
        ("outcome", "Outcome"),
    ]
    return _section("case", "The case", columns, [row])


def _contacts(person: Person) -> Section:
    rows = [
        {
            "occurred_at": c.occurred_at,
            "contact_type": c.contact_type,
            "direction": c.direction,
            "with_whom": c.with_whom,
            "purpose": c.purpose,
            "appointment": c.appointment,
            "minutes_spent": c.minutes_spent,
            "notes": c.notes,
            "next_appointment_at": c.next_appointment_at,
            "next_appointment_where": c.next_appointment_where,
        }
        for c in person.contacts.select_related("contact_type", "direction", "appointment").order_by("occurred_at")
    ]
    columns = [
        ("occurred_at", "When"),
        ("contact_type", "How"),
        ("direction", "Direction"),
        ("with_whom", "With whom"),
        ("purpose", "Purpose"),
        ("appointment", "Appointment"),
        ("minutes_spent", "Minutes"),
        ("notes", "Notes"),
        ("next_appointment_at", "Next appointment"),
        ("next_appointment_where", "Next appointment: where"),
    ]
    return _section("contacts", "Contacts with them", columns, rows)


def _needs(person: Person) -> Section:
    rows = [
        {"need": n.need, "details": n.details, "action_taken": n.action_taken, "action_on": n.action_on}
        for n in person.needs.select_related("need")
    ]
    columns = [("need", "Need"), ("details", "Details"), ("action_taken", "Action taken"), ("action_on", "Date")]
    return _section("needs", "Additional needs", columns, rows)


def _consents(person: Person) -> Section:
    rows = [
        {
            "kind": c.get_kind_display(),
            "given_on": c.given_on,
            "leaflet": c.leaflet,
            "data_sharing_explained": c.data_sharing_explained,
            "notes": c.notes,
            "withdrawn_on": c.withdrawn_on,
            "withdrawn_reason": c.withdrawn_reason,
        }
        for c in person.consents.all()
    ]
    columns = [
        ("kind", "Consent"),
        ("given_on", "Given on"),
        ("leaflet", "Leaflet"),
        ("data_sharing_explained", "Data-sharing notice explained"),
        ("notes", "Notes"),
        ("withdrawn_on", "Withdrawn on"),
        ("withdrawn_reason", "Why withdrawn"),
    ]
    return _section("consents", "Consents", columns, rows)


def _disclosures(person: Person) -> Section:
    rows = [
        {"kind": d.get_kind_display(), "content": d.content, "granted_on": d.granted_on, "withdrawn_on": d.withdrawn_on}
        for d in person.disclosures.all()
    ]
    columns = [
        ("kind", "What"),
        ("content", "In their words"),
        ("granted_on", "Agreed on"),
        ("withdrawn_on", "Withdrawn on"),
    ]
    return _section("sharing", "What they agreed may be shared with the other party", columns, rows)


def _supporters(person: Person) -> Section:
    rows = [
        {"kind": s.get_kind_display(), "name": s.name, "relationship": s.relationship or ""}
        for s in person.supporters.select_related("relationship")
    ]
    columns = [("kind", "Who"), ("name", "Name"), ("relationship", "Relationship")]
    return _section(
        "supporters", "Supporters they named (their contact details are theirs, so not included)", columns, rows
    )


def _suitability(person: Person) -> Section:
    model = type(person).suitability.rel.related_model
    skip = {"id", "participant", "recorded_by", "recorded_at", "updated_at"}
    if isinstance(person, Offender):
        skip |= set(OFFENDER_SUITABILITY_ABOUT_VICTIM)
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    columns = [(f.name, str(f.verbose_name).capitalize()) for f in fields]
    rows = []
    for record in person.suitability.all():
        row = {}
        for f in fields:
            if f.choices:
                row[f.name] = getattr(record, f"get_{f.name}_display")()
            elif f.is_relation:
                row[f.name] = getattr(record, f.name) or ""
            else:
                row[f.name] = getattr(record, f.name)
        rows.append(row)
    return _section("suitability", "Suitability assessments", columns, rows)


def _risk(person: Person) -> Section:
    own = {"victim": person} if isinstance(person, Victim) else {"offender": person}
    assessments = list(RiskAssessment.objects.filter(**own).order_by("created_at", "pk"))
    answers: dict[int, list[str]] = {}
    for answer in RiskAnswer.objects.filter(assessment__in=assessments).select_related("item"):
        flag = "yes" if answer.risk else "no" if answer.risk is False else "not answered"
        text = f"{answer.item.text}: {flag}" + (f" ({answer.management})" if answer.management else "")
        answers.setdefault(answer.assessment_id, []).append(text)
    rows = [
        {
            "point": a.get_point_display(),
            "version": a.version,
            "status": a.get_status_display(),
            "rating": a.get_rating_display(),
            "rating_reasons": a.rating_reasons,
            "management_plan": a.management_plan,
            "checklist": "\n".join(answers.get(a.pk, [])),
            "decided_at": a.decided_at,
        }
        for a in assessments
    ]
    columns = [
        ("point", "When"),
        ("version", "Version"),
        ("status", "Status"),
        ("rating", "Risk"),
        ("rating_reasons", "Reasons"),
        ("management_plan", "How it is managed"),
        ("checklist", "Checklist"),
        ("decided_at", "Approved or returned on"),
    ]
    return _section("risk", "Risk assessments about them", columns, rows)


def _feedback(person: Person) -> Section:
    records = list(person.feedback.order_by("called_on", "pk"))
    questions: dict[int, list[FeedbackQuestion]] = {}
    for question in FeedbackQuestion.objects.filter(question_set_id__in={r.question_set_id for r in records}):
        questions.setdefault(question.question_set_id, []).append(question)
    rows = []
    for record in records:
        said = [
            f"{row['question'].text} {'; '.join(row['answer'])}"
            for row in answer_rows(
                sorted(questions.get(record.question_set_id, []), key=lambda q: q.order), record.answers
            )
            if row["answer"]
        ]
        rows.append({"called_on": record.called_on, "activity_on": record.activity_on, "answers": "\n".join(said)})
    columns = [("called_on", "Call on"), ("activity_on", "About the activity on"), ("answers", "Their answers")]
    return _section("feedback", "Feedback calls", columns, rows)


def _agreements(person: Person) -> Section:
    is_victim = isinstance(person, Victim)
    agreements = OutcomeAgreement.objects.filter(**({"victims": person} if is_victim else {"offenders": person}))
    signed = dict(
        AgreementSignature.objects.filter(**({"victim": person} if is_victim else {"offender": person})).values_list(
            "agreement_id", "signed_on"
        )
    )
    rows = []
    for item in (
        AgreementItem.objects.filter(agreement__in=agreements)
        .select_related("agreement")
        .order_by("agreement", "number")
    ):
        rows.append(
            {
                "agreed_on": item.agreement.agreed_on,
                "they_signed_on": signed.get(item.agreement_id),
                "number": item.number,
                "kind": item.get_kind_display(),
                "description": item.description,
                "responsible": item.get_responsible_display(),
                "target_date": item.target_date,
                "status": item.get_status_display(),
                "outcome_on": item.outcome_on,
            }
        )
    columns = [
        ("agreed_on", "Agreement signed by everyone on"),
        ("they_signed_on", "They signed on"),
        ("number", "Item"),
        ("kind", "Kind"),
        ("description", "What was agreed"),
        ("responsible", "Who does it"),
        ("target_date", "By"),
        ("status", "Status"),
        ("outcome_on", "Outcome on"),
    ]
    return _section("agreement", "Outcome agreements they are party to", columns, rows)


def _copies_and_updates(person: Person) -> Section:
    own = {"victim": person} if isinstance(person, Victim) else {"offender": person}
    rows = [
        {"what": "Copy of the agreement", "on": c.sent_on, "how": c.get_method_display(), "said": ""}
        for c in AgreementCopy.objects.filter(**own).order_by("sent_on", "pk")
    ]
    if isinstance(person, Victim):
        rows += [
            {
                "what": "Update about the agreement",
                "on": u.informed_on,
                "how": u.get_method_display(),
                "said": u.what_was_said,
            }
            for u in VictimUpdate.objects.filter(participant=person).order_by("informed_on", "pk")
        ]
    columns = [("what", "What they were given"), ("on", "On"), ("how", "How"), ("said", "What was said")]
    return _section("given", "Copies and updates given to them", columns, rows)


def _messages(person: Person) -> Section:
    wrote = (
        Q(victim=person, direction=MessageDirection.TO_OFFENDER)
        if isinstance(person, Victim)
        else Q(offender=person, direction=MessageDirection.TO_VICTIM)
    )
    rows = [
        {
            "kind": m.communication.get_kind_display(),
            "received_on": m.received_on,
            "content": m.content,
            "passed_on": m.passed_on,
        }
        for m in IndirectMessage.objects.filter(wrote).select_related("communication").order_by("received_on", "pk")
    ]
    columns = [("kind", "Kind"), ("received_on", "Received"), ("content", "Their message"), ("passed_on", "Passed on")]
    return _section("messages", "Messages they sent through the facilitator", columns, rows)


def _conferences(person: Person) -> Section:
    conferences = person.conferences.order_by("date")
    rows = [
        {"date": c.date, "status": c.get_status_display(), "venue": c.get_venue_kind_display()} for c in conferences
    ]
    columns = [("date", "Date"), ("status", "Status"), ("venue", "Venue")]
    return _section("conferences", "Conferences they were invited to", columns, rows)


def _timeline(person: Person) -> Section:
    own = {"victim": person} if isinstance(person, Victim) else {"offender": person}
    rows = [
        {"occurred_at": e.occurred_at, "kind": e.get_kind_display(), "summary": e.summary}
        for e in CaseEvent.objects.filter(**own).order_by("occurred_at", "pk")
    ]
    columns = [("occurred_at", "When"), ("kind", "What"), ("summary", "Details")]
    return _section("timeline", "Timeline entries about them", columns, rows)


def _log(person: Person) -> Section:
    rows = [
        {
            "at": e.at,
            "operation": e.get_operation_display(),
            "object_type": e.object_type,
            "reason": e.reason,
            "recipient": e.recipient,
        }
        for e in ProcessingLogEntry.objects.filter(person_kind=side_of(person), person_id=person.pk).order_by(
            "at", "pk"
        )
    ]
    columns = [
        ("at", "When"),
        ("operation", "What was done"),
        ("object_type", "Record"),
        ("reason", "Why"),
        ("recipient", "Given to"),
    ]
    return _section("use", "How their data was used: every view, change and disclosure", columns, rows)


def export_sections(person: Person) -> list[Section]:
    """Every section of the person's export, with other people's names and details removed from the text."""
    sections = [
        _details(person),
        _case(person),
        _contacts(person),
        _needs(person),
        _consents(person),
        _disclosures(person),
        _supporters(person),
        _suitability(person),
        _risk(person),
        _feedback(person),
        _agreements(person),
        _copies_and_updates(person),
        _messages(person),
        _conferences(person),
        _timeline(person),
        _log(person),
    ]
    others = others_on_case(person)
    for section in sections:
        for row in section.rows:
            for key, value in row.items():
                if isinstance(value, str) and not (section.key == "details" and key in OWN_NAMES):
                    row[key] = others.sub(value, replacement=REMOVED)
    return sections


def readme(person: Person, *, made_by: User, made_at: dt.datetime, sections: list[Section]) -> str:
    kind = "person harmed" if isinstance(person, Victim) else "person responsible"
    counts = "\n".join(f"- {s.title}: {len(s.rows)}" for s in sections if s.key not in ("details", "case"))
    return f"""Subject access export

Who: {person.full_name}, a {kind} on case {person.case.reference} of {person.case.service.name}.
Made: {made_at:%-d %B %Y at %H:%M} by {made_by.display_name}.

What this holds: everything the service records about this person, as it stands today.
- details.csv: their details
- case.csv: the case they are part of
{counts}

The same records are in record.json.

What it does not hold, and why:
- Anything about the other party (the person harmed or the person responsible on the other side of the
  case): their records are theirs. Where this person's records name someone else on the case, or give their
  contact details, those words are replaced by "{REMOVED}".
- Risk assessments of anyone else, and staff notes written about the meeting as a whole (conference
  write-ups), which are about everyone who took part.
- Contact details of the supporters they named: those belong to the supporters.
- Safeguarding concerns passed to other agencies: the RJ manager decides separately what of them can be
  given, because they can hold other people's information.
"""


def _csv(section: Section) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([heading for _, heading in section.columns])
    for row in section.rows:
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in (row[k] for k, _ in section.columns)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_zip(person: Person, *, made_by: User, made_at: dt.datetime) -> bytes:
    sections = export_sections(person)
    record = {
        "made_at": made_at.isoformat(timespec="minutes"),
        "sections": [
            {"key": s.key, "title": s.title, "columns": [h for _, h in s.columns], "rows": s.rows} for s in sections
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(person, made_by=made_by, made_at=made_at, sections=sections))
        archive.writestr("record.json", json.dumps(record, ensure_ascii=False, indent=2))
        for section in sections:
            archive.writestr(f"{section.key}.csv", _csv(section))
    return buffer.getvalue()


def export_filename(person: Person, made_at: dt.datetime) -> str:
    return (
        f"subject-access-{person.case.reference.replace('/', '-')}-{side_of(person)}-{person.pk}-{made_at:%Y%m%d}.zip"
    )


__all__ = ["OFFENDER_SUITABILITY_ABOUT_VICTIM", "Section", "export_filename", "export_sections", "export_zip"]
