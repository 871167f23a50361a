"""Every form, fuzzed: no answer is a server error, and nothing is saved from an invalid submission.

FORMS names, for every URL pattern that accepts POST, where its form is found: the page that holds it, who
signs in, and the state the world must be in for the page to show it. The test of each group signs in,
opens the page, reads the form from the HTML (names, kinds, options, current values) and lets Hypothesis
post it: filled in as a person would, with some fields replaced by hostile values (any unicode, very long
text, NUL bytes, formula injection, impossible dates such as 31/02, year 0 or 99999, huge numbers) or left
out. Views that take no input get arbitrary fields.

For each submission:
- the answer is never a server error (the test client raises the view's exception);
- an answer of 4xx kept no write in the database (tables written to and not rolled back, see
  tests/fuzzing.py) apart from IGNORED_TABLES, and wrote no processing-log row but consultations.

Each submission runs in a savepoint that is rolled back, so every example starts from the same world.
test_every_view_that_accepts_post_is_fuzzed fails when a view accepts POST and has no row in FORMS.
Set RJCASE_FUZZ_EXAMPLES to try more examples per form locally (the default keeps CI under a minute).
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings

import tests.test_authorisation_matrix as matrix
from accounts.models import PccArea, Team
from agreements.models import AttendeeKind, Conference, ConferenceStatus
from agreements.services import conferences as conference_services
from agreements.services import indirect as indirect_services
from agreements.services import outcome as outcome_services
from audit.models import Operation, ProcessingLogEntry
from cases.models import CodeList
from cases.services.allocation import case_allocate
from cases.services.referrals import eligibility_decide, referral_register
from reporting.models import ExportKind, ReturnExportRequest
from risk.services.safeguarding import safeguarding_record
from tests.agreements.matrix_feedback import held_conference_for
from tests.cases.test_referral_views import referral_post
from tests.conftest import client_for
from tests.factories import code, offender_data, referral_case_data, victim_data
from tests.fuzzing import HtmlForm, WriteWatch, describe, parse_forms, submission
from tests.two_factor import authenticator_for_tests
from tests.url_patterns import iter_patterns

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

world = matrix.world  # the authorisation matrix's world: a case with everything recorded about both people

EXAMPLES = int(os.environ.get("RJCASE_FUZZ_EXAMPLES", "10"))  # per form with fields
NO_INPUT_EXAMPLES = max(3, EXAMPLES // 4)  # per view that takes no input

# Tables an invalid submission may write to, and why.
IGNORED_TABLES = frozenset(
    {
        "django_session",  # the session: messages, the two-factor step, break-glass reasons
        "axes_accessattempt",  # failed sign-ins are counted, by design
        "axes_accessfailurelog",
        "axes_accesslog",
        "otp_totp_totpdevice",  # django-otp throttles wrong codes and records the last one used
        "otp_static_staticdevice",
        "audit_processinglogentry",  # consultations of the page shown again; other operations are checked
    }
)

PREFERRED = ("facilitator", "manager", "administrator", "offender_manager", "vlo", "other_manager", "commissioner")


# --- Where each form is found ----------------------------------------------------------------------

Objects = dict
Users = dict


@dataclass(frozen=True)
class Source:
    """Where the form posting to a URL pattern is found.

    page: the MATRIX key of the page holding it ("" for the pattern's own page), or a function of the
    world's objects giving its URL. args: the object the page is opened on, when not the MATRIX row's.
    persona: who signs in ("" for the first of PREFERRED the page allows; "anonymous"; "unverified", a
    facilitator who has not given a two-factor code yet). prepare: puts the world in the state the page
    shows the form in, returning any objects it adds. query: the page's query string. fetch: how to reach
    the page when it is not a GET. no_input: the view takes no input (arbitrary fields are posted to it).
    """

    page: str | Callable[[Objects], str] = ""
    args: str = ""
    persona: str = ""
    prepare: Callable[[Objects, Users], Objects] | None = None
    query: Callable[[Objects], dict] | None = None
    fetch: Callable[[Client, Objects], HttpResponse] | None = None
    no_input: bool = False


def _new_case(objects: Objects, users: Users, *, screen: bool = False, allocate: bool = False, **case_data):
    case = referral_register(
        actor=users["administrator"],
        service=objects["case"].service,
        case_data=referral_case_data(police_reference="", **case_data),
        offender_data=offender_data(first_name="Fuzz", pnc_id="77/000077F", crn="F777777"),
        victim_data=victim_data(first_name="Fuzzed", last_name="Harmed"),
    )
    if screen or allocate:
        eligibility_decide(case=case, actor=users["manager"], eligible=True, reasons="Meets the criteria.")
    if allocate:
        case_allocate(case=case, actor=users["manager"], lead=users["facilitator"], second=None)
    case.refresh_from_db()
    return case


def _screening(objects, users):
    return {"new_case": _new_case(objects, users)}


def _exceptional(objects, users):
    case = _new_case(objects, users, screen=True, main_offence=code(CodeList.OFFENCE, "sexual"))
    return {"new_case": case}


def _allocated(objects, users):
    return {"new_case": _new_case(objects, users, allocate=True)}


def _confirmed(objects, users):
    Conference.objects.filter(pk=objects["conference"].pk).update(status=ConferenceStatus.CONFIRMED)
    return {}


def _attendee(objects, users):
    conference_services.attendee_add(
        conference=objects["conference"],
        actor=users["facilitator"],
        data={"kind": AttendeeKind.VICTIM_SUPPORTER, "name": "A supporter", "relationship_or_organisation": "Friend"},
    )
    return {}


def _indirect_completed(objects, users):
    indirect_services.indirect_complete(
        communication=objects["indirect"],
        actor=users["facilitator"],
        completed_on=timezone.localdate(),
        effective=True,
        how_we_know="They said so",
    )
    return {}


def _item_with_outcome(objects, users):
    outcome_services.item_outcome_record(
        item=objects["agreed_item"],
        actor=users["facilitator"],
        status="done",
        outcome_on=timezone.localdate(),
        comment="Done",
    )
    return {}


def _escalation(objects, users):
    disclosure = safeguarding_record(
        case=objects["case"],
        actor=users["facilitator"],
        data={
            "concern": "Escalated concern",
            "at_risk": "other",
            "at_risk_details": "A neighbour",
            "agency": "police",
            "passed_by": "phone",
            "passed_at": timezone.now() - dt.timedelta(hours=1),
            "escalate_rosh": True,
        },
    )
    return {"escalation": disclosure}


def _unfed_conference(objects, users):
    case, facilitator = objects["case"], users["facilitator"]
    return {"unfed": held_conference_for(case, objects["victim"], objects["offender"], facilitator, days_ago=2)}


def _pdf_failed(objects, users):
    """The PDF summary's task failed: its page offers "Try again"."""
    ReturnExportRequest.objects.create(
        version=objects["return_version"], kind=ExportKind.PDF, queued_at=timezone.now(), failed_at=timezone.now()
    )
    return {}


def _duplicate_referral(client: Client, objects: Objects) -> HttpResponse:
    """The referral page listing the world's case as a possible duplicate, with "Add to this case instead"."""
    return client.post(reverse("cases:referral_new"), referral_post(**{"offender-pnc_id": objects["offender"].pnc_id}))


def _reset_link(client: Client, objects: Objects) -> HttpResponse:
    user = type(objects["reset_user"]).objects.get(pk=objects["reset_user"].pk)
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    return client.get(reverse("accounts:password_reset_confirm", args=[uid, token]), follow=True)


def _unfed_query(objects: Objects) -> dict:
    return {"conference": objects["unfed"].pk}


def _sides(name: str, page: str = "", **kwargs) -> dict[str, Source]:
    """Rows for both sides' URL patterns; `page` may name the side as {side}."""
    return {f"{name}[{side}]": Source(page=page.format(side=side), **kwargs) for side in ("victim", "offender")}


FORMS: dict[str, Source] = {
    # Signing in and the account
    "login": Source(page=lambda objects: reverse("login"), persona="anonymous"),
    "accounts:logout": Source(no_input=True),
    "accounts:password_change": Source(),
    "accounts:password_reset": Source(page=lambda objects: reverse("accounts:password_reset"), persona="anonymous"),
    "accounts:password_reset_confirm": Source(persona="anonymous", fetch=_reset_link),
    "accounts:two_factor_setup": Source(),
    "accounts:two_factor_verify": Source(persona="unverified"),
    "accounts:two_factor_recovery": Source(persona="unverified"),
    "accounts:recovery_codes_replace": Source(page="accounts:two_factor"),
    "accounts:two_factor_reset": Source(persona="manager"),
    # Referrals, screening, allocation and the case's lifecycle
    "cases:referral_new": Source(),
    "cases:referral_link": Source(fetch=_duplicate_referral, persona="facilitator"),
    "cases:eligibility": Source(args="new_case", prepare=_screening),
    "cases:exceptional": Source(args="new_case", prepare=_exceptional),
    "cases:criteria_new": Source(),
    "cases:allocate": Source(),
    "cases:case_stage": Source(args="new_case", prepare=_allocated),
    "cases:case_close": Source(),
    # The people and everything recorded about them
    "cases:victim_edit": Source(),
    "cases:offender_edit": Source(),
    **_sides("cases:participant_add"),
    **_sides("cases:contact_add", page="cases:{side}_detail"),
    **_sides("cases:need_add"),
    **_sides("cases:need_edit"),
    **_sides("cases:consent_add"),
    **_sides("cases:consent_withdraw"),
    **_sides("cases:disclosure_add"),
    **_sides("cases:disclosure_withdraw"),
    **_sides("cases:supporter_add"),
    **_sides("cases:supporter_edit"),
    **_sides("cases:supporter_remove", page="cases:supporter_edit[{side}]"),
    # Risk
    "risk:assessment_new": Source(),
    **_sides("risk:assessment_edit"),
    "risk:assessment_approve": Source(
        page="risk:assessment_detail[victim]", args="submitted_assessment", persona="manager"
    ),
    "risk:assessment_return": Source(
        page="risk:assessment_detail[victim]", args="submitted_assessment", persona="manager"
    ),
    **_sides("risk:suitability_new"),
    **_sides("risk:suitability_edit"),
    **_sides("risk:new_risk_new"),
    "risk:safeguarding_new": Source(),
    "risk:safeguarding_acknowledge": Source(page="risk:safeguarding_detail"),
    "risk:safeguarding_resolve": Source(
        page="risk:safeguarding_detail", args="escalation", persona="manager", prepare=_escalation
    ),
    "risk:settings": Source(),
    "risk:checklist_new": Source(),
    # Conferences, indirect communication, agreements and feedback
    "agreements:conference_new": Source(),
    "agreements:conference_edit": Source(),
    "agreements:conference_confirm": Source(no_input=True),
    "agreements:conference_held": Source(prepare=_confirmed),
    "agreements:conference_postpone": Source(),
    "agreements:conference_cancel": Source(),
    "agreements:attendee_add": Source(),
    "agreements:attendee_remove": Source(page="agreements:conference_detail", prepare=_attendee),
    "agreements:indirect_new": Source(),
    "agreements:message_new": Source(),
    "agreements:message_review": Source(),
    "agreements:message_pass_on": Source(page="agreements:indirect_detail"),
    "agreements:indirect_complete": Source(),
    "agreements:agreement_from_conference": Source(page="agreements:conference_detail", args="feedback_conference"),
    "agreements:agreement_from_indirect": Source(page="agreements:indirect_detail", prepare=_indirect_completed),
    "agreements:item_add": Source(),
    "agreements:item_edit": Source(),
    "agreements:item_remove": Source(page="agreements:agreement_detail", args="draft_agreement"),
    "agreements:item_outcome": Source(),
    "agreements:item_sign_off": Source(page="agreements:agreement_detail", prepare=_item_with_outcome),
    "agreements:agreement_signatures": Source(),
    "agreements:agreement_updates": Source(),
    "agreements:copy_add": Source(),
    "agreements:victim_update_add": Source(),
    **_sides("agreements:feedback_new", prepare=_unfed_conference, query=_unfed_query),
    "agreements:feedback_set_new": Source(),
    "agreements:settings": Source(),
    # Returns
    "reporting:return_start": Source(page="reporting:returns", persona="manager"),
    "reporting:return_rebuild": Source(page="reporting:return_detail"),
    "reporting:return_submit": Source(page="reporting:return_detail"),
    "reporting:return_schedule": Source(),
    "reporting:version_pdf_retry": Source(page="reporting:version_pdf", prepare=_pdf_failed),
    # Privacy: erasure (managers of the case's service) and retention periods
    **_sides("privacy:erase"),
    "privacy:retention_edit": Source(),
    # Break-glass: the reason asked of a facilitator opening a case that is not theirs, and its review
    "audit:break_glass": Source(persona="unallocated_facilitator"),
    "audit:break_glass_reviewed": Source(page="audit:break_glass_list", persona="manager"),
}


# --- Running the forms -----------------------------------------------------------------------------


def _group(name: str) -> str:
    """The test a form is fuzzed in: each builds the world once."""
    namespace = name.split(":", 1)[0] if ":" in name else ""
    return namespace if namespace in ("cases", "risk", "agreements") else "platform"


GROUPS = sorted({_group(name) for name in FORMS})


def _client(persona: str, users: Users) -> Client:
    if persona == "anonymous":
        return Client()
    if persona == "unverified":  # signed in with a password, not yet with a code from their authenticator app
        authenticator_for_tests(users["facilitator"])
        client = Client()
        client.force_login(users["facilitator"])
        return client
    return client_for(users[persona])


def _persona(name: str, source: Source) -> str:
    if source.persona:
        return source.persona
    page = source.page if isinstance(source.page, str) and source.page else name
    allowed = matrix.MATRIX[page].allowed
    return next(p for p in PREFERRED if p in allowed)


def _page_url(name: str, source: Source, objects: Objects) -> str:
    if callable(source.page):
        url = source.page(objects)
    else:
        key = source.page or name
        row = matrix.MATRIX[key]
        if source.args:
            row = matrix.Row(row.allowed, source.args, row.method, row.ok, row.kwargs)
        url = matrix._url(key, row, objects)
    if source.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in source.query(objects).items())
    return url


def _targets(name: str, form: HtmlForm, page_url: str) -> bool:
    """Whether the form posts to the URL pattern `name` (for a MATRIX key with a side, to that side)."""
    action = form.action or page_url
    match = resolve(action.split("?", 1)[0])
    if match.view_name != matrix._base(name):
        return False
    row = matrix.MATRIX.get(name)
    return row is None or all(str(match.kwargs.get(k)) == str(v) for k, v in row.kwargs.items())


def _forms_for(name: str, source: Source, client: Client, objects: Objects) -> list[tuple[str, HtmlForm]]:
    """(URL to post to, form) for each differently-shaped form posting to `name` on the source's page."""
    if source.fetch:
        response = source.fetch(client, objects)
        page_url = response.request["PATH_INFO"]
    else:
        page_url = _page_url(name, source, objects)
        response = client.get(page_url)
    assert response.status_code in (200, 422), f"{name}: the form's page answered {response.status_code}"
    found, shapes = [], set()
    for form in parse_forms(response.content.decode()):
        if not _targets(name, form, page_url):
            continue
        shape = tuple(sorted(form.fields))
        if shape not in shapes:
            shapes.add(shape)
            found.append((form.action or page_url, form))
    return found


def _check(client: Client, url: str, data: dict) -> None:
    """Post one submission, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        log_before = ProcessingLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        watch = WriteWatch()
        with watch.watching():
            try:
                response = client.post(url, data)
            except Exception as exc:
                raise AssertionError(f"server error: {type(exc).__name__}: {str(exc)[:300]}") from exc
        status = response.status_code
        assert status < 500, f"answered {status}"
        if 400 <= status < 500:
            kept = watch.kept(ignore=IGNORED_TABLES)
            assert not kept, f"answered {status} but kept writes to {kept}"
            logged = list(
                ProcessingLogEntry.objects.filter(pk__gt=log_before)
                .exclude(operation=Operation.CONSULTATION)
                .values_list("operation", "object_type")
            )
            assert not logged, f"answered {status} but logged {logged}"
        transaction.set_rollback(True)


def _fuzz(client: Client, url: str, form: HtmlForm | None, examples: int) -> None:
    strategy = submission(form or HtmlForm(action=url))

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(data=strategy)
    def post(data: dict) -> None:
        try:
            _check(client, url, data)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n    submission: {describe(data)}") from None

    post()


def _failure(name: str, exc: BaseException) -> str:
    if isinstance(exc, AssertionError):
        return f"{name}: {str(exc)[:1500]}"
    return f"{name}: {type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-6:])[:3000]


@pytest.mark.parametrize("group", GROUPS)
def test_forms_survive_hostile_input(group, world):
    objects, users = world
    objects["reset_user"] = users["facilitator"]
    failures = []
    for name, source in sorted(FORMS.items()):
        if _group(name) != group:
            continue
        with transaction.atomic():
            try:
                here = {**objects, **(source.prepare(objects, users) if source.prepare else {})}
                client = _client(_persona(name, source), users)
                if source.no_input:
                    row = matrix.MATRIX[name]
                    _fuzz(client, matrix._url(name, row, here), None, NO_INPUT_EXAMPLES)
                else:
                    forms = _forms_for(name, source, client, here)
                    if not forms:
                        failures.append(f"{name}: no form posting here on its page")
                    for url, form in forms:
                        units = len([f for f in form.fields if f != "csrfmiddlewaretoken"])
                        _fuzz(client, url, form, EXAMPLES if units else NO_INPUT_EXAMPLES)
            except Exception as exc:  # noqa: BLE001 - every form is tried; all failures are reported together
                failures.append(_failure(name, exc))
            transaction.set_rollback(True)
    assert not failures, "\n\n".join(failures)


# --- Every view that accepts POST has a row --------------------------------------------------------


def _accepts_post(client: Client, url: str) -> bool:
    """Whether the view at `url` accepts POST, from its answer to PUT (405 names the methods it allows)."""
    response = client.generic("PUT", url)
    if response.status_code == 405:
        return "POST" in response.get("Allow", "")
    return True


def _identity(name: str) -> tuple:
    """The URL pattern and arguments a MATRIX key (or public URL name) stands for: "privacy:erase[victim]" and
    "privacy:erase[victim-post]" are the same view."""
    row = matrix.MATRIX.get(name)
    return matrix._base(name), tuple(sorted((row.kwargs if row else {}).items()))


def test_every_view_that_accepts_post_is_fuzzed(world):
    objects, users = world
    accepting, clients = {}, {}
    for name, row in matrix.MATRIX.items():
        persona = next(p for p in PREFERRED if p in row.allowed)
        client = clients.get(persona) or clients.setdefault(persona, _client(persona, users))
        with transaction.atomic():
            if _accepts_post(client, matrix._url(name, row, objects)):
                accepting.setdefault(_identity(name), name)
            transaction.set_rollback(True)
    anonymous = Client()
    for name in matrix.PUBLIC:
        pattern = next(pattern for n, pattern, _ in iter_patterns() if n == name)
        kwargs = dict.fromkeys(pattern.pattern.converters, "x")
        with transaction.atomic():
            if _accepts_post(anonymous, reverse(name, kwargs=kwargs)):
                accepting.setdefault(_identity(name), name)
            transaction.set_rollback(True)
    covered = {_identity(name): name for name in FORMS}
    missing = sorted(name for identity, name in accepting.items() if identity not in covered)
    assert not missing, f"these views accept POST: add them to FORMS: {missing}"
    extra = sorted(name for identity, name in covered.items() if identity not in accepting)
    assert not extra, f"these FORMS rows name no view that accepts POST: {extra}"


# --- Found by fuzzing ------------------------------------------------------------------------------


@pytest.mark.parametrize("odd", ["²", "\u0663", "9" * 30])
def test_ids_that_are_digits_but_not_numbers_are_refused_without_a_server_error(odd, world):
    """str.isdigit() accepts "²" and Arabic-Indic digits, which int() refuses or the database cannot hold."""
    objects, users = world
    facilitator, case, victim = client_for(users["facilitator"]), objects["case"], objects["victim"]
    answers = [
        client_for(users["administrator"]).post(reverse("cases:criteria_new"), {"offences_in_scope": [odd]}),
        facilitator.post(reverse("agreements:attendee_remove", args=[objects["conference"].pk]), {"attendee": odd}),
        facilitator.get(reverse("agreements:victim_update_add", args=[objects["agreed_agreement"].pk]), {"item": odd}),
        facilitator.get(reverse("agreements:feedback_new", args=["victim", victim.pk]), {"conference": odd}),
        client_for(users["unallocated_facilitator"]).get(
            reverse("audit:break_glass", args=[case.pk]), {"side": "victim", "person": odd}
        ),
    ]
    assert [response.status_code < 500 for response in answers] == [True] * len(answers)
    assert answers[0].status_code == 422 and "Select" in answers[0].content.decode()


def test_a_username_longer_than_any_account_is_refused_before_signing_in(client):
    """Django's sign-in form does not enforce its username length; the sign-in attempt log holds 255 characters."""
    response = client.post(reverse("login"), {"username": "x" * 300, "password": "anything"})
    assert response.status_code == 422
    assert "Username must be 150 characters or fewer" in response.content.decode()


def test_the_write_watch_reports_kept_writes_and_not_rolled_back_ones(service):
    """The check behind "nothing is saved": writes inside a savepoint rolled back are not reported."""
    watch = WriteWatch()
    with watch.watching():
        with transaction.atomic():
            Team.objects.create(service=service, name="Kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            PccArea.objects.create(code="gone", name="Rolled back")
            raise RuntimeError
    assert watch.kept(ignore=frozenset()) == ["accounts_team"]
    assert watch.kept(ignore=frozenset({"accounts_team"})) == []
