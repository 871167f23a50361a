"""The allocation queue and allocating or reallocating a case's facilitators."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role, Skill
from accounts.services import user_set_role
from cases import permissions
from cases.models import Allocation, Case, Stage
from cases.services.referrals import eligibility_decide
from tests.cases.test_lists import assert_constant_queries, bulk_cases, count_queries, next_link
from tests.factories import VICTIM_MARKERS, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("cases:allocation_queue")


@pytest.fixture
def eligible_case(referred_case, manager):
    eligibility_decide(case=referred_case, actor=manager, eligible=True, reasons="Meets the criteria.")
    referred_case.refresh_from_db()
    assert referred_case.stage == Stage.ELIGIBILITY
    return referred_case


def allocate_url(case):
    return reverse("cases:allocate", args=[case.pk])


# --- The queue --------------------------------------------------------------------------------


def test_manager_sees_eligible_cases_waiting(as_user, manager, eligible_case):
    response = as_user(manager).get(QUEUE)
    assert response.status_code == 200
    content = response.content.decode()
    assert eligible_case.reference in content
    assert allocate_url(eligible_case) in content
    for marker in VICTIM_MARKERS.values():
        assert marker not in content


def test_allocated_cases_leave_the_queue(as_user, manager, allocated_case):
    content = as_user(manager).get(QUEUE).content.decode()
    assert allocated_case.reference not in content
    assert "No cases are waiting for facilitators" in content


@pytest.mark.parametrize("persona", ["facilitator", "administrator", "offender_manager", "vlo", "commissioner"])
def test_queue_is_not_found_for_other_roles(request, as_user, persona, eligible_case):
    assert as_user(request.getfixturevalue(persona)).get(QUEUE).status_code == 404


def test_other_service_manager_sees_an_empty_queue(as_user, other_manager, eligible_case):
    response = as_user(other_manager).get(QUEUE)
    assert response.status_code == 200
    assert eligible_case.reference not in response.content.decode()


def test_queue_refuses_post(as_user, manager):
    assert as_user(manager).post(QUEUE).status_code == 405


def test_queue_queries_do_not_grow(as_user, service, manager, django_assert_max_num_queries):
    def grow(start, count):
        bulk_cases(count, service=service, created_by=manager, start=start, stage=Stage.ELIGIBILITY)

    response = assert_constant_queries(as_user(manager), QUEUE, grow, 7, django_assert_max_num_queries)
    assert "TS-BULK-00049" in response.content.decode()


def test_queue_is_oldest_first_with_a_second_page(as_user, service, manager):
    bulk_cases(30, service=service, created_by=manager, stage=Stage.ELIGIBILITY)
    client = as_user(manager)
    first = client.get(QUEUE)
    content = first.content.decode()
    # Higher bulk numbers were created earlier, so they come first.
    assert content.index("TS-BULK-00029") < content.index("TS-BULK-00020")
    assert "TS-BULK-00000" not in content
    second = client.get(QUEUE + next_link(first)).content.decode()
    assert "TS-BULK-00000" in second
    assert "TS-BULK-00029" not in second


# --- The allocation page ---------------------------------------------------------------------


def test_allocation_page_shows_caseload_skills_and_needs(
    as_user, service, manager, facilitator, facilitator2, eligible_case
):
    bulk_cases(3, service=service, created_by=manager, facilitators=[facilitator])
    bulk_cases(1, service=service, created_by=manager, start=10, stage=Stage.CLOSED, facilitators=[facilitator2])
    facilitator.skills = [Skill.DOMESTIC_ABUSE, Skill.BEREAVEMENT]
    facilitator.save(update_fields=["skills"])
    volunteer = UserFactory(role=Role.FACILITATOR, service=service, first_name="Val", is_volunteer=True)
    Case.objects.filter(pk=eligible_case.pk).update(flag_domestic_abuse=True)

    response = as_user(manager).get(allocate_url(eligible_case))
    assert response.status_code == 200
    content = response.content.decode()
    assert "This case needs: Domestic abuse" in content
    assert "3 open cases" in content
    assert "0 open cases" in content  # facilitator2's only case is closed
    assert "Skills: Domestic abuse, Bereavement" in content
    assert "Has the skills this case needs" in content
    assert volunteer.display_name in content
    assert "· Volunteer" in content
    assert "This case has not been allocated before" in content
    for marker in VICTIM_MARKERS.values():
        assert marker not in content


def test_allocation_page_queries_do_not_grow_with_facilitators(
    as_user, service, manager, eligible_case, django_assert_max_num_queries
):
    client = as_user(manager)
    url = allocate_url(eligible_case)
    few, _ = count_queries(client, url)
    for i in range(10):
        person = UserFactory(role=Role.FACILITATOR, service=service, username=f"many{i}")
        bulk_cases(2, service=service, created_by=manager, start=100 + i * 2, facilitators=[person])
    many, _ = count_queries(client, url)
    assert few == many


def test_manager_allocates_a_case(as_user, manager, facilitator, facilitator2, eligible_case):
    response = as_user(manager).post(
        allocate_url(eligible_case), {"lead_facilitator": facilitator.pk, "second_facilitator": facilitator2.pk}
    )
    assert response.status_code == 302
    assert response.url == QUEUE
    eligible_case.refresh_from_db()
    assert eligible_case.stage == Stage.ALLOCATED
    assert eligible_case.lead_facilitator == facilitator
    assert eligible_case.second_facilitator == facilitator2
    assert permissions.has_object_perm(facilitator, permissions.CASE_CHANGE, eligible_case)
    assert permissions.has_object_perm(facilitator2, permissions.VICTIM_VIEW, eligible_case.victims.get())
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Case {eligible_case.reference} allocated to Fay Cilitator and Fred Second"
    ]


@pytest.mark.parametrize(
    "persona", ["facilitator", "administrator", "offender_manager", "vlo", "commissioner", "other_manager"]
)
def test_allocation_page_is_not_found_for_others(request, as_user, persona, facilitator, eligible_case):
    client = as_user(request.getfixturevalue(persona))
    assert client.get(allocate_url(eligible_case)).status_code == 404
    assert client.post(allocate_url(eligible_case), {"lead_facilitator": facilitator.pk}).status_code == 404
    eligible_case.refresh_from_db()
    assert eligible_case.lead_facilitator is None


def test_allocating_a_missing_case_is_not_found(as_user, manager):
    assert as_user(manager).get(reverse("cases:allocate", args=[999999])).status_code == 404


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_allocation_page_refuses_other_methods(as_user, manager, eligible_case, method):
    assert getattr(as_user(manager), method)(allocate_url(eligible_case)).status_code == 405


@pytest.mark.parametrize("data", [{}, {"lead_facilitator": ""}])
def test_allocation_needs_a_lead(as_user, manager, eligible_case, data):
    response = as_user(manager).post(allocate_url(eligible_case), data)
    assert response.status_code == 422
    content = response.content.decode()
    assert "Select the lead facilitator" in content
    assert "Error: Allocate case" in content
    assert not Allocation.objects.filter(case=eligible_case).exists()


def test_allocation_refuses_someone_outside_the_service(as_user, manager, other_manager, eligible_case):
    response = as_user(manager).post(allocate_url(eligible_case), {"lead_facilitator": other_manager.pk})
    assert response.status_code == 422
    assert "Select a lead facilitator from the list" in response.content.decode()
    assert not Allocation.objects.filter(case=eligible_case).exists()


def test_allocation_refuses_the_offenders_own_offender_manager(
    as_user, manager, offender_manager, facilitator, eligible_case
):
    user_set_role(user=offender_manager, role=Role.FACILITATOR)
    page = as_user(manager).get(allocate_url(eligible_case)).content.decode()
    assert "Offender manager for someone on this case" in page
    response = as_user(manager).post(
        allocate_url(eligible_case), {"lead_facilitator": offender_manager.pk, "second_facilitator": facilitator.pk}
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "Olu Em is the offender manager for someone on this case, so cannot facilitate it." in content
    assert 'id="id_lead_facilitator-error"' in content
    eligible_case.refresh_from_db()
    assert eligible_case.lead_facilitator is None
    assert not permissions.has_object_perm(offender_manager, permissions.CASE_VIEW, eligible_case)


def test_allocation_refuses_a_volunteer_lead(as_user, service, manager, facilitator, eligible_case):
    volunteer = UserFactory(role=Role.FACILITATOR, service=service, is_volunteer=True)
    response = as_user(manager).post(
        allocate_url(eligible_case), {"lead_facilitator": volunteer.pk, "second_facilitator": facilitator.pk}
    )
    assert response.status_code == 422
    assert "A volunteer cannot lead a case" in response.content.decode()
    assert not Allocation.objects.filter(case=eligible_case).exists()


def test_allocation_refuses_the_same_person_twice(as_user, manager, facilitator, eligible_case):
    response = as_user(manager).post(
        allocate_url(eligible_case), {"lead_facilitator": facilitator.pk, "second_facilitator": facilitator.pk}
    )
    assert response.status_code == 422
    assert "Choose a different person as second facilitator" in response.content.decode()


def test_an_unscreened_referral_cannot_be_allocated(as_user, manager, facilitator, referred_case):
    page = as_user(manager).get(allocate_url(referred_case)).content.decode()
    assert "Screen it before allocating it" in page
    assert 'name="lead_facilitator"' not in page
    response = as_user(manager).post(allocate_url(referred_case), {"lead_facilitator": facilitator.pk})
    assert response.status_code == 422
    assert "Screen the referral before allocating it." in response.content.decode()
    referred_case.refresh_from_db()
    assert referred_case.lead_facilitator is None


def test_reallocation_requires_a_reason(as_user, manager, facilitator2, unallocated_facilitator, allocated_case):
    client = as_user(manager)
    page = client.get(allocate_url(allocated_case)).content.decode()
    assert "Reallocate facilitators" in page
    assert "Why is the case being reallocated?" in page
    response = client.post(
        allocate_url(allocated_case),
        {"lead_facilitator": unallocated_facilitator.pk, "second_facilitator": facilitator2.pk, "reason": " "},
    )
    assert response.status_code == 422
    assert "Enter why the case is being reallocated" in response.content.decode()
    allocated_case.refresh_from_db()
    assert allocated_case.allocations.count() == 1
    assert not permissions.has_object_perm(unallocated_facilitator, permissions.CASE_VIEW, allocated_case)


def test_reallocation_moves_permissions_and_keeps_history(
    as_user, manager, facilitator, facilitator2, unallocated_facilitator, allocated_case
):
    client = as_user(manager)
    response = client.post(
        allocate_url(allocated_case),
        {
            "lead_facilitator": unallocated_facilitator.pk,
            "second_facilitator": facilitator2.pk,
            "reason": "Fay is on long-term leave",
        },
    )
    assert response.status_code == 302
    allocated_case.refresh_from_db()
    assert allocated_case.lead_facilitator == unallocated_facilitator
    assert not permissions.has_object_perm(facilitator, permissions.CASE_VIEW, allocated_case)
    assert not permissions.has_object_perm(facilitator, permissions.VICTIM_VIEW, allocated_case.victims.get())
    assert permissions.has_object_perm(unallocated_facilitator, permissions.CASE_CHANGE, allocated_case)
    assert permissions.has_object_perm(facilitator2, permissions.CASE_CHANGE, allocated_case)
    assert allocated_case.allocations.count() == 2
    history = client.get(allocate_url(allocated_case)).content.decode()
    assert "Fay is on long-term leave" in history
    assert "Current" in history
    # The first facilitator no longer sees the case in My work.
    assert allocated_case.reference not in as_user(facilitator).get(reverse("cases:my_work")).content.decode()
