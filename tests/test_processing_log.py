"""The processing log is append-only: in the app, and on PostgreSQL in the database itself."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AppendOnlyError, Operation, PersonKind, ProcessingLogEntry
from audit.services import log_processing
from tests.conftest import services_required

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(facilitator):
    log_processing(
        user=facilitator,
        operation=Operation.CONSULTATION,
        person_kind=PersonKind.VICTIM,
        person_ids=[41],
        case_id=7,
        object_type="Victim",
        object_id=41,
        reason="Victim record",
    )
    return ProcessingLogEntry.objects.get()


def test_one_row_per_person_with_who_when_what_and_why(entry, facilitator):
    assert (entry.user, entry.operation, entry.person_kind, entry.person_id, entry.case_id) == (
        facilitator,
        "consultation",
        "victim",
        41,
        7,
    )
    assert entry.object_type == "Victim" and entry.reason == "Victim record"
    assert abs((timezone.now() - entry.at).total_seconds()) < 60


def test_the_app_cannot_change_or_delete_a_row(entry):
    entry.reason = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    rows = ProcessingLogEntry.objects.filter(pk=entry.pk)
    for attempt in (
        lambda: rows.update(reason="changed"),
        lambda: rows.delete(),
        lambda: ProcessingLogEntry.objects.bulk_update([entry], ["reason"]),
    ):
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.reason == "Victim record"


def test_the_database_refuses_updates_and_deletes_on_postgresql(entry):
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("CI must run this test on PostgreSQL")
        pytest.skip("The database-level guard is PostgreSQL's")
    for attempt in (
        lambda: connection.cursor().execute("UPDATE audit_processinglogentry SET reason = 'changed'"),
        lambda: connection.cursor().execute("DELETE FROM audit_processinglogentry"),
        lambda: connection.cursor().execute("UPDATE audit_processinglogentry SET person_id = 1"),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.reason == "Victim record"
