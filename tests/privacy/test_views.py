"""The privacy pages: who may use them, bad input, what the subject access export holds, and the log."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from audit.models import Operation, ProcessingLogEntry
from cases.models import Victim
from privacy.models import Erasure, RetentionKind, RetentionSetting
from privacy.policy import POLICIES
from tests.factories import VICTIM_MARKERS
from tests.privacy.support import CANARIES, OFFENDER, VICTIM, rich_case

pytestmark = pytest.mark.django_db

REFUSED = ("facilitator", "administrator", "other_manager", "offender_manager", "vlo", "commissioner")


@pytest.fixture
def people(allocated_case, request):
    names = ("manager", *REFUSED)
    return {name: request.getfixturevalue(name) for name in names}


def _urls(case) -> list[str]:
    victim, offender = case.victims.get(), case.offenders.get()
    return [
        reverse(f"privacy:{name}", args=[side, person.pk])
        for name in ("erase", "subject_access", "subject_access_download")
        for side, person in (("victim", victim), ("offender", offender))
    ]


def test_only_an_rj_manager_of_the_cases_service_may_erase_or_export(allocated_case, people, as_user):
    for url in _urls(allocated_case):
        assert as_user(people["manager"]).get(url).status_code == 200, url
        for persona in REFUSED:
            assert as_user(people[persona]).get(url).status_code == 404, f"{persona} {url}"
            assert as_user(people[persona]).post(url, {"reason": "x"}).status_code in (404, 405), f"{persona} {url}"
    assert not Erasure.objects.exists()


def test_wrong_methods_are_refused(allocated_case, manager, as_user):
    victim = allocated_case.victims.get()
    client = as_user(manager)
    assert client.put(reverse("privacy:erase", args=["victim", victim.pk])).status_code == 405
    assert client.post(reverse("privacy:subject_access", args=["victim", victim.pk])).status_code == 405
    assert client.post(reverse("privacy:subject_access_download", args=["victim", victim.pk])).status_code == 405
    assert client.delete(reverse("privacy:retention")).status_code == 405


def test_the_person_page_offers_the_actions_to_managers_only(allocated_case, manager, facilitator, as_user):
    victim = allocated_case.victims.get()
    url = reverse("cases:victim_detail", args=[victim.pk])
    erase_url = reverse("privacy:erase", args=["victim", victim.pk])
    assert erase_url in as_user(manager).get(url).content.decode()
    assert erase_url not in as_user(facilitator).get(url).content.decode()


@pytest.mark.parametrize("reason", ["", "   "])
def test_erasing_without_a_reason_is_refused_and_nothing_is_erased(allocated_case, manager, as_user, reason):
    victim = allocated_case.victims.get()
    response = as_user(manager).post(reverse("privacy:erase", args=["victim", victim.pk]), {"reason": reason})
    assert response.status_code == 422
    assert "Enter why this person&#x27;s personal data is being erased" in response.content.decode()
    victim.refresh_from_db()
    assert victim.first_name == VICTIM_MARKERS["first_name"]
    assert not Erasure.objects.exists()
    assert not ProcessingLogEntry.objects.filter(operation=Operation.ERASURE).exists()


def test_a_too_long_reason_is_refused(allocated_case, manager, as_user):
    victim = allocated_case.victims.get()
    response = as_user(manager).post(reverse("privacy:erase", args=["victim", victim.pk]), {"reason": "x" * 301})
    assert response.status_code == 422 and "300 characters or fewer" in response.content.decode()
    assert not Erasure.objects.exists()


def test_a_manager_erases_a_person_harmed(allocated_case, manager, facilitator, as_user):
    victim = allocated_case.victims.get()
    client = as_user(manager)
    page = client.get(reverse("privacy:erase", args=["victim", victim.pk]))
    assert "This cannot be undone" in page.content.decode()
    response = client.post(reverse("privacy:erase", args=["victim", victim.pk]), {"reason": "They asked us to"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:case_detail", args=[allocated_case.pk]
    )
    case_page = client.get(response["Location"]).content.decode()
    assert "Personal data erased" in case_page and "data-erased-people" in case_page
    assert VICTIM_MARKERS["last_name"] not in case_page
    assert Victim.objects.get(pk=victim.pk).full_name == "Erased"
    for user in (manager, facilitator):
        assert as_user(user).get(reverse("cases:victim_detail", args=[victim.pk])).status_code == 404
    assert "data-erased-people" not in as_user(facilitator).get(response["Location"]).content.decode()
    entry = ProcessingLogEntry.objects.get(operation=Operation.ERASURE)
    assert (entry.person_kind, entry.person_id, entry.user) == ("victim", victim.pk, manager)


# --- Subject access --------------------------------------------------------------------------------


@pytest.fixture
def world(service, administrator, manager, facilitator, facilitator2, offender_manager, criteria):
    return rich_case(
        service=service,
        administrator=administrator,
        manager=manager,
        facilitator=facilitator,
        facilitator2=facilitator2,
        offender_manager=offender_manager,
    )


def _zip_texts(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.mark.parametrize("side", ["victim", "offender"])
def test_the_subject_access_export_holds_the_persons_data_and_none_of_the_other_partys(world, manager, as_user, side):
    person = world[side]
    other = "offender" if side == "victim" else "victim"
    response = as_user(manager).get(reverse("privacy:subject_access_download", args=[side, person.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="subject-access-')
    files = _zip_texts(response.content)
    assert {"README.txt", "record.json", "details.csv", "contacts.csv", "risk.csv", "use.csv"} <= set(files)
    everything = "\n".join(files.values()).lower()
    own = VICTIM if side == "victim" else OFFENDER
    for value in (own["first_name"], own["last_name"], own["email"], own["phone"]):
        assert value.lower() in everything
    leaked = [canary for canary in CANARIES[other] if canary.lower() in everything]
    assert not leaked, f"the other party's data is in the export: {leaked}"
    assert "[removed]" in everything  # their own records mentioned the other party: taken out
    record = json.loads(files["record.json"])
    risk = next(s for s in record["sections"] if s["key"] == "risk")
    assert len(risk["rows"]) == 1  # their own assessment only
    entry = ProcessingLogEntry.objects.get(operation=Operation.DISCLOSURE, object_type="SubjectAccessExport")
    assert (entry.person_kind, entry.person_id, entry.user, entry.recipient) == (
        side,
        person.pk,
        manager,
        "The data subject",
    )


def test_the_subject_access_page_explains_the_export(world, manager, as_user):
    victim = world["victim"]
    body = as_user(manager).get(reverse("privacy:subject_access", args=["victim", victim.pk])).content.decode()
    assert "Download the export (ZIP)" in body and "anything about the other party" in body
    assert not ProcessingLogEntry.objects.filter(object_type="SubjectAccessExport").exists()


# --- Retention settings ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "administrator"])
def test_managers_and_administrators_see_the_periods_and_their_reasons(persona, request, as_user):
    user = request.getfixturevalue(persona)
    body = as_user(user).get(reverse("privacy:retention")).content.decode()
    for policy in POLICIES.values():
        assert policy.default_reason.split(".")[0].replace("'", "&#x27;") in body
    assert "6 years" in body and "Limitation Act 1980" in body and "The processing log is kept" in body


@pytest.mark.parametrize("persona", ["facilitator", "offender_manager", "vlo", "commissioner"])
def test_other_roles_cannot_open_the_retention_settings(persona, request, as_user):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(reverse("privacy:retention")).status_code == 404
    url = reverse("privacy:retention_edit", args=[RetentionKind.CLOSED_CASE])
    assert client.post(url, {"months": "24", "reason": "x"}).status_code == 404
    assert not RetentionSetting.objects.exists()


def test_a_period_is_changed_with_a_reason_and_kept_in_history(manager, service, as_user):
    client = as_user(manager)
    url = reverse("privacy:retention_edit", args=[RetentionKind.CLOSED_CASE])
    assert client.get(url).status_code == 200
    response = client.post(url, {"months": "84", "reason": "Seven years, as our funder asks"})
    assert response.status_code == 302 and response["Location"] == reverse("privacy:retention")
    setting = RetentionSetting.objects.get(service=service, kind=RetentionKind.CLOSED_CASE)
    assert (setting.months, setting.changed_by) == (84, manager)
    body = client.get(reverse("privacy:retention")).content.decode()
    assert "7 years" in body and "Seven years, as our funder asks" in body and manager.display_name in body
    assert setting.history.count() == 1 and setting.history.get().history_user == manager


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"months": "12", "reason": "Short"}, "Enter a number of months from 24 to 180"),
        ({"months": "181", "reason": "Long"}, "Enter a number of months from 24 to 180"),
        ({"months": "six", "reason": "Words"}, "Enter the number of months as a whole number"),
        ({"months": "", "reason": "None"}, "Enter how many months these records are kept"),
        ({"months": "72", "reason": "  "}, "Enter why the service keeps these records for this long"),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_saved(manager, as_user, data, message):
    url = reverse("privacy:retention_edit", args=[RetentionKind.CLOSED_CASE])
    response = as_user(manager).post(url, data)
    assert response.status_code == 422 and message in response.content.decode()
    assert not RetentionSetting.objects.exists()


def test_an_unknown_kind_of_record_is_not_found(manager, as_user):
    assert as_user(manager).get(reverse("privacy:retention_edit", args=["everything"])).status_code == 404


def test_the_retention_page_costs_the_same_however_many_changes_and_erasures(
    allocated_case, manager, as_user, django_assert_max_num_queries
):
    from privacy.erasure import erase_person
    from privacy.policy import retention_update

    for months in (30, 40, 50):
        retention_update(service=allocated_case.service, actor=manager, kind="closed_case", months=months, reason="x")
    erase_person(person=allocated_case.victims.get(), by=manager, reason="Asked")
    erase_person(person=allocated_case.offenders.get(), by=manager, reason="Asked")
    client = as_user(manager)
    client.get(reverse("privacy:retention"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("privacy:retention"))
    assert (
        response.status_code == 200 and response.content.decode().count('<td class="govuk-table__cell">Asked</td>') == 2
    )
