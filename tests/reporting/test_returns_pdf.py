"""The return's PDF summary, made in Celery and kept with its version: the build task makes it after the
spreadsheet, build_return_pdf on its own; the download serves the kept file and never draws one. Until it is
kept, the download asks for it once and answers a page that polls until it is ready, or says it failed."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from audit.models import Operation, ProcessingLogEntry
from reporting import tasks
from reporting.models import ExportKind, ReturnExport, ReturnExportRequest, ReturnStatus
from reporting.returns import pdf, services
from tests.reporting import returns_support
from tests.reporting.matrix_returns import returns_rows
from tests.reporting.returns_support import QUARTER, WRITE_UP, at, held_conference, make_case, moment

pytestmark = pytest.mark.django_db

people = returns_support.people
BUILT = at(dt.date(2026, 7, 2), 9, 30)
DRAWN = at(dt.date(2026, 7, 2), 9, 31)


@pytest.fixture
def quarterly_return(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 9)))
    held_conference(case, people["facilitator"], dt.date(2026, 5, 6), **WRITE_UP)
    found, _ = services.return_get_or_create(service=people["service"], quarter=QUARTER, actor=None)
    return found


@pytest.fixture
def version(quarterly_return, people):
    with moment(BUILT):
        return services.return_build(quarterly_return=quarterly_return, actor=people["administrator"])


@pytest.fixture
def delay():
    with mock.patch.object(tasks.build_return_pdf, "delay") as queued:
        yield queued


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a request as if its transaction committed: what it queued with on_commit is sent (to `delay`)."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def _kept(version) -> ReturnExport:
    return ReturnExport.objects.get(version=version, kind=ExportKind.PDF)


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _urls(version) -> dict[str, str]:
    return {
        "page": reverse("reporting:version_pdf", args=[version.pk]),
        "status": reverse("reporting:version_pdf_status", args=[version.pk]),
        "retry": reverse("reporting:version_pdf_retry", args=[version.pk]),
    }


def _not_drawn(*args, **kwargs):
    raise AssertionError("the PDF was drawn")


# --- Made in Celery and kept -----------------------------------------------------------------------


def test_the_build_task_keeps_the_pdf_after_the_spreadsheet(
    quarterly_return, people, django_capture_on_commit_callbacks
):
    with moment(BUILT), django_capture_on_commit_callbacks(execute=True):
        services.return_rebuild_request(quarterly_return=quarterly_return, actor=people["administrator"])
    quarterly_return.refresh_from_db()
    assert quarterly_return.status == ReturnStatus.READY
    version = quarterly_return.versions.get()
    assert set(version.exports.values_list("kind", flat=True)) == {ExportKind.XLSX, ExportKind.PDF}
    kept = _kept(version)
    assert bytes(kept.content).startswith(b"%PDF") and kept.made_at == BUILT and kept.seconds > 0
    text = _text(bytes(kept.content))
    assert "Quarterly evaluation return: April to June 2026" in text and "draft (not submitted)" in text
    assert "Produced by rjcase on 2 July 2026, 09:30 from the stored version 1" in text
    assert not ReturnExportRequest.objects.exists()


def test_the_task_makes_it_once_and_a_second_worker_gives_up(version):
    with moment(DRAWN):
        first = tasks.build_return_pdf(version.pk)
    assert first == _kept(version).pk
    with mock.patch.object(pdf, "render_pdf", _not_drawn):
        assert tasks.build_return_pdf(version.pk) is None  # kept already: nothing drawn

    # Another worker keeps it while this one draws: the unique (version, kind) constraint keeps theirs
    ReturnExport.objects.all().delete()
    theirs = b"%PDF-their copy"

    def drawn_while_another_keeps_it(*args, **kwargs):
        ReturnExport.objects.create(version=version, kind=ExportKind.PDF, content=theirs, made_at=DRAWN)
        return b"%PDF-mine"

    with mock.patch.object(pdf, "render_pdf", drawn_while_another_keeps_it):
        assert tasks.build_return_pdf(version.pk) is None
    assert bytes(_kept(version).content) == theirs and ReturnExport.objects.count() == 1


def test_the_task_does_nothing_for_a_version_that_is_gone():
    assert tasks.build_return_pdf(987654) is None
    assert not ReturnExport.objects.exists() and not ReturnExportRequest.objects.exists()


def test_neither_the_task_nor_the_download_reads_the_snapshots_rows(version, people, as_user):
    """A big service-quarter's rows are tens of megabytes: the summary needs none of them."""
    client = as_user(people["manager"])
    with CaptureQueriesContext(connection) as queries:
        tasks.build_return_pdf(version.pk)
        assert client.get(reverse("reporting:version_pdf", args=[version.pk])).status_code == 200
    read = " ".join(q["sql"] for q in queries.captured_queries if "reporting_returnversion" in q["sql"])
    assert '"checksum"' in read and '"sections"' not in read and '"warnings"' not in read


def test_the_pdf_says_when_it_was_made_and_from_what_not_who_downloaded_it(version, people, as_user):
    with moment(DRAWN):
        tasks.build_return_pdf(version.pk)
    with moment(at(dt.date(2026, 7, 20), 15)):
        response = as_user(people["manager"]).get(reverse("reporting:version_pdf", args=[version.pk]))
    text = _text(response.content)
    assert "Produced by rjcase on 2 July 2026, 09:31" in text
    assert "2 July 2026, 09:30 by Adi Min" in text  # built, and by whom
    assert version.checksum in text
    assert "Mina Ager" not in text and "20 July 2026" not in text


# --- The download serves the kept file --------------------------------------------------------------


def test_the_download_serves_the_kept_bytes_without_drawing_and_logs_it(version, people, as_user):
    tasks.build_return_pdf(version.pk)
    kept = bytes(_kept(version).content)
    with mock.patch.object(pdf, "render_pdf", _not_drawn), mock.patch("core.pdf.render_pdf", _not_drawn):
        response = as_user(people["administrator"]).get(reverse("reporting:version_pdf", args=[version.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == kept
    assert response["Content-Disposition"] == 'attachment; filename="return-TS-2026-04-v1-summary.pdf"'
    assert response["Cache-Control"] == "no-store"
    logged = ProcessingLogEntry.objects.filter(object_type="ReturnVersion", object_id=version.pk)
    assert logged.exists() and {e.reason for e in logged} == {"Quarterly return downloaded (PDF summary)"}
    assert {e.operation for e in logged} == {Operation.DISCLOSURE} and {e.user_id for e in logged} == {
        people["administrator"].pk
    }


def test_a_missing_pdf_is_asked_for_once_however_often_the_page_polls(
    version, people, as_user, delay, django_capture_on_commit_callbacks
):
    client, urls = as_user(people["manager"]), _urls(version)
    with mock.patch.object(pdf, "render_pdf", _not_drawn), django_capture_on_commit_callbacks(execute=True):
        page = client.get(urls["page"])
        polls = [client.get(urls["status"], headers={"HX-Request": "true"}) for _ in range(3)]
        again = client.get(urls["page"])
    assert delay.call_args_list == [mock.call(version.pk)]
    assert page.status_code == 202 and again.status_code == 202
    html = page.content.decode()
    assert page["Content-Type"].startswith("text/html") and "The PDF is being prepared" in html
    assert f'hx-get="{urls["status"]}"' in html and 'hx-trigger="every 2s"' in html
    assert f'<a class="govuk-link" href="{urls["page"]}">Refresh this page</a>' in html
    assert "http-equiv" not in html and "<script>" not in html
    assert all(p.status_code == 200 and 'hx-trigger="every 2s"' in p.content.decode() for p in polls)
    assert not ProcessingLogEntry.objects.filter(object_type="ReturnVersion").exists()  # nothing disclosed yet

    tasks.build_return_pdf(version.pk)  # the worker
    ready = client.get(urls["status"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in ready and f'href="{urls["page"]}">Download the summary (PDF)' in ready
    download = client.get(urls["page"])
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert delay.call_count == 1 and not ReturnExportRequest.objects.exists()


def test_a_lost_task_is_queued_again_once_after_a_while(version, people, as_user, delay, committed):
    client, urls = as_user(people["manager"]), _urls(version)
    with moment(DRAWN):
        committed(lambda: client.get(urls["page"]))
    with moment(DRAWN + pdf.LOST_AFTER / 2):
        committed(lambda: client.get(urls["status"]))
    assert delay.call_count == 1
    with moment(DRAWN + pdf.LOST_AFTER + dt.timedelta(seconds=1)):
        committed(lambda: client.get(urls["status"]))
        committed(lambda: client.get(urls["status"]))
    assert delay.call_count == 2


def test_a_failed_task_is_shown_with_a_try_again_button(version, people, as_user, delay, committed):
    client, urls = as_user(people["manager"]), _urls(version)
    committed(lambda: client.get(urls["page"]))
    with mock.patch.object(pdf, "render_pdf", side_effect=OSError("fonts missing")), pytest.raises(OSError):
        tasks.build_return_pdf(version.pk)
    assert ReturnExportRequest.objects.get(version=version).failed_at is not None

    page = client.get(urls["page"])
    html = page.content.decode()
    assert page.status_code == 200 and "The PDF could not be made" in html and "fonts missing" not in html
    assert f'<form method="post" action="{urls["retry"]}"' in html and "csrfmiddlewaretoken" in html
    assert ">Try again</button>" in html and "hx-trigger" not in html
    polled = committed(lambda: client.get(urls["status"])).content.decode()
    assert "The PDF could not be made" in polled and "hx-trigger" not in polled
    assert delay.call_count == 1  # showing the failure queues nothing

    response = committed(lambda: client.post(urls["retry"]))
    assert response.status_code == 302 and response["Location"] == urls["page"]
    assert delay.call_count == 2 and ReturnExportRequest.objects.get(version=version).failed_at is None
    assert committed(lambda: client.get(urls["page"])).status_code == 202
    committed(lambda: client.post(urls["retry"]))  # pressed twice: still being prepared, not queued again
    assert delay.call_count == 2


def test_the_build_task_records_a_failed_pdf_and_still_finishes(
    quarterly_return, people, as_user, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(pdf, "render_pdf", side_effect=OSError("fonts missing")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.return_rebuild_request(quarterly_return=quarterly_return, actor=people["administrator"])
    quarterly_return.refresh_from_db()
    version = quarterly_return.versions.get()
    assert quarterly_return.status == ReturnStatus.READY and version.exports.filter(kind=ExportKind.XLSX).exists()
    assert not version.exports.filter(kind=ExportKind.PDF).exists()
    assert "The PDF could not be made" in as_user(people["manager"]).get(_urls(version)["page"]).content.decode()


def test_submitting_makes_the_pdf_again_saying_so(version, people, django_capture_on_commit_callbacks):
    with moment(DRAWN):
        tasks.build_return_pdf(version.pk)
    assert "draft (not submitted)" in _text(bytes(_kept(version).content))
    with moment(at(dt.date(2026, 7, 3), 11)), django_capture_on_commit_callbacks(execute=True):
        services.return_submit(
            quarterly_return=version.quarterly_return, actor=people["manager"], version_number=version.number
        )
    text = _text(bytes(_kept(version).content))
    assert "3 July 2026, 11:00 by Mina Ager" in text and "1, submitted" in text and "draft" not in text
    assert not ReturnExportRequest.objects.exists()


def test_a_pdf_drawn_before_a_submission_is_not_kept(version, people, django_capture_on_commit_callbacks):
    def submitted_while_drawing(*args, **kwargs):
        services.return_submit(
            quarterly_return=version.quarterly_return, actor=people["manager"], version_number=version.number
        )
        return b"%PDF-draft"

    with (
        mock.patch.object(tasks.build_return_pdf, "delay") as queued,
        mock.patch.object(pdf, "render_pdf", submitted_while_drawing),
    ):
        assert tasks.build_return_pdf(version.pk) is None
    assert not ReturnExport.objects.filter(kind=ExportKind.PDF).exists()
    # The submission found nothing kept or asked for, so queued nothing; the next download asks for it.
    assert queued.call_count == 0


# --- Who may ---------------------------------------------------------------------------------------


def test_who_may_is_who_may_download_the_spreadsheet():
    rows = returns_rows(lambda allowed, *args, **kwargs: (allowed, args[0] if args else None))
    spreadsheet = rows["reporting:version_xlsx"]
    for name in ("reporting:version_pdf", "reporting:version_pdf_status", "reporting:version_pdf_retry"):
        assert rows[name] == spreadsheet, name


@pytest.mark.parametrize("persona", ["facilitator", "other_manager", "offender_manager", "commissioner"])
def test_nobody_else_may_ask_for_see_or_retry_it(version, people, as_user, delay, persona, request):
    client, urls = as_user(request.getfixturevalue(persona)), _urls(version)
    tasks.build_return_pdf(version.pk)
    assert client.get(urls["page"]).status_code == 404
    assert client.get(urls["status"]).status_code == 404
    assert client.post(urls["retry"]).status_code == 404
    assert not ProcessingLogEntry.objects.filter(object_type="ReturnVersion").exists()


def test_another_services_version_is_not_found_and_not_asked_for(version, other_manager, as_user, delay, committed):
    urls = _urls(version)
    assert committed(lambda: as_user(other_manager).get(urls["page"])).status_code == 404
    assert delay.call_count == 0 and not ReturnExportRequest.objects.exists()


def test_wrong_methods_are_refused(version, people, as_user):
    client, urls = as_user(people["manager"]), _urls(version)
    assert client.post(urls["page"]).status_code == 405
    assert client.post(urls["status"]).status_code == 405
    assert client.get(urls["retry"]).status_code == 405


def test_a_poll_costs_few_queries(version, people, as_user, delay, django_assert_max_num_queries):
    client, urls = as_user(people["manager"]), _urls(version)
    client.get(urls["page"])
    with django_assert_max_num_queries(8):
        client.get(urls["status"], headers={"HX-Request": "true"})
