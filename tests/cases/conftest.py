"""A case at every useful point of its pathway, built through the services."""

from __future__ import annotations

import pytest

from cases.services.allocation import case_allocate
from cases.services.referrals import eligibility_decide, referral_register
from tests.factories import UserFactory, criteria_for, offender_data, referral_case_data, victim_data


@pytest.fixture
def criteria(service, manager):
    return criteria_for(service, manager)


@pytest.fixture
def referred_case(service, administrator, offender_manager, criteria):
    return referral_register(
        actor=administrator,
        service=service,
        case_data=referral_case_data(),
        offender_data=offender_data(offender_manager=offender_manager),
        victim_data=victim_data(),
    )


@pytest.fixture
def allocated_case(referred_case, manager, facilitator, facilitator2):
    eligibility_decide(case=referred_case, actor=manager, eligible=True, reasons="Meets the criteria.")
    case_allocate(case=referred_case, actor=manager, lead=facilitator, second=facilitator2)
    referred_case.refresh_from_db()
    return referred_case


@pytest.fixture
def unallocated_facilitator(service):
    return UserFactory(username="fac_unalloc", role="facilitator", service=service, first_name="Una")


@pytest.fixture
def other_offender_manager(service):
    return UserFactory(username="om_other", role="offender_manager", service=service, first_name="Otis")
