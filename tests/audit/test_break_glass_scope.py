"""A break-glass reason opens the one case it was given for: visible_on_case never widens to the rows of another
case of the service, whatever queryset it is handed."""

from __future__ import annotations

import pytest

from audit.breakglass import answering
from audit.services import break_glass_open
from cases import permissions
from cases.models import Offender, Victim
from cases.services.referrals import referral_register
from tests.factories import offender_data, referral_case_data, victim_data

pytestmark = pytest.mark.django_db

REASON = "Their facilitator is on leave and the person harmed phoned the office"


@pytest.fixture
def second_case(service, administrator, offender_manager, criteria):
    return referral_register(
        actor=administrator,
        service=service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=offender_manager),
        victim_data=victim_data(),
    )


def test_a_reason_widens_only_to_the_rows_of_its_own_case(allocated_case, second_case, unallocated_facilitator):
    user = unallocated_facilitator
    break_glass_open(user=user, case=allocated_case, person=None, reason=REASON)
    with answering("GET"):
        permissions.get_victim_for_user(user, allocated_case.victims.get().pk)  # the reason opens this case
        for model, perm in ((Victim, permissions.VICTIM_VIEW), (Offender, permissions.OFFENDER_VIEW)):
            seen = set(permissions.visible_on_case(model.objects.all(), user, perm, allocated_case))
            assert seen == set(model.objects.filter(case=allocated_case))
        assert not permissions.perms_on(user, [second_case.victims.get(), second_case.offenders.get()])
