"""The project's authorisation matrix: every URL pattern by every persona.

MATRIX names, for each URL pattern, the personas who may use it. Everyone else
must get 404 — the same answer as for a record that does not exist. The test
fails when a URL pattern is missing from the table, so every new view must be
added here with a decision about who may use it.

For offender-side personas and commissioners, every page they can open is also
checked for the person harmed's name, address, phone and email.

A row marked `reason=True` is a page a facilitator covering a colleague's case may read once they
have typed why (break-glass, audit.breakglass): there the unallocated facilitator must be sent to the
reason page instead of getting 404. tests/audit/test_break_glass.py opens each of them with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CodeList, ConsentKind, DisclosureKind
from cases.services import participants as participant_services
from tests.agreements.matrix_feedback import feedback_rows, feedback_world
from tests.agreements.matrix_outcome import outcome_rows, outcome_world
from tests.agreements.matrix_reminders import reminder_rows
from tests.agreements.matrix_support import indirect_world
from tests.audit.matrix_breakglass import breakglass_rows, breakglass_world
from tests.factories import VICTIM_MARKERS, code
from tests.privacy.matrix_privacy import privacy_rows
from tests.reporting.matrix_dashboard import dashboard_rows
from tests.reporting.matrix_returns import returns_rows, returns_world
from tests.url_patterns import iter_patterns

PERSONAS = (
    "facilitator",  # lead facilitator allocated to the case
    "unallocated_facilitator",  # facilitator in the same service, not on the case
    "manager",  # RJ manager of the case's service
    "administrator",  # administrator of the case's service
    "other_manager",  # RJ manager of another service
    "offender_manager",  # offender manager of this case's offender
    "other_offender_manager",  # offender manager of someone else
    "vlo",  # victim liaison officer of this case's victim
    "commissioner",  # PCC commissioner for the case's area
)
OFFENDER_SIDE = {"offender_manager", "other_offender_manager", "commissioner"}
EVERYONE = set(PERSONAS)
RJ_TEAM_HERE = {"facilitator", "unallocated_facilitator", "manager", "administrator"}
WORKERS = {"facilitator", "manager"}  # may work the case: both sides' records


@dataclass(frozen=True)
class Row:
    allowed: set[str]
    args: str = ""  # which object of the world the URL takes: case, victim, offender, victim_contact...
    method: str = "get"
    ok: tuple[int, ...] = (200,)
    kwargs: dict = field(default_factory=dict)
    destructive: bool = False  # the first allowed request uses the object up: try only one allowed persona
    reason: bool = False  # the unallocated facilitator is asked for a break-glass reason (not 404)


def _side_rows(
    name: str, args: str, method: str = "get", ok=(200,), destructive: bool = False, reason: bool = False
) -> dict[str, Row]:
    return {
        f"{name}[victim]": Row(WORKERS, f"victim{args}", method, ok, {"side": "victim"}, destructive, reason),
        f"{name}[offender]": Row(WORKERS, f"offender{args}", method, ok, {"side": "offender"}, destructive, reason),
    }


PUBLIC = {
    "login",
    "core:healthz",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}

MATRIX: dict[str, Row] = {
    # Platform
    "core:home": Row(EVERYONE, ok=(302,)),
    "core:no_role": Row(EVERYONE),
    "core:accessibility": Row(EVERYONE),
    "core:privacy": Row(EVERYONE),
    "core:service_summary": Row(RJ_TEAM_HERE | {"other_manager"}),
    "core:service_summary_pdf": Row(RJ_TEAM_HERE | {"other_manager"}),
    "accounts:logout": Row(EVERYONE, method="post", ok=(302,)),
    "accounts:password_change": Row(EVERYONE),
    "accounts:password_change_done": Row(EVERYONE),
    # Two-factor authentication (every persona's session is verified: the sign-in steps send them on)
    "accounts:two_factor": Row(EVERYONE),
    "accounts:two_factor_setup": Row(EVERYONE),
    "accounts:two_factor_verify": Row(EVERYONE, ok=(302,)),
    "accounts:two_factor_recovery": Row(EVERYONE, ok=(302,)),
    "accounts:recovery_codes": Row(EVERYONE, ok=(302,)),
    "accounts:recovery_codes_replace": Row(EVERYONE, method="post", ok=(302,)),
    "accounts:two_factor_staff": Row({"manager", "administrator", "other_manager"}),
    "accounts:two_factor_reset": Row({"manager", "administrator"}, "colleague"),
    # Lists
    "cases:my_work": Row({"facilitator", "unallocated_facilitator", "manager", "other_manager"}),
    "cases:my_referrals": Row({"offender_manager", "other_offender_manager", "vlo"}),
    "cases:case_list": Row({"manager", "administrator", "other_manager"}),
    "cases:case_list_csv": Row({"manager", "administrator", "other_manager"}),  # other_manager: their own list
    "cases:search": Row(RJ_TEAM_HERE | {"other_manager"}),
    "cases:allocation_queue": Row({"manager", "other_manager"}),
    # Referral and eligibility
    "cases:referral_new": Row(EVERYONE - {"commissioner"}),
    "cases:referral_done": Row({"facilitator", "manager", "administrator", "offender_manager", "vlo"}, "case"),
    "cases:referral_link": Row({"facilitator", "manager", "administrator"}, "case", "post", ok=(302, 422)),
    "cases:eligibility": Row({"manager", "administrator"}, "case"),
    "cases:exceptional": Row({"manager"}, "case"),
    "cases:criteria": Row({"administrator"}),
    "cases:criteria_new": Row({"administrator"}),
    "cases:criteria_detail": Row({"administrator"}, "criteria"),
    # Allocation and lifecycle
    "cases:allocate": Row({"manager"}, "case"),
    "cases:case_stage": Row(WORKERS, "case"),
    "cases:case_close": Row(WORKERS, "case"),
    # The case and its people
    "cases:case_detail": Row({"facilitator", "manager", "administrator"}, "case", reason=True),
    "cases:case_timeline": Row({"facilitator", "manager", "administrator"}, "case", reason=True),
    "cases:case_history": Row({"manager"}, "case"),
    "cases:case_progress": Row({"offender_manager", "vlo"}, "case"),
    "cases:victim_detail": Row(WORKERS, "victim", reason=True),
    "cases:victim_edit": Row(WORKERS, "victim"),
    "cases:offender_detail": Row(WORKERS, "offender", reason=True),
    "cases:offender_edit": Row(WORKERS, "offender"),
    "cases:participant_add[victim]": Row(WORKERS, "case", kwargs={"side": "victim"}),
    "cases:participant_add[offender]": Row(WORKERS, "case", kwargs={"side": "offender"}),
    **_side_rows("cases:contact_add", "", "post", ok=(302, 422)),
    **_side_rows("cases:need_add", ""),
    **_side_rows("cases:need_edit", "_need"),
    **_side_rows("cases:consent_add", ""),
    **_side_rows("cases:consent_withdraw", "_consent"),
    **_side_rows("cases:disclosure_add", ""),
    **_side_rows("cases:disclosure_withdraw", "_disclosure"),
    **_side_rows("cases:supporter_add", ""),
    **_side_rows("cases:supporter_edit", "_supporter"),
    **_side_rows("cases:supporter_remove", "_supporter", "post", ok=(302,), destructive=True),
    # Risk: suitability, assessments and approval, safeguarding, settings
    "risk:approvals": Row({"manager", "other_manager"}),
    "risk:case_assessments": Row(WORKERS, "case", reason=True),
    "risk:assessment_new": Row(WORKERS, "case"),
    "risk:assessment_detail[victim]": Row(WORKERS, "victim_assessment", reason=True),
    "risk:assessment_detail[offender]": Row(WORKERS, "offender_assessment", reason=True),
    "risk:assessment_edit[victim]": Row(WORKERS, "victim_assessment"),
    "risk:assessment_edit[offender]": Row(WORKERS, "offender_assessment"),
    "risk:assessment_approve": Row({"manager"}, "submitted_assessment", "post", ok=(302, 422)),
    "risk:assessment_return": Row({"manager"}, "submitted_assessment", "post", ok=(422,)),
    "risk:settings": Row({"administrator"}),
    "risk:checklists": Row({"administrator"}),
    "risk:checklist_new": Row({"administrator"}),
    "risk:checklist_detail": Row({"administrator"}, kwargs={"version": 1}),
    **_side_rows("risk:suitability_new", ""),
    **_side_rows("risk:suitability_detail", "_suitability", reason=True),
    **_side_rows("risk:suitability_edit", "_suitability"),
    **_side_rows("risk:new_risk_new", ""),
    "risk:safeguarding_list": Row(WORKERS, "case"),
    "risk:safeguarding_new": Row(WORKERS, "case"),
    "risk:safeguarding_detail": Row(WORKERS, "safeguarding"),
    "risk:safeguarding_acknowledge": Row(WORKERS, "safeguarding", "post", ok=(302, 422)),
    "risk:safeguarding_resolve": Row({"manager"}, "safeguarding", "post", ok=(302, 422)),
    # Conferences
    "agreements:case_activity": Row(WORKERS, "case", reason=True),
    "agreements:conference_new": Row(WORKERS, "case"),
    "agreements:conference_detail": Row(WORKERS, "conference", reason=True),
    "agreements:conference_confirm": Row(WORKERS, "conference"),
    "agreements:indirect_new": Row(WORKERS, "case"),
    "agreements:indirect_detail": Row(WORKERS, "indirect", reason=True),
    "agreements:message_new": Row(WORKERS, "indirect"),
    "agreements:indirect_complete": Row(WORKERS, "indirect"),
    "agreements:message_review": Row(WORKERS, "indirect_message"),
    "agreements:message_pass_on": Row(WORKERS, "indirect_message", "post", ok=(422,)),
    "agreements:conference_edit": Row(WORKERS, "conference"),
    "agreements:attendee_add": Row(WORKERS, "conference"),
    "agreements:attendee_remove": Row(WORKERS, "conference", "post", ok=(302, 422)),
    "agreements:conference_postpone": Row(WORKERS, "conference"),
    "agreements:conference_cancel": Row(WORKERS, "conference"),
    "agreements:conference_held": Row(WORKERS, "conference"),
    **outcome_rows(Row),
    **feedback_rows(Row),
    **reminder_rows(Row),
    # The processing log, for the service's managers
    "audit:log_search": Row({"manager", "other_manager"}),
    "audit:person_log[victim]": Row({"manager"}, "victim", kwargs={"side": "victim"}),
    "audit:person_log[offender]": Row({"manager"}, "offender", kwargs={"side": "offender"}),
    **breakglass_rows(Row),
    **returns_rows(Row),
    **dashboard_rows(Row),
    **privacy_rows(Row),
    # Later parts of the product
    "reporting:returns": Row({"manager", "administrator", "other_manager"}),
    "reporting:dashboard": Row({"manager", "commissioner", "other_manager"}),
}


def _base(name: str) -> str:
    return name.split("[", 1)[0]


def test_every_url_pattern_is_in_the_matrix():
    names = {name for name, _, _ in iter_patterns()}
    covered = {_base(n) for n in MATRIX} | PUBLIC
    assert names - covered == set(), f"add these URL patterns to the authorisation matrix: {names - covered}"
    assert covered - names == set(), f"these matrix rows name no URL pattern: {covered - names}"


@pytest.fixture
def world(
    allocated_case,
    facilitator,
    unallocated_facilitator,
    manager,
    administrator,
    other_manager,
    offender_manager,
    other_offender_manager,
    vlo,
    commissioner,
    criteria,
):
    case = allocated_case
    victim = case.victims.get()
    offender = case.offenders.get()
    participant_services.participant_update(participant=victim, actor=manager, data={"vlo": vlo})
    objects = {"case": case, "victim": victim, "offender": offender, "criteria": criteria}
    objects["colleague"] = unallocated_facilitator  # whose two-factor authentication a manager may reset
    for side, person in (("victim", victim), ("offender", offender)):
        participant_services.contact_log(
            participant=person,
            actor=facilitator,
            data={
                "occurred_at": timezone.now(),
                "contact_type": code(CodeList.CONTACT_TYPE, "phone"),
                "direction": code(CodeList.DIRECTION, "outgoing"),
                "appointment": code(CodeList.APPOINTMENT, "kept"),
                "notes": f"Spoke to {person.first_name}",
            },
        )
        objects[f"{side}_need"] = participant_services.need_add(
            participant=person, actor=facilitator, data={"need": code(CodeList.NEED, "interpreter")}
        )
        objects[f"{side}_consent"] = participant_services.consent_record(
            participant=person,
            actor=facilitator,
            data={"kind": ConsentKind.EVALUATION, "given_on": dt.date(2026, 10, 3)},
        )
        objects[f"{side}_disclosure"] = participant_services.disclosure_grant(
            participant=person,
            actor=facilitator,
            data={
                "kind": DisclosureKind.TAKING_PART,
                "content": "That they are taking part",
                "granted_on": dt.date(2026, 10, 3),
            },
        )
        objects[f"{side}_supporter"] = participant_services.supporter_add(
            participant=person, actor=facilitator, data={"name": f"{side} supporter"}
        )
    objects.update(_risk_world(case, victim, offender, facilitator))
    objects.update(indirect_world(case, victim, offender, facilitator))
    objects.update(feedback_world(case, victim, offender, facilitator, objects["conference"]))
    objects.update(outcome_world(case, facilitator))
    objects.update(returns_world(case, administrator))
    users = {
        "facilitator": facilitator,
        "unallocated_facilitator": unallocated_facilitator,
        "manager": manager,
        "administrator": administrator,
        "other_manager": other_manager,
        "offender_manager": offender_manager,
        "other_offender_manager": other_offender_manager,
        "vlo": vlo,
        "commissioner": commissioner,
    }
    objects.update(breakglass_world(case, users))
    return objects, users


def _risk_world(case, victim, offender, facilitator) -> dict:
    from agreements.services.conferences import conference_plan
    from risk.services.assessments import assessment_start, assessment_submit, assessment_update
    from risk.services.safeguarding import safeguarding_record
    from risk.services.suitability import suitability_record

    objects = {
        "offender_suitability": suitability_record(
            participant=offender,
            actor=facilitator,
            data={"assessed_on": dt.date(2026, 10, 10), "accepts_some_responsibility": True, "outcome": "suitable"},
        ),
    }
    objects["victim_suitability"] = suitability_record(
        participant=victim, actor=facilitator, data={"assessed_on": dt.date(2026, 10, 12), "readiness": "Ready"}
    )
    for side, person in (("victim", victim), ("offender", offender)):
        objects[f"{side}_assessment"] = assessment_start(
            case=case, actor=facilitator, subject=side, person=person, point="pre_conference"
        )
    venue = assessment_start(case=case, actor=facilitator, subject="venue", point="pre_conference")
    assessment_update(
        assessment=venue,
        actor=facilitator,
        answers={a.item_id: (False, "") for a in venue.answers.all()},
        data={
            "rating": "low",
            "rating_reasons": "Visited",
            "management_plan": "Usual plan",
            "facilitator_ratio": "2 to 4",
        },
    )
    objects["submitted_assessment"] = assessment_submit(assessment=venue, actor=facilitator)
    objects["safeguarding"] = safeguarding_record(
        case=case,
        actor=facilitator,
        data={
            "concern": "Threats made about a neighbour",
            "at_risk": "other",
            "at_risk_details": "A neighbour",
            "agency": "police",
            "passed_by": "phone",
            "passed_at": timezone.now(),
            "escalate_rosh": False,
        },
    )
    objects["conference"] = conference_plan(
        case=case,
        actor=facilitator,
        data={
            "date": dt.date(2026, 12, 10),
            "start_time": dt.time(10, 0),
            "venue_name": "Community hall",
            "venue_kind": "community",
        },
        victims=[victim],
        offenders=[offender],
    )
    return objects


def _url(name: str, row: Row, objects) -> str:
    kwargs = dict(row.kwargs)
    if row.args == "criteria":
        kwargs["version"] = objects["criteria"].version
    elif row.args:
        kwargs["pk"] = objects[row.args].pk
    return reverse(_base(name), kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_authorisation_matrix(name, world, as_user):
    objects, users = world
    row = MATRIX[name]
    assert row.allowed <= EVERYONE
    assert not (row.reason and "unallocated_facilitator" in row.allowed)
    url = _url(name, row, objects)
    failures = []
    # Everyone who must be refused goes first, so a destructive request cannot hide a refusal.
    order = sorted(PERSONAS, key=lambda p: p in row.allowed)
    if row.destructive:
        order = [p for p in order if p not in row.allowed] + [p for p in order if p in row.allowed][:1]
    reason_page = reverse("audit:break_glass", args=[objects["case"].pk])
    for persona in order:
        client = as_user(users[persona])
        response = getattr(client, row.method)(url)
        expected_ok = persona in row.allowed
        if row.reason and persona == "unallocated_facilitator":
            sent_to = urlsplit(response.get("Location", "")).path
            if response.status_code != 302 or sent_to != reason_page:
                failures.append(f"{persona}: expected the reason page, got {response.status_code} {sent_to}")
        elif expected_ok and response.status_code not in row.ok:
            failures.append(f"{persona}: expected {row.ok}, got {response.status_code}")
        elif not expected_ok and response.status_code != 404:
            failures.append(f"{persona}: expected 404, got {response.status_code}")
        if persona in OFFENDER_SIDE and response.status_code == 200:
            body = response.content.decode(errors="replace")
            leaked = [value for value in VICTIM_MARKERS.values() if value in body]
            if leaked:
                failures.append(f"{persona}: victim data in the page: {leaked}")
    assert not failures, f"{row.method.upper()} {url}:\n" + "\n".join(failures)
