"""Judging a simulated call on what it left behind: the business's records and the call record.

`snapshot` reads one business's tables before and after a call; the difference is every write
the call made. Each expectation of the scenario (bench/scenarios/README.md) claims the writes
that fulfil it. A call succeeds when every expectation holds and no write is left unclaimed:
an unclaimed write (a booking for the wrong day, a charge confirmed that the caller disputed)
is an action contrary to what the caller said, counted apart.

The transcript is only read for the dialogue's failure kinds (caller turns with no reply, the
same prompt twice in a row, a question asked again and again), never for success.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, MetaData, Table, select
from sqlalchemy.engine import Row

from bench.calls.scenario import Scenario
from callwright.actions.seed import seed_demo_data
from callwright.store.records import CallRecord

CALL_TABLES = frozenset({"businesses", "calls", "call_events", "turns"})
MESSAGE_TABLES = frozenset({"tickets", "ticket_updates", "notes"})  # a message for a callback
NOON, EVENING = time(12), time(17)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KEYED_TURN_MARKS = ("[keypad", "[keys")  # how call records and text runs write key presses
LOOP_REPEATS = 3  # the same question this often in one call is a loop
RowKey = tuple[str, Any]  # (table, primary key)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One business's rows, by table and primary key, with its time zone."""

    rows: dict[RowKey, dict[str, Any]]
    timezone: str


@dataclass(slots=True)
class CallEvidence:
    """What the call record says: the turns, the intents answered, the hand-offs."""

    turns: list[tuple[str, str]]  # (caller words, agent words), the greeting first
    intents: list[str] = field(default_factory=list)
    handoffs: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class Verdict:
    success: bool
    failures: list[str] = field(default_factory=list)  # expectations that did not hold
    contrary: list[str] = field(default_factory=list)  # writes the caller did not ask for
    silent_turns: int = 0  # caller turns the agent did not answer at all
    repeated_prompts: int = 0  # the agent said the same thing twice in a row
    loops: int = 0  # a question asked LOOP_REPEATS times or more
    not_understood: int = 0  # "didn't catch that" style replies
    turns: int = 0  # caller turns


def reseed(engine: Engine, agents_dir: Path, agent: str) -> None:
    """Put one agent's demo records back as its data file describes."""
    seed_demo_data(engine, agents_dir, only=[agent])


def snapshot(engine: Engine, business: str) -> Snapshot:
    """Every row of the business `business` (its slug, the agent's name)."""
    metadata = MetaData()
    metadata.reflect(engine)
    rows: dict[RowKey, dict[str, Any]] = {}
    with engine.connect() as connection:
        found = connection.execute(
            select(metadata.tables["businesses"]).where(
                metadata.tables["businesses"].c.slug == business
            )
        ).first()
        if found is None:
            return Snapshot({}, "UTC")
        for table in metadata.sorted_tables:
            if table.name in CALL_TABLES or "business_id" not in table.c:
                continue
            for row in connection.execute(select(table).where(table.c.business_id == found.id)):
                rows[(table.name, _key(table, row))] = dict(row._mapping)
    return Snapshot(rows, found.timezone or "UTC")


def evidence_from_record(record: CallRecord) -> CallEvidence:
    """The evidence of a recorded call (voice runs): turns, intents, hand-offs."""
    intents = [
        str(turn.dialogue_state.get("intent"))
        for turn in record.turns
        if turn.dialogue_state.get("intent")
    ]
    intents += [str(topic) for topic in record.dialogue_state.get("asked") or []]
    handoffs = list(record.dialogue_state.get("handoffs") or [])
    if not handoffs:
        for turn in record.turns:
            handoffs = list(turn.dialogue_state.get("handoffs") or handoffs)
    return CallEvidence(
        [(turn.caller_text, turn.agent_text) for turn in record.turns], intents, handoffs
    )


def judge(
    scenario: Scenario, before: Snapshot, after: Snapshot, evidence: CallEvidence
) -> Verdict:
    changes = _changes(before, after)
    claimed: set[RowKey] = set()
    failures: list[str] = []
    world = _World(after, changes)
    for name, wanted in scenario.expect.items():
        problem, keys = _EXPECTATIONS[name](world, wanted, evidence)
        claimed |= keys
        if problem:
            failures.append(f"{name}: {problem}")
    handed_off = "handoff" in scenario.expect
    contrary = [
        _describe(key, changes[key])
        for key in changes
        if key not in claimed and not (handed_off and key[0] in MESSAGE_TABLES)
    ]
    unexpected_handoffs = [h["reason"] for h in evidence.handoffs] if not handed_off else []
    if unexpected_handoffs:
        failures.append(f"handed off unexpectedly: {', '.join(unexpected_handoffs)}")
        contrary = [c for c in contrary if c.split(" ", 1)[0] not in MESSAGE_TABLES]
    verdict = Verdict(not failures and not contrary, failures, contrary)
    _dialogue_failures(verdict, evidence)
    return verdict


# ---- the dialogue's failure kinds, from the transcript ----

_NOT_UNDERSTOOD = re.compile(r"didn't (quite )?catch|didn't understand|sorry, i missed", re.I)


def _dialogue_failures(verdict: Verdict, evidence: CallEvidence) -> None:
    asked: dict[str, int] = {}
    previous = None
    for caller, agent in evidence.turns:
        if caller.strip():
            verdict.turns += 1
            keyed = caller.startswith(KEYED_TURN_MARKS)  # a key of several: answered at the last
            if not agent.strip() and not keyed:
                verdict.silent_turns += 1
        text = agent.strip()
        if text and text == previous:
            verdict.repeated_prompts += 1
        previous = text or previous
        if _NOT_UNDERSTOOD.search(text):
            verdict.not_understood += 1
        for question in re.findall(r"[^.?!]*\?", text):
            question = question.strip().lower()
            asked[question] = asked.get(question, 0) + 1
    verdict.loops = sum(1 for count in asked.values() if count >= LOOP_REPEATS)


# ---- expectations: each returns (problem or "", the writes it claims) ----


@dataclass(slots=True)
class _World:
    after: Snapshot
    changes: dict[RowKey, tuple[dict | None, dict | None]]

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [row for (name, _), row in self.after.rows.items() if name == table]

    def changed(self, table: str) -> list[tuple[RowKey, dict | None, dict | None]]:
        return [(key, old, new) for key, (old, new) in self.changes.items() if key[0] == table]

    def name_of(self, table: str, row_id: Any, column: str = "name") -> str:
        row = self.after.rows.get((table, row_id))
        return str(row.get(column, "")) if row else ""

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        return moment.astimezone(ZoneInfo(self.after.timezone))


Outcome = tuple[str, set[RowKey]]


def _booked(world: _World, wanted: dict, _: CallEvidence) -> Outcome:
    seen = []
    for key, old, new in world.changed("appointments"):
        if old is None and new is not None:
            problem = _appointment_problem(world, new, wanted)
            if not problem:
                return "", {key}
            seen.append(problem)
    return "no new appointment matches" + (f" ({'; '.join(seen)})" if seen else ""), set()


def _rescheduled(world: _World, wanted: dict, _: CallEvidence) -> Outcome:
    seen = []
    for key, old, new in world.changed("appointments"):
        if old is not None and new is not None and old["starts_at"] != new["starts_at"]:
            problem = _appointment_problem(world, new, wanted or {})
            if not problem:
                return "", {key}
            seen.append(problem)
    return "no appointment moved to match" + (f" ({'; '.join(seen)})" if seen else ""), set()


def _cancelled(world: _World, wanted: Any, _: CallEvidence) -> Outcome:
    for key, old, new in world.changed("appointments"):
        if old is not None and new is not None and new["status"] == "cancelled":
            return "", {key}
    return "no appointment cancelled", set()


def _appointment_problem(world: _World, row: dict, wanted: dict) -> str:
    start = world.local(row["starts_at"])
    kind = world.name_of("appointment_types", row["type_id"])
    provider = world.name_of("providers", row["provider_id"])
    got = f"{kind} with {provider} on {start:%A %Y-%m-%d %H:%M}"
    if wanted.get("type") and str(wanted["type"]).lower() != kind.lower():
        return f"got {got}"
    if wanted.get("provider") and str(wanted["provider"]).lower() not in provider.lower():
        return f"got {got}"
    if wanted.get("weekday") and WEEKDAYS[start.weekday()] != str(wanted["weekday"]).lower():
        return f"got {got}"
    if wanted.get("time") and not _time_matches(start.time(), str(wanted["time"])):
        return f"got {got}"
    return ""


def _time_matches(moment: time, wanted: str) -> bool:
    wanted = wanted.strip().lower()
    if wanted == "morning":
        return moment < NOON
    if wanted == "afternoon":
        return NOON <= moment < EVENING
    after = wanted.startswith("after ")
    hours, minutes = (int(part) for part in wanted.removeprefix("after ").split(":"))
    return moment >= time(hours, minutes) if after else moment == time(hours, minutes)


def _refill(status_wanted: str | None):
    def check(world: _World, number: Any, _: CallEvidence) -> Outcome:
        rx = {row["id"]: row for row in world.rows("prescriptions")}
        for key, old, new in world.changed("refill_requests"):
            if old is None and new is not None:
                prescription = rx.get(new["prescription_id"], {})
                if str(prescription.get("number")) != str(number):
                    continue
                if status_wanted and new["status"] != status_wanted:
                    continue
                rx_keys = {k for k, _, _ in world.changed("prescriptions")
                           if k[1] == prescription.get("id")}
                return "", {key} | rx_keys
        return f"no refill request for {number}", set()

    return check


def _transactions(world: _World, wanted: dict, _: CallEvidence) -> Outcome:
    claimed: set[RowKey] = set()
    problems = []
    by_merchant = {str(row["merchant"]).lower(): row for row in world.rows("card_transactions")}
    for merchant, status in wanted.items():
        row = by_merchant.get(str(merchant).lower())
        if row is None:
            problems.append(f"no charge at {merchant}")
        elif row["status"] != status:
            problems.append(f"{merchant} is {row['status']}, not {status}")
        else:
            claimed.add(("card_transactions", row["id"]))
    if any(status == "disputed" for status in wanted.values()):  # a dispute locks and opens
        claimed |= {k for k, _, _ in world.changed("cards")}
        claimed |= {k for k, _, _ in world.changed("dispute_cases")}
    claimed |= {k for k, _, _ in world.changed("fraud_alerts")}
    return "; ".join(problems), claimed


def _card(world: _World, wanted: str, _: CallEvidence) -> Outcome:
    changed = world.changed("cards")
    statuses = [new["status"] for _, _, new in changed if new is not None]
    if wanted == "locked":
        ok = "locked" in statuses
        return ("" if ok else "the card was not locked"), {k for k, _, _ in changed}
    return ("" if not statuses else f"the card became {statuses[0]}"), set()


def _returned(world: _World, number: Any, _: CallEvidence) -> Outcome:
    orders = {row["id"]: str(row["number"]) for row in world.rows("orders")}
    for key, old, new in world.changed("order_returns"):
        if old is None and new is not None and orders.get(new["order_id"]) == str(number):
            return "", {key}
    return f"no return for order {number}", set()


def _lead(world: _World, wanted: dict, _: CallEvidence) -> Outcome:
    seen = []
    for _, _, new in world.changed("leads"):
        if new is None:
            continue
        problems = [
            f"{field_} {new.get(field_)!r}"
            for field_, value in (wanted or {}).items()
            if not _lead_field_matches(new.get(field_), value)
        ]
        if not problems:
            people = {k for k, _, _ in world.changed("people")}
            return "", {k for k, _, _ in world.changed("leads")} | people
        seen.append(", ".join(problems))
    return "no lead matches" + (f" (got {'; '.join(seen)})" if seen else ""), set()


def _lead_field_matches(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return bool(got) == wanted
    if isinstance(wanted, int | float):
        return got is not None and float(got) == float(wanted)
    digits = re.sub(r"\D", "", str(wanted))
    if digits and len(digits) >= 7:  # a phone number: compare its last ten digits
        return re.sub(r"\D", "", str(got or ""))[-10:] == digits[-10:]
    return str(wanted).lower() in str(got or "").lower()


def _handoff(world: _World, reason: str, evidence: CallEvidence) -> Outcome:
    reasons = [str(h.get("reason")) for h in evidence.handoffs]
    if reason == "any" and reasons:
        return "", set()
    if reason in reasons:
        return "", set()
    return f"wanted a hand-off for {reason}, got {reasons or 'none'}", set()


def _answered(world: _World, topics: list, evidence: CallEvidence) -> Outcome:
    missing = [topic for topic in topics if topic not in evidence.intents]
    return (f"not answered: {', '.join(missing)}" if missing else ""), set()


def _nothing(world: _World, wanted: Any, _: CallEvidence) -> Outcome:
    return "", set()  # any write is then unclaimed, so contrary


_EXPECTATIONS = {
    "booked": _booked,
    "rescheduled": _rescheduled,
    "cancelled": _cancelled,
    "refilled": _refill(None),
    "authorization_requested": _refill("needs_authorization"),
    "transactions": _transactions,
    "card": _card,
    "returned": _returned,
    "lead": _lead,
    "handoff": _handoff,
    "answered": _answered,
    "nothing": _nothing,
}


def _changes(before: Snapshot, after: Snapshot) -> dict[RowKey, tuple[dict | None, dict | None]]:
    keys = before.rows.keys() | after.rows.keys()
    return {
        key: (before.rows.get(key), after.rows.get(key))
        for key in sorted(keys, key=str)
        if before.rows.get(key) != after.rows.get(key)
    }


def _describe(key: RowKey, change: tuple[dict | None, dict | None]) -> str:
    old, new = change
    if old is None:
        return f"{key[0]} added {_brief(new)}"
    if new is None:
        return f"{key[0]} removed {_brief(old)}"
    diff = {k: new[k] for k in new if new[k] != old.get(k)}
    return f"{key[0]} {key[1]} changed {_brief(diff)}"


def _brief(row: dict | None) -> str:
    row = row or {}
    skip = {"id", "business_id", "created_at", "updated_at", "call_id"}
    return "{" + ", ".join(f"{k}={v}" for k, v in row.items() if k not in skip) + "}"


def _key(table: Table, row: Row) -> Any:
    columns = [column.name for column in table.primary_key.columns]
    values = tuple(row._mapping[name] for name in columns)
    return values[0] if len(values) == 1 else values
