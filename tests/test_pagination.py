from __future__ import annotations

import base64
import json

import pytest

from core.models import HousekeepingRun
from core.pagination import keyset_page

pytestmark = pytest.mark.django_db


def _token(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.fixture
def runs():
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now()
    return [HousekeepingRun.objects.create(started_at=start - timedelta(minutes=i)) for i in range(7)]


def test_pages_follow_each_other_without_gaps_or_repeats(runs):
    first = keyset_page(HousekeepingRun.objects.all(), field="started_at", size=3)
    second = keyset_page(HousekeepingRun.objects.all(), field="started_at", size=3, token=first.next_token)
    third = keyset_page(HousekeepingRun.objects.all(), field="started_at", size=3, token=second.next_token)
    seen = [r.pk for r in first.rows + second.rows + third.rows]
    assert seen == [r.pk for r in runs]
    assert first.is_first and not third.has_next
    back = keyset_page(HousekeepingRun.objects.all(), field="started_at", size=3, token=third.previous_token)
    assert [r.pk for r in back.rows] == [r.pk for r in second.rows]


@pytest.mark.parametrize(
    "token", [_token(["x", 1, False]), _token([None, 1, False]), _token([[1], 1, False]), "%%%", _token({"a": 1})]
)
def test_a_token_we_did_not_make_starts_from_the_first_page(runs, token):
    page = keyset_page(HousekeepingRun.objects.all(), field="started_at", size=3, token=token)
    assert page.is_first
    assert [r.pk for r in page.rows] == [r.pk for r in runs[:3]]
