"""Evidence counts for R1 to R12 (before suppression) on the small world with known answers."""

from __future__ import annotations

import pytest

from reporting.compliance import returns_status
from reporting.metrics import Scope
from reporting.metrics.compliance import OUTPUT_KEYS, cases_behind, rates_by_service
from tests.reporting import dashboard_support as support
from tests.reporting.dashboard_support import QUARTER

pytestmark = pytest.mark.django_db
fixed_clock, staff, world = support.fixed_clock, support.staff, support.world

# (evidenced, counted) for the home service
EXPECTED = {
    "r1": (1, 1),  # A's person harmed was reached and decided; B's and C's were never reached
    "r2": (2, 2),  # A's person responsible suitable, B's unsuitable
    "r3": (1, 1),  # A's conference: both attending had approved pre-conference assessments
    "r4": (1, 2),  # the interpreter was booked; the travel costs were not
    "r5": (1, 3),  # three suitability decisions; only A's person harmed was told (recorded)
    "r6": (2, 2),  # A's conference was safe; D's unmanageable risk led to a letter instead
    "r7": (0, 1),  # A's agreement: the person responsible's copy was late
    "r8": (1, 3),  # outcomes of items 1 to 3 recorded; the person harmed was told of item 1 only
    "r9": (1, 1),
    "r10": (1, 1),
    "r11": (4, 5),
}


@pytest.fixture
def scope(world, service):
    return Scope((service.pk,), QUARTER)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_evidence_counts(key, scope, service):
    parts = rates_by_service(OUTPUT_KEYS[key], scope)[service.pk]
    assert (sum(n for n, _ in parts), sum(d for _, d in parts)) == EXPECTED[key]


def test_r12_says_whether_the_return_is_due(scope, service):
    assert returns_status(scope) == {service.pk: "Not due yet (due 1 December 2026)"}


def test_cases_behind_a_figure_count_their_own_units(scope, world):
    missing = cases_behind(OUTPUT_KEYS["r5"], scope, missing_only=True)
    assert {(case.reference, case.units, case.evidenced) for case in missing} == {
        (world["a"].reference, 2, 1),
        (world["b"].reference, 1, 0),
    }
    every = cases_behind(OUTPUT_KEYS["r6"], scope, missing_only=False)
    assert {case.reference for case in every} == {world["a"].reference, world["d"].reference}
