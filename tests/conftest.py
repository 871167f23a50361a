"""Personas shared by every test.

The home service (Testshire RJ) has an allocated facilitator, a second facilitator,
an RJ manager, an administrator, an offender manager and a victim liaison officer.
Another service in another area has its own manager. A commissioner covers the
home area only.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from cases.services.allocation import case_allocate
from cases.services.referrals import eligibility_decide, referral_register
from tests.factories import (
    PccAreaFactory,
    ServiceFactory,
    UserFactory,
    criteria_for,
    offender_data,
    referral_case_data,
    victim_data,
)
from tests.two_factor import verify_session


@pytest.fixture
def area(db):
    return PccAreaFactory(code="testshire", name="Testshire")


@pytest.fixture
def other_area(db):
    return PccAreaFactory(code="elsewhere", name="Elsewhere")


@pytest.fixture
def service(area):
    return ServiceFactory(code="TS", name="Testshire RJ", area=area)


@pytest.fixture
def other_service(other_area):
    return ServiceFactory(code="EW", name="Elsewhere RJ", area=other_area)


def _persona(username: str, role: str, service, **kwargs) -> User:
    return UserFactory(username=username, role=role, service=service, **kwargs)


@pytest.fixture
def facilitator(service):
    return _persona("fac", Role.FACILITATOR, service, first_name="Fay", last_name="Cilitator")


@pytest.fixture
def facilitator2(service):
    return _persona("fac2", Role.FACILITATOR, service, first_name="Fred", last_name="Second")


@pytest.fixture
def manager(service):
    return _persona("mgr", Role.MANAGER, service, first_name="Mina", last_name="Ager")


@pytest.fixture
def administrator(service):
    return _persona("adm", Role.ADMINISTRATOR, service, first_name="Adi", last_name="Min")


@pytest.fixture
def offender_manager(service):
    return _persona("om", Role.OFFENDER_MANAGER, service, first_name="Olu", last_name="Em")


@pytest.fixture
def vlo(service):
    return _persona("vlo", Role.VICTIM_LIAISON, service, first_name="Vic", last_name="Liaison")


@pytest.fixture
def commissioner(area):
    return _persona("pcc", Role.COMMISSIONER, None, first_name="Com", last_name="Missioner", areas=[area])


@pytest.fixture
def other_manager(other_service):
    return _persona("mgr_other", Role.MANAGER, other_service, first_name="Otto", last_name="Elsewhere")


def client_for(user: User) -> Client:
    """A client signed in as the user, with two-factor authentication done (tests/two_factor.py)."""
    client = Client()
    client.force_login(user)
    verify_session(client, user)
    return client


@pytest.fixture
def as_user():
    return client_for


def services_required() -> bool:
    """In CI (RJCASE_REQUIRE_SERVICES=1) a missing service fails a test instead of skipping it."""
    import os

    return os.environ.get("RJCASE_REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _codes_read_afresh():
    """Each test reads the coded lists from its own database (cases.code_cache keeps them per process)."""
    from cases.code_cache import forget

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _celery_runs_tasks_in_process(request):
    """Tasks run in the test process unless a test asks for the real broker and worker."""
    from rjcase.celery import app

    eager = "needs_broker" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = previous


# --- Cases at useful points of their pathway, built through the services ---------------------


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
