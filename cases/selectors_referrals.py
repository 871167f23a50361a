"""Reads for referral intake, screening and the targeting-criteria settings."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Service
from cases.models import Case, EligibilityDecision, TargetingCriteria
from cases.services.referrals import DuplicateMatch, find_duplicates


def duplicates_for_case(case: Case) -> list[DuplicateMatch]:
    """Other open cases of the service that share an offender identifier or the offence reference."""
    matches: dict[int, DuplicateMatch] = {}
    queries = [
        {
            "pnc_id": o.pnc_id,
            "prison_number": o.prison_number,
            "crn": o.crn,
            "first_name": o.first_name,
            "last_name": o.last_name,
            "date_of_birth": o.date_of_birth,
        }
        for o in case.offenders.all()
    ]
    queries.append({"police_reference": case.police_reference})
    for query in queries:
        for match in find_duplicates(service=case.service, **query):
            if match.case.pk == case.pk:
                continue
            found = matches.setdefault(match.case.pk, DuplicateMatch(case=match.case, reasons=[]))
            found.reasons.extend(r for r in match.reasons if r not in found.reasons)
    return sorted(matches.values(), key=lambda m: m.case.reference)


def latest_decision(case: Case) -> EligibilityDecision | None:
    return (
        case.eligibility_decisions.select_related("criteria", "decided_by", "exceptional_decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )


def criteria_versions(service: Service) -> QuerySet[TargetingCriteria]:
    return TargetingCriteria.objects.filter(service=service).select_related("created_by")


def criteria_version(service: Service, version: int) -> TargetingCriteria:
    """One version of the service's own criteria; 404 for any other."""
    criteria = (
        criteria_versions(service)
        .prefetch_related("offences_in_scope", "tiers_in_scope")
        .filter(version=version)
        .first()
    )
    if criteria is None:
        raise Http404("Not found")
    return criteria
