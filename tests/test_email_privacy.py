"""No email the app sends carries personal data.

Each email is produced here from a case whose people hold unique marker strings (names, addresses,
postcodes, phones, emails, dates of birth, identifiers of both the person harmed and the person responsible;
the offence's summary, place, reference and name; a supporter; an agreement item). Every email must hold
none of them; a case's emails must name the case reference and link to the page to open.

SENDERS lists every place in the source that sends email (found by reading the source: calls of Django's
mail functions and classes, password reset views and forms, email templates) with the test that covers it.
A new sender fails test_every_sender_is_covered until it has a test here.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agreements import reminder_emails
from agreements.models import EmailState, ReminderKind, SentReminder
from cases.models import CodeList
from cases.services.allocation import case_allocate
from cases.services.participants import supporter_add
from cases.services.referrals import eligibility_decide, referral_register
from core import clock
from reporting.quarters import DEFAULT_SCHEDULE
from reporting.returns import lifecycle
from reporting.returns.services import return_build, return_get_or_create
from risk import tasks as risk_tasks
from risk.services.assessments import assessment_start
from tests.agreements.matrix_feedback import held_conference_for
from tests.agreements.support import agreed_agreement
from tests.factories import code, offender_data, referral_case_data

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)

VICTIM = {
    "first_name": "Quillonia",
    "last_name": "Harmedmarker",
    "preferred_name": "Quilly",
    "address": "41 Marigoldmarker Row, Testtown",
    "postcode": "TT9 4QM",
    "phone": "07700 900417",
    "email": "quillonia.marker@victim.example",
    "date_of_birth": dt.date(1971, 3, 17),
}
OFFENDER = {
    "first_name": "Ozymandeo",
    "last_name": "Responsiblemarker",
    "address": "8 Thornmarker Close, Testtown",
    "postcode": "TT2 8OZ",
    "phone": "07700 900818",
    "email": "ozymandeo.marker@offender.example",
    "date_of_birth": dt.date(1989, 11, 23),
    "pnc_id": "89/778899Z",
    "crn": "Z778899",
}
OFFENCE = {
    "offence_summary": "Smashed the Marigoldmarker greenhouse and took the Quillonia bicycle",
    "offence_location": "Marigoldmarker allotments",
    "police_reference": "TS/77881/26",
}
SUPPORTER = "Sigismunda Supportmarker"
ITEM = "Pay Quillonia back for the greenhouse glass"


def _markers(case) -> list[str]:
    found = [str(v) for v in (*VICTIM.values(), *OFFENDER.values(), *OFFENCE.values()) if not isinstance(v, dt.date)]
    for day in (VICTIM["date_of_birth"], OFFENDER["date_of_birth"]):
        found += [f"{day:%-d %B %Y}", day.isoformat(), f"{day:%d/%m/%Y}"]
    return [*found, SUPPORTER, ITEM, case.main_offence.label]


@pytest.fixture
def case(service, administrator, manager, facilitator, offender_manager, criteria):
    """A case whose every personal detail is a marker, allocated to the facilitator."""
    case = referral_register(
        actor=administrator,
        service=service,
        case_data=referral_case_data(**OFFENCE, main_offence=code(CodeList.OFFENCE, "criminal_damage_arson")),
        offender_data=offender_data(**OFFENDER, offender_manager=offender_manager),
        victim_data=dict(VICTIM),
    )
    eligibility_decide(case=case, actor=manager, eligible=True, reasons="Meets the criteria.")
    case_allocate(case=case, actor=manager, lead=facilitator, second=None)
    case.refresh_from_db()
    for person in (case.victims.get(), case.offenders.get()):
        supporter_add(participant=person, actor=facilitator, data={"name": SUPPORTER})
    return case


def assert_no_personal_data(message, case, *, reference: bool = True, link: str = "") -> None:
    """Nothing personal in the subject, the body or any other part; the case's reference and the link in it."""
    parts = [message.subject, message.body, *(content for content, _ in getattr(message, "alternatives", []))]
    text = "\n".join(parts).lower()
    found = [marker for marker in _markers(case) if marker.lower() in text]
    assert not found, f"personal data in the email {message.subject!r}: {found}"
    assert not {VICTIM["email"], OFFENDER["email"]} & set(message.to), "sent to a person on the case"
    if reference:
        assert case.reference in message.subject and case.reference in message.body
    else:
        assert case.reference not in message.subject + message.body
    if link:
        assert link in message.body, f"no link to {link} in {message.body!r}"


# --- Each sender ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("what", sorted(risk_tasks.MESSAGES))
def test_risk_assessment_emails(what, case, facilitator, manager):
    victim = case.victims.get()
    assessment = assessment_start(case=case, actor=facilitator, subject="victim", person=victim, point="pre_conference")
    mail.outbox.clear()
    assert risk_tasks.send_assessment_email(assessment.pk, what, [manager.pk, facilitator.pk]) == 2
    link = settings.SITE_URL.rstrip("/") + reverse("risk:assessment_detail", args=[assessment.pk])
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert_no_personal_data(message, case, link=link)


def _reminder_subjects(case, facilitator) -> dict[str, str]:
    """The subject_key each kind of reminder has (see agreements.reminders), on the marker case's records."""
    victim, offender = case.victims.get(), case.offenders.get()
    items = ({"kind": "action", "description": ITEM, "responsible": "offender"},)
    agreement = agreed_agreement(case, facilitator, items=items)
    conference = held_conference_for(case, victim, offender, facilitator, days_ago=9)
    item = f"item:{agreement.items.get().pk}"
    return {
        ReminderKind.ITEM_COMING_UP: item,
        ReminderKind.ITEM_DUE: item,
        ReminderKind.ITEM_OVERDUE: item,
        ReminderKind.ITEM_ESCALATION: item,
        ReminderKind.COPIES_DUE: f"agreement:{agreement.pk}",
        ReminderKind.FEEDBACK_DUE: f"conference:{conference.pk}:victim:{victim.pk}",
        ReminderKind.RECONTACT_DUE: f"victim:{victim.pk}",
        ReminderKind.FIRST_CONTACT_LATE: f"offender:{offender.pk}",
    }


def test_reminder_emails_of_every_kind(case, facilitator):
    subjects = _reminder_subjects(case, facilitator)
    missing = set(ReminderKind.values) - set(subjects)
    assert not missing, f"give these reminder kinds a subject here, so their email is checked: {missing}"
    ids = [
        SentReminder.objects.create(
            kind=kind,
            subject_key=subjects[kind],
            due_on=clock.today() + dt.timedelta(days=3),
            recipient=facilitator,
            case=case,
            created_at=timezone.now(),
            email_state=EmailState.PENDING,
        ).pk
        for kind in ReminderKind.values
    ]
    mail.outbox.clear()
    assert reminder_emails.send_pending_emails(ids) == len(ReminderKind.values)
    link = settings.SITE_URL.rstrip("/") + reverse("cases:case_detail", args=[case.pk])
    assert len(mail.outbox) == len(ReminderKind.values)
    for message in mail.outbox:
        assert_no_personal_data(message, case, link=link)


def test_quarterly_return_email(case, administrator):
    """The return's email names the quarter and links to the return: no case reference, nobody's data."""
    quarter = DEFAULT_SCHEDULE.quarter_containing(clock.today())
    quarterly_return, _ = return_get_or_create(service=case.service, quarter=quarter, actor=None)
    return_build(quarterly_return=quarterly_return, actor=None)
    mail.outbox.clear()
    assert lifecycle.administrators_tell(quarterly_return=quarterly_return) == 1
    link = settings.SITE_URL.rstrip("/") + reverse("reporting:return_detail", args=[quarterly_return.pk])
    (message,) = mail.outbox
    assert message.to == [administrator.email]
    assert_no_personal_data(message, case, reference=False, link=link)
    assert quarter.label in message.subject


def test_password_reset_email(case, client, facilitator):
    mail.outbox.clear()
    response = client.post(reverse("accounts:password_reset"), {"email": facilitator.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [facilitator.email]
    link = reverse("accounts:password_reset_confirm", args=["uid", "token"]).split("uid/")[0]
    assert_no_personal_data(message, case, reference=False, link=link)


# --- Every sender has a test ---------------------------------------------------------------------------

SENDERS = {
    "risk/tasks.py: send_assessment_email": test_risk_assessment_emails,
    "agreements/reminder_emails.py: send_pending_emails": test_reminder_emails_of_every_kind,
    "reporting/returns/lifecycle.py: administrators_tell": test_quarterly_return_email,
    "accounts/views.py: PasswordResetView": test_password_reset_email,
    "accounts/forms.py: PasswordResetForm": test_password_reset_email,
    "templates/registration/password_reset_email.txt": test_password_reset_email,
}

MAIL_CALLS = {
    "send_mail",
    "send_mass_mail",
    "mail_admins",
    "mail_managers",
    "EmailMessage",
    "EmailMultiAlternatives",
}
MAIL_BASES = {"PasswordResetView", "PasswordResetForm"}  # Django's own senders, when the app uses them
SKIPPED = {".venv", "node_modules", "tests", "migrations", "bench", "static", "var", "frontend", "docs"}


def _source_files() -> list[Path]:
    return sorted(p for p in BASE.rglob("*.py") if not SKIPPED & set(p.relative_to(BASE).parts))


class _SenderFinder(ast.NodeVisitor):
    """The innermost function or class around each use of Django's mail API."""

    def __init__(self, where: str) -> None:
        self.where, self.stack, self.found = where, [], set()

    def _scope(self, node: ast.AST) -> None:
        self.stack.append(node.name)
        if isinstance(node, ast.ClassDef) and {_name(base) for base in node.bases} & MAIL_BASES:
            self._found()
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_Call(self, node: ast.Call) -> None:
        if _name(node.func) in MAIL_CALLS:
            self._found()
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(_name(target) == "email_template_name" for target in node.targets):
            self._found()
        self.generic_visit(node)

    def _found(self) -> None:
        self.found.add(f"{self.where}: {self.stack[-1] if self.stack else '<module>'}")


def _name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _senders_in(path: Path) -> set[str]:
    """Functions that call Django's mail API, and classes built on its password reset, in one file."""
    finder = _SenderFinder(path.relative_to(BASE).as_posix())
    finder.visit(ast.parse(path.read_text(encoding="utf-8")))
    return finder.found


def senders_in_source() -> set[str]:
    found = set()
    for path in _source_files():
        found |= _senders_in(path)
    templates = BASE / "templates"
    found |= {p.relative_to(BASE).as_posix() for p in templates.rglob("*") if p.is_file() and "mail" in p.name.lower()}
    return found


def test_every_sender_is_covered():
    found = senders_in_source()
    assert found - set(SENDERS) == set(), f"these send email: add a test here that checks them: {found - set(SENDERS)}"
    assert set(SENDERS) - found == set(), f"these SENDERS no longer send email: {set(SENDERS) - found}"


def test_the_source_scan_finds_a_sender(tmp_path, monkeypatch):
    """The scan itself: a new function sending mail is found, by its file and name."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.core import mail\n\n\ndef tell_someone(user):\n    mail.send_mail('Hi', 'Body', None, [user])\n"
    )
    monkeypatch.setattr(f"{__name__}.BASE", tmp_path)
    assert _senders_in(sample) == {"sample.py: tell_someone"}
