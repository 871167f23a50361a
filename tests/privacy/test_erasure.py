"""Erasing a person (or a whole case): their data is in no table, history table or stored file afterwards, and
the quarterly return counts the same."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import Operation, ProcessingLogEntry
from cases.models import (
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Offender,
    OffenderGroupObjectPermission,
    OffenderUserObjectPermission,
    Victim,
    VictimGroupObjectPermission,
    VictimUserObjectPermission,
)
from cases.models.participants import age_on
from privacy.erasure import erase_case, erase_person
from privacy.models import Erasure, ErasureKind, ErasureTrigger
from privacy.registry import ERASED
from reporting import tasks
from reporting.models import ExportKind, ReturnExport, ReturnExportRequest, ReturnVersion
from reporting.returns.columns import section_of
from reporting.returns.services import _checksum
from tests.privacy.support import CANARIES, OFFENDER, VICTIM, return_counts, rich_case, scan_database, scan_files

pytestmark = pytest.mark.django_db

PERMISSION_TABLES = {
    "victim": (VictimUserObjectPermission, VictimGroupObjectPermission),
    "offender": (OffenderUserObjectPermission, OffenderGroupObjectPermission),
}


@pytest.fixture
def world(service, administrator, manager, facilitator, facilitator2, offender_manager, criteria, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT.mkdir()
    return rich_case(
        service=service,
        administrator=administrator,
        manager=manager,
        facilitator=facilitator,
        facilitator2=facilitator2,
        offender_manager=offender_manager,
    )


def _case_row(version: ReturnVersion, reference: str) -> dict:
    section = section_of(version.sections, "cases")
    keys = [c[0] for c in section["columns"]]
    return next(dict(zip(keys, row, strict=True)) for row in section["rows"] if row[0] == reference)


def _xlsx_text(version: ReturnVersion) -> str:
    content = bytes(ReturnExport.objects.get(version=version, kind=ExportKind.XLSX).content)
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


@pytest.mark.parametrize("side", ["victim", "offender"])
def test_after_erasure_the_persons_data_is_in_no_table_or_file_and_the_return_counts_the_same(world, manager, side):
    case, person, version = world["case"], world[side], world["version"]
    other = "offender" if side == "victim" else "victim"
    age_before = age_on(person.date_of_birth, case.referral_date)
    assert len(scan_database(CANARIES[side])) > 20, "the world must hold the person's details in many places"
    assert "Crumblethorpe" in _xlsx_text(version) and VICTIM["first_name"] in _xlsx_text(version)
    counts = return_counts(case.service)
    submitted = ReturnVersion.objects.get(pk=version.pk)

    erasure = erase_person(person=person, by=manager, reason=f"Asked us to erase it ({person.first_name})")

    assert scan_database(CANARIES[side]) == []
    assert scan_files(CANARIES[side]) == []
    assert return_counts(case.service) == counts
    after = ReturnVersion.objects.get(pk=version.pk)
    assert after.is_submitted and after.summary == submitted.summary and after.row_count == submitted.row_count
    assert after.checksum == _checksum(
        {"sections": after.sections, "warnings": after.warnings, "counting_rules": after.counting_rules}
    )
    # The other party keeps their data: only mentions of the erased person left the shared records.
    assert scan_database([CANARIES[other][1]])
    # The person: erased, with the age on the referral date and the codes kept.
    model = Victim if side == "victim" else Offender
    erased = model.objects.get(pk=person.pk)
    assert erased.full_name == ERASED and erased.phone == ERASED and erased.email == ERASED
    assert age_on(erased.date_of_birth, case.referral_date) == age_before
    assert erased.sex_id == person.sex_id and erased.ethnicity_id == person.ethnicity_id
    assert all(not table.objects.filter(content_object_id=person.pk).exists() for table in PERMISSION_TABLES[side])
    assert erasure.kind == side and erasure.erased_by == manager and erasure.trigger == ErasureTrigger.MANUAL
    assert erasure.reason == "Asked us to erase it ([erased])" and erasure.return_versions_redacted == 1
    log = ProcessingLogEntry.objects.get(operation=Operation.ERASURE, person_kind=side, person_id=person.pk)
    assert log.user == manager and log.case_id == case.pk and log.reason == erasure.reason
    if side == "offender":
        row = _case_row(after, case.reference)
        assert row["offender_first_name"] == ERASED and row["pnc_id"] == ERASED and row["crn"] == ERASED
        assert row["offender_date_of_birth"] == erased.date_of_birth.isoformat() != OFFENDER["date_of_birth"]
        assert row["offender_age"] == age_before
        assert "Crumblethorpe" not in _xlsx_text(after)


def test_erasing_twice_changes_nothing_more(world, manager):
    victim = world["victim"]
    first = erase_person(person=victim, by=manager, reason="Asked for it")
    again = erase_person(person=victim, by=manager, reason="Again")
    assert again.pk == first.pk and Erasure.objects.count() == 1
    assert ProcessingLogEntry.objects.filter(operation=Operation.ERASURE).count() == 1


def test_erasing_a_case_erases_everyone_on_it_and_keeps_it_for_the_service_team(world, manager, offender_manager):
    case = world["case"]
    counts = return_counts(case.service)
    erasure = erase_case(case=case, by=None, reason="Retention period ended")
    assert scan_database(CANARIES["victim"] + CANARIES["offender"]) == []
    assert return_counts(case.service) == counts
    assert erasure.kind == ErasureKind.CASE and erasure.trigger == ErasureTrigger.RETENTION
    assert set(Erasure.objects.values_list("kind", flat=True)) == {"victim", "offender", "case"}
    assert ProcessingLogEntry.objects.filter(operation=Operation.ERASURE).count() == 2
    case.refresh_from_db()
    assert case.offence_summary == ERASED and case.outcome_reason == ERASED and case.police_reference == ERASED
    assert case.outcome.code == "conference" and case.closed_on is not None
    assert not CaseUserObjectPermission.objects.filter(content_object=case).exists()
    assert CaseGroupObjectPermission.objects.filter(content_object=case).exists()
    row = _case_row(ReturnVersion.objects.get(pk=world["version"].pk), case.reference)
    assert row["ucrn"] == ERASED and row["outcome_reason"] == ERASED and row["outcome_code"] == "conference"
    assert erase_case(case=case, by=None, reason="Again").pk == erasure.pk


def _pdf_text(version: ReturnVersion) -> str:
    content = bytes(ReturnExport.objects.get(version=version, kind=ExportKind.PDF).content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_erasure_makes_the_kept_pdf_summary_again_with_the_new_checksum(
    world, manager, django_capture_on_commit_callbacks
):
    version = world["version"]
    tasks.build_return_pdf(version.pk)
    before = ReturnVersion.objects.get(pk=version.pk).checksum
    assert before in _pdf_text(version)

    with (
        mock.patch.object(tasks.build_return_pdf, "delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        erase_person(person=world["offender"], by=manager, reason="Asked us to erase it")
    # The kept summary printed the old checksum: it is gone, and made again once the erasure has committed
    assert not ReturnExport.objects.filter(version=version, kind=ExportKind.PDF).exists()
    assert queued.call_args_list == [mock.call(version.pk)]
    assert ReturnExportRequest.objects.filter(version=version, kind=ExportKind.PDF).exists()

    tasks.build_return_pdf(version.pk)  # the worker
    after = ReturnVersion.objects.get(pk=version.pk)
    assert after.checksum != before and after.is_submitted
    text = _pdf_text(version)
    assert after.checksum in text and before not in text and "submitted" in text
    assert OFFENDER["last_name"] not in text  # figures only, before and after
    assert not ReturnExportRequest.objects.exists()


def test_erasure_leaves_a_return_without_a_kept_pdf_without_one(world, manager, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.build_return_pdf, "delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        erase_person(person=world["victim"], by=manager, reason="Asked us to erase it")
    assert queued.call_count == 0
    assert not ReturnExport.objects.filter(kind=ExportKind.PDF).exists() and not ReturnExportRequest.objects.exists()
