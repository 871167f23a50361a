"""The risk checklist a service starts with (DOMAIN §4), written in our own words."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Service
from risk.models import ChecklistItem, ChecklistTemplate, RiskSettings

PEOPLE = ("victim", "offender")
VICTIM = ("victim",)

# (question, guidance, which assessments ask it)
STARTING_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Is either party targeting or harassing the other, or is there tension between them now?", "", PEOPLE),
    ("Do their accounts of what happened differ a great deal?", "", PEOPLE),
    ("Could ongoing contact between them cause difficulties?", "For example, neighbours, family or school.", PEOPLE),
    ("Are there co-defendants who will not be taking part?", "", PEOPLE),
    (
        "Is anything making it hard for this person to take part?",
        "For example, mental health, language or a disability.",
        PEOPLE,
    ),
    ("Does the person responsible accept responsibility for the harm?", "", ("offender",)),
    ("Is there any reason this person could be a risk to the other party?", "", PEOPLE),
    ("Is anyone likely to behave in a way that harms the process or another participant?", "", PEOPLE),
    ("Will this person have support?", "", PEOPLE),
    ("Are the expectations of the person harmed reasonable?", "", VICTIM),
    ("Has the person harmed given informed consent freely?", "Check for any sign of pressure or coercion.", VICTIM),
    ("Could any supporter's behaviour or needs cause a problem?", "", PEOPLE),
    (
        "Has the venue been visited, and is it accessible, adequate and safe?",
        "Separate waiting rooms, a break-out room, safe arrival and leaving.",
        ("venue",),
    ),
    (
        "Staff safety: have checks been made before any home visit, with a lone-working plan?",
        "Say whether one or two facilitators will visit.",
        ("staff",),
    ),
)


@transaction.atomic
def current_template(service: Service) -> ChecklistTemplate:
    """The newest checklist version of the service, creating version 1 from the starting items if needed."""
    template = ChecklistTemplate.objects.filter(service=service).order_by("-version").first()
    if template is not None:
        return template
    from core import clock

    template = ChecklistTemplate.objects.create(
        service=service, version=1, created_at=clock.now(), notes="Starting checklist"
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, position=index, text=text, guidance=guidance, subjects=list(subjects))
        for index, (text, guidance, subjects) in enumerate(STARTING_ITEMS, start=1)
    )
    return template


def settings_for(service: Service) -> RiskSettings:
    """The service's risk settings, with their defaults until someone changes them."""
    return RiskSettings.objects.get_or_create(service=service)[0]
