"""Follow-up reminders: what is due when, to whom, given exactly once, and their emails.

Agreements are written straight to the database here (the agreement services are built alongside); everything
else goes through the services. Dates are passed to the engine, so the tests do not depend on the real day.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from agreements import reminder_emails, reminders
from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementSettings,
    AgreementStatus,
    Conference,
    ConferenceStatus,
    EmailState,
    IndirectCommunication,
    ItemStatus,
    MessageDirection,
    OutcomeAgreement,
    ReminderKind,
    Responsible,
    SentReminder,
    VictimFeedback,
)
from agreements.services.conferences import conference_plan
from agreements.services.indirect import indirect_start, message_record
from agreements.tasks import daily_reminders, service_reminders
from cases.models import Case, CodeList, PathwayStatus, Stage, Task, TaskKind
from cases.services.common import task_add
from cases.services.participants import contact_log, participant_update, set_pathway_status
from core.workdays import add_working_days
from risk.services.suitability import suitability_record
from tests.agreements.matrix_reminders import ROWS
from tests.factories import VICTIM_MARKERS, UserFactory, code
from tests.test_authorisation_matrix import OFFENDER_SIDE, PERSONAS

pytestmark = pytest.mark.django_db

TARGET = dt.date(2026, 5, 26)  # a Tuesday, the day after the Spring bank holiday (Monday 25 May 2026)
K = ReminderKind


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def offender(allocated_case):
    return allocated_case.offenders.get()


def agreement_for(case, actor, *, status=AgreementStatus.AGREED, activity_on=dt.date(2026, 5, 1), copies_due_on=None):
    agreement = OutcomeAgreement.objects.create(
        case=case,
        status=status,
        activity_on=activity_on,
        agreed_on=None if status == AgreementStatus.DRAFT else activity_on,
        copies_due_on=copies_due_on,
        created_at=timezone.now(),
        created_by=actor,
    )
    agreement.victims.set(case.victims.all())
    agreement.offenders.set(case.offenders.all())
    return agreement


def item_for(agreement, target=TARGET, *, number=1, responsible=Responsible.OFFENDER):
    offender = agreement.case.offenders.first() if responsible == Responsible.OFFENDER else None
    return AgreementItem.objects.create(
        agreement=agreement,
        number=number,
        description="Repaint the garden fence",
        responsible=responsible,
        responsible_offender=offender,
        target_date=target,
    )


def copy_to(agreement, actor, person, side):
    return AgreementCopy.objects.create(
        agreement=agreement,
        recipient=side,
        version=side,
        method="post",
        sent_on=agreement.activity_on,
        recorded_at=timezone.now(),
        recorded_by=actor,
        **{side: person},
    )


def run(service, on: dt.date) -> int:
    return reminders.run_reminders(service=service, today=on)


def given(**filters) -> list[tuple]:
    rows = SentReminder.objects.filter(**filters).order_by("kind", "due_on", "recipient__username", "subject_key")
    return list(rows.values_list("kind", "due_on", "recipient__username"))


def daily(on: dt.date, capture) -> None:
    """The beat's daily job as a worker runs it, as of `on`, with its after-commit emails."""
    with capture(execute=True):
        daily_reminders.delay(on.isoformat())


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# --- Agreement items ---------------------------------------------------------------------------


def test_coming_up_date_counts_working_days_over_the_spring_bank_holiday(allocated_case, facilitator):
    item_for(agreement_for(allocated_case, facilitator))
    assert add_working_days(TARGET, -3) == dt.date(2026, 5, 20)  # Wednesday: Monday 25 May is a bank holiday
    assert run(allocated_case.service, dt.date(2026, 5, 19)) == 0
    assert run(allocated_case.service, dt.date(2026, 5, 20)) == 1
    assert given() == [(K.ITEM_COMING_UP, dt.date(2026, 5, 20), "fac")]
    for day in (dt.date(2026, 5, 21), dt.date(2026, 5, 22), dt.date(2026, 5, 25)):
        assert run(allocated_case.service, day) == 0
    assert run(allocated_case.service, TARGET) == 1
    assert run(allocated_case.service, TARGET + days(1)) == 1
    assert given() == [
        (K.ITEM_COMING_UP, dt.date(2026, 5, 20), "fac"),
        (K.ITEM_DUE, TARGET, "fac"),
        (K.ITEM_OVERDUE, TARGET + days(1), "fac"),
    ]


def test_the_service_chooses_how_many_working_days_notice(allocated_case, facilitator, administrator):
    item_for(agreement_for(allocated_case, facilitator))
    reminders.agreement_settings_update(service=allocated_case.service, actor=administrator, item_notice_working_days=5)
    assert run(allocated_case.service, dt.date(2026, 5, 15)) == 0
    assert run(allocated_case.service, dt.date(2026, 5, 18)) == 1
    assert given() == [(K.ITEM_COMING_UP, dt.date(2026, 5, 18), "fac")]


def test_a_missed_day_inside_the_window_is_caught_up_once(allocated_case, facilitator):
    item_for(agreement_for(allocated_case, facilitator))
    # The workers were down on Wednesday 20 May, when the window opened.
    assert run(allocated_case.service, dt.date(2026, 5, 21)) == 1
    assert run(allocated_case.service, dt.date(2026, 5, 22)) == 0
    assert given() == [(K.ITEM_COMING_UP, dt.date(2026, 5, 20), "fac")]


def test_a_window_already_past_is_not_given_late_and_overdue_is_only_today(allocated_case, facilitator):
    item_for(agreement_for(allocated_case, facilitator))
    # Nothing ran from before the window until three days after the target date.
    assert run(allocated_case.service, TARGET + days(3)) == 1
    assert given() == [(K.ITEM_OVERDUE, TARGET + days(3), "fac")]


def test_overdue_daily_to_the_lead_and_escalation_weekly_to_the_services_managers(
    allocated_case, facilitator, manager, other_manager
):
    second_manager = UserFactory(username="mgr2", role=Role.MANAGER, service=allocated_case.service)
    UserFactory(username="mgr_gone", role=Role.MANAGER, service=allocated_case.service, is_active=False)
    item_for(agreement_for(allocated_case, facilitator))
    run(allocated_case.service, TARGET + days(6))
    assert not SentReminder.objects.filter(kind=K.ITEM_ESCALATION).exists()
    run(allocated_case.service, TARGET + days(7))
    escalated = [(K.ITEM_ESCALATION, TARGET + days(7), "mgr"), (K.ITEM_ESCALATION, TARGET + days(7), "mgr2")]
    assert given(kind=K.ITEM_ESCALATION) == escalated
    for n in range(8, 14):
        run(allocated_case.service, TARGET + days(n))
    assert given(kind=K.ITEM_ESCALATION) == escalated
    run(allocated_case.service, TARGET + days(15))  # the 14th was missed: caught up, dated the 14th
    run(allocated_case.service, TARGET + days(16))
    assert given(kind=K.ITEM_ESCALATION) == [
        *escalated,
        (K.ITEM_ESCALATION, TARGET + days(14), "mgr"),
        (K.ITEM_ESCALATION, TARGET + days(14), "mgr2"),
    ]
    overdue = given(kind=K.ITEM_OVERDUE)
    assert {who for _, _, who in overdue} == {"fac"}
    assert len(overdue) == 2 + 6 + 2  # days 6 and 7, 8 to 13, 15 and 16
    assert not SentReminder.objects.filter(recipient__in=[other_manager]).exists()
    assert second_manager.tasks.filter(kind=TaskKind.FOLLOW_UP_ITEM, done_at__isnull=True).count() == 1


def test_one_follow_up_task_per_item_however_many_reminders(allocated_case, facilitator):
    item = item_for(agreement_for(allocated_case, facilitator))
    for day in (dt.date(2026, 5, 20), TARGET, TARGET + days(1), TARGET + days(2)):
        run(allocated_case.service, day)
    task = Task.objects.get(kind=TaskKind.FOLLOW_UP_ITEM)
    assert task.assignee == facilitator and task.due_on == TARGET
    assert task.dedupe_key.startswith(f"item:{item.pk}:")  # signing the item off completes it
    assert task.link == reverse("agreements:agreement_detail", args=[item.agreement_id]) + f"#item-{item.pk}"
    assert set(SentReminder.objects.values_list("task", flat=True)) == {task.pk}
    assert allocated_case.reference in task.title and VICTIM_MARKERS["last_name"] not in task.title


def test_resolved_items_and_draft_agreements_get_nothing(allocated_case, facilitator):
    resolved = item_for(agreement_for(allocated_case, facilitator), TARGET)
    AgreementItem.objects.filter(pk=resolved.pk).update(status=ItemStatus.DONE, signed_off_at=timezone.now())
    item_for(agreement_for(allocated_case, facilitator, status=AgreementStatus.DRAFT), TARGET)
    undated = item_for(agreement_for(allocated_case, facilitator), None)
    assert undated.target_date is None
    for day in (dt.date(2026, 5, 20), TARGET, TARGET + days(8)):
        assert run(allocated_case.service, day) == 0


def test_nothing_for_items_of_a_person_who_withdrew(allocated_case, facilitator, offender):
    agreement = agreement_for(allocated_case, facilitator)
    item_for(agreement, number=1, responsible=Responsible.OFFENDER)
    service_item = item_for(agreement, number=2, responsible=Responsible.SERVICE)
    set_pathway_status(participant=offender, status=PathwayStatus.WITHDRAWN)
    run(allocated_case.service, TARGET)
    assert list(SentReminder.objects.values_list("subject_key", flat=True)) == [f"item:{service_item.pk}"]


def test_without_a_lead_facilitator_the_managers_are_told(allocated_case, facilitator, manager):
    item_for(agreement_for(allocated_case, facilitator))
    Case.objects.filter(pk=allocated_case.pk).update(lead_facilitator=None)
    run(allocated_case.service, TARGET)
    assert given() == [(K.ITEM_DUE, TARGET, "mgr")]


# --- The other kinds, each once ----------------------------------------------------------------


def test_copies_due_once_while_a_party_has_no_copy(allocated_case, facilitator, victim, offender):
    due = dt.date(2026, 5, 6)
    agreement = agreement_for(allocated_case, facilitator, copies_due_on=due)
    existing = task_add(
        case=allocated_case,
        assignee=facilitator,
        kind=TaskKind.SEND_COPIES,
        title=f"Send copies of the agreement on {allocated_case.reference}",
        due_on=due,
        dedupe_key=f"agreement-copies:{agreement.pk}",
    )
    assert run(allocated_case.service, due - days(1)) == 0
    copy_to(agreement, facilitator, victim, "victim")
    assert run(allocated_case.service, due + days(2)) == 1  # a missed day is caught up, dated the due day
    assert run(allocated_case.service, due + days(3)) == 0
    reminder = SentReminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.subject_key) == (K.COPIES_DUE, due, f"agreement:{agreement.pk}")
    assert reminder.task == existing and Task.objects.filter(kind=TaskKind.SEND_COPIES).count() == 1
    copy_to(agreement, facilitator, offender, "offender")
    other = agreement_for(allocated_case, facilitator, copies_due_on=due)
    copy_to(other, facilitator, victim, "victim")
    copy_to(other, facilitator, offender, "offender")
    assert run(allocated_case.service, due + days(4)) == 0


def test_no_copy_reminder_for_a_party_who_withdrew(allocated_case, facilitator, victim, offender):
    agreement = agreement_for(allocated_case, facilitator, copies_due_on=dt.date(2026, 5, 6))
    copy_to(agreement, facilitator, offender, "offender")
    set_pathway_status(participant=victim, status=PathwayStatus.DECLINED)
    assert run(allocated_case.service, dt.date(2026, 5, 7)) == 0


def _held_conference(case, actor, victim, offender, on: dt.date) -> Conference:
    conference = conference_plan(
        case=case,
        actor=actor,
        data={
            "date": timezone.localdate() + days(14),
            "start_time": dt.time(10, 0),
            "venue_kind": "community",
            "venue_name": "Testtown community centre",
        },
        victims=[victim],
        offenders=[offender],
    )
    Conference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.HELD, date=on)
    return conference


def _feedback_from(person, conference, actor):
    from agreements.models import FeedbackQuestionSet

    question_set = FeedbackQuestionSet.objects.filter(service=None).first() or FeedbackQuestionSet.objects.create(
        service=None, version=1, title="Feedback", introduced_at=timezone.now()
    )
    return VictimFeedback.objects.create(
        participant=person,
        conference=conference,
        question_set=question_set,
        activity_on=conference.date,
        called_on=conference.date,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )


def test_feedback_call_due_seven_days_after_a_held_conference_per_person(allocated_case, facilitator, victim, offender):
    held_on = dt.date(2026, 5, 4)
    conference = _held_conference(allocated_case, facilitator, victim, offender, held_on)
    task_add(
        case=allocated_case,
        assignee=facilitator,
        kind=TaskKind.FEEDBACK_CALL,
        title=f"Make the feedback call on {allocated_case.reference}",
        due_on=held_on + days(7),
        participant=offender,
        dedupe_key=f"feedback-call:conference:{conference.pk}:offender:{offender.pk}",
    )
    assert run(allocated_case.service, held_on + days(6)) == 0
    _feedback_from(victim, conference, facilitator)
    assert run(allocated_case.service, held_on + days(7)) == 1
    assert run(allocated_case.service, held_on + days(8)) == 0
    reminder = SentReminder.objects.get()
    assert reminder.kind == K.FEEDBACK_DUE and reminder.due_on == held_on + days(7)
    assert reminder.subject_key == f"conference:{conference.pk}:offender:{offender.pk}"
    assert Task.objects.filter(kind=TaskKind.FEEDBACK_CALL).count() == 1  # the call task already there


def test_feedback_call_after_completed_indirect_communication(allocated_case, facilitator, victim, offender):
    communication = indirect_start(
        case=allocated_case, actor=facilitator, kind="letter_of_apology", started_on=timezone.localdate()
    )
    for _ in range(2):
        message_record(
            communication=communication,
            actor=facilitator,
            direction=MessageDirection.TO_VICTIM,
            victim=victim,
            offender=offender,
            content="A letter of apology",
            received_on=timezone.localdate(),
        )
    assert run(allocated_case.service, dt.date(2026, 6, 1)) == 0  # not completed yet
    IndirectCommunication.objects.filter(pk=communication.pk).update(completed_on=dt.date(2026, 5, 20))
    set_pathway_status(participant=offender, status=PathwayStatus.WITHDRAWN)
    assert run(allocated_case.service, dt.date(2026, 5, 26)) == 0
    assert run(allocated_case.service, dt.date(2026, 5, 27)) == 1
    reminder = SentReminder.objects.get()
    assert reminder.subject_key == f"indirect:{communication.pk}:victim:{victim.pk}"
    task = Task.objects.get(kind=TaskKind.FEEDBACK_CALL)
    assert task.victim == victim and task.side == "victim"
    assert task.link == reverse("agreements:feedback_new", kwargs={"side": "victim", "pk": victim.pk}) + (
        f"?indirect={communication.pk}"
    )


def _time_to_think(case, facilitator, victim, offender, recontact_on):
    suitability_record(
        participant=offender,
        actor=facilitator,
        data={"assessed_on": timezone.localdate(), "accepts_some_responsibility": True, "outcome": "suitable"},
    )
    suitability_record(
        participant=victim,
        actor=facilitator,
        data={"assessed_on": timezone.localdate(), "decision": "time_to_think", "recontact_on": recontact_on},
    )


def test_recontact_reminder_links_the_existing_recontact_task(allocated_case, facilitator, victim, offender):
    recontact_on = timezone.localdate() + days(10)
    _time_to_think(allocated_case, facilitator, victim, offender, recontact_on)
    existing = Task.objects.get(kind=TaskKind.RECONTACT)
    assert run(allocated_case.service, recontact_on - days(1)) == 0
    assert run(allocated_case.service, recontact_on) == 1
    assert run(allocated_case.service, recontact_on + days(1)) == 0
    reminder = SentReminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.recipient) == (K.RECONTACT_DUE, recontact_on, facilitator)
    assert reminder.task == existing and Task.objects.filter(kind=TaskKind.RECONTACT).count() == 1


def test_no_recontact_reminder_once_the_person_harmed_declined(allocated_case, facilitator, victim, offender):
    recontact_on = timezone.localdate() + days(10)
    _time_to_think(allocated_case, facilitator, victim, offender, recontact_on)
    set_pathway_status(participant=victim, status=PathwayStatus.DECLINED)
    assert run(allocated_case.service, recontact_on) == 0


def _contact(person, actor, direction="outgoing"):
    contact_log(
        participant=person,
        actor=actor,
        data={
            "occurred_at": timezone.now(),
            "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
            "direction": code(CodeList.DIRECTION, direction),
            "appointment": code(CodeList.APPOINTMENT, "not_applicable" if direction == "attempt" else "kept"),
        },
    )


def test_first_contact_late_fifteen_working_days_after_sentence(allocated_case, facilitator, manager, offender):
    participant_update(participant=offender, actor=manager, data={"sentence_date": dt.date(2026, 4, 27)})
    late_from = dt.date(2026, 5, 19)  # 15 working days, not counting the early May bank holiday (4 May)
    _contact(offender, facilitator, "attempt")  # a failed attempt is not a contact
    allocation_task = Task.objects.get(kind=TaskKind.FIRST_CONTACT, done_at__isnull=True)
    assert run(allocated_case.service, late_from - days(1)) == 0
    assert run(allocated_case.service, late_from + days(5)) == 1
    assert run(allocated_case.service, late_from + days(6)) == 0
    reminder = SentReminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.subject_key) == (
        K.FIRST_CONTACT_LATE,
        late_from,
        f"offender:{offender.pk}",
    )
    assert reminder.task == allocation_task


def test_no_first_contact_reminder_once_contact_was_made(allocated_case, facilitator, manager, offender):
    participant_update(participant=offender, actor=manager, data={"sentence_date": dt.date(2026, 4, 27)})
    _contact(offender, facilitator)
    assert run(allocated_case.service, dt.date(2026, 6, 1)) == 0


# --- Closed and paused cases -------------------------------------------------------------------


def _everything_due(case, facilitator, victim, offender, manager) -> dt.date:
    """One of each kind due on the returned day."""
    on = timezone.localdate() + days(10)
    item_for(agreement_for(case, facilitator, copies_due_on=on), on)
    _held_conference(case, facilitator, victim, offender, on - days(7))
    _time_to_think(case, facilitator, victim, offender, on)
    participant_update(participant=offender, actor=manager, data={"sentence_date": on - days(60)})
    return on


def test_every_kind_fires_once_on_an_open_case(allocated_case, facilitator, victim, offender, manager):
    on = _everything_due(allocated_case, facilitator, victim, offender, manager)
    assert run(allocated_case.service, on) == 6
    assert sorted(SentReminder.objects.values_list("kind", flat=True)) == sorted(
        [K.ITEM_DUE, K.COPIES_DUE, K.FEEDBACK_DUE, K.FEEDBACK_DUE, K.RECONTACT_DUE, K.FIRST_CONTACT_LATE]
    )
    assert run(allocated_case.service, on) == 0


@pytest.mark.parametrize("how", ["closed", "paused"])
def test_closed_and_paused_cases_get_nothing(allocated_case, facilitator, victim, offender, manager, how):
    on = _everything_due(allocated_case, facilitator, victim, offender, manager)
    if how == "closed":
        Case.objects.filter(pk=allocated_case.pk).update(stage=Stage.CLOSED)
    else:
        Case.objects.filter(pk=allocated_case.pk).update(is_paused=True)
    assert run(allocated_case.service, on) == 0
    assert run(allocated_case.service, on + days(8)) == 0


# --- The daily job, its emails and crashes -----------------------------------------------------


def test_running_the_daily_job_twice_gives_one_email_and_one_task_per_reminder(
    allocated_case, facilitator, victim, offender, manager, django_capture_on_commit_callbacks
):
    on = _everything_due(allocated_case, facilitator, victim, offender, manager)
    tasks_before = Task.objects.count()
    daily(on, django_capture_on_commit_callbacks)
    daily(on, django_capture_on_commit_callbacks)
    reminders_given = list(SentReminder.objects.select_related("task"))
    assert len(reminders_given) == 6 and len(mail.outbox) == 6
    assert all(r.email_state == EmailState.SENT and r.emailed_at is not None for r in reminders_given)
    assert all(r.task is not None and r.task.assignee_id == r.recipient_id for r in reminders_given)
    # The item, the copies and the two feedback calls got a task each; re-contact and first contact reused theirs.
    assert Task.objects.count() == tasks_before + 4
    assert sorted(m.to[0] for m in mail.outbox) == [facilitator.email] * 6


def test_emails_say_what_is_due_for_which_case_and_name_nobody(
    allocated_case, facilitator, victim, offender, manager, django_capture_on_commit_callbacks
):
    on = _everything_due(allocated_case, facilitator, victim, offender, manager)
    item_for(agreement_for(allocated_case, facilitator), on - days(15), number=3)
    daily(on, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 6 + 2
    link = "/cases/" + str(allocated_case.pk)
    for message in mail.outbox:
        text = message.subject + message.body
        assert allocated_case.reference in message.subject
        assert link in message.body and "\nDue: " in message.body
        for value in (*VICTIM_MARKERS.values(), offender.first_name, offender.last_name, facilitator.first_name):
            assert value not in text
    item_mail = next(m for m in mail.outbox if m.subject.startswith("Agreement item due today"))
    assert "Item 1 of the outcome agreement is due today." in item_mail.body
    assert f"Due: {on:%-d %B %Y}" in item_mail.body
    escalation = next(m for m in mail.outbox if m.to == [manager.email])
    assert escalation.subject == f"Agreement item overdue, escalated: {allocated_case.reference}"
    assert "Item 3 of the outcome agreement was due on" in escalation.body and "2 weeks later" in escalation.body


def test_no_email_for_a_recipient_without_an_address(allocated_case, facilitator, django_capture_on_commit_callbacks):
    type(facilitator).objects.filter(pk=facilitator.pk).update(email="")
    item_for(agreement_for(allocated_case, facilitator))
    daily(TARGET, django_capture_on_commit_callbacks)
    reminder = SentReminder.objects.get()
    assert reminder.email_state == EmailState.NOT_NEEDED and reminder.task is not None
    assert mail.outbox == []


def test_a_crash_after_the_email_went_never_sends_it_again(
    allocated_case, facilitator, django_capture_on_commit_callbacks
):
    item_for(agreement_for(allocated_case, facilitator))
    crash = mock.patch.object(reminder_emails, "_mark_sent", side_effect=RuntimeError("worker died"))
    with crash, pytest.raises(RuntimeError):
        daily(TARGET, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert SentReminder.objects.get().email_state == EmailState.SENDING
    daily(TARGET, django_capture_on_commit_callbacks)
    daily(TARGET, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert SentReminder.objects.get().email_state == EmailState.SENDING


def test_a_crash_before_the_rows_are_committed_leaves_nothing_and_the_next_run_sends_once(
    allocated_case, facilitator, django_capture_on_commit_callbacks
):
    agreement = agreement_for(allocated_case, facilitator)
    item_for(agreement, number=1)
    item_for(agreement, number=2)
    real = reminders.task_build
    calls = []

    def fails_second_time(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("worker died")
        return real(**kwargs)

    tasks_before = Task.objects.count()
    with mock.patch.object(reminders, "task_build", side_effect=fails_second_time), pytest.raises(RuntimeError):
        daily(TARGET, django_capture_on_commit_callbacks)
    assert SentReminder.objects.count() == 0 and Task.objects.count() == tasks_before and mail.outbox == []
    daily(TARGET, django_capture_on_commit_callbacks)
    daily(TARGET, django_capture_on_commit_callbacks)
    assert SentReminder.objects.filter(email_state=EmailState.SENT).count() == 2
    assert len(mail.outbox) == 2


def test_rows_left_pending_by_a_crashed_run_are_emailed_by_the_next(
    allocated_case, facilitator, django_capture_on_commit_callbacks
):
    item_for(agreement_for(allocated_case, facilitator))
    run(allocated_case.service, TARGET)  # the worker died before sending any email
    assert SentReminder.objects.get().email_state == EmailState.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert service_reminders.delay(allocated_case.service_id, (TARGET + days(1)).isoformat()).get() == 1
    assert len(mail.outbox) == 2  # yesterday's, still pending, and today's overdue
    assert set(SentReminder.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_a_mail_server_that_cannot_be_reached_leaves_the_emails_for_the_next_run(
    allocated_case, facilitator, settings, django_capture_on_commit_callbacks
):
    item_for(agreement_for(allocated_case, facilitator))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    daily(TARGET, django_capture_on_commit_callbacks)
    assert SentReminder.objects.get().email_state == EmailState.PENDING
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    daily(TARGET, django_capture_on_commit_callbacks)
    assert SentReminder.objects.get().email_state == EmailState.SENT and len(mail.outbox) == 1


def test_the_daily_job_gives_every_service_in_one_pass_not_a_task_per_service(
    allocated_case, facilitator, other_service
):
    item_for(agreement_for(allocated_case, facilitator))
    with mock.patch.object(service_reminders, "delay") as delay:
        assert daily_reminders(TARGET.isoformat()) == 1  # the services given reminders
    delay.assert_not_called()
    assert given() == [(K.ITEM_DUE, TARGET, "fac")]


def test_the_beat_runs_the_daily_job_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["agreement-reminders-daily"]
    assert entry["task"] == "agreements.tasks.daily_reminders"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {30})
    assert settings.CELERY_TIMEZONE == "Europe/London"


# --- Query counts --------------------------------------------------------------------------------


def test_queries_do_not_grow_with_the_number_of_items(allocated_case, facilitator, manager):
    def second_run_queries(count: int) -> int:
        agreement = agreement_for(allocated_case, facilitator)
        for number in range(1, count + 1):
            item_for(agreement, TARGET - days(10), number=number)
        run(allocated_case.service, TARGET)
        with CaptureQueriesContext(connection) as queries:
            assert run(allocated_case.service, TARGET) == 0
        return len(queries)

    small = second_run_queries(2)
    assert second_run_queries(8) == small
    assert small <= 14  # eleven reads for what is due, one for what was given, a savepoint (two)
    agreement = agreement_for(allocated_case, facilitator)
    for number in range(1, 6):
        item_for(agreement, TARGET - days(10), number=number)
    with CaptureQueriesContext(connection) as queries:
        # Every item is overdue again today; only the 5 new ones reach their first escalation.
        assert run(allocated_case.service, TARGET + days(1)) == (2 + 8 + 5) + 5
    # Each new reminder costs its own writes (savepoint, row, task, link): the reads stay a fixed handful.
    assert len(queries) <= 16 + 6 * 20


# --- The settings page -----------------------------------------------------------------------------


def test_settings_page_saves_the_notice_and_keeps_history(service, administrator, as_user):
    client = as_user(administrator)
    page = client.get(reverse("agreements:settings"))
    assert page.status_code == 200 and 'value="3"' in page.content.decode()
    response = client.post(reverse("agreements:settings"), {"item_notice_working_days": "5"})
    assert response.status_code == 302 and response.url == reverse("agreements:settings")
    client.post(reverse("agreements:settings"), {"item_notice_working_days": "4"})
    settings = AgreementSettings.objects.get(service=service)
    assert settings.item_notice_working_days == 4 and settings.changed_by == administrator
    assert reminders.notice_working_days(service) == 4
    assert [h.item_notice_working_days for h in settings.history.order_by("history_date")] == [5, 4]
    assert settings.history.first().history_user == administrator
    html = client.get(reverse("agreements:settings")).content.decode()
    assert administrator.display_name in html and 'value="4"' in html


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "Enter a number of working days from 1 to 20"),
        ("21", "Enter a number of working days from 1 to 20"),
        ("three", "Enter the number of working days as a whole number, for example 3"),
        ("", "Enter the number of working days"),
    ],
)
def test_settings_page_refuses_bad_input(service, administrator, as_user, value, message):
    response = as_user(administrator).post(reverse("agreements:settings"), {"item_notice_working_days": value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not AgreementSettings.objects.exists()


def test_the_service_refuses_a_notice_out_of_range(service, administrator):
    with pytest.raises(reminders.ValidationError):
        reminders.agreement_settings_update(service=service, actor=administrator, item_notice_working_days=21)


@pytest.mark.parametrize(
    "persona", ["facilitator", "manager", "other_manager", "offender_manager", "vlo", "commissioner"]
)
def test_settings_page_is_for_administrators_only(request, service, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("agreements:settings")).status_code == 404
    assert client.post(reverse("agreements:settings"), {"item_notice_working_days": "5"}).status_code == 404
    assert not AgreementSettings.objects.exists()


def test_settings_page_wrong_method(administrator, as_user):
    assert as_user(administrator).delete(reverse("agreements:settings")).status_code == 405


def test_settings_page_needs_sign_in(client):
    response = client.get(reverse("agreements:settings"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(ROWS))
def test_matrix_rows_hold(request, allocated_case, as_user, name):
    """The rows handed to the authorisation matrix, checked the way it checks them."""
    row = ROWS[name]
    assert not row.args, "these rows take no object from the matrix's world"
    for persona in PERSONAS:
        response = getattr(as_user(request.getfixturevalue(persona)), row.method)(reverse(name, kwargs=row.kwargs))
        expected = row.ok if persona in row.allowed else (404,)
        assert response.status_code in expected, f"{persona}: {response.status_code}"
        if persona in OFFENDER_SIDE and response.status_code == 200:
            assert not [v for v in VICTIM_MARKERS.values() if v in response.content.decode()]
