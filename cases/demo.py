"""Fictional demonstration cases for the three demo services.

Every person, street, phone number and email address here is invented and reads
as such (phones from Ofcom's drama range, emails at example domains). Cases are
written only through the case services, on a simulated clock, so that each
case's timeline, tasks, allocation dates and contact logging times look as if
the work happened over the last twelve months.

Running the loader again creates only the demo cases that are missing: each
demo case carries a police reference of the form "<service>/DEMO/<number>".
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Service, User
from cases.code_seed import load_codes
from cases.models import (
    Case,
    CaseEvent,
    Code,
    CodeList,
    ConsentKind,
    EventKind,
    ExceptionalStatus,
    Offender,
    ParticipationBasis,
    PathwayStatus,
    Seriousness,
    Stage,
    Victim,
    WithdrawnBy,
)
from cases.models.records import DisclosureKind, SupporterKind
from cases.services.allocation import case_allocate
from cases.services.lifecycle import case_close, case_set_stage, decision_record
from cases.services.participants import (
    consent_record,
    consent_withdraw,
    contact_log,
    disclosure_grant,
    need_add,
    need_update,
    participant_add,
    set_pathway_status,
    supporter_add,
)
from cases.services.referrals import (
    criteria_current,
    criteria_publish,
    eligibility_decide,
    exceptional_decide,
    referral_register,
)
from core import clock as core_clock

SEED = 2026


def demo_police_reference(service_code: str, number: int) -> str:
    return f"{service_code}/DEMO/{number:03d}"


# --- The simulated clock ----------------------------------------------------------------------


class _Clock:
    """The time the services see while demo cases are built; never later than the real time."""

    def __init__(self) -> None:
        self.limit = timezone.now() - dt.timedelta(minutes=30)
        self.moment = self.limit

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.moment = min(moment, self.limit)
        return self.moment

    def now(self) -> dt.datetime:
        return self.moment

    def today(self) -> dt.date:
        return timezone.localdate(self.moment)


# --- Invented names and places ----------------------------------------------------------------

VICTIM_FIRST = (
    "Robin", "Jordan", "Taylor", "Charlie", "Riley", "Sasha", "Toni", "Ellis", "Frankie", "Hayden", "Indigo",
    "Jules", "Kerry", "Harlow", "Remy", "Marnie", "Perry", "Codie", "Bryn", "Tamsin", "Elodie", "Lowri",
)  # fmt: skip
VICTIM_LAST = (
    "Fauxbury", "Madeupname", "Nonesuchley", "Samplename", "Fakeworth", "Pretendling", "Inventedson",
    "Demoperson", "Fictionfield", "Imaginot", "Makebelief", "Dreamedup", "Nobodyknows", "Notanyone",
    "Storyline", "Paperdoll", "Blankpage", "Hypothetica", "Conjectureby", "Dummyfield",
)  # fmt: skip
OFFENDER_FIRST = (
    "Quinn", "Reese", "Rowan", "Avery", "Blair", "Cameron", "Dale", "Emerson", "Finley", "Gray",
    "Harley", "Jesse", "Kai", "Logan", "Marlow", "Nico", "Oakley", "Parker", "Ray", "Skyler", "Tate", "Wren",
)  # fmt: skip
OFFENDER_LAST = (
    "Testperson", "Mockington", "Fabricato", "Notaname", "Sampleby", "Hypothetical", "Exampleton",
    "Figmentson", "Inkblot", "Wordsworthless", "Nonexisto", "Draftington", "Scriptley", "Plotwell",
    "Characterson", "Protagon", "Madeupton", "Pseudonymous", "Noneofthem", "Trialrun",
)  # fmt: skip
SUPPORTER_NAMES = (
    "Bobbie Helperton", "Dani Backupworth", "Georgie Standby", "Lindsay Supportive", "Mel Friendlyname",
    "Nat Kindfolk", "Ollie Alongside", "Sid Companion", "Terry Beside", "Vic Goodsort",
)  # fmt: skip
# Separate streets for each side, so that no victim's address can match an offender's by chance.
VICTIM_STREETS = ("Imaginary Road", "Pretend Street", "Makebelieve Avenue", "Storybook Gardens", "Notional Terrace")
OFFENDER_STREETS = ("Hypothesis Close", "Sketchbook Crescent", "Figment Way", "Fiction Lane", "Madeup Mews")
PLACES = ("Invented Market Square", "Notreal Retail Park", "Pretendon High Street", "Fable Bus Station", "Myth Park")
TOWNS = {"NS": ("Northtown", "NS"), "NV": ("Northbury", "NS"), "SM": ("Southbury", "SX")}
COURTS = {
    "NS": "Northtown Magistrates' Court (fictional)",
    "NV": "Northtown Crown Court (fictional)",
    "SM": "Southbury Magistrates' Court (fictional)",
}
PRISON = "HMP Northmoor (fictional)"
LEAFLET = "Meeting the other person: what to expect (version 4, 2025)"

OFFENCES = {
    "burglary_residential": "Entered a house through an unlocked back door during the day and took a laptop, "
    "jewellery and a bank card.",
    "burglary_non_residential": "Broke into a community centre storeroom overnight and took sound equipment.",
    "robbery": "Threatened a person at a bus stop and took their phone and wallet.",
    "violence_with_injury": "Punched a person outside a takeaway after an argument, breaking their nose.",
    "violence_without_injury": "Pushed and threatened a neighbour during a dispute about parking.",
    "criminal_damage_arson": "Smashed the windows of a parked car and a shop front on the same night.",
    "theft_person": "Took a handbag from a café table while the owner was distracted.",
    "vehicle": "Took a car from a driveway and crashed it into a garden wall.",
    "shoplifting": "Took goods from a small shop several times and was abusive to staff.",
    "stalking_harassment": "Sent repeated unwanted messages and waited outside a workplace over several weeks.",
    "public_order": "Shouted threats and abuse in the street outside a family home.",
    "bicycle_theft": "Cut a lock and took a bicycle from outside a block of flats.",
    "theft_other": "Took tools from a builder's van parked overnight.",
    "fraud": "Used a stolen bank card for online purchases over two weeks.",
    "sexual": "Touched a person without consent on a late-night bus.",
}
DOMESTIC_ABUSE_SUMMARY = "Assaulted a former partner at their home after the relationship ended."
HATE_SUMMARY = "Shouted racist abuse at a shop worker and damaged the shop's window display."
CHILD_SUMMARY = "Threatened a 13-year-old in a park and took their phone and trainers."

NOT_PROCEEDING_REASONS = {
    "offender_declined": "The person responsible decided not to take part after the process was explained.",
    "offender_unsuitable_risk": "The assessment found attitudes that could cause further harm; a meeting would "
    "not be safe and indirect work was not appropriate.",
    "offender_unsuitable_capacity": "Current mental health needs mean the person responsible cannot take part "
    "safely at present. Referred back to the offender manager.",
    "offender_unavailable": "The person responsible was transferred to a prison outside the area.",
    "victim_declined": "The person harmed decided not to take part and asked for no further contact.",
    "victim_not_contactable": "Three attempts by phone and letter over four weeks had no reply.",
    "withdrawn": "Withdrew during preparation.",
    "not_eligible": "Seriousness below the service's published criteria.",
}


# --- What each demo case looks like -----------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One demo case: where it ends up and what is special about it."""

    service: str
    number: int
    days_ago: int
    end: str  # a Stage value
    outcome: str | None = None  # outcome code when closed (or a special not-proceeding outcome)
    reason: str | None = None  # reason not proceeding
    withdrawn_by: str = ""
    referrer: str = "admin"  # admin, om, vlo, victim (self-referral), hub
    offence: str = "burglary_residential"
    seriousness: str = Seriousness.MEDIUM
    victims: int = 1
    offenders: int = 1
    lead: str = "facilitator"
    second: str | None = "facilitator2"
    om_is_demo_user: bool = False
    custody: bool = False
    youth: bool = False
    domestic_abuse: bool = False
    hate_crime: bool = False
    child_victim: bool = False
    exceptional: str = ""  # approve, refuse or await (flagged cases)
    progress: int = 2  # how far an assessment-stage case has gone (0-2)
    reallocate_to: tuple[str, str | None] | None = None
    extras: tuple[str, ...] = field(default_factory=tuple)


S = Stage
NS_CASES = (
    # Open cases, newest first
    Spec("NS", 1, 2, S.REFERRAL, referrer="om", offence="robbery", om_is_demo_user=True),
    Spec("NS", 2, 4, S.REFERRAL, referrer="victim", offence="criminal_damage_arson", offenders=0),
    Spec("NS", 3, 6, S.REFERRAL, referrer="vlo", offence="burglary_residential", custody=True),
    Spec("NS", 4, 9, S.REFERRAL, offence="violence_with_injury", domestic_abuse=True, exceptional="await"),
    Spec("NS", 5, 13, S.ELIGIBILITY, offence="theft_person", om_is_demo_user=True),
    Spec("NS", 6, 17, S.ELIGIBILITY, offence="robbery", offenders=2),
    Spec("NS", 7, 21, S.ALLOCATED, offence="robbery", youth=True, exceptional="approve", referrer="admin"),
    Spec("NS", 8, 26, S.ALLOCATED, offence="vehicle", second="facilitator3", extras=("attempt",)),
    Spec("NS", 9, 31, S.ALLOCATED, referrer="om", offence="burglary_non_residential", lead="facilitator2",
         second="facilitator3", om_is_demo_user=True),
    Spec("NS", 10, 38, S.ASSESSMENT, offence="violence_without_injury", progress=0),
    Spec("NS", 11, 52, S.ASSESSMENT, referrer="vlo", offence="burglary_residential", custody=True,
         second="facilitator3", progress=1, extras=("late",)),
    Spec("NS", 12, 66, S.ASSESSMENT, offence="robbery", child_victim=True, exceptional="approve", progress=2),
    Spec("NS", 13, 45, S.ASSESSMENT, referrer="om", offence="theft_other", lead="facilitator2",
         second="facilitator", om_is_demo_user=True, progress=2, extras=("thinking",)),
    Spec("NS", 14, 84, S.PREPARATION, offence="public_order", hate_crime=True, exceptional="approve",
         extras=("interpreter",)),
    Spec("NS", 15, 96, S.PREPARATION, offence="burglary_residential", victims=2, second="facilitator3"),
    Spec("NS", 16, 108, S.PREPARATION, referrer="om", offence="violence_with_injury", om_is_demo_user=True,
         extras=("withdraw_evaluation",)),
    Spec("NS", 17, 121, S.ACTIVITY, offence="criminal_damage_arson"),
    Spec("NS", 18, 133, S.ACTIVITY, offence="robbery", offenders=3, second="facilitator3", outcome="shuttle"),
    Spec("NS", 19, 150, S.FOLLOW_UP, offence="burglary_residential", outcome="conference"),
    Spec("NS", 20, 166, S.FOLLOW_UP, referrer="vlo", offence="violence_with_injury", custody=True,
         second="facilitator3", outcome="letter_of_apology"),
    Spec("NS", 21, 142, S.FOLLOW_UP, offence="theft_person", lead="facilitator3", second="facilitator2",
         outcome="conference", reallocate_to=("facilitator2", "facilitator")),
    Spec("NS", 22, 58, S.ASSESSMENT, referrer="om", offence="burglary_residential", offenders=2,
         om_is_demo_user=True, second="facilitator3", progress=1),
    # Closed after a restorative activity
    Spec("NS", 23, 200, S.CLOSED, "conference", offence="burglary_residential", victims=2),
    Spec("NS", 24, 231, S.CLOSED, "conference", offence="violence_with_injury", second="facilitator3"),
    Spec("NS", 25, 262, S.CLOSED, "conference", referrer="om", offence="robbery", om_is_demo_user=True),
    Spec("NS", 26, 291, S.CLOSED, "conference", offence="burglary_residential", custody=True),
    Spec("NS", 27, 346, S.CLOSED, "conference", referrer="vlo", offence="robbery", custody=True),
    Spec("NS", 28, 181, S.CLOSED, "conference", offence="shoplifting", victims=3),
    Spec("NS", 29, 212, S.CLOSED, "letter_of_apology", offence="vehicle", second="facilitator3"),
    Spec("NS", 30, 276, S.CLOSED, "letter_of_apology", referrer="om", offence="theft_other",
         om_is_demo_user=True),
    Spec("NS", 31, 241, S.CLOSED, "shuttle", offence="stalking_harassment", lead="facilitator2",
         second="facilitator"),
    Spec("NS", 32, 301, S.CLOSED, "shuttle", offence="burglary_non_residential", offenders=2),
    Spec("NS", 33, 252, S.CLOSED, "victim_empathy", offence="robbery", custody=True, second="facilitator3"),
    # Not going ahead: the person responsible
    Spec("NS", 34, 191, S.NOT_PROCEEDING, reason="offender_declined", referrer="om", om_is_demo_user=True),
    Spec("NS", 35, 271, S.NOT_PROCEEDING, reason="offender_declined", offence="theft_person",
         second="facilitator3"),
    Spec("NS", 36, 221, S.NOT_PROCEEDING, "rejected_unsuitable", reason="offender_unsuitable_risk",
         offence="violence_with_injury"),
    Spec("NS", 37, 311, S.NOT_PROCEEDING, "rejected_unsuitable", reason="offender_unsuitable_risk",
         offence="stalking_harassment", lead="facilitator2", second="facilitator"),
    Spec("NS", 38, 206, S.NOT_PROCEEDING, reason="offender_unsuitable_capacity", offence="criminal_damage_arson"),
    Spec("NS", 39, 261, S.NOT_PROCEEDING, reason="offender_unavailable", offence="robbery", custody=True),
    Spec("NS", 40, 286, S.NOT_PROCEEDING, "breach_revoke", reason="offender_unavailable", referrer="om",
         offence="shoplifting", om_is_demo_user=True),
    Spec("NS", 41, 176, S.NOT_PROCEEDING, reason="not_eligible", offence="bicycle_theft",
         seriousness=Seriousness.LOW),
    Spec("NS", 42, 216, S.NOT_PROCEEDING, reason="not_eligible", offence="sexual", exceptional="refuse"),
    # Not going ahead: the person harmed
    Spec("NS", 43, 196, S.NOT_PROCEEDING, reason="victim_declined", offence="burglary_residential"),
    Spec("NS", 44, 281, S.NOT_PROCEEDING, reason="victim_declined", referrer="vlo", custody=True,
         offence="violence_with_injury", second="facilitator3"),
    Spec("NS", 45, 226, S.NOT_PROCEEDING, reason="victim_not_contactable", offence="theft_other"),
    # Withdrawn later
    Spec("NS", 46, 236, S.WITHDRAWN, reason="withdrawn", withdrawn_by=WithdrawnBy.VICTIM, offence="robbery"),
    Spec("NS", 47, 326, S.WITHDRAWN, reason="withdrawn", withdrawn_by=WithdrawnBy.OFFENDER,
         offence="burglary_residential", second="facilitator3"),
)  # fmt: skip

NV_CASES = (
    Spec("NV", 1, 5, S.REFERRAL, referrer="hub", offence="theft_person"),
    Spec("NV", 2, 47, S.ASSESSMENT, referrer="hub", offence="robbery", progress=1),
    Spec("NV", 3, 118, S.PREPARATION, referrer="hub", offence="criminal_damage_arson"),
    Spec("NV", 4, 205, S.CLOSED, "conference", referrer="hub", offence="burglary_residential"),
    Spec("NV", 5, 299, S.NOT_PROCEEDING, reason="victim_declined", referrer="hub", offence="robbery"),
)
NV_STAFF = {"lead": "hub_facilitator", "second": None, "manager": "hub_manager", "admin": "hub_manager"}

SM_CASES = (
    Spec("SM", 1, 3, S.REFERRAL, offence="burglary_residential"),
    Spec("SM", 2, 101, S.PREPARATION, offence="theft_person", victims=2),
    Spec("SM", 3, 158, S.FOLLOW_UP, "conference", offence="burglary_residential"),
    Spec("SM", 4, 246, S.CLOSED, "shuttle", offence="criminal_damage_arson"),
    Spec("SM", 5, 305, S.NOT_PROCEEDING, reason="offender_declined", offence="vehicle"),
)
SM_STAFF = {"lead": "sm_facilitator", "second": "sm_manager", "manager": "sm_manager", "admin": "sm_admin"}
NS_STAFF = {"manager": "manager", "admin": "admin"}

ALL_CASES = NS_CASES + NV_CASES + SM_CASES


# --- Building one case through the services ---------------------------------------------------


class _Context:
    """What every case builder shares: users, services, coded lists, the clock and numbering."""

    def __init__(self, users: dict[str, User], clock: _Clock) -> None:
        self.users = users
        self.clock = clock
        self.services = {s.code: s for s in Service.objects.filter(code__in=("NS", "NV", "SM"))}
        load_codes(Code)  # a live-server test empties every table, the seeded coded lists among them
        self.codes = {(c.list_name, c.code): c for c in Code.objects.all()}

    def code(self, list_name: str, value: str) -> Code:
        return self.codes[(list_name, value)]


class _CaseBuilder:
    def __init__(self, ctx: _Context, spec: Spec, position: int, rng: random.Random) -> None:
        self.ctx = ctx
        self.spec = spec
        self.rng = rng
        self.service = ctx.services[spec.service]
        staff = {"NS": NS_STAFF, "NV": NV_STAFF, "SM": SM_STAFF}[spec.service]
        users = ctx.users
        self.manager = users[staff["manager"]]
        self.admin = users[staff["admin"]]
        if spec.service == "NS":
            self.lead = users[spec.lead]
            self.second = users[spec.second] if spec.second else None
        else:
            self.lead = users[staff["lead"]]
            self.second = users[staff["second"]] if staff["second"] else None
        self.case: Case | None = None
        self.cursor = self._start()
        self.cursor_start = self.cursor
        self.serial = spec.number * 7 + {"NS": 0, "NV": 400, "SM": 700}[spec.service]
        self.position = position

    # Time ----------------------------------------------------------------------------------

    def _start(self) -> dt.datetime:
        day = timezone.localdate() - dt.timedelta(days=self.spec.days_ago)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return self._at(day, self.rng.choice((9, 10, 11, 14, 15)))

    def _at(self, day: dt.date, hour: int) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour, self.rng.choice((0, 10, 20, 30, 40, 50))))
        return timezone.make_aware(moment)

    def step(self, low: int, high: int) -> dt.datetime:
        """Move on some working days and act then (as far as the real time allows)."""
        day = timezone.localdate(self.cursor) + dt.timedelta(days=self.rng.randint(low, high))
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        moment = max(self._at(day, self.rng.randint(9, 16)), self.cursor + dt.timedelta(minutes=15))
        self.cursor = self.ctx.clock.set(moment)
        return self.cursor

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.cursor)

    # People ---------------------------------------------------------------------------------

    def _phone(self, side: str, index: int) -> str:
        """Ofcom drama numbers, in separate ranges per side: 001-499 people harmed, 500-739 people
        responsible, 750-989 supporters. Never 999 or 111 (the test suite's marker numbers)."""
        low, size = {"victim": (1, 499), "offender": (500, 240), "supporter": (750, 240)}[side]
        return f"07700 900{low + (self.position * 4 + index) % size:03d}"

    def _address(self, side: str, index: int) -> tuple[str, str]:
        town, area = TOWNS[self.spec.service]
        streets = VICTIM_STREETS if side == "victim" else OFFENDER_STREETS
        street = streets[(self.position + index) % len(streets)]
        house = (self.position * 7 + index * 11) % 180 + 1
        district = (self.position + index) % 9 + 1
        postcode = (
            f"{area}{district} {self.position % 9 + 1}{'ABDEFGHJLN'[index % 10]}{'PQRSTUWXYZ'[self.position % 10]}"
        )
        return f"{house} {street}\n{town} (fictional)", postcode

    def _equality(self) -> dict[str, Any]:
        rng, code = self.rng, self.ctx.code
        sex = rng.choices(("male", "female", "prefer_not_to_say", "self_describe"), (48, 46, 4, 2))[0]
        ethnicity = rng.choices(
            ("white_british", "white_other", "asian_pakistani", "asian_indian", "black_caribbean",
             "black_african", "mixed_white_black_caribbean", "other_arab", "prefer_not_to_say"),
            (70, 6, 5, 4, 3, 3, 3, 2, 4),
        )[0]  # fmt: skip
        disability = rng.choices(("no", "yes", "prefer_not_to_say"), (75, 18, 7))[0]
        data = {
            "sex": code(CodeList.SEX, sex),
            "ethnicity": code(CodeList.ETHNICITY, ethnicity),
            "disability": code(CodeList.DISABILITY, disability),
        }
        if sex == "self_describe":
            data["sex_self_description"] = "Non-binary"
        return data

    def offender_data(self, index: int) -> dict[str, Any]:
        spec, rng, code = self.spec, self.rng, self.ctx.code
        n = self.serial + index
        first = OFFENDER_FIRST[(n * 7) % len(OFFENDER_FIRST)]
        last = OFFENDER_LAST[(n * 3 + index) % len(OFFENDER_LAST)]
        offence_day = self.offence_date
        age = 16 if spec.youth and index == 0 else rng.randint(18, 52)
        dob = offence_day - dt.timedelta(days=age * 365 + rng.randint(40, 300))
        address, postcode = self._address("offender", index)
        sentence = "custody" if spec.custody else rng.choice(("community_order", "suspended", "community_order"))
        data: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "date_of_birth": dob,
            **self._equality(),
            "address": address,
            "postcode": postcode,
            "phone": self._phone("offender", index),
            "pnc_id": f"{offence_day.year % 100:02d}/9{n:05d}D",
            "crn": f"Z9{n:05d}",
            "tier": code(CodeList.TIER, rng.choice(("3", "3", "4", "2"))),
            "sentence_type": code(CodeList.SENTENCE_TYPE, sentence),
            "sentence_date": self.sentence_date,
            "sentencing_court": COURTS[spec.service],
            "sentence_purpose": "Punishment and rehabilitation",
            "psr_author": "Lane Reportwriter, court probation team (fictional)",
        }
        if data["tier"].code == "2":
            data["at_risk_of_custody"] = True
        if spec.custody:
            data.update(
                in_custody=True,
                prison_name=PRISON,
                prison_number=f"A9{n:03d}DM",
                sentence_length=f"{rng.choice((18, 24, 30, 36))} months",
                release_date=self.sentence_date + dt.timedelta(days=rng.randint(300, 500)),
            )
        else:
            data.update(
                supervision_length=f"{rng.choice((12, 18, 24))} months",
                requirement_1=f"Rehabilitation activity requirement: {rng.choice((10, 15, 20))} days",
                requirement_2=rng.choice(("", "Unpaid work: 80 hours", "Unpaid work: 120 hours")),
                compensation=rng.choice(("", "£150 to the person harmed", "£300 to the person harmed")),
            )
        if spec.youth and index == 0:
            data.update(
                sentence_type=code(CodeList.SENTENCE_TYPE, "other"),
                supervision_length="Referral order: 9 months",
                requirement_1="",
                requirement_2="",
                compensation="",
                special_statuses=[code(CodeList.SPECIAL_STATUS, "yot")],
            )
        elif n % 5 == 0:
            data["special_statuses"] = [code(CodeList.SPECIAL_STATUS, rng.choice(("ppo", "iom")))]
        if spec.referrer != "om":
            if spec.om_is_demo_user and index == 0:
                data["offender_manager"] = self.ctx.users["offender_manager"]
            else:
                data["om_details"] = (
                    f"Pip Probationer, {TOWNS[spec.service][0]} probation office (fictional), 01632 960{n % 900 + 100}"
                )
        return data

    def victim_data(self, index: int) -> dict[str, Any]:
        spec, rng = self.spec, self.rng
        n = self.serial + index
        first = VICTIM_FIRST[(n * 5 + index) % len(VICTIM_FIRST)]
        last = VICTIM_LAST[(n * 7 + index * 3) % len(VICTIM_LAST)]
        address, postcode = self._address("victim", index)
        age = 13 if (spec.child_victim and index == 0) else rng.randint(21, 78)
        data: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "date_of_birth": self.offence_date - dt.timedelta(days=age * 365 + rng.randint(30, 330)),
            **self._equality(),
            "address": address,
            "postcode": postcode,
            "phone": self._phone("victim", index),
            "email": f"{first.lower()}.{last.lower()}@example.org",
            "safe_channels": rng.choice((["phone", "email"], ["phone"], ["phone", "text", "letter"])),
            "safe_times": rng.choice(("Weekdays after 5pm", "Mornings", "Any time", "Weekdays 10am to 3pm")),
        }
        if spec.child_victim and index == 0:
            data.update(
                parent_guardian="Parent: Chris Guardianly, 07700 900998 (contact through the parent only)",
                email="",
                safe_channels=["phone"],
            )
        if spec.domestic_abuse:
            data.update(
                no_voicemail=True,
                no_letters=True,
                safe_channels=["phone"],
                safe_times="Weekdays 10am to 2pm only",
                contact_safety_notes="Do not leave voicemails or send post. Check it is safe to talk first.",
            )
        if spec.offence == "shoplifting" and index == spec.victims - 1 and spec.victims > 1:
            data.update(first_name="Sample Street", last_name="Mini-Market (fictional)", is_organisation=True)
            data.pop("date_of_birth")
        if spec.referrer != "vlo" and spec.custody and index == 0:
            data.update(
                in_victim_contact_scheme=True,
                vlo_details="Dee Liaison, Victim Contact Scheme (fictional), 01632 960555",
            )
        if rng.random() < 0.1:
            data["preferred_language"] = "Welsh"
        return data

    # Case -------------------------------------------------------------------------------------

    @property
    def offence_date(self) -> dt.date:
        return timezone.localdate(self.cursor_start) - dt.timedelta(days=60 + (self.serial * 13) % 240)

    @property
    def sentence_date(self) -> dt.date:
        return timezone.localdate(self.cursor_start) - dt.timedelta(days=5 + self.serial % 20)

    def case_data(self) -> dict[str, Any]:
        spec, rng, code = self.spec, self.rng, self.ctx.code
        referral_day = timezone.localdate(self.cursor_start)
        source, initiator, cj_stage = {
            "om": ("probation_community", "agency", "community"),
            "vlo": ("vlu_vcs", "victim", "custody"),
            "victim": ("victim_self", "victim", "community"),
            "hub": ("victim_hub", "victim", "community"),
            "admin": (rng.choice(("police", "court_psr", "probation_rar", "police_leaflet")), "agency", "community"),
        }[spec.referrer]
        if spec.custody and spec.referrer != "vlo":
            source, cj_stage = "prison", "custody"
        if spec.youth:
            source, cj_stage = "yot", "community"
        if spec.referrer == "admin" and not spec.custody and not spec.youth and self.serial % 4 == 0:
            source, initiator = "offender_self", "offender"
        summary = OFFENCES.get(spec.offence, OFFENCES["burglary_residential"])
        if spec.domestic_abuse:
            summary = DOMESTIC_ABUSE_SUMMARY
        elif spec.hate_crime:
            summary = HATE_SUMMARY
        elif spec.child_victim:
            summary = CHILD_SUMMARY
        town = TOWNS[spec.service][0]
        officer_number = 1000 + self.serial
        co_defendants = {1: "0", 2: "1", 3: "2"}.get(spec.offenders, "0")
        data: dict[str, Any] = {
            "referral_date": referral_day,
            "rj_notified_date": referral_day,
            "referral_source": code(CodeList.REFERRAL_SOURCE, source),
            "initiator": code(CodeList.INITIATOR, initiator),
            "cj_stage": code(CodeList.CJ_STAGE, cj_stage),
            "participation_basis": ParticipationBasis.STATUTORY
            if source == "probation_rar"
            else ParticipationBasis.VOLUNTARY,
            "main_offence": code(CodeList.OFFENCE, spec.offence),
            "offence_date": self.offence_date,
            "offence_location": f"{PLACES[self.position % len(PLACES)]}, {town} (fictional)",
            "offence_summary": summary,
            "seriousness": spec.seriousness,
            "weapon_or_violence": spec.offence in ("robbery", "violence_with_injury") or spec.domestic_abuse,
            "encounter_at_time": spec.offence not in ("burglary_non_residential", "vehicle", "bicycle_theft"),
            "police_reference": demo_police_reference(spec.service, spec.number),
            "co_defendants": code(CodeList.CO_DEFENDANTS, co_defendants),
            "psr_status": rng.choice(("attached", "not_available", "attached")),
            "officer_in_case": f"DC {OFFENDER_FIRST[officer_number % 20]} Badgeworthy, collar {officer_number}",
            "police_station": f"{town} police station (fictional)",
            "flag_domestic_abuse": spec.domestic_abuse,
            "flag_hate_crime": spec.hate_crime,
            "flag_child_victim": spec.child_victim,
        }
        if spec.hate_crime:
            data["hate_strand"] = code(CodeList.HATE_STRAND, "race")
        if spec.offenders > 1:
            data["other_offences"] = [code(CodeList.OFFENCE, "criminal_damage_arson")]
        if spec.referrer in ("admin", "hub"):
            data.update(
                referrer_name=rng.choice(("PC Jo Referwell", "Sam Sendsome", "Kim Passalong")),
                referrer_agency=rng.choice(
                    (f"{town} Police (fictional)", "Court probation team (fictional)", "Victim hub (fictional)")
                ),
                referrer_phone="01632 960" + str(200 + self.serial % 700),
                referrer_email="referrals@agency.example",
            )
        elif spec.referrer == "victim":
            data.update(referrer_name="Self-referral through the website")
        if spec.referrer == "om":
            data["victim_details_requested_on"] = referral_day
        return data

    # Pathway helpers --------------------------------------------------------------------------

    def contact(
        self,
        person: Victim | Offender,
        *,
        kind: str = "phone",
        direction: str = "outgoing",
        kept: str = "not_applicable",
        minutes: int = 15,
        purpose: str,
        notes: str = "",
        with_whom: str = "",
        informs: CaseEvent | None = None,
        late: bool = False,
        next_in_days: int | None = None,
        by: User | None = None,
    ):
        code = self.ctx.code
        occurred = self.cursor
        delay = dt.timedelta(days=3, hours=2) if late else dt.timedelta(minutes=minutes + self.rng.randint(5, 60))
        self.ctx.clock.set(occurred + delay)
        data: dict[str, Any] = {
            "occurred_at": occurred,
            "contact_type": code(CodeList.CONTACT_TYPE, kind),
            "direction": code(CodeList.DIRECTION, direction),
            "appointment": code(CodeList.APPOINTMENT, kept),
            "minutes_spent": minutes,
            "purpose": purpose,
            "notes": notes,
            "with_whom": with_whom or person.full_name,
            "informs_event": informs,
        }
        if next_in_days is not None:
            data.update(
                next_appointment_at=occurred + dt.timedelta(days=next_in_days),
                next_appointment_with=person.full_name,
                next_appointment_where="RJ service office, 1 Example Street, Northtown (fictional)",
                next_appointment_type=code(CodeList.CONTACT_TYPE, "office_visit"),
            )
        result = contact_log(participant=person, actor=by or self.lead, data=data)
        self.cursor = self.ctx.clock.set(occurred + dt.timedelta(minutes=minutes + self.rng.randint(5, 30)))
        return result

    def decide(self, person: Victim | Offender, summary: str) -> None:
        """A decision about a person, and the contact that told them about it."""
        decision_record(case=self.case, actor=self.lead, participant=person, summary=summary)
        event = person.events.filter(kind=EventKind.DECISION).order_by("-id").first()
        self.step(0, 2)
        self.contact(
            person,
            kind="phone",
            kept="not_applicable",
            minutes=10,
            purpose="Told them about a decision",
            notes=f"Explained the decision: {summary[:1].lower()}{summary[1:]}",
            informs=event,
        )

    def stage(self, stage: str, note: str = "") -> None:
        case_set_stage(case=self.case, actor=self.lead, stage=stage, note=note)

    def status(self, people, status: str) -> None:
        for person in people:
            set_pathway_status(participant=person, status=status)

    def close(self, stage: str, *, outcome: str | None, reason: str | None, withdrawn_by: str = "") -> None:
        text = NOT_PROCEEDING_REASONS.get(reason or "", "")
        if stage == Stage.CLOSED:
            text = {
                "conference": "Conference held and the outcome agreement completed.",
                "letter_of_apology": "Letter of apology passed on and acknowledged.",
                "shuttle": "Questions and answers exchanged through the facilitators.",
                "victim_empathy": "The person harmed chose not to take part; the person responsible completed "
                "victim empathy work.",
            }.get(outcome or "", "")
        case_close(
            case=self.case,
            actor=self.manager if stage != Stage.CLOSED else self.lead,
            stage=stage,
            outcome_code=outcome,
            reason_code=reason,
            withdrawn_by=withdrawn_by,
            outcome_reason=text,
            closed_on=self.today,
            victim_contact_end_on=self.today + dt.timedelta(days=90) if stage == Stage.CLOSED else None,
        )

    # The whole pathway ------------------------------------------------------------------------

    def build(self) -> Case:
        spec = self.spec
        self.ctx.clock.set(self.cursor)
        self.register()
        if spec.end == Stage.REFERRAL and not spec.exceptional:
            return self.case
        if not self.screen():
            return self.case
        if spec.end == Stage.REFERRAL or spec.end == Stage.ELIGIBILITY:
            return self.case
        self.allocate()
        if spec.end == Stage.ALLOCATED:
            if "attempt" in spec.extras:
                self.step(1, 3)
                offender = self.case.offenders.first()
                self.contact(
                    offender,
                    direction="attempt",
                    minutes=5,
                    purpose="First contact",
                    notes="No answer. No voicemail left. Will try again on Thursday.",
                )
            return self.case
        if not self.assess():
            return self.case
        if spec.end == Stage.ASSESSMENT:
            return self.case
        if not self.prepare():
            return self.case
        if spec.end == Stage.PREPARATION:
            return self.case
        self.activity()
        if spec.end == Stage.ACTIVITY:
            return self.case
        self.follow_up()
        if spec.end == Stage.FOLLOW_UP:
            return self.case
        self.step(14, 28)
        everyone = self.victims + self.offenders
        self.status([p for p in everyone if not p.is_stopped], PathwayStatus.COMPLETED)
        self.close(Stage.CLOSED, outcome=spec.outcome, reason=None)
        return self.case

    @property
    def victims(self) -> list[Victim]:
        return list(self.case.victims.all())

    @property
    def offenders(self) -> list[Offender]:
        return list(self.case.offenders.all())

    def register(self) -> None:
        spec = self.spec
        actor = {
            "om": self.ctx.users["offender_manager"],
            "vlo": self.ctx.users["vlo"],
        }.get(spec.referrer, self.admin)
        victim_known = spec.referrer not in ("om",)
        self.case = referral_register(
            actor=actor,
            service=self.service,
            case_data=self.case_data(),
            offender_data=self.offender_data(0) if spec.offenders else None,
            victim_data=self.victim_data(0) if victim_known else None,
        )
        for index in range(1, spec.offenders):
            data = self.offender_data(index)
            if spec.referrer == "om":
                data["offender_manager"] = self.ctx.users["offender_manager"]
            participant_add(case=self.case, actor=actor, side="offender", data=data)
        if victim_known:
            for index in range(1, spec.victims):
                participant_add(case=self.case, actor=actor, side="victim", data=self.victim_data(index))

    def screen(self) -> bool:
        spec = self.spec
        self.step(1, 3)
        eligible = spec.reason != "not_eligible" or spec.exceptional == "refuse"
        screener = self.manager if self.serial % 3 else self.admin
        if spec.exceptional:
            screener = self.manager
        decision = eligibility_decide(
            case=self.case,
            actor=screener,
            eligible=eligible,
            reasons="Meets the published criteria."
            if eligible
            else "Seriousness is low: below the service's published criteria.",
        )
        if not eligible:
            return False
        if decision.exceptional_status == ExceptionalStatus.AWAITING:
            if spec.exceptional == "await":
                return False
            self.step(1, 4)
            approve = spec.exceptional != "refuse"
            rationale = {
                (True, True): "Youth offending team agree to joint working; a parent will attend every meeting.",
                (True, False): "Specialist facilitator available; the person harmed asked for this themselves.",
                (False, False): "The risk of further harm cannot be managed; the person harmed will be offered "
                "support through the victim hub instead.",
            }[(approve, spec.youth)]
            exceptional_decide(decision=decision, actor=self.manager, approve=approve, rationale=rationale)
            if not approve:
                return False
        return True

    def allocate(self) -> None:
        spec = self.spec
        self.step(2, 5)
        case_allocate(case=self.case, actor=self.manager, lead=self.lead, second=self.second)
        if spec.referrer == "om" and spec.end != Stage.ALLOCATED:
            # The victim's details arrive from the police after allocation.
            self.step(2, 6)
            for index in range(spec.victims):
                participant_add(case=self.case, actor=self.admin, side="victim", data=self.victim_data(index))
        if spec.offenders == 0 and spec.end != Stage.ALLOCATED:
            self.step(1, 3)
            participant_add(case=self.case, actor=self.admin, side="offender", data=self.offender_data(0))

    def reallocate(self) -> None:
        lead, second = self.spec.reallocate_to
        users = self.ctx.users
        self.step(1, 3)
        case_allocate(
            case=self.case,
            actor=self.manager,
            lead=users[lead],
            second=users[second] if second else None,
            reason="Caseload balanced after a facilitator moved to the City team.",
        )
        self.lead = users[lead]
        self.second = users[second] if second else None

    def assess(self) -> bool:
        """Offenders first, then the people harmed. Returns False if the case stopped here."""
        spec = self.spec
        offenders = self.offenders
        self.step(1, 4)
        self.stage(Stage.ASSESSMENT)
        for offender in offenders:
            if self.rng.random() < 0.25 or "attempt" in spec.extras:
                self.contact(
                    offender,
                    direction="attempt",
                    minutes=5,
                    purpose="First contact",
                    notes="No answer. Sent a text asking them to call back.",
                    by=self.second or self.lead,
                )
                self.step(1, 2)
            kind = "prison_visit" if offender.in_custody else "phone"
            self.contact(
                offender,
                kind=kind,
                kept="kept" if kind == "prison_visit" else "not_applicable",
                minutes=45 if kind == "prison_visit" else 20,
                purpose="First contact: explained restorative justice",
                notes="Explained what restorative justice is, that it is voluntary and that taking part has no "
                "effect on their sentence or licence.",
                next_in_days=None if offender.in_custody else 7,
            )
        if spec.reallocate_to:
            self.reallocate()
        if spec.progress == 0 and spec.end == Stage.ASSESSMENT:
            return True
        self.step(5, 9)
        for offender in offenders:
            set_pathway_status(participant=offender, status=PathwayStatus.ASSESSING)
            kept = "dna" if self.rng.random() < 0.12 else "kept"
            if kept == "dna" and not offender.in_custody:
                self.contact(
                    offender,
                    kind="office_visit",
                    kept="dna",
                    minutes=30,
                    purpose="Assessment interview",
                    notes="Did not attend. Their offender manager will remind them of the new date.",
                )
                self.step(3, 6)
            kind = "prison_visit" if offender.in_custody else self.rng.choice(("office_visit", "home_visit"))
            self.contact(
                offender,
                kind=kind,
                kept="kept",
                minutes=self.rng.choice((60, 75, 90)),
                purpose="Assessment interview",
                notes="Talked through who was affected and how, how responsible they feel, and what they would "
                "want to say. Accepts responsibility for what happened.",
                late="late" in spec.extras and offender is offenders[0],
            )
        offender_stop = spec.outcome != "breach_revoke" and spec.reason in (
            "offender_declined",
            "offender_unsuitable_risk",
            "offender_unsuitable_capacity",
            "offender_unavailable",
        )
        if offender_stop:
            first = offenders[0]
            self.step(2, 5)
            if spec.reason == "offender_declined":
                set_pathway_status(participant=first, status=PathwayStatus.DECLINED)
                self.contact(
                    first,
                    kind="phone",
                    direction="incoming",
                    minutes=10,
                    purpose="Decided not to take part",
                    notes="Called to say they do not want to take part. Thanked them and explained they can get in "
                    "touch again later.",
                )
            elif spec.reason == "offender_unavailable":
                self.decide(first, "The person responsible was transferred out of the area; the case cannot go on")
            else:
                set_pathway_status(participant=first, status=PathwayStatus.UNSUITABLE)
                self.decide(first, "Assessed as not suitable to take part at this time")
            self.step(1, 3)
            self.close(Stage.NOT_PROCEEDING, outcome=spec.outcome, reason=spec.reason)
            return False
        self.step(2, 5)
        for offender in offenders:
            set_pathway_status(participant=offender, status=PathwayStatus.SUITABLE)
            self.decide(offender, "Assessed as suitable to take part")
        if spec.outcome == "breach_revoke":
            self.step(10, 20)
            self.decide(offenders[0], "Community order revoked after a breach; restorative justice cannot go on")
            self.close(Stage.NOT_PROCEEDING, outcome="breach_revoke", reason=spec.reason)
            return False

        if spec.end == Stage.ASSESSMENT and spec.progress == 1:
            self.step(3, 6)
            for victim in self.victims:
                self.contact(
                    victim,
                    direction="attempt",
                    minutes=5,
                    purpose="First contact",
                    notes="No answer. No voicemail left as agreed. Will try again next week at a safe time.",
                )
            return True

        # The people harmed
        victims = self.victims
        for victim in victims:
            self.step(3, 7)
            if victim.in_victim_contact_scheme:
                self.contact(
                    victim,
                    kind="email",
                    minutes=10,
                    purpose="Checked with the victim liaison officer before first contact",
                    with_whom="Their victim liaison officer",
                    notes="Victim liaison officer agreed we can make contact and shared safe times.",
                )
                self.step(1, 2)
            attempts = 3 if spec.reason == "victim_not_contactable" else self.rng.choice((0, 0, 1, 2))
            for attempt in range(attempts):
                self.contact(
                    victim,
                    kind="letter" if attempt == 2 else "phone",
                    direction="attempt",
                    minutes=10 if attempt == 2 else 5,
                    purpose="First contact",
                    notes="Letter sent with the service leaflet and a reply slip."
                    if attempt == 2
                    else "No answer at the agreed safe time. No voicemail left.",
                )
                self.step(5, 9)
            if spec.reason == "victim_not_contactable":
                self.close(Stage.NOT_PROCEEDING, outcome=None, reason=spec.reason)
                return False
            self.contact(
                victim,
                kind="phone",
                minutes=25,
                purpose="First contact: offer of restorative justice",
                notes="Explained the offer without pressure. They want time to think and asked us to call back.",
            )
        if "thinking" in spec.extras:
            self.status(victims, PathwayStatus.THINKING)
            self.step(2, 4)
            self.contact(
                victims[0],
                kind="text",
                minutes=5,
                purpose="Agreed a date to call again",
                notes="Not ready yet. Agreed to call again in three weeks.",
                next_in_days=21,
            )
            return True
        self.step(5, 10)
        if spec.reason == "victim_declined":
            self.status(victims, PathwayStatus.DECLINED)
            self.contact(
                victims[0],
                kind="phone",
                direction="incoming",
                minutes=15,
                purpose="Decided not to take part",
                notes="Does not want to take part. Asked for no further contact. Offered details of victim support.",
            )
            self.step(2, 5)
            self.decide(self.offenders[0], "The other party will not be taking part, so the case is ending")
            self.close(Stage.NOT_PROCEEDING, outcome=None, reason=spec.reason)
            return False
        for victim in victims:
            set_pathway_status(participant=victim, status=PathwayStatus.ASSESSING)
            self.contact(
                victim,
                kind="home_visit",
                kept="kept",
                minutes=self.rng.choice((60, 90)),
                purpose="Assessment visit",
                notes="Talked about how the offence affected them, what they hope for and what support they have. "
                "Expectations are realistic.",
                by=self.second or self.lead,
            )
        self.step(2, 4)
        if spec.outcome == "victim_empathy":
            self.status(victims, PathwayStatus.DECLINED)
            self.contact(
                victims[0],
                kind="phone",
                minutes=15,
                purpose="Decided about taking part",
                notes="Does not want any contact with the person responsible, but is happy for them to do victim "
                "empathy work. Wants to hear when it is finished.",
            )
            return True
        for victim in victims:
            set_pathway_status(participant=victim, status=PathwayStatus.SUITABLE)
            self.decide(victim, "Assessed as suitable to take part")
        return True

    def prepare(self) -> bool:
        spec = self.spec
        self.step(3, 7)
        self.stage(Stage.PREPARATION)
        everyone = [p for p in self.victims + self.offenders if not p.is_stopped]
        self.status(everyone, PathwayStatus.PREPARING)
        for person in everyone:
            is_victim = isinstance(person, Victim)
            consent_record(
                participant=person,
                actor=self.lead,
                data={"kind": ConsentKind.TAKE_PART, "given_on": self.today, "leaflet": LEAFLET,
                      "data_sharing_explained": True},
            )  # fmt: skip
            consent_record(
                participant=person,
                actor=self.lead,
                data={"kind": ConsentKind.SHARE_INFORMATION, "given_on": self.today, "leaflet": LEAFLET,
                      "data_sharing_explained": True, "notes": "Only the items listed as agreed to share."},
            )  # fmt: skip
            if self.rng.random() < 0.4:
                consent_record(
                    participant=person,
                    actor=self.lead,
                    data={"kind": ConsentKind.EVALUATION, "given_on": self.today, "data_sharing_explained": True},
                )
            disclosure_grant(
                participant=person,
                actor=self.lead,
                data={
                    "kind": DisclosureKind.TAKING_PART,
                    "content": "That they have agreed to take part.",
                    "granted_on": self.today,
                },
            )
            if is_victim:
                disclosure_grant(
                    participant=person,
                    actor=self.lead,
                    data={
                        "kind": DisclosureKind.IMPACT,
                        "content": "Has found it hard to sleep since, and no longer feels safe at home alone.",
                        "granted_on": self.today,
                    },
                )
                if self.rng.random() < 0.35:
                    disclosure_grant(
                        participant=person,
                        actor=self.lead,
                        data={
                            "kind": DisclosureKind.QUESTIONS,
                            "content": "Why did you choose me? Could it happen again?",
                            "granted_on": self.today,
                        },
                    )
            elif self.rng.random() < 0.5:
                disclosure_grant(
                    participant=person,
                    actor=self.lead,
                    data={
                        "kind": DisclosureKind.OUTCOME,
                        "content": "Wants to apologise and to explain that it was not personal.",
                        "granted_on": self.today,
                    },
                )
        self.needs(everyone)
        self.supporters(everyone)
        if spec.end == Stage.WITHDRAWN:
            self.step(7, 14)
            leaving = self.victims[0] if spec.withdrawn_by == WithdrawnBy.VICTIM else self.offenders[0]
            consent = leaving.consents.get(kind=ConsentKind.TAKE_PART, withdrawn_on__isnull=True)
            self.contact(
                leaving,
                kind="phone",
                direction="incoming",
                minutes=15,
                purpose="Withdrew from the process",
                notes="Called to say they no longer want to take part. Respected the decision; no pressure.",
            )
            consent_withdraw(
                consent=consent,
                actor=self.lead,
                withdrawn_on=self.today,
                reason="No longer wants to take part.",
            )
            self.step(1, 3)
            other = self.offenders[0] if isinstance(leaving, Victim) else self.victims[0]
            self.decide(other, "The other party has withdrawn, so the case is ending")
            self.close(Stage.WITHDRAWN, outcome=None, reason=spec.reason, withdrawn_by=spec.withdrawn_by)
            return False
        if "withdraw_evaluation" in spec.extras:
            self.step(3, 6)
            person = self.victims[0]
            consent = person.consents.filter(kind=ConsentKind.EVALUATION, withdrawn_on__isnull=True).first()
            if consent is None:
                consent = consent_record(
                    participant=person,
                    actor=self.lead,
                    data={"kind": ConsentKind.EVALUATION, "given_on": self.today, "data_sharing_explained": True},
                )
                self.step(2, 4)
            consent_withdraw(
                consent=consent,
                actor=self.lead,
                withdrawn_on=self.today,
                reason="Prefers not to be contacted by researchers.",
            )
        self.step(4, 10)
        ready = [p for p in everyone if not p.is_stopped]
        if spec.end == Stage.PREPARATION:
            self.status(ready[:1], PathwayStatus.READY)
        else:
            self.status(ready, PathwayStatus.READY)
        return True

    def needs(self, people) -> None:
        spec, code = self.spec, self.ctx.code
        if "interpreter" in spec.extras:
            person = people[0]
            need = need_add(
                participant=person,
                actor=self.lead,
                data={"need": code(CodeList.NEED, "interpreter"), "details": "Polish interpreter for all meetings."},
            )
            self.step(1, 3)
            need_update(
                need=need,
                actor=self.lead,
                data={"action_taken": "Interpreter booked through the agency (fictional).", "action_on": self.today},
            )
        for person in people:
            roll = self.rng.random()
            if roll < 0.15:
                need_add(
                    participant=person,
                    actor=self.lead,
                    data={
                        "need": code(CodeList.NEED, "travel_costs"),
                        "details": "Cannot afford bus fares to the venue.",
                        "action_taken": "Bus tickets posted in advance.",
                        "action_on": self.today,
                    },
                )
            elif roll < 0.25:
                need_add(
                    participant=person,
                    actor=self.lead,
                    data={"need": code(CodeList.NEED, "literacy"), "details": "Prefers letters read aloud."},
                )
            elif roll < 0.32:
                need_add(
                    participant=person,
                    actor=self.lead,
                    data={
                        "need": code(CodeList.NEED, "disability_access"),
                        "details": "Uses a wheelchair: needs a ground-floor room.",
                        "action_taken": "Ground-floor room booked at the community centre.",
                        "action_on": self.today,
                    },
                )
            elif roll < 0.37:
                need_add(
                    participant=person,
                    actor=self.lead,
                    data={"need": code(CodeList.NEED, "childcare"), "details": "Needs childcare during meetings."},
                )

    def supporters(self, people) -> None:
        code = self.ctx.code
        for index, person in enumerate(people):
            if self.rng.random() >= 0.45:
                continue
            name = SUPPORTER_NAMES[(self.serial + index) % len(SUPPORTER_NAMES)]
            relationship = self.rng.choice(("friend", "family", "partner", "parent"))
            if isinstance(person, Victim) and person.parent_guardian:
                name, relationship = "Chris Guardianly", "parent"
            supporter_add(
                participant=person,
                actor=self.lead,
                data={
                    "kind": SupporterKind.SUPPORTER,
                    "name": name,
                    "relationship": code(CodeList.SUPPORTER_RELATIONSHIP, relationship),
                    "phone": self._phone("supporter", index),
                    "email": f"{name.split()[0].lower()}@example.org",
                    "notes": "Will come to every meeting.",
                },
            )
        if self.spec.offence == "shoplifting" and people:
            supporter_add(
                participant=people[0],
                actor=self.lead,
                data={
                    "kind": SupporterKind.OTHER_AFFECTED,
                    "name": "Corin Neighbourly (fictional)",
                    "relationship": code(CodeList.SUPPORTER_RELATIONSHIP, "community"),
                    "notes": "Runs the residents' association and wants to speak about the effect on the street.",
                },
            )

    def activity(self) -> None:
        spec = self.spec
        self.step(5, 10)
        self.stage(Stage.ACTIVITY)
        active = [p for p in self.victims + self.offenders if not p.is_stopped]
        self.status(active, PathwayStatus.TAKING_PART)
        if spec.end == Stage.ACTIVITY:
            self.step(1, 4)
            for person in active[:1]:
                self.contact(
                    person,
                    kind="phone",
                    minutes=15,
                    purpose="Arranging the next step",
                    notes="Confirmed the arrangements and who will come with them.",
                    next_in_days=10,
                )
            return
        self.step(7, 14)
        if spec.outcome == "conference":
            for person in active:
                kind = "prison_visit" if getattr(person, "in_custody", False) else "other"
                self.contact(
                    person,
                    kind=kind,
                    kept="kept",
                    minutes=150,
                    purpose="Conference",
                    notes="Conference held. Everyone was able to speak. An outcome agreement was signed.",
                )
        elif spec.outcome in ("letter_of_apology", "shuttle"):
            offender = self.offenders[0]
            self.contact(
                offender,
                kind="prison_visit" if offender.in_custody else "office_visit",
                kept="kept",
                minutes=60,
                purpose="Letter reviewed" if spec.outcome == "letter_of_apology" else "Shuttle message",
                notes="Went through their letter with them; it was checked by the facilitator before passing on.",
            )
            self.step(3, 6)
            for victim in [v for v in self.victims if not v.is_stopped]:
                self.contact(
                    victim,
                    kind="home_visit",
                    kept="kept",
                    minutes=60,
                    purpose="Passed on the letter" if spec.outcome == "letter_of_apology" else "Shuttle message",
                    notes="Read the message together. They were glad to receive it.",
                    by=self.second or self.lead,
                )
        else:  # victim empathy work
            offender = self.offenders[0]
            for session in range(1, 4):
                self.contact(
                    offender,
                    kind="prison_visit" if offender.in_custody else "office_visit",
                    kept="kept",
                    minutes=90,
                    purpose=f"Victim empathy session {session} of 3",
                    notes="Worked through the effects of the offence on the people harmed and their families.",
                )
                self.step(5, 8)

    def follow_up(self) -> None:
        spec = self.spec
        if spec.outcome != "conference" and spec.end != Stage.FOLLOW_UP:
            return
        self.step(3, 6)
        self.stage(Stage.FOLLOW_UP)
        active = [p for p in self.victims + self.offenders if not p.is_stopped]
        self.status(active, PathwayStatus.FOLLOW_UP)
        for person in active:
            self.contact(
                person,
                kind="phone",
                minutes=20,
                purpose="Feedback call after the conference" if spec.outcome == "conference" else "Feedback call",
                notes="Said it went well and they felt listened to. No worries about the other party.",
            )
        if spec.end == Stage.FOLLOW_UP:
            self.step(5, 10)
            self.contact(
                active[0],
                kind="letter",
                minutes=15,
                purpose="Update on the agreement",
                notes="Wrote with an update on the agreed actions, as they asked.",
            )


# --- Criteria and the loader ------------------------------------------------------------------

CRITERIA = {
    "NS": {
        "offences": ("violence_with_injury", "violence_without_injury", "stalking_harassment", "robbery",
                     "burglary_residential", "burglary_non_residential", "vehicle", "theft_person",
                     "bicycle_theft", "theft_other", "shoplifting", "criminal_damage_arson", "public_order",
                     "fraud", "sexual"),
        "tiers": ("3", "4"),
        "minimum_seriousness": Seriousness.MEDIUM,
        "notes": "Northshire targeting criteria agreed with the PCC's office (fictional).",
    },
    "NV": {
        "offences": (),
        "tiers": (),
        "minimum_seriousness": Seriousness.LOW,
        "notes": "Victim-led: any offence with an identifiable person harmed.",
    },
    "SM": {
        "offences": ("violence_with_injury", "violence_without_injury", "robbery", "burglary_residential",
                     "burglary_non_residential", "vehicle", "theft_person", "theft_other",
                     "criminal_damage_arson"),
        "tiers": ("2", "3", "4"),
        "minimum_seriousness": Seriousness.MEDIUM,
        "notes": "Violent and acquisitive offences (fictional).",
    },
}  # fmt: skip
CRITERIA_AUTHORS = {"NS": "manager", "NV": "hub_manager", "SM": "sm_admin"}


def _publish_criteria(ctx: _Context) -> None:
    start = timezone.now() - dt.timedelta(days=400)
    for service_code, spec in CRITERIA.items():
        service = ctx.services[service_code]
        if criteria_current(service) is not None:
            continue
        ctx.clock.set(start)
        criteria_publish(
            service=service,
            actor=ctx.users[CRITERIA_AUTHORS[service_code]],
            data={
                "offences_in_scope": [ctx.code(CodeList.OFFENCE, c) for c in spec["offences"]],
                "tiers_in_scope": [ctx.code(CodeList.TIER, c) for c in spec["tiers"]],
                "minimum_seriousness": spec["minimum_seriousness"],
                "tier_2_if_at_risk_of_custody": True,
                "notes": spec["notes"],
            },
        )


def load_cases(users: dict[str, User]) -> None:
    """Create the demo criteria and cases that do not exist yet."""
    # One seed per case, drawn in a fixed order, so each case comes out the same whether or not
    # others already exist.
    master = random.Random(SEED)  # noqa: S311 - repeatable demo data, not security
    seeds = {(spec.service, spec.number): master.getrandbits(32) for spec in ALL_CASES}
    positions = {(spec.service, spec.number): index for index, spec in enumerate(ALL_CASES)}
    existing = set(Case.objects.filter(police_reference__contains="/DEMO/").values_list("police_reference", flat=True))
    missing = [s for s in ALL_CASES if demo_police_reference(s.service, s.number) not in existing]
    # Oldest referrals first, so case references follow the referral dates.
    missing.sort(key=lambda s: (-s.days_ago, s.service, s.number))
    clock = _Clock()
    with core_clock.use(clock.now):
        ctx = _Context(users, clock)
        with transaction.atomic():
            _publish_criteria(ctx)
        for spec in missing:
            with transaction.atomic():
                rng = random.Random(seeds[(spec.service, spec.number)])  # noqa: S311 - repeatable demo data
                _CaseBuilder(ctx, spec, positions[(spec.service, spec.number)], rng).build()
