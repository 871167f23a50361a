"""Demonstration returns for Northshire: the last quarter that has ended built and submitted, and a draft of the
quarter in progress (built as it stands, so the return page has conference write-ups, follow-up and warnings
to show; an administrator rebuilds it once the quarter ends).

Runs after the cases, risk and agreements loaders (core.demo.DEMO_LOADERS), through the services. Idempotent:
a return that exists is left alone.
"""

from __future__ import annotations

from accounts.models import Service, User
from core import clock
from reporting.returns import services

DEMO_SERVICE = "NS"


def load_returns(users: dict[str, User]) -> None:
    service = Service.objects.filter(code=DEMO_SERVICE).first()
    admin = users.get("admin")
    if service is None or admin is None:
        return
    schedule = services.schedule_for(service)
    current = schedule.quarter_containing(clock.today())
    ended, created = services.return_get_or_create(service=service, quarter=current.previous, actor=admin)
    if created:
        version = services.return_build(quarterly_return=ended, actor=admin)
        services.return_submit(quarterly_return=ended, actor=admin, version_number=version.number)
    draft, created = services.return_get_or_create(service=service, quarter=current, actor=admin)
    if created:
        services.return_build(quarterly_return=draft, actor=admin)
