"""Reset someone's two-factor authentication from the server, for accounts no colleague in the app can reset
(commissioners, who belong to no service, or a service whose managers and administrators are all locked out).

    manage.py reset_two_factor <username> --by "Name of the operator" --reason "Why"
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.two_factor import two_factor_reset


class Command(BaseCommand):
    help = "Remove a user's authenticator app and recovery codes; they set up a new app at their next sign-in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="who is doing this (kept in the user's history)")
        parser.add_argument("--reason", required=True, help="why (kept in the security log)")

    def handle(self, *args, username: str, by: str, reason: str, **options) -> None:
        if not by.strip() or not reason.strip():
            raise CommandError("Say who you are (--by) and why (--reason).")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username}.")
        two_factor_reset(user=user, actor=None, by=f"{by.strip()} ({reason.strip()[:60]})")
        self.stdout.write(
            f"Two-factor authentication reset for {username}: they set it up again at their next sign-in."
        )
