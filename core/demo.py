"""Fictional demonstration data: two PCC areas, three services and staff in every role.

Every name here is invented and reads as such. Later parts of the product add
their own demonstration records through DEMO_LOADERS.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction

from accounts.models import PccArea, Role, Service, Team, User
from accounts.services import user_create, user_set_role
from accounts.two_factor import authenticator_install

DEMO_PASSWORD = "rjcase-demo-2026"  # noqa: S105 - demo only; load_demo refuses to run outside DEBUG
# Every demonstration account gets an authenticator app with this one published key, so a single entry in
# an authenticator app gives the codes for all of them (README.md). Demo only, like DEMO_PASSWORD.
DEMO_TOTP_KEY = b"rjcase-demo-2fa-2026".hex()
DEMO_TOTP_SECRET = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()

AREAS = (
    ("northshire", "Northshire (fictional)"),
    ("southmoor", "Southmoor (fictional)"),
)

SERVICES = (
    # code, name, area code, email, phone, address
    (
        "NS",
        "Northshire Restorative Justice Service",
        "northshire",
        "rj@northshire-rj.example",
        "01632 960001",
        "1 Example Street\nNorthtown\nNS1 1AA",
    ),
    (
        "NV",
        "Northshire Victims' Restorative Hub",
        "northshire",
        "hub@northshire-hub.example",
        "01632 960002",
        "2 Sample Road\nNorthtown\nNS2 2BB",
    ),
    (
        "SM",
        "Southmoor Restorative Partnership",
        "southmoor",
        "team@southmoor-rj.example",
        "01632 960003",
        "3 Placeholder Lane\nSouthbury\nSM3 3CC",
    ),
)

TEAMS = {"NS": ("North team", "City team"), "NV": ("Hub team",), "SM": ("Moorland team",)}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    service: str | None
    team: str | None = None
    areas: tuple[str, ...] = ()
    agency: str = ""
    job_title: str = ""


USERS = (
    DemoUser("facilitator", Role.FACILITATOR, "Fern", "Fictional", "NS", "North team", job_title="RJ facilitator"),
    DemoUser("facilitator2", Role.FACILITATOR, "Felix", "Madeup", "NS", "North team", job_title="RJ facilitator"),
    DemoUser("facilitator3", Role.FACILITATOR, "Flo", "Pretend", "NS", "City team", job_title="Volunteer facilitator"),
    DemoUser("manager", Role.MANAGER, "Morgan", "Makebelieve", "NS", "North team", job_title="RJ manager"),
    DemoUser("admin", Role.ADMINISTRATOR, "Ash", "Imaginary", "NS", "City team", job_title="Case administrator"),
    DemoUser(
        "offender_manager",
        Role.OFFENDER_MANAGER,
        "Owen",
        "Notreal",
        "NS",
        agency="Probation Service (fictional office)",
        job_title="Probation practitioner",
    ),
    DemoUser(
        "vlo",
        Role.VICTIM_LIAISON,
        "Val",
        "Storybook",
        "NS",
        agency="Victim Contact Scheme (fictional)",
        job_title="Victim liaison officer",
    ),
    DemoUser(
        "commissioner",
        Role.COMMISSIONER,
        "Casey",
        "Invented",
        None,
        areas=("northshire",),
        agency="Office of the Northshire PCC (fictional)",
        job_title="Commissioning officer",
    ),
    DemoUser("hub_manager", Role.MANAGER, "Harper", "Fable", "NV", "Hub team", job_title="Hub manager"),
    DemoUser("hub_facilitator", Role.FACILITATOR, "Hollis", "Mythos", "NV", "Hub team", job_title="RJ facilitator"),
    DemoUser("sm_manager", Role.MANAGER, "Sol", "Legend", "SM", "Moorland team", job_title="RJ manager"),
    DemoUser("sm_facilitator", Role.FACILITATOR, "Sky", "Fairytale", "SM", "Moorland team", job_title="Facilitator"),
    DemoUser("sm_admin", Role.ADMINISTRATOR, "Sage", "Tallstory", "SM", "Moorland team", job_title="Administrator"),
)

# Later parts of the product register functions here: each takes the demo users by username.
DEMO_LOADERS: list = []


@transaction.atomic
def load_organisations() -> dict[str, User]:
    areas = {}
    for code, name in AREAS:
        areas[code], _ = PccArea.objects.update_or_create(code=code, defaults={"name": name})
    services = {}
    for code, name, area, email, phone, address in SERVICES:
        services[code], _ = Service.objects.update_or_create(
            code=code,
            defaults={"name": name, "area": areas[area], "email": email, "phone": phone, "address": address},
        )
    teams = {}
    for code, names in TEAMS.items():
        for name in names:
            teams[(code, name)], _ = Team.objects.get_or_create(service=services[code], name=name)
    users = {}
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        service = services[spec.service] if spec.service else None
        team = teams[(spec.service, spec.team)] if spec.team else None
        if user is None:
            user = user_create(
                username=spec.username,
                role=spec.role,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@rjcase-demo.example",
                service=service,
                team=team,
                areas=[areas[a] for a in spec.areas],
                password=DEMO_PASSWORD,
                agency=spec.agency,
                job_title=spec.job_title,
            )
        else:
            user_set_role(user=user, role=spec.role)
        users[spec.username] = user
    return users


def load_demo() -> dict[str, User]:
    users = load_organisations()
    for user in users.values():  # someone who set up their own app keeps it
        authenticator_install(user=user, key=DEMO_TOTP_KEY, name="Demo authenticator")
    for loader in DEMO_LOADERS:
        loader(users)
    return users
