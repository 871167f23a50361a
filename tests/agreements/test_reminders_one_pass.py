"""The daily reminder job in one pass for every service: what it finds and gives per service, and what it costs.

Finding is a fixed number of queries (one per kind, the leads, the managers, what was given already), however
many services there are and however many items are not due; a rerun with nothing new costs the same few.
The rules of each kind are in test_reminders.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from agreements import reminders
from agreements.models import AgreementItem, ItemStatus, ReminderKind, SentReminder
from agreements.tasks import daily_reminders, service_reminders
from cases.models import Case, Stage
from cases.services.allocation import case_allocate
from cases.services.referrals import eligibility_decide, referral_register
from tests.agreements.test_reminders import TARGET, _everything_due, agreement_for, days, item_for
from tests.factories import (
    ServiceFactory,
    UserFactory,
    criteria_for,
    offender_data,
    referral_case_data,
    victim_data,
)

pytestmark = pytest.mark.django_db

K = ReminderKind
# Finding, whatever the data: the services with their notice, items, copies, feedback (conferences and indirect
# communication, each side), re-contact, first contact; then the leads, the managers and what was given already.
FINDING_QUERIES = 1 + 1 + 1 + 4 + 1 + 1 + 3


def allocated_case_in(service, *, lead=None, manager=None) -> Case:
    """An allocated case of `service`, built through the services, with its own staff unless given."""
    manager = manager or UserFactory(role=Role.MANAGER, service=service)
    lead = lead or UserFactory(role=Role.FACILITATOR, service=service)
    if not service.criteria_versions.exists():
        criteria_for(service, manager)
    case = referral_register(
        actor=UserFactory(role=Role.ADMINISTRATOR, service=service),
        service=service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=UserFactory(role=Role.OFFENDER_MANAGER, service=service)),
        victim_data=victim_data(),
    )
    eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
    case_allocate(case=case, actor=manager, lead=lead, second=None)
    case.refresh_from_db()
    return case


def everything_due_in(case) -> dt.date:
    """One reminder of each kind due on the returned day, on `case`."""
    manager = type(case.lead_facilitator).objects.filter(service=case.service, role=Role.MANAGER).first()
    return _everything_due(case, case.lead_facilitator, case.victims.get(), case.offenders.get(), manager)


def finding(on: dt.date) -> tuple[int, list[reminders.Due]]:
    """The finding step of the daily job (given ones left out): how many queries, and what it found."""
    with CaptureQueriesContext(connection) as queries:
        dues = reminders.reminders_to_give(today=on)
    return len(queries), dues


# --- One pass, given per service --------------------------------------------------------------------


def test_the_daily_job_gives_every_services_reminders_in_one_pass(
    allocated_case, facilitator, manager, other_service, django_capture_on_commit_callbacks
):
    other_case = allocated_case_in(other_service)
    item_for(agreement_for(allocated_case, facilitator))
    item_for(agreement_for(other_case, other_case.lead_facilitator))
    allocated_case_in(ServiceFactory())  # a service with an open case and nothing due
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_reminders.delay(TARGET.isoformat()).get() == 2  # services given reminders
    given = SentReminder.objects.order_by("case__service_id").values_list("kind", "case", "recipient")
    assert list(given) == [
        (K.ITEM_DUE, allocated_case.pk, facilitator.pk),
        (K.ITEM_DUE, other_case.pk, other_case.lead_facilitator_id),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([facilitator.email, other_case.lead_facilitator.email])
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_reminders.delay(TARGET.isoformat()).get() == 0
    assert SentReminder.objects.count() == 2 and len(mail.outbox) == 2


def test_one_services_task_gives_that_services_reminders_only(allocated_case, facilitator, other_service):
    other_case = allocated_case_in(other_service)
    item_for(agreement_for(allocated_case, facilitator))
    item_for(agreement_for(other_case, other_case.lead_facilitator))
    assert service_reminders(other_service.pk, TARGET.isoformat()) == 1
    assert list(SentReminder.objects.values_list("case", flat=True)) == [other_case.pk]
    assert reminders.run_reminders(today=TARGET) == 1  # every service: what is left
    assert service_reminders(other_service.pk, TARGET.isoformat()) == 0


def test_managers_are_those_of_the_cases_own_service(allocated_case, facilitator, manager, other_service):
    other_case = allocated_case_in(other_service)
    other_manager = UserFactory(username="other_mgr", role=Role.MANAGER, service=other_service)
    Case.objects.filter(pk=other_case.pk).update(lead_facilitator=None)
    item_for(agreement_for(allocated_case, facilitator), TARGET - days(7))
    item_for(agreement_for(other_case, facilitator), TARGET)
    reminders.run_reminders(today=TARGET)
    given = SentReminder.objects.values_list("kind", "case", "recipient__username")
    service_managers = set(
        User.objects.filter(service=other_service, role=Role.MANAGER).values_list("username", flat=True)
    )
    assert other_manager.username in service_managers and len(service_managers) == 2
    assert sorted(given) == sorted(
        [
            (K.ITEM_OVERDUE, allocated_case.pk, "fac"),
            (K.ITEM_ESCALATION, allocated_case.pk, "mgr"),
            *((K.ITEM_DUE, other_case.pk, username) for username in service_managers),
        ]
    )


def test_each_service_keeps_its_own_notice_in_the_one_pass(allocated_case, facilitator, administrator, other_service):
    other_case = allocated_case_in(other_service)
    item_for(agreement_for(allocated_case, facilitator))
    item_for(agreement_for(other_case, other_case.lead_facilitator))
    reminders.agreement_settings_update(service=allocated_case.service, actor=administrator, item_notice_working_days=5)
    # Monday 18 May 2026: 5 working days before the target (the home service's notice), not yet 3 (the other's).
    assert reminders.run_reminders(today=dt.date(2026, 5, 18)) == 1
    assert list(SentReminder.objects.values_list("kind", "case")) == [(K.ITEM_COMING_UP, allocated_case.pk)]
    assert reminders.run_reminders(today=dt.date(2026, 5, 20)) == 1
    assert SentReminder.objects.filter(case=other_case, kind=K.ITEM_COMING_UP, due_on=dt.date(2026, 5, 20)).exists()


# --- What it costs ------------------------------------------------------------------------------------


def test_finding_costs_the_same_queries_for_one_service_or_five(allocated_case):
    on = everything_due_in(allocated_case)
    one, found = finding(on)
    assert len(found) == 6 and one == FINDING_QUERIES
    for _ in range(4):
        everything_due_in(allocated_case_in(ServiceFactory()))
    five, found = finding(on)
    assert len(found) == 6 * 5 and len({due.case.service_id for due in found}) == 5
    assert five == one


def test_finding_costs_the_same_queries_with_fifty_items_not_due(allocated_case, facilitator, manager):
    item_for(agreement_for(allocated_case, facilitator))
    none, found = finding(TARGET)
    assert [due.kind for due in found] == [K.ITEM_DUE]

    far = agreement_for(allocated_case, facilitator)
    for number in range(1, 21):  # target dates far in the future
        item_for(far, TARGET + days(300 + number), number=number)
    done = agreement_for(allocated_case, facilitator)
    for number in range(1, 16):  # overdue, but done and signed off
        item = item_for(done, TARGET - days(10), number=number)
        AgreementItem.objects.filter(pk=item.pk).update(status=ItemStatus.DONE, signed_off_at=timezone.now())
    closed_case = allocated_case_in(allocated_case.service, lead=facilitator, manager=manager)
    closed = agreement_for(closed_case, facilitator)
    for number in range(1, 16):  # overdue, on a closed case
        item_for(closed, TARGET - days(10), number=number)
    Case.objects.filter(pk=closed_case.pk).update(stage=Stage.CLOSED)
    assert AgreementItem.objects.count() == 1 + 50

    fifty, found = finding(TARGET)
    assert [due.kind for due in found] == [K.ITEM_DUE]
    assert fifty == none == FINDING_QUERIES


def test_a_rerun_with_nothing_new_costs_a_few_queries(
    allocated_case, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    on = everything_due_in(allocated_case)
    for _ in range(2):
        everything_due_in(allocated_case_in(ServiceFactory()))
    with django_capture_on_commit_callbacks(execute=True):
        assert daily_reminders(on.isoformat()) == 3
    assert SentReminder.objects.count() == 6 * 3 and len(mail.outbox) == 6 * 3
    # Finding, then the pending emails (none): nothing per service, nothing per reminder.
    with django_assert_max_num_queries(FINDING_QUERIES + 1), django_capture_on_commit_callbacks(execute=True):
        assert daily_reminders(on.isoformat()) == 0
    assert SentReminder.objects.count() == 6 * 3 and len(mail.outbox) == 6 * 3


# --- Giving in a few statements ---------------------------------------------------------------------------


def test_giving_costs_the_same_few_statements_for_one_reminder_or_many(allocated_case, facilitator):
    on = everything_due_in(allocated_case)
    dues = reminders.reminders_to_give(today=on)
    assert len(dues) >= 5
    with CaptureQueriesContext(connection) as many:
        assert reminders.reminders_give(dues) == len(dues)
    made = list(SentReminder.objects.values_list("task_id", flat=True))
    SentReminder.objects.all().delete()
    allocated_case.tasks.filter(pk__in=made).delete()
    with CaptureQueriesContext(connection) as one:
        assert reminders.reminders_give(dues[:1]) == 1
    # open tasks, then per service: savepoint, new tasks, tasks by key, rows, savepoint released
    assert len(many) == len(one) <= 6


def test_a_reminder_another_worker_gave_meanwhile_is_left_out_with_its_new_task(allocated_case, facilitator):
    on = everything_due_in(allocated_case)
    dues = reminders.reminders_to_give(today=on)  # both workers looked before either gave
    assert reminders.reminders_give(dues) == len(dues)  # the other worker
    tasks = set(allocated_case.tasks.values_list("pk", "dedupe_key"))
    rows = SentReminder.objects.count()
    assert reminders.reminders_give(dues) == 0  # this one, a moment later
    assert SentReminder.objects.count() == rows
    assert set(allocated_case.tasks.values_list("pk", "dedupe_key")) == tasks  # no second task, none left over
    assert all(row.task_id for row in SentReminder.objects.all())


def test_emails_are_claimed_and_marked_a_batch_at_a_time(
    allocated_case, facilitator, django_capture_on_commit_callbacks
):
    from agreements import reminder_emails

    on = everything_due_in(allocated_case)
    reminders.run_reminders(today=on)
    ids = reminder_emails.pending_ids()
    assert 5 <= len(ids) <= reminder_emails.CLAIM_BATCH
    with CaptureQueriesContext(connection) as queries:
        assert reminder_emails.send_pending_emails(ids) == len(ids)
    # those needing none, the rows, their items, one claim, one mark: not two statements per email
    assert len(queries) <= 5
    assert len(mail.outbox) == len(ids)
    assert reminder_emails.send_pending_emails(ids) == 0 and len(mail.outbox) == len(ids)


# --- One failure does not cost the others ---------------------------------------------------------------


def test_a_service_whose_giving_fails_leaves_the_others_theirs_and_the_next_run_gives_it(
    allocated_case, facilitator, other_service, django_capture_on_commit_callbacks
):
    from unittest import mock

    from django.db import DatabaseError

    other_case = allocated_case_in(other_service)
    item_for(agreement_for(allocated_case, facilitator))
    item_for(agreement_for(other_case, other_case.lead_facilitator))
    real = reminders._give

    def fails_for_ours(dues, open_tasks, moment):
        if dues[0].case.service_id == allocated_case.service_id:
            raise DatabaseError("this service's transaction failed")
        return real(dues, open_tasks, moment)

    with (
        mock.patch.object(reminders, "_give", side_effect=fails_for_ours),
        django_capture_on_commit_callbacks(execute=True),
    ):
        daily_reminders(TARGET.isoformat())
    assert list(SentReminder.objects.values_list("case", flat=True)) == [other_case.pk]
    assert [m.to[0] for m in mail.outbox] == [other_case.lead_facilitator.email]
    with django_capture_on_commit_callbacks(execute=True):
        daily_reminders(TARGET.isoformat())
    assert SentReminder.objects.count() == 2 and len(mail.outbox) == 2


def test_a_dropped_mail_connection_is_opened_again_and_the_rest_go(allocated_case, facilitator):
    from unittest import mock

    from agreements import reminder_emails
    from agreements.models import EmailState

    on = everything_due_in(allocated_case)
    reminders.run_reminders(today=on)
    ids = reminder_emails.pending_ids()
    real_send = reminder_emails.EmailMessage.send
    calls = []

    def drops_once(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise reminder_emails.smtplib.SMTPServerDisconnected("dropped")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(reminder_emails.EmailMessage, "send", drops_once):
        assert reminder_emails.send_pending_emails(ids) == len(ids) - 1
    states = list(SentReminder.objects.values_list("email_state", flat=True))
    assert states.count(EmailState.SENDING) == 1 and states.count(EmailState.SENT) == len(ids) - 1


def test_an_unreachable_mail_server_mid_run_puts_the_untried_back_to_pending(allocated_case, facilitator):
    from unittest import mock

    from agreements import reminder_emails
    from agreements.models import EmailState

    on = everything_due_in(allocated_case)
    reminders.run_reminders(today=on)
    ids = reminder_emails.pending_ids()

    def always_drops(self, *args, **kwargs):
        raise reminder_emails.smtplib.SMTPServerDisconnected("gone")

    with (
        mock.patch.object(reminder_emails.EmailMessage, "send", always_drops),
        mock.patch.object(reminder_emails, "_reopen", return_value=False),
    ):
        assert reminder_emails.send_pending_emails(ids) == 0
    states = list(SentReminder.objects.values_list("email_state", flat=True))
    assert states.count(EmailState.SENDING) == 1  # the one tried: it may have gone, so never again
    assert states.count(EmailState.PENDING) == len(ids) - 1
    assert reminder_emails.send_pending_emails(reminder_emails.pending_ids()) == len(ids) - 1
    assert len(mail.outbox) == len(ids) - 1
