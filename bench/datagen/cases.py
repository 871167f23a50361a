"""One case at a time, as if the services had run: referral, screening, allocation, the people's pathways,
closure, and what the services write on the way (timeline, tasks, the processing log).

Each case first gets a plan: its fate (shares.FATE, plus a few that fail screening) and the moment of each
step. Then its rows are written for every step before the cut-off (today, or earlier for a case held open for
the bench facilitator's caseload): a case whose last step is still to come is open at the stage it has reached,
with its open tasks, and its denormalised fields (stage_changed_at, last_contact_at, first_contact_at,
allocated_at...) are worked out from the rows written. The people's records are in records.py; what happens
after allocation is in pathway.py and activity.py; permission rows and contact entries are derived by the
database (derived.py).
"""

from __future__ import annotations

import json
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from typing import Any

from bench.datagen import caserow, records, shares, words
from bench.datagen.org import ServiceInfo, World
from bench.datagen.shares import ACTIVITY_OUTCOMES, CONFERENCE, INDIRECT
from bench.datagen.tables import Table
from bench.datagen.timebase import MINUTES, Timebase

DAY = MINUTES
NOT_ELIGIBLE = 0
FATE_NAMES = ("not eligible", "offender out", "victim out", "withdrawn", "conference", "indirect")
BENCH_CASELOAD = 40
TERMINAL = ("closed", "withdrawn", "not_proceeding")
STAGE_LABEL = {
    "referral": "New referral",
    "eligibility": "Eligible",
    "allocated": "Allocated",
    "assessment": "Assessment",
    "preparation": "Preparation",
    "activity": "Activity",
    "follow_up": "Follow-up",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
    "not_proceeding": "Not proceeding",
}
OUTCOME_LABEL = {
    "conference": "Conference",
    "letter_of_apology": "Letter of apology",
    "shuttle": "Indirect mediation (shuttle)",
    "victim_empathy": "Victim empathy work",
    "rejected_unsuitable": "Rejected or unsuitable",
    "not_proceeding": "Not proceeding",
}
SOURCE_LABEL = {
    "police": "Police",
    "police_leaflet": "Police leaflet",
    "victim_self": "Self-referral by the person harmed",
    "offender_self": "Self-referral by the person responsible",
    "court_psr": "Court or pre-sentence report author",
    "prison": "Prison",
    "vlu_vcs": "Victim Contact Scheme",
    "victim_hub": "Victim support hub",
    "yot": "Youth offending team",
}


def picker(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Callable[[], Any]:
    """A function returning one of the values at random, in proportion to the weights."""
    values = [v for v, _ in pairs]
    cumulative = []
    total = 0.0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    rand = rng.random

    def pick() -> Any:
        return values[bisect(cumulative, rand() * total)]

    return pick


class Person:
    """A victim or offender while their case is being built."""

    __slots__ = (
        "contacted",
        "custody",
        "first",
        "first_contact",
        "id",
        "last",
        "om",
        "side",
        "status",
        "status_at",
        "supporters",
        "vlo",
    )

    def __init__(self, side: str, person_id: int, first: str, last: str) -> None:
        self.side = side
        self.id = person_id
        self.first = first
        self.last = last
        self.status = "not_started"
        self.status_at: int | None = None
        self.om: int | None = None
        self.vlo: int | None = None
        self.supporters: list[str] = []
        self.custody = False
        self.contacted = False
        self.first_contact: int | None = None

    def set_status(self, status: str, at: int, cut: int) -> None:
        """The pathway status from `at` on, if that is before the cut-off (called in time order)."""
        if at < cut:
            self.status = status
            self.status_at = at


class CaseState:
    """What has been written for one case so far, to fill in its own row at the end."""

    __slots__ = (
        "allocated",
        "closed_at",
        "cut",
        "first_contact",
        "id",
        "last_contact",
        "lead",
        "offenders",
        "open_tasks",
        "paused",
        "ref",
        "second",
        "service",
        "stage",
        "stage_at",
        "tasks",
        "victims",
    )

    def __init__(self, case_id: int, service: ServiceInfo, cut: int, reference: str, created: int) -> None:
        self.id = case_id
        self.service = service
        self.cut = cut
        self.ref = reference
        self.stage = "referral"
        self.stage_at = created
        self.victims: list[Person] = []
        self.offenders: list[Person] = []
        self.lead: int | None = None
        self.second: int | None = None
        self.allocated: int | None = None
        self.last_contact: int | None = None
        self.first_contact: int | None = None
        self.tasks: list[tuple] = []  # written once the case's end is known: closure completes open tasks
        self.open_tasks: list[tuple[int, str]] = []  # (due day, next step)
        self.paused = False
        self.closed_at: int | None = None


class Builder:
    """Writes whole cases into the table buffers."""

    def __init__(
        self,
        *,
        rng: random.Random,
        tb: Timebase,
        world: World,
        tables: dict[str, Table],
        codes: dict[str, dict[str, int]],
        perms: dict[str, int],
        question_set: tuple[int, list[dict[str, Any]]],
        links: dict[str, str],
    ) -> None:
        self.rng = rng
        self.tb = tb
        self.world = world
        self.t = tables
        self.codes = codes
        self.perms = perms
        self.links = links
        self.question_set_id, questions = question_set
        self.questions = {q["key"]: q for q in questions}
        self._question_flags = {
            key: (
                q["measure"],
                {ch["code"] for ch in q["choices"] if ch.get("positive")},
                {ch["code"] for ch in q["choices"] if ch.get("concern")},
            )
            for key, q in self.questions.items()
        }
        self.bench_facilitator = world.bench["bench_facilitator"]
        self.bench_count = 0
        self.fate_counts = [0] * len(FATE_NAMES)
        for name, pairs in shares.DISTRIBUTIONS.items():
            setattr(self, f"pick_{name}", picker(rng, pairs))
        self.m_case = tables["case"].maker(caserow.CASE_COLUMNS)
        self.m_case_offence = tables["case_offences"].maker("id case_id code_id")
        self.m_allocation = tables["allocation"].maker(
            "id case_id lead_facilitator_id second_facilitator_id allocated_by_id allocated_at ended_at reason",
        )
        self.m_decision = tables["decision"].maker(
            "id case_id criteria_id decided_by_id decided_at eligible checks reasons flags youth_route "
            "exceptional_status exceptional_decided_by_id exceptional_decided_at exceptional_rationale",
        )
        self.m_event = tables["event"].maker("case_id occurred_at actor_id kind side victim_id offender_id summary")
        self.m_task = tables["task"].maker(
            "id assignee_id case_id kind title due_on side victim_id offender_id created_at done_at done_by_id "
            "dedupe_key link",
        )
        self.m_plog = tables["plog"].maker(
            "at user_id operation person_kind person_id case_id object_type object_id reason recipient path",
        )

    # --- Helpers -------------------------------------------------------------------------------

    def at(self, day: int) -> int:
        """A moment in working hours on `day`, or on the next working day."""
        return self.tb.next_working(day) * DAY + self.rng.randrange(9 * 60, 17 * 60)

    def later(self, moment: int, low: int, high: int) -> int:
        """A moment in working hours `low` to `high` days after `moment`."""
        return self.at(moment // DAY + self.rng.randint(low, high))

    def phone(self) -> str:
        return self.rng.choice(words.PHONE_PREFIXES) + f"{self.rng.randrange(1000):03d}"

    def name(self) -> tuple[str, str]:
        return self.rng.choice(words.FIRST_NAMES), self.rng.choice(words.SURNAMES)

    def questions_measures(self, answers: dict[str, Any]) -> tuple[bool | None, bool | None, bool]:
        """(satisfied, would recommend, worry raised) from the choices' flags, as agreements.services.feedback."""
        satisfied = recommend = None
        worry = False
        for key, answer in answers.items():
            measure, positive, concern = self._question_flags[key]
            if isinstance(answer, dict):
                codes = {answer.get("answer")}
            elif isinstance(answer, list):
                codes = set(answer)
            else:
                codes = {answer}
            worry = worry or bool(codes & concern)
            if measure == "satisfaction":
                satisfied = bool(codes & positive)
            elif measure == "recommend":
                recommend = bool(codes & positive)
        return satisfied, recommend, worry

    def event(
        self, c: CaseState, at: int, actor: int | None, kind: str, summary: str, person: Person | None = None
    ) -> None:
        """A timeline entry (on the person's side when there is one), if before the cut-off."""
        if at >= c.cut:
            return
        side = person.side if person is not None else ""
        victim = person.id if side == "victim" else None
        offender = person.id if side == "offender" else None
        self.t["event"].rows.append(self.m_event(c.id, self.tb.ts(at), actor, kind, side, victim, offender, summary))

    def task(
        self,
        c: CaseState,
        assignee: int,
        kind: str,
        title: str,
        due_day: int,
        created: int,
        done: int | None = None,
        done_by: int | None = None,
        *,
        person: Person | None = None,
        dedupe: str | None = None,
        link: str = "",
        step: str = "",
    ) -> None:
        """A task given at `created` and done at `done` (if that is before the cut-off). Written at the end."""
        if created < c.cut:
            c.tasks.append((assignee, kind, title, due_day, created, done, done_by, person, dedupe, link, step))

    def plog(
        self,
        at: int,
        user: int | None,
        operation: str,
        person: Person,
        case_id: int,
        object_type: str,
        object_id: int | None,
        reason: str,
        *,
        recipient: str = "",
        path: str = "",
    ) -> None:
        """A processing-log row about one person."""
        self.t["plog"].rows.append(
            self.m_plog(
                self.tb.ts(at),
                user,
                operation,
                person.side,
                person.id,
                case_id,
                object_type,
                object_id,
                reason,
                recipient,
                path,
            )
        )

    def set_stage(self, c: CaseState, at: int, stage: str, actor: int | None) -> bool:
        """Move the case on at `at` (with its timeline entry), if that is before the cut-off."""
        if at >= c.cut:
            return False
        if stage not in TERMINAL:
            self.event(c, at, actor, "stage", f"Stage changed from {STAGE_LABEL[c.stage]} to {STAGE_LABEL[stage]}")
        c.stage = stage
        c.stage_at = at
        return True

    # --- One case ------------------------------------------------------------------------------

    def build(self, referral_day: int) -> None:
        from bench.datagen import pathway

        rng, tb, t, world = self.rng, self.tb, self.t, self.world
        last = len(world.services) - 1
        service = world.services[min(bisect(world.cumulative, rng.random() * world.cumulative[-1]), last)]
        fate = NOT_ELIGIBLE if rng.random() < shares.NOT_ELIGIBLE_SHARE else self.pick_fate()
        created = self.at(referral_day)
        youth = rng.random() < 0.04
        flags = [
            flag
            for flag, share in (("Domestic abuse", 0.06), ("Hate crime", 0.03), ("Child victim", 0.03))
            if rng.random() < share
        ]
        if youth:
            flags.append("Youth justice route")

        # The plan: when each step happens, whether or not it comes before the cut-off
        screened = self.later(created, 1, 10)
        eligible_at = self.later(screened, 1, 5) if flags else screened  # flagged: a manager decides
        allocated = self.later(eligible_at, 2, 20)
        cut = tb.now
        hold_open = (
            self.bench_count < BENCH_CASELOAD
            and fate != NOT_ELIGIBLE
            and tb.today - 150 <= referral_day <= tb.today - 30
            and allocated < tb.now - DAY
        )
        if hold_open:
            # A recent case held open for the bench facilitator's caseload, in the big service. Its fate has a
            # long pathway, so nothing ends within the 35 days after allocation its cut-off falls in.
            service = world.big
            fate = rng.choice((CONFERENCE, INDIRECT))
            cut = min(tb.now, allocated + rng.randint(1, 35) * DAY)
        year = tb.year(created // DAY)
        number = service.counters[year] = service.counters.get(year, 0) + 1
        c = CaseState(t["case"].new_id(), service, cut, f"{service.code}-{year}-{number:05d}", created)
        source = self.pick_source()
        offence = self.pick_offence()
        self._people(c, source, youth)
        created_by = self._registered_by(c, source)
        self.event(c, created, created_by, "referred", f"Referral received from {SOURCE_LABEL.get(source, 'Other')}")
        decider = rng.choice(service.managers)
        for manager in service.managers:
            self.task(
                c,
                manager,
                "screen",
                f"Screen referral {c.ref}",
                referral_day,
                created,
                screened,
                decider,
                step="Screen the referral",
            )

        # Screening, and a manager's decision on a flagged case
        refused = fate == NOT_ELIGIBLE and bool(flags) and rng.random() < 0.5
        self._screen(c, fate, flags, youth, refused, screened, eligible_at, decider)
        outcome = reason = withdrawn_by = ""
        end_at: int | None = None
        if fate == NOT_ELIGIBLE:
            end_at = eligible_at if refused else screened
            outcome, reason = "rejected_unsuitable", "not_eligible"
        elif self.set_stage(c, eligible_at, "eligibility", decider):
            for manager in service.managers:
                self.task(
                    c,
                    manager,
                    "allocate",
                    f"Allocate case {c.ref}",
                    eligible_at // DAY,
                    eligible_at,
                    allocated,
                    decider,
                    step="Allocate facilitators",
                )

        # Allocation, and the pathway from there on
        if fate != NOT_ELIGIBLE and allocated < cut:
            lead, second = self._allocate(c, allocated, decider, hold_open)
            end_at, outcome, reason, withdrawn_by = pathway.pathway(self, c, fate, allocated, lead, second)
        if end_at is not None and end_at < cut and outcome:
            self._close(c, end_at, outcome, reason, c.lead or decider)
        if c.lead is not None and c.stage not in TERMINAL and rng.random() < 0.012:
            pathway.escalate(self, c, c.lead)

        self._write_tasks(c)
        records.write_people(self, c, created, created_by, referral_day)
        caserow.write_case(
            self, c, created, created_by, referral_day, source, offence, flags, youth, outcome, reason, withdrawn_by
        )
        self.fate_counts[fate] += 1

    # --- Steps ---------------------------------------------------------------------------------

    def _people(self, c: CaseState, source: str, youth: bool) -> None:
        """Who is on the case (their rows are written at the end, with their final pathway status)."""
        rng, t, s = self.rng, self.t, c.service
        om_share = 0.85 if source.startswith(("probation", "court", "prison")) else 0.35
        for index in range(1 + (rng.random() < 0.18)):
            person = Person("offender", t["offender"].new_id(), *self.name())
            if rng.random() < om_share:
                person.om = rng.choice(s.oms)
            person.custody = not (index == 0 and youth) and (source == "prison" or rng.random() < 0.05)
            c.offenders.append(person)
        for _ in range(1 + (rng.random() < 0.22)):
            person = Person("victim", t["victim"].new_id(), *self.name())
            if source == "vlu_vcs" or (rng.random() < 0.1 and rng.random() < 0.7):
                person.vlo = rng.choice(s.vlos)
            c.victims.append(person)

    def _registered_by(self, c: CaseState, source: str) -> int:
        """Offender managers and VLOs register their own referrals; otherwise the service's staff do."""
        s = c.service
        if source.startswith("probation") and c.offenders[0].om is not None and self.rng.random() < 0.6:
            return c.offenders[0].om
        if source == "vlu_vcs" and c.victims[0].vlo is not None:
            return c.victims[0].vlo
        return self.rng.choice(s.admins if self.rng.random() < 0.7 else s.managers)

    def _screen(
        self,
        c: CaseState,
        fate: int,
        flags: list[str],
        youth: bool,
        refused: bool,
        screened: int,
        decided: int,
        decider: int,
    ) -> None:
        """The eligibility decision against the criteria in force, with a manager's decision on a flagged case."""
        tb = self.tb
        status = "not_needed"
        if flags and (fate != NOT_ELIGIBLE or refused):
            status = "awaiting" if decided >= c.cut else "refused" if refused else "approved"
            for manager in c.service.managers:
                self.task(
                    c,
                    manager,
                    "exceptional",
                    f"Decide on exceptional circumstances for {c.ref}",
                    screened // DAY,
                    screened,
                    decided,
                    decider,
                    step="Decide on exceptional circumstances",
                )
        if screened >= c.cut:
            return
        eligible = fate != NOT_ELIGIBLE or refused
        criteria = c.service.criteria[0][0]
        for criteria_id, _, since in c.service.criteria:
            if since <= screened:
                criteria = criteria_id
        checks = [
            {"criterion": "An identifiable person was personally harmed", "met": True},
            {"criterion": "The offence is in scope", "met": eligible},
            {"criterion": "Seriousness is at least medium", "met": eligible or self.rng.random() < 0.5},
        ]
        exceptional = status in ("approved", "refused")
        rationale = {
            "approved": "Approved with a specialist facilitator and enhanced assessment",
            "refused": "Not safe to proceed",
        }.get(status, "")
        table = self.t["decision"]
        table.add(
            self.m_decision(
                id=table.new_id(),
                case_id=c.id,
                criteria_id=criteria,
                decided_by_id=decider,
                decided_at=tb.ts(screened),
                eligible=eligible,
                checks=json.dumps(checks),
                reasons="Meets the published criteria" if eligible else "Outside the published criteria",
                flags=json.dumps(flags),
                youth_route=youth,
                exceptional_status=status,
                exceptional_decided_by_id=decider if exceptional else None,
                exceptional_decided_at=tb.ts(decided) if exceptional else None,
                exceptional_rationale=rationale,
            )
        )
        verdict = "eligible" if eligible else "not eligible"
        self.event(c, screened, decider, "screened", f"Screened against targeting criteria: {verdict}")
        if exceptional:
            word = "approved" if status == "approved" else "not approved"
            self.event(c, decided, decider, "exceptional", f"Exceptional circumstances {word}")

    def _allocate(self, c: CaseState, at: int, manager: int, hold_open: bool) -> tuple[int, int | None]:
        """Lead and second facilitator (volunteers only second); now and then a reallocation later on."""
        rng, s = self.rng, c.service
        if hold_open:
            lead = self.bench_facilitator
            self.bench_count += 1
        else:
            lead = rng.choice(s.leads)
        second = rng.choice(s.volunteers if s.volunteers and rng.random() < 0.3 else s.leads)
        if second == lead or rng.random() < 0.15:
            second = None
        c.allocated = at
        self.set_stage(c, at, "allocated", manager)
        moved = new_lead = None
        if not hold_open and rng.random() < 0.05:
            moved, new_lead = self.later(at, 20, 120), rng.choice(s.leads)
            if moved >= c.cut or new_lead in (lead, second):
                moved = new_lead = None
        self._allocation_row(c, lead, second, manager, at, ended=moved)
        if moved is not None and new_lead is not None:
            self._allocation_row(c, new_lead, second, manager, moved, reason="The facilitator moved to another team")
            c.allocated, lead = moved, new_lead
        c.lead, c.second = lead, second
        return lead, second

    def _allocation_row(
        self,
        c: CaseState,
        lead: int,
        second: int | None,
        by: int,
        at: int,
        *,
        ended: int | None = None,
        reason: str = "",
    ) -> None:
        names = self.world.names
        who = names[lead] + (f" and {names[second]}" if second else "")
        if reason:
            self.event(c, at, by, "reallocated", f"Reallocated to {who}: {reason}")
        else:
            self.event(c, at, by, "allocated", f"Allocated to {who}")
        table = self.t["allocation"]
        ended_at = self.tb.ts(ended) if ended is not None else None
        table.rows.append(self.m_allocation(table.new_id(), c.id, lead, second, by, self.tb.ts(at), ended_at, reason))

    def _close(self, c: CaseState, at: int, outcome: str, reason: str, actor: int) -> None:
        stage = "closed" if outcome in ACTIVITY_OUTCOMES else "withdrawn" if reason == "withdrawn" else "not_proceeding"
        self.set_stage(c, at, stage, actor)
        c.closed_at = at
        self.event(c, at, actor, "closed", f"{STAGE_LABEL[stage]}: {OUTCOME_LABEL[outcome]}")

    # --- The case's own rows ---------------------------------------------------------------------

    def _write_tasks(self, c: CaseState) -> None:
        """Every task of the case; those still open when the case closed were completed by the closure."""
        table, tb, make = self.t["task"], self.tb, self.m_task
        closed = c.closed_at
        for assignee, kind, title, due_day, created, done, done_by, person, dedupe, link, step in c.tasks:
            finished = done is not None and done < c.cut
            if closed is not None and (not finished or done > closed):
                done, done_by, finished = max(closed, created), c.lead or done_by or assignee, True
            side = person.side if person is not None else ""
            table.rows.append(
                make(
                    table.new_id(),
                    assignee,
                    c.id,
                    kind,
                    title,
                    tb.day(due_day),
                    side,
                    person.id if side == "victim" else None,
                    person.id if side == "offender" else None,
                    tb.ts(created),
                    tb.ts(done) if finished else None,
                    done_by if finished else None,
                    dedupe,
                    link,
                )
            )
            if not finished:
                c.open_tasks.append((due_day, step or title.split(" on ")[0]))
