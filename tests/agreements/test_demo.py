from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from agreements.demo import load_agreements
from agreements.models import (
    AgreementCopy,
    AgreementItem,
    AgreementStatus,
    OffenderFeedback,
    OutcomeAgreement,
    VictimFeedback,
    VictimUpdate,
)
from core.demo import load_organisations


@pytest.mark.django_db
def test_demo_data_has_agreements_at_each_point_of_follow_up():
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())
    count = OutcomeAgreement.objects.count()
    load_agreements(load_organisations())
    assert OutcomeAgreement.objects.count() == count >= 3
    assert set(OutcomeAgreement.objects.values_list("status", flat=True)) == {AgreementStatus.AGREED}
    statuses = set(AgreementItem.objects.values_list("status", flat=True))
    assert {"open", "done", "partly_done"} <= statuses
    assert AgreementItem.objects.filter(signed_off_at__isnull=False).exists()
    assert VictimUpdate.objects.exists()
    # One agreement has every copy given, one some, one none yet
    given = sorted(a.copies.count() for a in OutcomeAgreement.objects.all())
    assert given[0] == 0 and given[-1] >= 2 and AgreementCopy.objects.exists()
    assert VictimFeedback.objects.filter(satisfied=True).exists()
    assert VictimFeedback.objects.filter(satisfied=False).exists()
    assert OffenderFeedback.objects.exists()
