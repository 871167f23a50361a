"""Downloads of a return version: CSV safe from formula injection, typed XLSX, the PDF summary, the log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import Operation, PersonKind, ProcessingLogEntry
from reporting import tasks
from reporting.returns import exports, services
from tests.reporting import returns_support
from tests.reporting.returns_support import QUARTER, WRITE_UP, at, held_conference, make_case

pytestmark = pytest.mark.django_db

people = returns_support.people
HOSTILE = {
    "first_name": '=HYPERLINK("http://evil.example","x")',
    "last_name": "+SUM(A1:A9)",
    "pnc_id": "-2+3",
    "prison_number": "@cmd",
    "crn": "\tX1",
}


@pytest.fixture
def version(people):
    case = make_case(people, allocated_at=at(dt.date(2026, 4, 9)), offender=HOSTILE)
    held_conference(case, people["facilitator"], dt.date(2026, 5, 6), **{**WRITE_UP, "how_it_went": "\rcarriage"})
    make_case(people, allocated_at=at(dt.date(2026, 3, 2)), offender={"last_name": "Plain"})
    quarterly_return, _ = services.return_get_or_create(service=people["service"], quarter=QUARTER, actor=None)
    return services.return_build(quarterly_return=quarterly_return, actor=people["administrator"])


def _csv(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_cells_that_could_run_as_formulas_are_neutralised(version, as_user, people):
    client = as_user(people["administrator"])
    response = client.get(reverse("reporting:version_csv", args=[version.pk, "cases"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="return-TS-2026-04-v{version.number}-cases.csv"'
    hostile = next(row for row in _csv(response) if row["Last name (person responsible)"] != "Plain")
    assert hostile["First name (person responsible)"] == "'" + HOSTILE["first_name"]
    assert hostile["Last name (person responsible)"] == "'+SUM(A1:A9)"
    assert hostile["PNC ID"] == "'-2+3" and hostile["Prison number"] == "'@cmd" and hostile["CRN"] == "'\tX1"
    assert hostile["Allocation date"] == "2026-04-09" and hostile["PPO"] == "No"
    conferences = _csv(client.get(reverse("reporting:version_csv", args=[version.pk, "conferences"])))
    assert conferences[0]["How it went and its turning points"] == "'\rcarriage"


def test_neutralise_leaves_ordinary_text_alone():
    assert exports.neutralise("Smith-Jones") == "Smith-Jones"
    assert exports.neutralise("-1") == "'-1"
    assert exports.neutralise("") == ""


def test_every_section_downloads_as_csv(version, as_user, people):
    client = as_user(people["manager"])
    for key in exports.section_keys(version):
        response = client.get(reverse("reporting:version_csv", args=[version.pk, key]))
        assert response.status_code == 200, key
    assert client.get(reverse("reporting:version_csv", args=[version.pk, "nonsense"])).status_code == 404


def test_the_xlsx_has_a_typed_sheet_per_section_and_a_frozen_bold_header(version, as_user, people):
    response = as_user(people["administrator"]).get(reverse("reporting:version_xlsx", args=[version.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Cases",
        "Conference write-ups",
        "Alternative outcomes",
        "Feedback results",
        "Agreement follow-up",
        "Data-quality warnings",
        "Counting rules",
    ]
    sheet = workbook["Cases"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Case reference" and all(cell.font.bold for cell in sheet[1])
    rows = [dict(zip(header, (cell for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    hostile = next(r for r in rows if r["Last name (person responsible)"].value != "Plain")
    assert hostile["Allocation date"].is_date and hostile["Allocation date"].value.date() == dt.date(2026, 4, 9)
    assert hostile["Age at referral"].data_type == "n" and hostile["Age at referral"].value == 36
    assert hostile["People harmed on the case"].value == 1
    # Text that looks like a formula stays text
    name = hostile["First name (person responsible)"]
    assert name.data_type == "s" and name.value == HOSTILE["first_name"]
    assert hostile["PPO"].value == "No"
    assert workbook["Conference write-ups"].freeze_panes == "A2"
    assert "Counting rules" in workbook["Counting rules"]["A1"].value


def test_the_pdf_summary_has_the_headline_figures_and_a_chart(version, as_user, people):
    tasks.build_return_pdf(version.pk)  # made in Celery (tests/reporting/test_returns_pdf.py), then downloaded
    response = as_user(people["administrator"]).get(reverse("reporting:version_pdf", args=[version.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Quarterly evaluation return: April to June 2026" in text
    assert "Cases counted in the return 2" in text
    assert "Conferences held 1" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Cases by status at the end of the quarter" in text
    assert HOSTILE["last_name"] not in text  # figures only


def test_the_bar_chart_is_drawn_as_svg_by_our_template():
    from django.template.loader import render_to_string

    chart = exports.bar_chart([["Open", 6], ["Conference", 3], ["Withdrawn", 0]])
    svg = render_to_string("reporting/returns/_bar_chart.html", {"chart": chart, "title": "Cases"})
    assert svg.count("<rect") == 3 and "<script" not in svg
    widths = [bar["width"] for bar in chart["bars"]]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_each_download_is_written_to_the_processing_log(version, as_user, people):
    client = as_user(people["administrator"])
    client.get(reverse("reporting:version_csv", args=[version.pk, "cases"]))
    client.get(reverse("reporting:version_xlsx", args=[version.pk]))
    entries = ProcessingLogEntry.objects.filter(object_type="ReturnVersion", object_id=version.pk)
    offenders = set(version.people["offender"])
    assert len(offenders) == 2
    for what in ("CSV, cases", "XLSX"):
        logged = entries.filter(reason__contains=what)
        assert {e.operation for e in logged} == {Operation.DISCLOSURE}
        assert {e.user_id for e in logged} == {people["administrator"].pk}
        assert set(logged.filter(person_kind=PersonKind.OFFENDER).values_list("person_id", flat=True)) == offenders
        assert logged.filter(person_kind=PersonKind.VICTIM).exists()


def test_the_spreadsheet_is_made_once_and_kept_with_the_version(version, as_user, people):
    from reporting.models import ReturnExport

    client = as_user(people["administrator"])
    first = client.get(reverse("reporting:version_xlsx", args=[version.pk])).content
    kept = ReturnExport.objects.get(version=version, kind="xlsx")
    assert bytes(kept.content) == first
    assert client.get(reverse("reporting:version_xlsx", args=[version.pk])).content == first
    assert ReturnExport.objects.count() == 1
