from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from core import clock
from core.demo import load_organisations
from reporting.demo import load_returns
from reporting.models import QuarterlyReturn, ReturnStatus
from reporting.quarters import DEFAULT_SCHEDULE


@pytest.mark.django_db
def test_demo_data_has_northshires_last_quarter_submitted_and_a_draft_of_this_one():
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())
    load_returns(load_organisations())  # a second run adds nothing
    ended, current = QuarterlyReturn.objects.filter(service__code="NS").order_by("quarter_start")
    assert ended.quarter_start == DEFAULT_SCHEDULE.last_ended(clock.today()).start
    assert ended.status == ReturnStatus.SUBMITTED
    version = ended.versions.get()
    assert version.is_submitted and version.row_count > 0
    assert current.status == ReturnStatus.READY and not current.versions.get().is_submitted
