"""The organisations and staff: 42 PCC areas, about 120 services, 2,000 users and each service's settings.

Users are put in their role group, and RJ managers and administrators in their service's team group
(service:<id>:<role>), as accounts.services.user_create does; commissioners are attached to areas. A few
users have predictable names for the benchmark to sign in as (BENCH_USERS).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field

from accounts.models import Role, Skill
from accounts.roles import service_team_group_name
from bench.datagen import words
from bench.datagen.tables import Table
from bench.datagen.timebase import MINUTES, Timebase
from risk.checklist import STARTING_ITEMS

BENCH_EMAIL_DOMAIN = "bench.rjcase.example"
AREA_COUNT = 42
SERVICE_COUNT = 120
USER_COUNT = 2000
BIG_SERVICE_SHARE = 0.025  # the big service: ~25,000 cases at N = 1,000,000

# Staff other than facilitators (facilitators are the rest of USER_COUNT: about 60%).
COMMISSIONERS = 50
OFFENDER_MANAGERS = 320
VLOS = 140
ADMINISTRATORS = 130
MANAGERS = 170

# The users the benchmark signs in as (all in the big service, or its area).
BENCH_USERS = {
    "bench_facilitator": Role.FACILITATOR,  # about 40 open cases
    "bench_nogrants": Role.FACILITATOR,  # no cases at all
    "bench_manager": Role.MANAGER,
    "bench_admin": Role.ADMINISTRATOR,
    "bench_om": Role.OFFENDER_MANAGER,
    "bench_vlo": Role.VICTIM_LIAISON,
    "bench_commissioner": Role.COMMISSIONER,
}
JOB_TITLES = {
    Role.FACILITATOR: "RJ facilitator",
    Role.MANAGER: "RJ manager",
    Role.ADMINISTRATOR: "Case administrator",
    Role.OFFENDER_MANAGER: "Probation practitioner",
    Role.VICTIM_LIAISON: "Victim liaison officer",
    Role.COMMISSIONER: "Commissioning officer",
}
TEAM_NAMES = ("North team", "South team", "City team", "County team")
IN_SCOPE_OFFENCES = (
    "violence_with_injury", "violence_without_injury", "stalking_harassment", "robbery", "burglary_residential",
    "burglary_non_residential", "vehicle", "theft_person", "shoplifting", "theft_other", "criminal_damage_arson",
    "public_order", "bicycle_theft", "fraud", "sexual", "homicide", "death_injury_driving",
)  # fmt: skip


@dataclass
class ServiceInfo:
    index: int
    id: int
    code: str
    name: str
    area_id: int
    area_index: int
    weight: float
    town: str
    postcode: str
    manager_group: int = 0
    admin_group: int = 0
    teams: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    leads: list[int] = field(default_factory=list)  # accredited facilitators who may lead
    volunteers: list[int] = field(default_factory=list)
    oms: list[int] = field(default_factory=list)
    vlos: list[int] = field(default_factory=list)
    criteria: list[tuple[int, int, int]] = field(default_factory=list)  # (id, version, in force from moment)
    template_id: int = 0
    checklist: dict[str, list[int]] = field(default_factory=dict)  # subject -> item ids
    counters: dict[int, int] = field(default_factory=dict)  # year -> last reference number


@dataclass
class World:
    services: list[ServiceInfo]
    cumulative: list[float]  # cumulative service weights, for bisect
    names: dict[int, str]  # user id -> display name
    bench: dict[str, int]  # bench username -> user id
    big: ServiceInfo
    password_hash: str
    joined: str  # when the staff and services were set up (before the first case)


def _shares(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split `total` in proportion to `weights`, each at least `minimum` (largest remainder)."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    scale = sum(weights)
    exact = [rest * w / scale for w in weights]
    counts = [math.floor(x) for x in exact]
    left = rest - sum(counts)
    for i in sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)[:left]:
        counts[i] += 1
    return [b + c for b, c in zip(base, counts, strict=True)]


def service_weights(rng: random.Random) -> list[float]:
    """The big service first at 2.5%; the others lognormal, none above 2%."""
    others = [rng.lognormvariate(0, 0.7) for _ in range(SERVICE_COUNT - 1)]
    scale = (1 - BIG_SERVICE_SHARE) / sum(others)
    others = [w * scale for w in others]
    for _ in range(5):
        excess = sum(max(0.0, w - 0.02) for w in others)
        others = [min(w, 0.02) for w in others]
        free = [i for i, w in enumerate(others) if w < 0.02]
        for i in free:
            others[i] += excess / len(free)
    return [BIG_SERVICE_SHARE, *others]


def build_world(
    *,
    rng: random.Random,
    tb: Timebase,
    tables: dict[str, Table],
    password_hash: str,
    codes: dict[str, dict[str, int]],
    role_groups: dict[str, int],
) -> World:
    t = tables
    joined = tb.ts((tb.start - 60) * MINUTES + 9 * 60)

    # Areas and services
    area_maker = t["area"].maker("id code name")
    area_ids = []
    for index, word in enumerate(words.AREA_WORDS[:AREA_COUNT]):
        area_id = t["area"].new_id()
        area_ids.append(area_id)
        end = words.TOWN_ENDS[index % len(words.TOWN_ENDS)]
        t["area"].add(area_maker(area_id, f"bench-{word.lower()}", f"{word}{end} (fictional)"))
    per_area = [2] * AREA_COUNT
    for _ in range(SERVICE_COUNT - 2 * AREA_COUNT):
        per_area[rng.randrange(AREA_COUNT)] += 1
    area_of_service = [a for a in range(AREA_COUNT) for _ in range(per_area[a])]
    area_of_service.sort(key=lambda a: (a != 0, a))  # the big service is in the first area
    weights = service_weights(rng)
    service_maker = t["service"].maker("id area_id code name email phone address")
    services: list[ServiceInfo] = []
    seen_in_area = [0] * AREA_COUNT
    for index, area_index in enumerate(area_of_service):
        word = words.AREA_WORDS[area_index]
        nth = seen_in_area[area_index]
        seen_in_area[area_index] += 1
        town = word + words.TOWN_ENDS[(area_index + nth * 5) % len(words.TOWN_ENDS)]
        code = f"{words.POSTCODE_AREAS[area_index]}{'ABCDEFGHJK'[nth]}"
        kind = ("Restorative Justice Service", "Restorative Hub", "Restorative Partnership", "RJ Project")[nth % 4]
        name = f"{town} {kind} (fictional)"
        service_id = t["service"].new_id()
        postcode = words.POSTCODE_AREAS[area_index]
        address = f"{index + 1} {words.STREETS[index % len(words.STREETS)]}\n{town}\n{postcode}{nth + 1} 1AA"
        row = service_maker(
            service_id,
            area_ids[area_index],
            code,
            name,
            f"rj@{code.lower()}.{BENCH_EMAIL_DOMAIN}",
            f"{words.PHONE_PREFIXES[0]}{index:03d}",
            address,
        )
        t["service"].add(row)
        services.append(
            ServiceInfo(index, service_id, code, name, area_ids[area_index], area_index, weights[index], town, postcode)
        )
    big = services[0]

    # Groups: each service's managers and administrators
    group_maker = t["group"].maker("id name")
    for s in services:
        s.manager_group = t["group"].new_id()
        t["group"].add(group_maker(s.manager_group, service_team_group_name(s.id, Role.MANAGER)))
        s.admin_group = t["group"].new_id()
        t["group"].add(group_maker(s.admin_group, service_team_group_name(s.id, Role.ADMINISTRATOR)))

    # Teams
    team_maker = t["team"].maker("id service_id name")
    for s in services:
        for name in TEAM_NAMES[: 1 + min(3, int(s.weight * 150))]:
            team_id = t["team"].new_id()
            s.teams.append(team_id)
            t["team"].add(team_maker(team_id, s.id, name))

    # Staff
    staff_weights = [s.weight for s in services]
    per_service = {
        Role.MANAGER: _shares(MANAGERS, staff_weights, 1),
        Role.ADMINISTRATOR: _shares(ADMINISTRATORS, staff_weights, 1),
        Role.OFFENDER_MANAGER: _shares(OFFENDER_MANAGERS, staff_weights, 1),
        Role.VICTIM_LIAISON: _shares(VLOS, staff_weights, 1),
    }
    facilitators = USER_COUNT - COMMISSIONERS - MANAGERS - ADMINISTRATORS - OFFENDER_MANAGERS - VLOS
    per_service[Role.FACILITATOR] = _shares(facilitators, staff_weights, 3)
    user_maker = t["user"].maker(
        "id password is_superuser username first_name last_name email is_staff is_active date_joined role "
        "service_id team_id agency job_title is_volunteer skills"
    )
    names: dict[int, str] = {}
    bench: dict[str, int] = {}
    membership = t["user_groups"].maker("id user_id group_id")
    area_link = t["user_areas"].maker("id user_id pccarea_id")
    serial = 0

    def add_user(role: str, service: ServiceInfo | None, *, username: str = "", volunteer: bool = False) -> int:
        nonlocal serial
        serial += 1
        user_id = t["user"].new_id()
        first = rng.choice(words.FIRST_NAMES)
        last = rng.choice(words.SURNAMES)
        username = username or f"{role.replace('_', '')[:4]}{serial:04d}"
        skills: list[str] = []
        if role == Role.FACILITATOR:
            skills = rng.sample(Skill.values, rng.choice((0, 1, 1, 2, 3)))
        agency = ""
        if role == Role.OFFENDER_MANAGER:
            agency = words.AGENCY_PROBATION
        elif role == Role.VICTIM_LIAISON:
            agency = words.AGENCY_VCS
        elif role == Role.COMMISSIONER:
            agency = "Office of the Police and Crime Commissioner (fictional)"
        elif service is not None:
            agency = service.name
        title = "Volunteer facilitator" if volunteer else JOB_TITLES[role]
        team = rng.choice(service.teams) if service is not None and role in _TEAM_ROLES else None
        row = user_maker(
            user_id,
            password_hash,
            False,
            username,
            first,
            last,
            f"{username}@{BENCH_EMAIL_DOMAIN}",
            False,
            True,
            joined,
            role,
            service.id if service is not None else None,
            team,
            agency,
            title,
            volunteer,
            json.dumps(skills),
        )
        t["user"].add(row)
        names[user_id] = f"{first} {last}"
        t["user_groups"].add(membership(t["user_groups"].new_id(), user_id, role_groups[role]))
        if service is not None and role == Role.MANAGER:
            t["user_groups"].add(membership(t["user_groups"].new_id(), user_id, service.manager_group))
        if service is not None and role == Role.ADMINISTRATOR:
            t["user_groups"].add(membership(t["user_groups"].new_id(), user_id, service.admin_group))
        return user_id

    for username, role in BENCH_USERS.items():
        service = None if role == Role.COMMISSIONER else big
        user_id = add_user(role, service, username=username)
        bench[username] = user_id
        if role == Role.MANAGER:
            big.managers.append(user_id)
        elif role == Role.ADMINISTRATOR:
            big.admins.append(user_id)
        elif role == Role.OFFENDER_MANAGER:
            big.oms.append(user_id)
        elif role == Role.VICTIM_LIAISON:
            big.vlos.append(user_id)
        elif role == Role.COMMISSIONER:
            t["user_areas"].add(area_link(t["user_areas"].new_id(), user_id, big.area_id))
    for s in services:
        own_bench = 2 if s is big else 0  # bench_facilitator and bench_nogrants are extra, in no pool
        for _ in range(per_service[Role.MANAGER][s.index] - (s is big)):
            s.managers.append(add_user(Role.MANAGER, s))
        for _ in range(per_service[Role.ADMINISTRATOR][s.index] - (s is big)):
            s.admins.append(add_user(Role.ADMINISTRATOR, s))
        for _ in range(per_service[Role.OFFENDER_MANAGER][s.index] - (s is big)):
            s.oms.append(add_user(Role.OFFENDER_MANAGER, s))
        for _ in range(per_service[Role.VICTIM_LIAISON][s.index] - (s is big)):
            s.vlos.append(add_user(Role.VICTIM_LIAISON, s))
        count = per_service[Role.FACILITATOR][s.index] - own_bench
        for k in range(count):
            volunteer = k >= 2 and rng.random() < 0.15
            user_id = add_user(Role.FACILITATOR, s, volunteer=volunteer)
            (s.volunteers if volunteer else s.leads).append(user_id)
    commissioners = COMMISSIONERS - 1
    for k in range(commissioners):
        user_id = add_user(Role.COMMISSIONER, None)
        areas = {area_ids[k % AREA_COUNT]}
        if k >= AREA_COUNT:
            areas.add(area_ids[rng.randrange(AREA_COUNT)])
        for area_id in sorted(areas):
            t["user_areas"].add(area_link(t["user_areas"].new_id(), user_id, area_id))

    _service_settings(rng=rng, tb=tb, tables=t, services=services, codes=codes)
    cumulative = []
    total = 0.0
    for s in services:
        total += s.weight
        cumulative.append(total)
    return World(services, cumulative, names, bench, big, password_hash, joined)


_TEAM_ROLES = (Role.FACILITATOR, Role.MANAGER, Role.ADMINISTRATOR)


def _service_settings(
    *,
    rng: random.Random,
    tb: Timebase,
    tables: dict[str, Table],
    services: list[ServiceInfo],
    codes: dict[str, dict[str, int]],
) -> None:
    """Targeting criteria (v1, and v2 for a third of services), the risk checklist, risk and follow-up settings."""
    t = tables
    offence_ids = codes["offence"]
    tier_ids = codes["tier"]
    criteria_maker = t["criteria"].maker(
        "id service_id version created_at created_by_id requires_identifiable_victim minimum_seriousness "
        "tier_2_if_at_risk_of_custody notes"
    )
    offence_link = t["criteria_offences"].maker("id targetingcriteria_id code_id")
    tier_link = t["criteria_tiers"].maker("id targetingcriteria_id code_id")
    template_maker = t["template"].maker("id service_id version created_at created_by_id notes")
    item_maker = t["checklist_item"].maker("id template_id position text guidance subjects")
    risk_settings = t["risk_settings"].maker(
        "id service_id assessment_order om_sees_offender_assessments approval_valid_days updated_at updated_by_id"
    )
    agreement_settings = t["agreement_settings"].maker(
        "id service_id item_notice_working_days changed_at changed_by_id"
    )
    first_moment = (tb.start - 30) * MINUTES + 10 * 60
    for s in services:
        manager = s.managers[0]
        versions = [(1, first_moment, "medium")]
        if rng.random() < 0.33:
            versions.append((2, rng.randrange(tb.start + 365, tb.today - 365) * MINUTES + 11 * 60, "low"))
        for version, moment, seriousness in versions:
            criteria_id = t["criteria"].new_id()
            t["criteria"].add(
                criteria_maker(
                    criteria_id, s.id, version, tb.ts(moment), manager, True, seriousness, True, "Published criteria"
                )
            )
            for code in IN_SCOPE_OFFENCES:
                t["criteria_offences"].add(
                    offence_link(t["criteria_offences"].new_id(), criteria_id, offence_ids[code])
                )
            for code in ("2", "3", "4") if version > 1 else ("3", "4"):
                t["criteria_tiers"].add(tier_link(t["criteria_tiers"].new_id(), criteria_id, tier_ids[code]))
            s.criteria.append((criteria_id, version, moment))
        s.template_id = t["template"].new_id()
        t["template"].add(template_maker(s.template_id, s.id, 1, tb.ts(first_moment), manager, "Starting checklist"))
        s.checklist = {"victim": [], "offender": [], "venue": [], "staff": []}
        for position, (text, guidance, subjects) in enumerate(STARTING_ITEMS, start=1):
            item_id = t["checklist_item"].new_id()
            t["checklist_item"].add(item_maker(item_id, s.template_id, position, text, guidance, json.dumps(subjects)))
            for subject in subjects or s.checklist:
                s.checklist[subject].append(item_id)
        moment = tb.ts(first_moment)
        t["risk_settings"].add(
            risk_settings(t["risk_settings"].new_id(), s.id, "offender_first", rng.random() < 0.3, 90, moment, manager)
        )
        t["agreement_settings"].add(agreement_settings(t["agreement_settings"].new_id(), s.id, 3, moment, manager))
