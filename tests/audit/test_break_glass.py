"""Break-glass: a typed reason before opening a case's records outside one's own work (audit.breakglass).

The people asked are the facilitators covering a colleague's case: an accredited facilitator of the case's
service who is not on it (the `unallocated_facilitator` persona). With a reason they read the case's records;
they never change them, and nobody else reaches anything through a reason.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.breakglass import needs_reason
from audit.models import BreakGlassAccess, ProcessingLogEntry
from audit.services import break_glass_open
from cases import permissions
from cases.models import Stage, Task
from cases.services import participants as participant_services
from cases.services.lifecycle import case_close
from core import clock
from tests.factories import VICTIM_MARKERS, UserFactory
from tests.test_authorisation_matrix import MATRIX, PERSONAS, _url, world  # noqa: F401 - the matrix's world fixture

pytestmark = pytest.mark.django_db

REASON = "Their facilitator is on leave and the person harmed phoned the office"


@pytest.fixture
def covering(unallocated_facilitator):
    """A facilitator of the case's service, not allocated to it: the colleague covering it."""
    return unallocated_facilitator


@pytest.fixture
def victim(allocated_case):
    return allocated_case.victims.get()


@pytest.fixture
def volunteer(service):
    return UserFactory(username="fac_volunteer", role=Role.FACILITATOR, service=service, is_volunteer=True)


@pytest.fixture
def other_facilitator(other_service):
    return UserFactory(username="fac_other", role=Role.FACILITATOR, service=other_service)


def _reason_url(case, **query) -> str:
    url = reverse("audit:break_glass", args=[case.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _is_reason_page(response, case) -> bool:
    location = response.get("Location") or response.get("HX-Redirect") or ""
    return urlsplit(location).path == reverse("audit:break_glass", args=[case.pk])


# --- The rule ----------------------------------------------------------------------------------


def test_a_facilitator_covering_the_case_is_asked_and_people_on_it_are_not(
    allocated_case, victim, facilitator, facilitator2, manager, administrator, offender_manager, covering
):
    offender = allocated_case.offenders.get()
    assert needs_reason(covering, allocated_case, victim)
    assert needs_reason(covering, allocated_case, offender)
    assert needs_reason(covering, allocated_case)
    for own in (facilitator, facilitator2, manager):
        assert not needs_reason(own, allocated_case, victim)
        assert not needs_reason(own, allocated_case)
    assert not needs_reason(administrator, allocated_case)  # their case pages show nobody's record
    assert not needs_reason(offender_manager, allocated_case, offender)  # their own offender
    assert not needs_reason(offender_manager, allocated_case)


def test_only_accredited_facilitators_of_the_service_not_on_the_case_may_break_glass(
    request, allocated_case, covering, volunteer, other_facilitator, facilitator, facilitator2
):
    assert permissions.may_break_glass(covering, allocated_case)
    refused = [volunteer, other_facilitator, facilitator, facilitator2]
    refused += [request.getfixturevalue(p) for p in PERSONAS if p not in ("facilitator", "unallocated_facilitator")]
    for user in refused:
        assert not permissions.may_break_glass(user, allocated_case), user.username
    covering.is_active = False
    assert not permissions.may_break_glass(covering, allocated_case)


# --- Every page of the case a covering facilitator may read ----------------------------------

READABLE = sorted(name for name, row in MATRIX.items() if row.reason)


def test_the_matrix_marks_the_pages_to_read_with_a_reason():
    assert {"cases:case_detail", "cases:victim_detail", "cases:offender_detail"} <= set(READABLE)
    assert all(MATRIX[name].method == "get" for name in READABLE)


@pytest.mark.parametrize("name", READABLE)
def test_every_page_to_read_asks_the_covering_facilitator_for_a_reason_then_opens(name, world, as_user):  # noqa: F811
    objects, users = world
    case, user = objects["case"], users["unallocated_facilitator"]
    row = MATRIX[name]
    url = _url(name, row, objects)
    client = as_user(user)
    refused = client.get(url)
    assert refused.status_code == 302 and _is_reason_page(refused, case), f"{name}: {refused.status_code}"
    assert parse_qs(urlsplit(refused["Location"]).query)["next"] == [url]
    logged = ProcessingLogEntry.objects.filter(user=user).exclude(object_type="BreakGlassAccess")
    assert not logged.exists(), f"{name}: logged without a reason"
    break_glass_open(user=user, case=case, person=None, reason=REASON)
    opened = client.get(url)
    assert opened.status_code in row.ok and not _is_reason_page(opened, case), f"{name}: {opened.status_code}"
    assert all(e.break_glass and e.break_glass_access_id for e in logged.all()), f"{name}: a row without the reason"
    assert not logged.filter(reason__contains=REASON).exists(), f"{name}: the typed reason copied into the log"


def test_a_reason_opens_nothing_but_the_pages_to_read(world, as_user):  # noqa: F811
    """With a live reason, every other page and every form of the case still answers 404."""
    objects, users = world
    case, user = objects["case"], users["unallocated_facilitator"]
    break_glass_open(user=user, case=case, person=None, reason=REASON)
    client = as_user(user)
    opened = []
    for name, row in sorted(MATRIX.items()):
        if row.reason or "unallocated_facilitator" in row.allowed or not row.args:
            continue
        response = getattr(client, row.method)(_url(name, row, objects))
        if response.status_code != 404:
            opened.append(f"{row.method.upper()} {name}: {response.status_code}")
    assert not opened, "\n".join(opened)


def test_the_case_page_shows_everyone_to_read_and_nothing_to_change(as_user, covering, victim):
    break_glass_open(user=covering, case=victim.case, person=None, reason=REASON)
    page = as_user(covering).get(victim.case.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert VICTIM_MARKERS["last_name"] in text
    assert reverse("cases:victim_detail", args=[victim.pk]) in text
    assert reverse("cases:offender_detail", args=[victim.case.offenders.get().pk]) in text
    for action in ("cases:case_close", "cases:case_stage", "risk:safeguarding_list"):
        assert reverse(action, args=[victim.case_id]) not in text
    assert reverse("cases:participant_add", args=[victim.case_id, "victim"]) not in text
    person = as_user(covering).get(victim.get_absolute_url()).content.decode()
    assert reverse("cases:victim_edit", args=[victim.pk]) not in person
    assert reverse("cases:contact_add", args=["victim", victim.pk]) not in person


def test_a_form_is_refused_with_or_without_a_reason_and_nothing_is_saved(as_user, covering, victim):
    client = as_user(covering)
    url = reverse("cases:contact_add", args=["victim", victim.pk])
    data = {"notes": "Rang back"}
    assert client.post(url, data).status_code == 404
    break_glass_open(user=covering, case=victim.case, person=victim, reason=REASON)
    assert client.post(url, data).status_code == 404
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(reverse("cases:victim_edit", args=[victim.pk]), {"first_name": "Changed"}).status_code == 404
    assert not victim.contacts.filter(notes="Rang back").exists()
    victim.refresh_from_db()
    assert victim.first_name == VICTIM_MARKERS["first_name"]


def test_an_htmx_request_without_a_reason_is_sent_to_the_reason_page(as_user, covering, victim):
    page = victim.case.get_absolute_url()
    response = as_user(covering).get(
        victim.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}"
    )
    assert response.status_code == 204 and _is_reason_page(response, victim.case)
    query = parse_qs(urlsplit(response["HX-Redirect"]).query)
    assert query == {"next": [page], "side": ["victim"], "person": [str(victim.pk)]}


def test_a_closed_case_can_be_read_with_a_reason(as_user, covering, victim, manager):
    case = victim.case
    case_close(case=case, actor=manager, stage=Stage.NOT_PROCEEDING, reason_code="victim_declined")
    case.refresh_from_db()
    assert not case.is_open
    client = as_user(covering)
    assert _is_reason_page(client.get(victim.get_absolute_url()), case)
    client.post(_reason_url(case, side="victim", person=victim.pk), {"reason": "A complaint about this case"})
    assert client.get(victim.get_absolute_url()).status_code == 200
    assert client.get(reverse("cases:victim_edit", args=[victim.pk])).status_code == 404


def test_a_reason_does_not_open_a_person_whose_data_was_erased(as_user, covering, victim, manager):
    from privacy.erasure import erase_person

    erase_person(person=victim, by=manager, reason="They asked us to")
    client = as_user(covering)
    client.post(_reason_url(victim.case), {"reason": REASON})
    assert client.get(victim.get_absolute_url()).status_code == 404
    assert client.get(victim.case.offenders.get().get_absolute_url()).status_code == 200
    logged = ProcessingLogEntry.objects.filter(user=covering, object_type="BreakGlassAccess")
    assert {e.person_kind for e in logged} == {"offender"}


# --- The reason page ---------------------------------------------------------------------------


def test_the_reason_page_asks_why_and_names_no_one(as_user, covering, victim):
    response = as_user(covering).get(reverse("cases:victim_detail", args=[victim.pk]), follow=True)
    text = response.content.decode()
    assert response.status_code == 200 and "Why do you need to open this record?" in text
    assert victim.case.reference in text and "person harmed" in text
    assert "You will be able to read them but not change them." in text
    assert VICTIM_MARKERS["last_name"] not in text


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why you need to open this record"),
        ("   ", "Enter why you need to open this record"),
        ("Because", "Your reason must be 10 characters or more"),
        ("x" * 301, "Your reason must be 300 characters or fewer"),
    ],
)
def test_a_missing_short_or_long_reason_is_refused_and_nothing_recorded(as_user, covering, victim, reason, message):
    url = _reason_url(victim.case, next=victim.get_absolute_url(), side="victim", person=victim.pk)
    response = as_user(covering).post(url, {"reason": reason})
    assert response.status_code == 422 and message in response.content.decode()
    assert not BreakGlassAccess.objects.exists()
    assert not ProcessingLogEntry.objects.filter(user=covering).exists()
    assert not Task.objects.filter(dedupe_key__startswith="break-glass:").exists()


def test_a_reason_is_logged_once_then_every_view_of_the_case_carries_it(as_user, covering, victim, manager):
    client = as_user(covering)
    url = _reason_url(victim.case, next=victim.get_absolute_url(), side="victim", person=victim.pk)
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == victim.get_absolute_url()
    access = BreakGlassAccess.objects.get()
    assert (access.user, access.case, access.person_kind, access.person_id, access.reason) == (
        covering,
        victim.case,
        "victim",
        victim.pk,
        REASON,
    )
    assert dt.timedelta(hours=7, minutes=59) < access.expires_at - access.at <= dt.timedelta(hours=8)
    entry = ProcessingLogEntry.objects.get(user=covering)
    assert (entry.break_glass, entry.break_glass_access_id, entry.person_kind, entry.person_id) == (
        True,
        access.pk,
        "victim",
        victim.pk,
    )
    assert REASON not in entry.reason  # typed text stays with the access (erasable), never in the log
    assert entry.object_type == "BreakGlassAccess" and entry.object_id == access.pk

    assert client.get(victim.get_absolute_url()).status_code == 200
    offender = victim.case.offenders.get()
    assert client.get(offender.get_absolute_url()).status_code == 200  # the same case: not asked again
    assert client.get(url).status_code == 302  # the reason page itself sends them on
    later = ProcessingLogEntry.objects.filter(user=covering).exclude(pk=entry.pk)
    assert {(e.person_kind, e.break_glass, e.break_glass_access_id) for e in later} == {
        ("victim", True, access.pk),
        ("offender", True, access.pk),
    }
    assert BreakGlassAccess.objects.count() == 1


def test_the_reason_runs_out_after_eight_hours(as_user, covering, victim):
    break_glass_open(user=covering, case=victim.case, person=victim, reason=REASON)
    client = as_user(covering)
    assert client.get(victim.get_absolute_url()).status_code == 200
    later = timezone.now() + dt.timedelta(hours=8, minutes=1)
    with clock.use(lambda: later):
        response = client.get(victim.get_absolute_url())
    assert response.status_code == 302 and _is_reason_page(response, victim.case)


def test_signing_out_ends_the_reason(as_user, covering, victim):
    client = as_user(covering)
    client.post(_reason_url(victim.case, next=victim.get_absolute_url()), {"reason": REASON})
    assert client.get(victim.get_absolute_url()).status_code == 200
    client.post(reverse("accounts:logout"))
    client = as_user(covering)
    assert _is_reason_page(client.get(victim.get_absolute_url()), victim.case)


def test_a_reason_lives_only_in_the_session_it_was_given_in(as_user, covering, victim):
    """A session that lapses without signing out (the browser closed, 30 minutes idle) takes the reason with it:
    the next session, or another browser, is asked again."""
    client = as_user(covering)
    client.post(_reason_url(victim.case, next=victim.get_absolute_url()), {"reason": REASON})
    access = BreakGlassAccess.objects.get()
    assert access.session_digest and client.session.session_key not in access.session_digest
    assert client.get(victim.get_absolute_url()).status_code == 200
    elsewhere = as_user(covering)  # a second session of the same person, the first never signed out of
    assert _is_reason_page(elsewhere.get(victim.get_absolute_url()), victim.case)
    assert client.get(victim.get_absolute_url()).status_code == 200  # still open where it was given
    assert BreakGlassAccess.objects.count() == 1


def test_next_leads_only_to_this_site(as_user, covering, victim):
    url = _reason_url(victim.case, next="https://elsewhere.example/steal")
    response = as_user(covering).post(url, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == victim.case.get_absolute_url()


def test_a_person_not_on_the_case_is_ignored_and_the_reason_covers_the_case(as_user, covering, victim):
    url = _reason_url(victim.case, side="victim", person=999999)
    assert as_user(covering).post(url, {"reason": REASON}).status_code == 302
    access = BreakGlassAccess.objects.get()
    assert (access.person_kind, access.person_id) == ("", None)
    logged = ProcessingLogEntry.objects.filter(object_type="BreakGlassAccess")
    assert {e.person_kind for e in logged} == {"victim", "offender"}  # everyone the case opens to them


def test_the_reason_page_refuses_wrong_methods(as_user, covering, victim):
    assert as_user(covering).put(_reason_url(victim.case)).status_code == 405


# --- Who is never asked, and who it never opens anything to --------------------------------


@pytest.mark.parametrize("persona", ["facilitator", "facilitator2", "manager"])
def test_allocated_facilitators_and_the_services_manager_are_never_asked(persona, request, as_user, victim):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(victim.get_absolute_url()).status_code == 200
    assert client.get(reverse("risk:case_assessments", args=[victim.case_id])).status_code == 200
    response = client.post(_reason_url(victim.case, next=victim.get_absolute_url()), {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == victim.get_absolute_url()
    assert not BreakGlassAccess.objects.exists()
    assert not ProcessingLogEntry.objects.filter(break_glass=True).exists()


@pytest.mark.parametrize(
    "persona", ["volunteer", "other_facilitator", "other_manager", "commissioner", "other_offender_manager"]
)
def test_people_the_permissions_refuse_get_404_and_no_reason_page(persona, request, as_user, victim):
    user = request.getfixturevalue(persona)
    client = as_user(user)
    for url in (victim.get_absolute_url(), victim.case.get_absolute_url()):
        assert client.get(url).status_code == 404, url
    assert client.get(_reason_url(victim.case)).status_code == 404
    assert client.post(_reason_url(victim.case), {"reason": REASON}).status_code == 404
    assert not BreakGlassAccess.objects.exists()
    break_glass_open(user=user, case=victim.case, person=None, reason=REASON)  # even with one on record
    for url in (victim.get_absolute_url(), victim.case.get_absolute_url()):
        assert client.get(url).status_code == 404, url


def test_a_volunteer_is_never_sent_to_the_reason_page_even_on_a_case_they_co_facilitated(
    as_user, volunteer, victim, manager, facilitator
):
    from cases.services.allocation import case_allocate

    case = victim.case
    case_allocate(case=case, actor=manager, lead=facilitator, second=volunteer, reason="A volunteer joins")
    assert as_user(volunteer).get(victim.get_absolute_url()).status_code == 200  # their own case
    case_allocate(case=case, actor=manager, lead=facilitator, second=None, reason="The volunteer moved on")
    response = as_user(volunteer).get(victim.get_absolute_url())
    assert response.status_code == 404 and not _is_reason_page(response, case)


@pytest.mark.parametrize("persona", ["offender_manager", "vlo", "administrator"])
def test_offender_side_staff_vlos_and_administrators_never_reach_a_person_through_a_reason(
    persona, request, as_user, victim, manager
):
    user = request.getfixturevalue(persona)
    if persona == "vlo":
        participant_services.participant_update(participant=victim, actor=manager, data={"vlo": user})
    offender = victim.case.offenders.get()
    client = as_user(user)
    sent = client.post(_reason_url(victim.case), {"reason": REASON})
    assert sent.status_code == (302 if persona == "administrator" else 404)  # no reason asked of either
    break_glass_open(user=user, case=victim.case, person=None, reason=REASON)  # even with one on record
    pages = [victim.get_absolute_url(), offender.get_absolute_url()]
    if persona != "administrator":  # the administrator's case page shows no one's record
        pages.append(victim.case.get_absolute_url())
    for url in pages:
        response = client.get(url)
        assert response.status_code == 404, url
        assert VICTIM_MARKERS["last_name"] not in response.content.decode()
    if persona == "administrator":
        return
    progress = client.get(reverse("cases:case_progress", args=[victim.case_id]))
    assert progress.status_code == 200 and not _is_reason_page(progress, victim.case)


# --- The managers' view --------------------------------------------------------------------


def test_managers_get_a_task_without_personal_data(covering, victim, manager, service):
    second = UserFactory(username="mgr2", role=Role.MANAGER, service=service)
    access = break_glass_open(user=covering, case=victim.case, person=victim, reason=REASON)
    tasks = Task.objects.filter(dedupe_key__startswith=f"break-glass:{access.pk}:")
    assert {t.assignee for t in tasks} == {manager, second}
    for task in tasks:
        assert victim.case.reference in task.title
        assert VICTIM_MARKERS["first_name"] not in task.title and VICTIM_MARKERS["last_name"] not in task.title
        assert task.link == reverse("audit:break_glass_list") + f"#access-{access.pk}"


def test_the_manager_sees_the_reason_and_marks_it_reviewed(as_user, covering, victim, manager):
    access = break_glass_open(user=covering, case=victim.case, person=victim, reason=REASON)
    client = as_user(manager)
    page = client.get(reverse("audit:break_glass_list"))
    text = page.content.decode()
    assert page.status_code == 200
    assert REASON in text and covering.username in text and victim.case.reference in text
    assert reverse("cases:case_detail", args=[victim.case_id]) in text
    assert reverse("audit:break_glass_list") in client.get(reverse("audit:log_search")).content.decode()  # nav
    response = client.post(reverse("audit:break_glass_reviewed", args=[access.pk]))
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == manager and access.reviewed_at is not None
    assert not Task.objects.filter(dedupe_key__startswith="break-glass:", done_at__isnull=True).exists()
    assert client.get(reverse("audit:break_glass_reviewed", args=[access.pk])).status_code == 405


def test_who_has_seen_this_record_shows_the_reason(as_user, covering, victim, manager):
    client = as_user(covering)
    client.post(_reason_url(victim.case, side="victim", person=victim.pk), {"reason": REASON})
    client.get(victim.get_absolute_url())
    page = as_user(manager).get(reverse("audit:person_log", args=["victim", victim.pk])).content.decode()
    assert "Reasons given to open this case" in page
    assert f"Opened with a break-glass reason: {REASON}" in page and "Outside own cases" in page


@pytest.mark.parametrize("persona", ["facilitator", "administrator", "offender_manager", "vlo", "commissioner"])
def test_only_managers_open_the_list(persona, request, as_user, covering, victim):
    access = break_glass_open(user=covering, case=victim.case, person=victim, reason=REASON)
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("audit:break_glass_list")).status_code == 404
    assert client.post(reverse("audit:break_glass_reviewed", args=[access.pk])).status_code == 404


def test_another_services_manager_sees_none_of_this_services_reasons(as_user, covering, victim, other_manager):
    access = break_glass_open(user=covering, case=victim.case, person=victim, reason=REASON)
    client = as_user(other_manager)
    page = client.get(reverse("audit:break_glass_list")).content.decode()
    assert REASON not in page and victim.case.reference not in page
    assert client.post(reverse("audit:break_glass_reviewed", args=[access.pk])).status_code == 404
    access.refresh_from_db()
    assert access.reviewed_at is None


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_costs_the_same_whatever_its_length(
    as_user, covering, victim, manager, django_assert_max_num_queries, rows
):
    for number in range(rows):
        person = victim if number % 2 else None
        break_glass_open(user=covering, case=victim.case, person=person, reason=f"{REASON} ({number})")
    client = as_user(manager)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("audit:break_glass_list"))
    assert response.status_code == 200 and response.content.decode().count("Mark as reviewed<") == rows


def test_the_list_is_paged_newest_first(as_user, covering, victim, manager):
    start = timezone.now() - dt.timedelta(days=3)
    for number in range(55):
        moment = start + dt.timedelta(minutes=number)
        with clock.use(lambda moment=moment: moment):
            break_glass_open(user=covering, case=victim.case, person=None, reason=f"Reason number {number:02d}")
    client = as_user(manager)
    first = client.get(reverse("audit:break_glass_list")).content.decode()
    assert first.index("Reason number 54") < first.index("Reason number 53")
    assert "Reason number 04" not in first and 'rel="next"' in first
    next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get(reverse("audit:break_glass_list") + next_url).content.decode()
    assert "Reason number 04" in second and "Reason number 54" not in second
