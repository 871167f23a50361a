"""The return's life: the scheduled draft, rebuilding with progress, submitting, freezing and versions."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from cases.models import CodeList, Offender
from core import clock
from reporting import tasks
from reporting.models import FrozenReturnError, QuarterlyReturn, ReturnStatus, ReturnVersion
from reporting.returns import services
from reporting.returns.columns import section_of
from tests.factories import UserFactory, code
from tests.reporting import returns_support
from tests.reporting.returns_support import QUARTER, at, make_case, moment

pytestmark = pytest.mark.django_db

people = returns_support.people
AFTER_QUARTER = "2026-07-02"


def _case_row(version: ReturnVersion, reference: str) -> dict:
    section = section_of(version.sections, "cases")
    keys = [c[0] for c in section["columns"]]
    return next(dict(zip(keys, row, strict=True)) for row in section["rows"] if row[0] == reference)


def _draft(people) -> QuarterlyReturn:
    quarterly_return, _ = services.return_get_or_create(service=people["service"], quarter=QUARTER, actor=None)
    services.return_build(quarterly_return=quarterly_return, actor=people["administrator"])
    quarterly_return.refresh_from_db()
    return quarterly_return


# --- The scheduled draft ---------------------------------------------------------------------------


def test_the_daily_job_builds_one_draft_and_emails_the_administrators_once(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 5, 5)))
    second_admin = UserFactory(role=Role.ADMINISTRATOR, service=people["service"], email="admin2@example.test")
    UserFactory(role=Role.ADMINISTRATOR, service=people["service"], email="", username="no_email_admin")

    tasks.build_due_drafts(on=AFTER_QUARTER)
    tasks.build_due_drafts(on=AFTER_QUARTER)

    quarterly_return = QuarterlyReturn.objects.get(service=people["service"])
    assert quarterly_return.quarter_start == QUARTER.start and quarterly_return.status == ReturnStatus.READY
    assert quarterly_return.versions.count() == 1
    assert quarterly_return.versions.get().row_count == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people["administrator"].email, second_admin.email])
    message = mail.outbox[0]
    assert "April to June 2026" in message.subject
    assert reverse("reporting:return_detail", args=[quarterly_return.pk]) in message.body
    assert "1 September 2026" in message.body  # due date
    offender = case.offenders.get()
    for private in (case.reference, offender.first_name, offender.last_name, offender.pnc_id):
        assert private not in message.subject + message.body


def test_the_daily_job_waits_for_the_quarter_to_end(people):
    tasks.build_due_drafts(on="2026-06-30")
    assert QuarterlyReturn.objects.get().quarter_start == dt.date(2026, 1, 1)  # the quarter that had ended
    tasks.build_due_drafts(on="2026-07-01")
    assert set(QuarterlyReturn.objects.values_list("quarter_start", flat=True)) == {
        dt.date(2026, 1, 1),
        dt.date(2026, 4, 1),
    }


def test_the_returns_page_shows_the_draft_waiting(people, as_user):
    tasks.build_due_drafts(on=AFTER_QUARTER)
    with moment(at(dt.date(2026, 7, 2))):
        page = as_user(people["administrator"]).get(reverse("reporting:returns")).content.decode()
    assert "is ready to check and submit" in page and "Draft v1: ready" in page


def test_a_manual_start_is_not_emailed_by_the_schedule(people, as_user, django_capture_on_commit_callbacks):
    with moment(at(dt.date(2026, 7, 2))), django_capture_on_commit_callbacks(execute=True):
        response = as_user(people["administrator"]).post(reverse("reporting:return_start"), {"quarter": "2026-04"})
    quarterly_return = QuarterlyReturn.objects.get()
    assert response.status_code == 302 and response["Location"] == quarterly_return.get_absolute_url()
    assert quarterly_return.status == ReturnStatus.READY and quarterly_return.created_by == people["administrator"]
    tasks.build_due_drafts(on=AFTER_QUARTER)
    assert mail.outbox == [] and QuarterlyReturn.objects.count() == 1


def test_a_quarter_still_running_cannot_be_started(people, as_user):
    with moment(at(dt.date(2026, 6, 30))):
        response = as_user(people["administrator"]).post(reverse("reporting:return_start"), {"quarter": "2026-04"})
    assert response.status_code == 422 and not QuarterlyReturn.objects.exists()
    with moment(at(dt.date(2026, 6, 30))), pytest.raises(ValidationError, match="ended"):
        services.return_start(service=people["service"], actor=people["administrator"], quarter_key="2026-04")


# --- Rebuilding, with progress --------------------------------------------------------------------


def test_rebuilding_replaces_the_draft_with_a_new_build(people, as_user, django_capture_on_commit_callbacks):
    case = make_case(people, allocated_at=at(dt.date(2026, 5, 5)), offender={"ethnicity": None})
    quarterly_return = _draft(people)
    first = quarterly_return.versions.get()
    assert first.warning_count == 1
    offender = case.offenders.get()
    Offender.objects.filter(pk=offender.pk).update(ethnicity=code(CodeList.ETHNICITY, "white_irish"))

    url = reverse("reporting:return_rebuild", args=[quarterly_return.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(people["manager"]).post(url)

    assert response.status_code == 302
    rebuilt = quarterly_return.versions.get()
    assert rebuilt.pk != first.pk and rebuilt.number == 1 and rebuilt.built_by == people["manager"]
    assert rebuilt.warning_count == 0 and _case_row(rebuilt, case.reference)["ethnicity"] == "Irish"
    assert rebuilt.exports.filter(kind="xlsx").exists()  # the task made the spreadsheet too
    quarterly_return.refresh_from_db()
    assert quarterly_return.status == ReturnStatus.READY


def test_progress_is_polled_while_the_return_builds(people, as_user):
    quarterly_return = _draft(people)
    client = as_user(people["administrator"])
    client.post(reverse("reporting:return_rebuild", args=[quarterly_return.pk]))  # the task waits for the commit
    quarterly_return.refresh_from_db()
    assert quarterly_return.status == ReturnStatus.BUILDING

    page = client.get(quarterly_return.get_absolute_url()).content.decode()
    status_url = reverse("reporting:return_status", args=[quarterly_return.pk])
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "Submit version" not in page and "Build the return again" not in page
    polling = client.get(status_url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polling.content.decode() and "HX-Refresh" not in polling
    # A second rebuild while the first runs is refused
    again = client.post(reverse("reporting:return_rebuild", args=[quarterly_return.pk]))
    assert again.status_code == 422 and "already being built" in again.content.decode()

    tasks.build_return(quarterly_return.pk, people["administrator"].pk)
    done = client.get(status_url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "every 2s" not in done.content.decode()


def test_a_failed_build_goes_back_with_a_message(people, as_user):
    quarterly_return = _draft(people)
    services.return_rebuild_request(quarterly_return=quarterly_return, actor=people["administrator"])
    with (
        mock.patch("reporting.returns.services.build_dataset", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        tasks.build_return(quarterly_return.pk, people["administrator"].pk)
    quarterly_return.refresh_from_db()
    assert quarterly_return.status == ReturnStatus.READY and "did not finish" in quarterly_return.build_error
    page = as_user(people["administrator"]).get(quarterly_return.get_absolute_url()).content.decode()
    assert "did not finish" in page


def test_a_build_left_running_by_a_lost_worker_can_be_started_again(people):
    quarterly_return = _draft(people)
    services.return_rebuild_request(quarterly_return=quarterly_return, actor=people["administrator"])
    with pytest.raises(ValidationError):
        services.return_rebuild_request(quarterly_return=quarterly_return, actor=people["administrator"])
    later = clock.now() + services.STALE_BUILD + dt.timedelta(minutes=1)
    with moment(later):
        services.return_rebuild_request(quarterly_return=quarterly_return, actor=people["administrator"])


# --- Submitting and freezing ----------------------------------------------------------------------


def test_submitting_freezes_the_version_and_resubmission_makes_version_2(people, as_user):
    case = make_case(people, allocated_at=at(dt.date(2026, 5, 5)))
    quarterly_return = _draft(people)
    client = as_user(people["administrator"])
    response = client.post(reverse("reporting:return_submit", args=[quarterly_return.pk]), {"version": 1})
    assert response.status_code == 302
    submitted = quarterly_return.versions.get()
    assert submitted.is_submitted and submitted.submitted_by == people["administrator"]
    csv_url = reverse("reporting:version_csv", args=[submitted.pk, "cases"])
    before = client.get(csv_url).content

    # The case changes afterwards: the submitted version and its download do not
    Offender.objects.filter(case=case).update(last_name="Changedlater", pnc_id="00/000000X")
    assert client.get(csv_url).content == before
    submitted.refresh_from_db()
    assert _case_row(submitted, case.reference)["offender_last_name"] == "Offendertest"

    # Nothing in the application can change a submitted version
    submitted.row_count = 99
    with pytest.raises(FrozenReturnError):
        submitted.save()
    with pytest.raises(FrozenReturnError):
        ReturnVersion.objects.filter(pk=submitted.pk).update(row_count=99)
    with pytest.raises(FrozenReturnError):
        ReturnVersion.objects.filter(pk=submitted.pk).delete()
    # Submitting it again is refused
    again = client.post(reverse("reporting:return_submit", args=[quarterly_return.pk]), {"version": 1})
    assert again.status_code == 422 and "already been submitted" in again.content.decode()

    # Rebuild after submission: version 2, with the change; version 1 stays as it was
    services.return_build(quarterly_return=quarterly_return, actor=people["administrator"])
    draft = quarterly_return.versions.get(number=2)
    assert _case_row(draft, case.reference)["offender_last_name"] == "Changedlater"
    page = client.get(reverse("reporting:returns")).content.decode()
    assert "Draft v2: ready" in page and "Version 1 submitted" in page
    response = client.post(reverse("reporting:return_submit", args=[quarterly_return.pk]), {"version": 2})
    assert response.status_code == 302
    quarterly_return.refresh_from_db()
    assert quarterly_return.status == ReturnStatus.SUBMITTED
    assert list(quarterly_return.versions.values_list("number", flat=True)) == [2, 1]
    assert client.get(csv_url).content == before
    assert "Submitted v2" in client.get(reverse("reporting:returns")).content.decode()


def test_a_version_rebuilt_since_the_page_was_opened_is_not_submitted_unseen(people, as_user):
    quarterly_return = _draft(people)
    services.return_submit(quarterly_return=quarterly_return, actor=people["administrator"], version_number=1)
    services.return_build(quarterly_return=quarterly_return, actor=people["administrator"])
    response = as_user(people["administrator"]).post(
        reverse("reporting:return_submit", args=[quarterly_return.pk]), {"version": 1}
    )
    assert response.status_code == 422 and "rebuilt since you opened it" in response.content.decode()
    assert not quarterly_return.versions.get(number=2).is_submitted


def test_the_checksum_changes_with_the_content(people):
    quarterly_return = _draft(people)
    empty = quarterly_return.versions.get().checksum
    make_case(people, allocated_at=at(dt.date(2026, 5, 5)))
    services.return_build(quarterly_return=quarterly_return, actor=None)
    assert quarterly_return.versions.get().checksum != empty and len(empty) == 64
