"""The processing log, operation by operation: each of the six operations (collection, alteration,
consultation, disclosure, combination, erasure) on each kind of personal record writes exactly one row per
person concerned, with the right fields; and no row, once written, can be changed or deleted.

TABLE names, for every kind of record and every operation, either how the app performs it (a Cell: what to
set up, then the operation itself, through the services or the pages) or, where the operation does not apply
to that kind, why. test_every_kind_has_every_operation keeps the table complete.

Where the app combines data about people: "Add to this case instead" on the referral page
(cases.services.referrals.referral_link) joins a further referral to the records of the people already on
the case. Erasure is privacy.erasure.erase_person: it erases the person's own records with them, and its one
row names the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from agreements.models import MessageDirection, ReviewOutcome
from agreements.services import outcome as outcome_services
from agreements.services.feedback import feedback_record
from agreements.services.indirect import indirect_start, message_pass_on, message_record, message_review
from audit.models import AppendOnlyError, Operation, ProcessingLogEntry
from cases.models import CaseEvent, CodeList, ConsentKind, DisclosureKind, Offender, Victim
from cases.services import participants as people
from cases.services.referrals import referral_link
from privacy.erasure import erase_person
from risk.services.assessments import assessment_start, assessment_update
from risk.services.suitability import suitability_record, suitability_update
from tests.agreements.matrix_feedback import CALM_ANSWERS, held_conference_for
from tests.agreements.support import agreed_agreement, draft_agreement, held_conference
from tests.factories import code, offender_data, victim_data

pytestmark = pytest.mark.django_db

OPERATIONS = tuple(Operation.values)
SIDES = ("victim", "offender")


@dataclass
class World:
    case: Any
    victim: Victim
    offender: Offender
    facilitator: Any
    manager: Any
    as_user: Callable

    def person(self, side: str) -> Victim | Offender:
        return self.victim if side == "victim" else self.offender

    def get(self, user, name: str, *args, **kwargs) -> None:
        response = self.as_user(user).get(reverse(name, args=args, kwargs=kwargs or None))
        assert response.status_code == 200, f"{name}: {response.status_code}"


@dataclass
class Done:
    """What an operation did: the people it concerned (each must get exactly one row) and the row's fields."""

    people: list[Victim | Offender]
    object_type: str
    object_id: int | None
    user: Any
    recipient: bool = False  # a disclosure names who received the data
    reason_excludes: tuple[str, ...] = ()  # text that must not be in the row (personal data in a page heading)


@dataclass(frozen=True)
class Cell:
    """prepare(world, side) sets up what the operation needs (its own rows are not counted); act(world, side,
    prepared) performs the operation and says what it did."""

    act: Callable[[World, str, Any], Done]
    prepare: Callable[[World, str], Any] = lambda world, side: None
    sides: tuple[str, ...] = SIDES
    notes: dict = field(default_factory=dict)


def _by(world: World, side: str, obj: Any, user=None, **kwargs) -> Done:
    return Done([world.person(side)], type(obj).__name__, obj.pk, user or world.facilitator, **kwargs)


def _erased(world: World, side: str, _: Any) -> Done:
    person = world.person(side)
    erase_person(person=person, by=world.manager, reason="The retention period has ended")
    return Done([person], type(person).__name__, person.pk, world.manager)


def _person_page(world: World, side: str, _: Any) -> Done:
    person = world.person(side)
    world.get(world.facilitator, f"cases:{side}_detail", person.pk)
    return _by(world, side, person)


# --- The people themselves ------------------------------------------------------------------------------


def _add_person(world: World, side: str, _: Any) -> Done:
    data = victim_data(first_name="Second", last_name="Personharmed") if side == "victim" else None
    data = data or offender_data(first_name="Second", last_name="Personresponsible", pnc_id="", crn="")
    person = people.participant_add(case=world.case, actor=world.facilitator, side=side, data=data)
    return Done([person], type(person).__name__, person.pk, world.facilitator)


def _change_person(world: World, side: str, _: Any) -> Done:
    person = world.person(side)
    people.participant_update(participant=person, actor=world.facilitator, data={"phone": "07700 900123"})
    return _by(world, side, person)


def _subject_access(world: World, side: str, _: Any) -> Done:
    person = world.person(side)
    world.get(world.manager, "privacy:subject_access_download", side=side, pk=person.pk)
    return Done([person], "SubjectAccessExport", person.pk, world.manager, recipient=True)


def _further_referral(world: World, side: str, _: Any) -> Done:
    referral_link(case=world.case, actor=world.facilitator, summary="Further referral from the police")
    event = CaseEvent.objects.filter(case=world.case).order_by("-pk").first()
    return Done([world.victim, world.offender], "CaseEvent", event.pk, world.facilitator)


# --- Records about a person -----------------------------------------------------------------------------


def _contact(world: World, side: str, _: Any = None):
    return people.contact_log(
        participant=world.person(side),
        actor=world.facilitator,
        data={
            "occurred_at": timezone.now() - dt.timedelta(hours=1),
            "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
            "direction": code(CodeList.DIRECTION, "outgoing"),
            "appointment": code(CodeList.APPOINTMENT, "kept"),
            "notes": "Talked it through",
        },
    )


def _need(world: World, side: str, _: Any = None):
    return people.need_add(
        participant=world.person(side), actor=world.facilitator, data={"need": code(CodeList.NEED, "interpreter")}
    )


def _consent(world: World, side: str, _: Any = None):
    return people.consent_record(
        participant=world.person(side),
        actor=world.facilitator,
        data={"kind": ConsentKind.EVALUATION, "given_on": timezone.localdate() - dt.timedelta(days=5)},
    )


def _permission(world: World, side: str, _: Any = None):
    return people.disclosure_grant(
        participant=world.person(side),
        actor=world.facilitator,
        data={
            "kind": DisclosureKind.TAKING_PART,
            "content": "That they are taking part",
            "granted_on": timezone.localdate() - dt.timedelta(days=5),
        },
    )


SUPPORTER_NAME = "Sunita Supportername"


def _supporter(world: World, side: str, _: Any = None):
    return people.supporter_add(participant=world.person(side), actor=world.facilitator, data={"name": SUPPORTER_NAME})


def _suitability_data(side: str) -> dict:
    day = timezone.localdate() - dt.timedelta(days=2)
    if side == "victim":
        return {"assessed_on": day, "readiness": "Ready to meet"}
    return {"assessed_on": day, "accepts_some_responsibility": True, "outcome": "suitable"}


def _suitability_ready(world: World, side: str) -> None:
    if side == "victim":  # the person harmed is assessed once the person responsible is found suitable
        suitability_record(participant=world.offender, actor=world.facilitator, data=_suitability_data("offender"))


def _suitability_only(world: World, side: str):
    return suitability_record(participant=world.person(side), actor=world.facilitator, data=_suitability_data(side))


def _suitability(world: World, side: str):
    _suitability_ready(world, side)
    return _suitability_only(world, side)


def _assessment(world: World, side: str, _: Any = None):
    return assessment_start(
        case=world.case, actor=world.facilitator, subject=side, person=world.person(side), point="pre_conference"
    )


def _feedback(world: World, side: str, conference) -> Any:
    return feedback_record(
        participant=world.person(side),
        actor=world.facilitator,
        activity=conference,
        called_on=timezone.localdate(),
        answers=CALM_ANSWERS,
    )


def _held(world: World, side: str):
    return held_conference_for(world.case, world.victim, world.offender, world.facilitator)


def _message(world: World, side: str, _: Any = None):
    """A message from the side's person (so the log concerns them), recorded and approved."""
    communication = indirect_start(
        case=world.case, actor=world.facilitator, kind="letter_of_apology", started_on=timezone.localdate()
    )
    return message_record(
        communication=communication,
        actor=world.facilitator,
        direction=MessageDirection.TO_OFFENDER if side == "victim" else MessageDirection.TO_VICTIM,
        victim=world.victim,
        offender=world.offender,
        content="What I would like to say",
        received_on=timezone.localdate(),
    )


def _approved_message(world: World, side: str):
    message = _message(world, side)
    return message_review(message=message, actor=world.facilitator, outcome=ReviewOutcome.APPROVED)


def _message_page(world: World, side: str, message) -> Done:
    world.get(world.facilitator, "agreements:message_review", message.pk)
    return Done([world.victim, world.offender], "IndirectCommunication", message.communication_id, world.facilitator)


def _item_changed(world: World, side: str, agreement) -> Done:
    outcome_services.item_update(
        item=agreement.items.get(kind="statement"),
        actor=world.facilitator,
        data={"kind": "statement", "description": "Apologised again", "responsible": "offender"},
    )
    return _agreement_done(world, agreement)


def _agreement_page(world: World, side: str, agreement) -> Done:
    world.get(world.facilitator, "agreements:agreement_detail", agreement.pk)
    return _agreement_done(world, agreement)


def _page(name: str, user: str = "facilitator", *, record_kwargs: bool = True, **expect) -> Callable:
    """The operation of opening a record's own page (`name`, given the side and the record's id)."""

    def act(world: World, side: str, record: Any) -> Done:
        kwargs = {"side": side, "pk": record.pk} if record_kwargs else {"pk": record.pk}
        world.get(getattr(world, user), name, **kwargs)
        return _by(world, side, record, getattr(world, user), **expect)

    return act


NOT_PASSED_ON = "Never passed outside the service; a subject access export discloses it with the rest of the "
NOT_PASSED_ON += "person's record (the person's disclosure row)"
ONLY_PEOPLE = "Only people's records are combined: a further referral joins their records, not this one"

TABLE: dict[str, dict[str, Cell | str]] = {
    "person": {
        Operation.COLLECTION: Cell(_add_person),
        Operation.ALTERATION: Cell(_change_person),
        Operation.CONSULTATION: Cell(_person_page),
        Operation.DISCLOSURE: Cell(_subject_access),
        Operation.COMBINATION: Cell(_further_referral, sides=("victim",)),  # one act concerns both people
        Operation.ERASURE: Cell(_erased),
    },
    "contact": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _contact(w, side))),
        Operation.ALTERATION: "A contact is never changed once logged: a correction is logged as another contact",
        Operation.CONSULTATION: Cell(_person_page, prepare=_contact),  # contacts are listed on the person's page
        Operation.DISCLOSURE: NOT_PASSED_ON,
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_contact),
    },
    "need": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _need(w, side))),
        Operation.ALTERATION: Cell(
            lambda w, side, need: _by(
                w, side, people.need_update(need=need, actor=w.facilitator, data={"action_taken": "Booked"})
            ),
            prepare=_need,
        ),
        Operation.CONSULTATION: Cell(_page("cases:need_edit"), prepare=_need),
        Operation.DISCLOSURE: NOT_PASSED_ON,
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_need),
    },
    "consent": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _consent(w, side))),
        Operation.ALTERATION: Cell(
            lambda w, side, consent: _by(
                w,
                side,
                people.consent_withdraw(
                    consent=consent, actor=w.facilitator, withdrawn_on=timezone.localdate(), reason="Changed mind"
                ),
            ),
            prepare=_consent,
        ),
        Operation.CONSULTATION: Cell(_page("cases:consent_withdraw"), prepare=_consent),
        Operation.DISCLOSURE: NOT_PASSED_ON,
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_consent),
    },
    "permission to share": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _permission(w, side))),
        Operation.ALTERATION: Cell(
            lambda w, side, item: _by(
                w, side, people.disclosure_withdraw(item=item, actor=w.facilitator, withdrawn_on=timezone.localdate())
            ),
            prepare=_permission,
        ),
        Operation.CONSULTATION: Cell(_page("cases:disclosure_withdraw"), prepare=_permission),
        Operation.DISCLOSURE: "Records what may be shared; what is then shared is logged as the disclosure of the "
        "message or agreement copy that carries it",
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_permission),
    },
    "supporter": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _supporter(w, side))),
        Operation.ALTERATION: Cell(
            lambda w, side, supporter: _by(
                w,
                side,
                people.supporter_update(supporter=supporter, actor=w.facilitator, data={"phone": "07700 900555"}),
            ),
            prepare=_supporter,
        ),
        Operation.CONSULTATION: Cell(
            _page("cases:supporter_edit", reason_excludes=(SUPPORTER_NAME,)), prepare=_supporter
        ),
        Operation.DISCLOSURE: NOT_PASSED_ON,
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_supporter),
    },
    "suitability assessment": {
        Operation.COLLECTION: Cell(
            lambda w, side, _: _by(w, side, _suitability_only(w, side)), prepare=_suitability_ready
        ),
        Operation.ALTERATION: Cell(
            lambda w, side, assessment: _by(
                w,
                side,
                suitability_update(
                    assessment=assessment,
                    actor=w.facilitator,
                    data={**_suitability_data(side), "assessed_on": timezone.localdate() - dt.timedelta(days=1)},
                ),
            ),
            prepare=_suitability,
        ),
        Operation.CONSULTATION: Cell(_page("risk:suitability_detail"), prepare=_suitability),
        Operation.DISCLOSURE: "Never sent outside the app: offender managers who may see an offender's assessments "
        "open them in the app, and each opening is logged as their consultation",
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_suitability),
    },
    "risk assessment": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _assessment(w, side))),
        Operation.ALTERATION: Cell(
            lambda w, side, assessment: _by(
                w,
                side,
                assessment_update(
                    assessment=assessment, actor=w.facilitator, answers={}, data={"rating_reasons": "Visited twice"}
                ),
            ),
            prepare=_assessment,
        ),
        Operation.CONSULTATION: Cell(_page("risk:assessment_detail", record_kwargs=False), prepare=_assessment),
        Operation.DISCLOSURE: "Never sent outside the app (see the suitability assessment)",
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_assessment),
    },
    "feedback": {
        Operation.COLLECTION: Cell(
            lambda w, side, conference: _by(w, side, _feedback(w, side, conference)), prepare=_held
        ),
        Operation.ALTERATION: "A feedback call is recorded once and never changed: a second record is refused",
        Operation.CONSULTATION: Cell(
            _page("agreements:feedback_detail"), prepare=lambda w, side: _feedback(w, side, _held(w, side))
        ),
        Operation.DISCLOSURE: "Never passed on: it is counted in the returns, which hold no feedback in words",
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=lambda w, side: _feedback(w, side, _held(w, side))),
    },
    "indirect message": {
        Operation.COLLECTION: Cell(lambda w, side, _: _by(w, side, _message(w, side))),
        Operation.ALTERATION: Cell(
            lambda w, side, message: _by(
                w, side, message_review(message=message, actor=w.facilitator, outcome=ReviewOutcome.APPROVED)
            ),
            prepare=_message,
        ),
        # The review page shows the message, which names both people: each has one row
        Operation.CONSULTATION: Cell(_message_page, prepare=_message),
        Operation.DISCLOSURE: Cell(
            lambda w, side, message: _by(
                w,
                side,
                message_pass_on(message=message, actor=w.facilitator, passed_on=timezone.localdate()),
                recipient=True,
            ),
            prepare=_approved_message,
        ),
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: Cell(_erased, prepare=_message),
    },
    # An agreement names both parties: every operation on it concerns each of them once
    "outcome agreement": {
        Operation.COLLECTION: Cell(
            lambda w, side, conference: _agreement_done(
                w, outcome_services.agreement_start(case=w.case, actor=w.facilitator, conference=conference)
            ),
            prepare=lambda w, side: held_conference(w.case, w.facilitator),
            sides=("victim",),
        ),
        # Changing an item concerns both parties; what the person harmed asked to be told, only them
        Operation.ALTERATION: Cell(
            _item_changed, prepare=lambda w, side: draft_agreement(w.case, w.facilitator), sides=("victim",)
        ),
        Operation.CONSULTATION: Cell(
            _agreement_page, prepare=lambda w, side: agreed_agreement(w.case, w.facilitator), sides=("victim",)
        ),
        # A copy given to the offender manager discloses both parties' part of the agreement
        Operation.DISCLOSURE: Cell(
            lambda w, side, agreement: _copy_done(w, agreement),
            prepare=lambda w, side: agreed_agreement(w.case, w.facilitator),
            sides=("victim",),
        ),
        Operation.COMBINATION: ONLY_PEOPLE,
        Operation.ERASURE: "Erased with each party (the person's erasure row); the agreement stays for the other",
    },
}


def _agreement_done(world: World, agreement) -> Done:
    return Done([world.victim, world.offender], "OutcomeAgreement", agreement.pk, world.facilitator)


def _copy_done(world: World, agreement) -> Done:
    copy = outcome_services.copy_record(
        agreement=agreement,
        actor=world.facilitator,
        data={
            "recipient": "offender_manager",
            "recipient_name": "Olu Em",
            "method": "secure_email",
            "sent_on": agreement.activity_on,
        },
    )
    return Done([world.victim, world.offender], "AgreementCopy", copy.pk, world.facilitator, recipient=True)


ROWS = [
    pytest.param(kind, operation, side, id=f"{kind}-{operation}-{side}")
    for kind, cells in TABLE.items()
    for operation, cell in cells.items()
    if isinstance(cell, Cell)
    for side in cell.sides
]


@pytest.fixture
def world(allocated_case, facilitator, manager, as_user) -> World:
    return World(
        case=allocated_case,
        victim=allocated_case.victims.get(),
        offender=allocated_case.offenders.get(),
        facilitator=facilitator,
        manager=manager,
        as_user=as_user,
    )


# The kinds of record a person has on their side (cases.services.participants.SIDE_MODELS), by their name here
SIDE_KINDS = {
    "participant": "person",
    "contact": "contact",
    "need": "need",
    "consent": "consent",
    "disclosure": "permission to share",
    "supporter": "supporter",
}


def test_every_kind_of_a_persons_record_is_in_the_table():
    for side_models in people.SIDE_MODELS.values():
        missing = set(side_models) - set(SIDE_KINDS)
        assert not missing, f"add these kinds of record to SIDE_KINDS and TABLE: {missing}"
    assert set(SIDE_KINDS.values()) <= set(TABLE)


def test_every_kind_has_every_operation():
    for kind, cells in TABLE.items():
        assert set(cells) == set(OPERATIONS), f"{kind}: say how each operation is done, or why it does not apply"
        for operation, cell in cells.items():
            assert isinstance(cell, Cell) or (isinstance(cell, str) and cell), f"{kind} {operation}"


@pytest.mark.parametrize(("kind", "operation", "side"), ROWS)
def test_each_operation_writes_one_row_per_person_with_the_right_fields(kind, operation, side, world):
    cell = TABLE[kind][operation]
    prepared = cell.prepare(world, side)
    last = ProcessingLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = timezone.now()
    done = cell.act(world, side, prepared)
    rows = list(ProcessingLogEntry.objects.filter(pk__gt=last).order_by("pk"))

    expected = sorted((type(p).__name__.lower(), p.pk) for p in done.people)
    assert sorted((r.person_kind, r.person_id) for r in rows) == expected, [
        (r.operation, r.person_kind, r.person_id, r.object_type, r.reason) for r in rows
    ]
    for row in rows:
        assert row.operation == operation
        assert row.user_id == done.user.pk
        assert row.case_id == world.case.pk
        assert (row.object_type, row.object_id) == (done.object_type, done.object_id)
        assert started - dt.timedelta(seconds=5) <= row.at <= timezone.now()
        assert row.reason, "every row says why"
        assert bool(row.recipient) == done.recipient, f"recipient {row.recipient!r}"
        for text in done.reason_excludes:
            assert text not in row.reason
    _cannot_change_or_delete(rows[0])


def _cannot_change_or_delete(row: ProcessingLogEntry) -> None:
    """The row just written cannot be changed or deleted: not by the app, and on PostgreSQL not by SQL."""
    row.reason = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        ProcessingLogEntry.objects.filter(pk=row.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        ProcessingLogEntry.objects.filter(pk=row.pk).delete()
    if connection.vendor == "postgresql":
        for sql in ("UPDATE audit_processinglogentry SET reason = 'changed' WHERE id = %s",
                    "DELETE FROM audit_processinglogentry WHERE id = %s"):  # fmt: skip
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                connection.cursor().execute(sql, [row.pk])
    row.refresh_from_db()
    assert row.reason != "changed"


def test_what_the_person_harmed_asked_to_be_told_is_logged_against_them_only(world):
    agreement = agreed_agreement(world.case, world.facilitator)
    last = ProcessingLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    data = {"victim_wants_updates": True, "victim_updates": "When the fence is painted"}
    outcome_services.agreement_update(agreement=agreement, actor=world.facilitator, data=data)
    row = ProcessingLogEntry.objects.get(pk__gt=last)
    assert (row.operation, row.person_kind, row.person_id) == (Operation.ALTERATION, "victim", world.victim.pk)
    assert (row.object_type, row.object_id, row.user) == ("OutcomeAgreement", agreement.pk, world.facilitator)
    outcome_services.agreement_update(agreement=agreement, actor=world.facilitator, data=data)
    assert ProcessingLogEntry.objects.filter(pk__gt=last).count() == 1, "saving the same answers changes nothing"
