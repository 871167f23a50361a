"""Building agreements for tests: a held conference and an agreement at each point of its life."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from agreements.models import Conference, ConferenceStatus
from agreements.services import conferences as conference_services
from agreements.services import outcome


def held_conference(case, actor, *, on: dt.date | None = None) -> Conference:
    """A conference with the case's first victim and offender, recorded as held on `on` (default: 10 days ago)."""
    victim, offender = case.victims.order_by("id").first(), case.offenders.order_by("id").first()
    conference = conference_services.conference_plan(
        case=case,
        actor=actor,
        data={
            "date": timezone.localdate() + dt.timedelta(days=14),
            "start_time": dt.time(10, 0),
            "venue_kind": "community",
            "venue_name": "Testtown community centre",
        },
        victims=[victim],
        offenders=[offender],
    )
    Conference.objects.filter(pk=conference.pk).update(
        status=ConferenceStatus.HELD, date=on or timezone.localdate() - dt.timedelta(days=10)
    )
    conference.refresh_from_db()
    type(case).objects.filter(pk=case.pk, stage__in=("allocated", "assessment", "preparation")).update(stage="activity")
    case.refresh_from_db()
    return conference


ITEMS = (
    {"kind": "action", "description": "Write a letter explaining what happened", "responsible": "offender"},
    {"kind": "action", "description": "Repaint the garden fence", "responsible": "offender"},
    {"kind": "statement", "description": "Apologised at the meeting", "responsible": "offender"},
)


def draft_agreement(case, actor, *, conference=None, items=ITEMS, target: dt.date | None = None):
    conference = conference or held_conference(case, actor)
    agreement = outcome.agreement_start(case=case, actor=actor, conference=conference)
    target = target or timezone.localdate() + dt.timedelta(days=20)
    for number, data in enumerate(items):
        values = dict(data)
        if values["kind"] == "action":
            values.setdefault("target_date", target + dt.timedelta(days=number))
        outcome.item_add(agreement=agreement, actor=actor, data=values)
    return agreement


def agreed_agreement(case, actor, **kwargs):
    agreement = draft_agreement(case, actor, **kwargs)
    outcome.signatures_record(
        agreement=agreement,
        actor=actor,
        signed_on=agreement.activity_on,
        victims=list(agreement.victims.all()),
        offenders=list(agreement.offenders.all()),
    )
    agreement.refresh_from_db()
    return agreement
