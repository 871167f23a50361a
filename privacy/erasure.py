"""Erasing personal data: one person (erase_person) or everyone on a case (erase_case).

What is erased, everywhere it lives (privacy.registry says where that is):
- the person's own fields: names, date of birth (replaced by one giving the same age on the referral date),
  addresses, phones, emails, identifiers, free text; in the live row and in every history row;
- the person's own records (contacts, needs, consents, permissions, supporters, assessments, feedback in
  words, messages they wrote, updates given to them...), live and history rows: every personal field is
  overwritten ("Erased"; an empty field stays empty, so the counts that look at it do not change);
- their names, contact details and identifiers wherever they appear in the rest of the case's text (the other
  party's records, the timeline, conference write-ups, history rows and their change reasons);
- the returns' stored snapshots and spreadsheets (privacy.snapshots);
- every permission on the person's record (nobody can open it any more); open tasks about them are closed.

What stays: codes (sex, ethnicity, disability, offence, outcome...), dates, flags and counts, so that the
returns and the dashboard count the same. Each erasure writes an Erasure row (who, when, why: no name) and one
processing-log row (operation "erasure"). Erasing again does nothing more: the first Erasure row is returned.

History tables are changed with bulk UPDATEs on purpose: the point is to rewrite them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import Model, Q, QuerySet

from accounts.models import User
from agreements.models import FeedbackQuestion, QuestionKind
from audit.models import Operation
from audit.services import log_processing
from cases import permissions
from cases.models import Case, CaseEvent, Offender, Side, Task, Victim
from core import clock
from privacy.mentions import Mentions, address_terms, name_terms
from privacy.models import Erasure, ErasureKind, ErasureTrigger
from privacy.registry import (
    BLANK,
    EMPTY_LIST,
    ERASED,
    NONE,
    OVERWRITE,
    PERSON_FIELDS,
    PERSON_STRINGS,
    SUPPORTER_STRINGS,
    SYNTHETIC_DATE,
    Record,
    installed_records,
    record_for,
)
from privacy.snapshots import OFFENDER_COLUMNS, Redaction, redact_returns, synthetic_birth_date

Person = Victim | Offender
HISTORY_REASON = "history_change_reason"
NAME_FIELDS = ("first_name", "last_name", "preferred_name")


def side_of(person: Person) -> str:
    return Side.VICTIM if isinstance(person, Victim) else Side.OFFENDER


def erasure_of(person: Person) -> Erasure | None:
    return Erasure.objects.filter(kind=side_of(person), object_id=person.pk).first()


def is_erased(person: Person) -> bool:
    return Erasure.objects.filter(kind=side_of(person), object_id=person.pk).exists()


# --- Rewriting rows ------------------------------------------------------------------------------


def _blank_or_erased(name: str) -> models.Case:
    """ERASED where the field held anything, empty where it was empty (so "was it recorded?" still counts)."""
    return models.Case(models.When(**{name: ""}, then=models.Value("")), default=models.Value(ERASED))


def _overwrite(queryset: QuerySet, names: Iterable[str], record: Record) -> int:
    names = tuple(names)
    if not names:
        return 0
    if record.relabel:
        field = queryset.model._meta.get_field(record.relabel)
        label = models.Case(
            *(models.When(**{record.relabel: code}, then=models.Value(text)) for code, text in field.flatchoices),
            default=models.Value(ERASED),
        )
        return queryset.update(**dict.fromkeys(names, label))
    return queryset.update(**{name: _blank_or_erased(name) for name in names})


def _max_length(model: type[Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _scrub(queryset: QuerySet, names: Iterable[str], mentions: Mentions) -> int:
    """Take the person's details out of these text fields, where they appear."""
    names = tuple(names)
    if not mentions or not names:
        return 0
    found = Q()
    for name in names:
        for needle in mentions.needles:
            found |= Q(**{f"{name}__icontains": needle})
    model = queryset.model
    pk_name = model._meta.pk.name
    changed = 0
    for row in queryset.filter(found).values(pk_name, *names):
        updates = {}
        for name in names:
            value = row[name]
            if isinstance(value, str) and value:
                new = mentions.sub(value, _max_length(model, name))
                if new != value:
                    updates[name] = new
        if updates:
            model._default_manager.filter(**{pk_name: row[pk_name]}).update(**updates)
            changed += 1
    return changed


def _tables(record: Record, model: type[Model]) -> list[tuple[type[Model], bool]]:
    tables = [(model, False)]
    if record.history_model is not None:
        tables.append((record.history_model, True))
    return tables


def _in_case(record: Record, table: type[Model], history: bool, case_id: int) -> QuerySet:
    return table._default_manager.filter(**{record.case_lookup(history=history): case_id})


def _overwrite_owned(person: Person, side: str) -> None:
    for record, model in installed_records():
        for table, history in _tables(record, model):
            owned = record.owned(side, person.pk, history=history)
            if owned is None:
                continue
            rows = table._default_manager.filter(owned)
            _overwrite(rows, record.fields_on(table, record.personal), record)
            if record.answers:
                rewrite_answers(rows, overwrite=True)


def _overwrite_case(case: Case) -> None:
    for record, model in installed_records():
        for table, history in _tables(record, model):
            rows = _in_case(record, table, history, case.pk)
            _overwrite(rows, record.fields_on(table, record.personal), record)
            if record.answers:
                rewrite_answers(rows, overwrite=True)


def _scrub_case(case: Case, mentions: Mentions) -> None:
    if not mentions:
        return
    for model in (Victim, Offender):  # what is written about the other people on the case (never their names)
        side = Side.VICTIM if model is Victim else Side.OFFENDER
        texts = tuple(n for n, how in PERSON_FIELDS[side].items() if how == OVERWRITE and n not in NAME_FIELDS)
        _scrub(model.objects.filter(case_id=case.pk), texts, mentions)
        _scrub(model.history.model._default_manager.filter(case_id=case.pk), (*texts, HISTORY_REASON), mentions)
    for record, model in installed_records():
        for table, history in _tables(record, model):
            rows = _in_case(record, table, history, case.pk)
            names = record.fields_on(table, (*record.personal, HISTORY_REASON) if history else record.personal)
            _scrub(rows, names, mentions)
            if record.answers:
                rewrite_answers(rows, mentions=mentions)


# --- Feedback answers ------------------------------------------------------------------------------


def _text_keys(question_set_ids: set[int]) -> dict[int, tuple[set[str], set[str]]]:
    """For each question set: the keys of its questions answered in words, and those answered yes/no with words."""
    keys: dict[int, tuple[set[str], set[str]]] = {pk: (set(), set()) for pk in question_set_ids}
    for set_id, key, kind in FeedbackQuestion.objects.filter(
        question_set_id__in=question_set_ids, kind__in=(QuestionKind.TEXT, QuestionKind.YES_NO_TEXT)
    ).values_list("question_set_id", "key", "kind"):
        keys[set_id][0 if kind == QuestionKind.TEXT else 1].add(key)
    return keys


def _words(value: Any, overwrite: bool, mentions: Mentions | None) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if overwrite:
        return ERASED
    return mentions.sub(value) if mentions else value


def answers_erased(
    answers: dict[str, Any], keys: tuple[set[str], set[str]], *, overwrite: bool, mentions: Mentions | None = None
) -> dict[str, Any]:
    """The answers with what was said in words erased (or the person's details taken out); choices kept."""
    text, yes_no = keys
    result = dict(answers)
    for key, value in answers.items():
        if key in text:
            result[key] = _words(value, overwrite, mentions)
        elif key in yes_no and isinstance(value, dict):
            result[key] = {**value, "details": _words(value.get("details", ""), overwrite, mentions)}
    return result


def rewrite_answers(rows: QuerySet, *, overwrite: bool = False, mentions: Mentions | None = None) -> int:
    model = rows.model
    pk_name = model._meta.pk.name
    records = list(rows.values(pk_name, "question_set_id", "answers"))
    keys = _text_keys({r["question_set_id"] for r in records})
    changed = 0
    for row in records:
        answers = row["answers"] or {}
        new = answers_erased(answers, keys[row["question_set_id"]], overwrite=overwrite, mentions=mentions)
        if new != answers:
            model._default_manager.filter(**{pk_name: row[pk_name]}).update(answers=new)
            changed += 1
    return changed


# --- The person ------------------------------------------------------------------------------------


def _person_rows(person: Person) -> tuple[QuerySet, QuerySet]:
    model = type(person)
    return model.objects.filter(pk=person.pk), model.history.model._default_manager.filter(id=person.pk)


def person_mentions(person: Person, side: str) -> Mentions:
    """Everything that identifies the person and their supporters, as recorded now or ever before."""
    live, history = _person_rows(person)
    names = [name for name in PERSON_STRINGS if name in {f.name for f in type(person)._meta.concrete_fields}]
    values: list[str] = []
    for row in [*live.values(*names), *history.values(*names)]:
        for name in names:
            value = row[name] or ""
            if name == "address":
                values.extend(address_terms(value))
            elif name in NAME_FIELDS:
                values.extend(name_terms(value))
            else:
                values.append(value)
    supporter = record_for(f"cases.{type(person).__name__}Supporter")
    for table, _ in _tables(supporter, supporter.model):
        for row in table._default_manager.filter(participant_id=person.pk).values(*SUPPORTER_STRINGS):
            values.extend([*name_terms(row["name"]), row["phone"], row["email"], *address_terms(row["address"] or "")])
    attendee = record_for("agreements.ConferenceAttendee")
    if attendee.model is not None:
        for table, history in _tables(attendee, attendee.model):
            owned = attendee.owned(side, person.pk, history=history)
            for name in table._default_manager.filter(owned).values_list("name", flat=True):
                values.extend(name_terms(name))
    return Mentions(values)


def _synthetic_dob(person: Person) -> dt.date | None:
    if person.date_of_birth is None:
        return None
    return synthetic_birth_date(person.age_on(person.case.referral_date), person.case.referral_date)


def _person_values(side: str, table: type[Model], dob: dt.date | None) -> dict[str, Any]:
    present = {f.name for f in table._meta.concrete_fields}
    values: dict[str, Any] = {}
    for name, how in PERSON_FIELDS[side].items():
        if name not in present:
            continue
        if name == "first_name":
            values[name] = ERASED
        elif how == OVERWRITE:
            values[name] = _blank_or_erased(name)
        elif how == BLANK:
            values[name] = ""
        elif how == SYNTHETIC_DATE:
            values[name] = dob
        elif how == EMPTY_LIST:
            values[name] = []
        elif how == NONE:
            values[name] = None
    return values


def _erase_person_fields(person: Person, side: str) -> None:
    dob = _synthetic_dob(person)
    live, history = _person_rows(person)
    live.update(**_person_values(side, live.model, dob))
    history.update(**_person_values(side, history.model, dob))


def _offender_redaction(person: Person, mentions: Mentions, case: Case) -> Redaction:
    if not isinstance(person, Offender):
        return Redaction(reference=case.reference, mentions=mentions)
    live, history = _person_rows(person)
    fields = list(OFFENDER_COLUMNS.values())
    values: dict[str, set[str]] = {column: set() for column in OFFENDER_COLUMNS}
    dobs: set[str] = set()
    for row in [*live.values(*fields, "date_of_birth"), *history.values(*fields, "date_of_birth")]:
        for column, name in OFFENDER_COLUMNS.items():
            if row[name]:
                values[column].add(str(row[name]).strip().lower())
        if row["date_of_birth"]:
            dobs.add(row["date_of_birth"].isoformat())
    synthetic = _synthetic_dob(person)
    return Redaction(
        reference=case.reference,
        mentions=mentions,
        offender_values=values,
        offender_dobs=dobs,
        synthetic_dob=synthetic.isoformat() if synthetic else None,
    )


def _close_tasks(case: Case, by: User | None, **about: Any) -> None:
    Task.objects.filter(case=case, done_at__isnull=True, **about).update(done_at=clock.now(), done_by=by)


def _erase_one(*, person: Person, by: User | None, reason: str, trigger: str) -> tuple[Erasure, Mentions]:
    side = side_of(person)
    case = person.case
    mentions = person_mentions(person, side)
    redaction = _offender_redaction(person, mentions, case)
    _overwrite_owned(person, side)
    _erase_person_fields(person, side)
    _scrub_case(case, mentions)
    redacted = redact_returns(case=case, redaction=redaction)
    permissions.revoke_all_on_person(person)
    _close_tasks(case, by, **{side: person})
    erasure = Erasure.objects.create(
        kind=side,
        object_id=person.pk,
        case=case,
        service_id=case.service_id,
        erased_at=clock.now(),
        erased_by=by,
        trigger=trigger,
        reason=mentions.sub(reason.strip(), 300),
        return_versions_redacted=redacted,
    )
    log_processing(
        user=by,
        operation=Operation.ERASURE,
        person_kind=side,
        person_ids=[person.pk],
        case_id=case.pk,
        object_type=type(person).__name__,
        object_id=person.pk,
        reason=erasure.reason,
    )
    return erasure, mentions


def _locked(person: Person) -> Person:
    return type(person).objects.select_for_update().select_related("case").get(pk=person.pk)


@transaction.atomic
def erase_person(*, person: Person, by: User | None, reason: str, trigger: str = ErasureTrigger.MANUAL) -> Erasure:
    """Erase one person's personal data everywhere it lives. Idempotent: a second call returns the first Erasure."""
    person = _locked(person)
    existing = erasure_of(person)
    if existing is not None:
        return existing
    erasure, _ = _erase_one(person=person, by=by, reason=reason, trigger=trigger)
    return erasure


@transaction.atomic
def erase_case(*, case: Case, by: User | None, reason: str, trigger: str = ErasureTrigger.RETENTION) -> Erasure:
    """Erase the personal data of everyone on the case and every personal field of the case's records.

    The case stays, anonymous, with its codes, dates and counts; its service's team can still open it.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    existing = Erasure.objects.filter(kind=ErasureKind.CASE, object_id=case.pk).first()
    if existing is not None:
        return existing
    mentions = Mentions([])
    people: list[Person] = [*case.victims.order_by("pk"), *case.offenders.order_by("pk")]
    for person in people:
        if is_erased(person):
            continue
        _, found = _erase_one(person=_locked(person), by=by, reason=reason, trigger=trigger)
        mentions = mentions | found
    case.refresh_from_db()
    _overwrite_case(case)
    _scrub_case(case, mentions)  # what is left: the reasons given for changes, in the history tables
    redacted = redact_returns(
        case=case, redaction=Redaction(reference=case.reference, mentions=mentions, whole_case=True)
    )
    permissions.revoke_user_grants_on_case(case)
    _close_tasks(case, by)
    return Erasure.objects.create(
        kind=ErasureKind.CASE,
        object_id=case.pk,
        case=case,
        service_id=case.service_id,
        erased_at=clock.now(),
        erased_by=by,
        trigger=trigger,
        reason=mentions.sub(reason.strip(), 300),
        return_versions_redacted=redacted,
    )


def erased_people(case: Case) -> list[Erasure]:
    """The people of the case whose personal data has been erased, oldest erasure first."""
    return list(
        Erasure.objects.filter(case=case, kind__in=(ErasureKind.VICTIM, ErasureKind.OFFENDER))
        .select_related("erased_by")
        .order_by("erased_at", "pk")
    )


def what_is_held(person: Person) -> list[tuple[str, int]]:
    """How many of each kind of record the person has: shown before erasing (and in the subject access page)."""
    counts = [
        ("Contacts", person.contacts.count()),
        ("Additional needs", person.needs.count()),
        ("Consents", person.consents.count()),
        ("Information they agreed to share", person.disclosures.count()),
        ("Supporters and other people affected", person.supporters.count()),
        ("Suitability assessments", person.suitability.count()),
        ("Risk assessments about them", person.risk_assessments.count()),
        ("Feedback calls", person.feedback.count()),
        ("Timeline entries about them", CaseEvent.objects.filter(**{side_of(person): person}).count()),
    ]
    if isinstance(person, Victim):
        counts.append(("Updates given about the agreement", person.agreement_updates.count()))
    return counts


__all__ = [
    "answers_erased",
    "erase_case",
    "erase_person",
    "erased_people",
    "erasure_of",
    "is_erased",
    "person_mentions",
    "rewrite_answers",
    "side_of",
    "what_is_held",
]
