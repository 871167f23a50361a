from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, USERS, load_demo


class Command(BaseCommand):
    help = "Load fictional demonstration data (areas, services, staff in every role). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("load_demo creates accounts with a published password: it only runs with DEBUG on.")
        load_demo()
        names = ", ".join(user.username for user in USERS)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in as {names}; password: {DEMO_PASSWORD}"))
        secret = " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))
        self.stdout.write(
            f"Two-factor authentication: add the key {secret} (time-based) to an authenticator app once;"
            " its codes work for every demo account."
        )
