from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from agreements.models import Conference, ConferenceStatus
from risk.models import AssessmentStatus, RiskAssessment, RiskLevel, SafeguardingDisclosure


@pytest.mark.django_db
def test_demo_data_has_assessments_in_every_state_and_at_every_level():
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())
        count = RiskAssessment.objects.count()
        call_command("load_demo", stdout=io.StringIO())
    assert RiskAssessment.objects.count() == count
    assert set(RiskAssessment.objects.values_list("status", flat=True)) == set(AssessmentStatus.values)
    assert set(RiskAssessment.objects.values_list("rating", flat=True)) == set(RiskLevel.values)
    assert RiskAssessment.objects.filter(invalidated_at__isnull=False).exists()
    assert RiskAssessment.objects.filter(rating=RiskLevel.HIGH, risk_manageable=False).exists()
    assert Conference.objects.filter(status=ConferenceStatus.CONFIRMED).exists()
    assert SafeguardingDisclosure.objects.filter(at_risk="child").exists()
