"""The campaign loop on a real database with an injected clock and a scripted dialer: calling
windows in each contact's zone, attempts and backoff, the limit of calls at once, the pace,
the do-not-call list, pause/resume/cancel, and a restart that calls nobody twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from callwright.domains.campaigns.book import (
    AttemptResult,
    CampaignBook,
    CampaignError,
    Claim,
    ContactIn,
)
from callwright.domains.campaigns.scheduler import CampaignScheduler
from callwright.domains.campaigns.settings import CampaignSettings
from callwright.store.database import open_database

MONDAY_NOON_NY = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 12:00 in New York, 09:00 in LA


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class ScriptedCallee:
    """Answers each phone's attempts with the listed results in turn; counts calls at once."""

    def __init__(self, script: dict[str, list[str]], hold_s: float = 0.0) -> None:
        self.script = {phone: list(results) for phone, results in script.items()}
        self.hold_s = hold_s
        self.calls: list[str] = []
        self.at_once = 0
        self.most_at_once = 0

    async def __call__(self, settings: CampaignSettings, claim: Claim, note) -> AttemptResult:
        self.calls.append(claim.phone)
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        try:
            await asyncio.sleep(self.hold_s)
            result = self.script[claim.phone].pop(0)
            if result in ("person", "opted_out"):
                note("c" * 31 + str(len(self.calls) % 10))
            return AttemptResult(result)
        finally:
            self.at_once -= 1


@pytest.fixture
def book(tmp_path) -> CampaignBook:
    return CampaignBook(open_database(f"sqlite:///{tmp_path / 'callwright.db'}"))


def settings(**overrides) -> CampaignSettings:
    base = dict(name="reminders", agent="pharmacy", timezone="America/New_York",
                max_attempts=3, retry_after_s=600, max_concurrent=2, pace_per_minute=600)
    return CampaignSettings(**(base | overrides))


async def run_ticks(scheduler: CampaignScheduler, clock: Clock, ticks: int, step_s: float):
    for _ in range(ticks):
        await scheduler.tick()
        await scheduler.wait_for_calls()
        clock.now += timedelta(seconds=step_s)


async def test_each_contact_reaches_its_outcome_with_backoff_between_attempts(book):
    book.create(settings())
    book.add_contacts("reminders", [ContactIn("+15550000001"), ContactIn("+15550000002"),
                                    ContactIn("+15550000003")], MONDAY_NOON_NY)
    callee = ScriptedCallee({
        "+15550000001": ["person"],
        "+15550000002": ["busy", "no_answer", "voicemail_left"],
        "+15550000003": ["no_answer", "no_answer", "no_answer"],
    })
    clock = Clock(MONDAY_NOON_NY)
    scheduler = CampaignScheduler(book, callee, clock)
    book.change_status("reminders", "start")
    await run_ticks(scheduler, clock, 4, 60)  # 4 minutes: first attempts only (backoff 10 min)
    assert sorted(callee.calls) == ["+15550000001", "+15550000002", "+15550000003"]
    await run_ticks(scheduler, clock, 40, 60)  # 10 min then 20 min between attempts
    rows = {contact.phone: (contact, attempts) for contact, attempts in book.contacts("reminders")}
    assert [a.result for a in rows["+15550000001"][1]] == ["person"]
    assert [a.result for a in rows["+15550000002"][1]] == ["busy", "no_answer", "voicemail_left"]
    assert [a.result for a in rows["+15550000003"][1]] == ["no_answer"] * 3  # max_attempts
    second, third = rows["+15550000003"][1][1:]
    first = rows["+15550000003"][1][0]
    assert second.started_at - first.started_at >= timedelta(seconds=600)
    assert third.started_at - second.started_at >= timedelta(seconds=1200)
    assert all(contact.state == "done" for contact, _ in rows.values())
    assert book.get("reminders").status == "completed"


async def test_a_contact_outside_its_window_waits_until_it_opens_in_its_own_zone(book):
    book.create(settings(window_start="10:00", window_end="18:00"))
    book.add_contacts("reminders", [ContactIn("+15550000001", "America/New_York"),
                                    ContactIn("+15550000002", "America/Los_Angeles")],
                      MONDAY_NOON_NY)
    callee = ScriptedCallee({"+15550000001": ["person"], "+15550000002": ["person"]})
    clock = Clock(MONDAY_NOON_NY)  # 09:00 in Los Angeles: an hour before its window
    scheduler = CampaignScheduler(book, callee, clock)
    book.change_status("reminders", "start")
    await run_ticks(scheduler, clock, 59, 60)
    assert callee.calls == ["+15550000001"]
    await run_ticks(scheduler, clock, 3, 60)  # 10:00 in Los Angeles
    assert callee.calls == ["+15550000001", "+15550000002"]


async def test_a_weekend_contact_waits_for_monday(book):
    book.create(settings(days=["mon", "tue", "wed", "thu", "fri"]))
    saturday = datetime(2026, 12, 12, 17, 0, tzinfo=UTC)
    book.add_contacts("reminders", [ContactIn("+15550000001")], saturday)
    callee = ScriptedCallee({"+15550000001": ["person"]})
    clock = Clock(saturday)
    scheduler = CampaignScheduler(book, callee, clock)
    book.change_status("reminders", "start")
    await run_ticks(scheduler, clock, 3, 3600)
    assert callee.calls == []
    (contact, _), = book.contacts("reminders")
    assert contact.next_attempt_at == datetime(2026, 12, 14, 14, 0, tzinfo=UTC)  # Mon 09:00 NY


async def test_never_more_calls_at_once_than_the_limit_and_no_faster_than_the_pace(book):
    book.create(settings(max_concurrent=3, pace_per_minute=120))
    phones = [f"+1555000{n:04d}" for n in range(12)]
    book.add_contacts("reminders", [ContactIn(p) for p in phones], MONDAY_NOON_NY)
    callee = ScriptedCallee({p: ["person"] for p in phones}, hold_s=0.05)
    clock = Clock(MONDAY_NOON_NY)
    scheduler = CampaignScheduler(book, callee, clock, tick_s=5.0)
    book.change_status("reminders", "start")
    campaign_id = book.get("reminders").id
    await scheduler.tick()  # the pace would allow 10 per 5 s tick: the limit of 3 binds
    assert scheduler.calls_under_way(campaign_id) == 3
    clock.now += timedelta(seconds=5)
    await scheduler.tick()  # the 3 calls are still under way: none more
    assert scheduler.calls_under_way(campaign_id) == 3
    await scheduler.wait_for_calls()
    clock.now += timedelta(seconds=5)
    await scheduler.tick()
    await scheduler.wait_for_calls()
    assert len(callee.calls) == 6
    assert callee.most_at_once == 3
    assert scheduler.most_at_once[campaign_id] == 3

    slow = settings(name="slow", max_concurrent=50, pace_per_minute=6)
    book.create(slow)
    book.add_contacts("slow", [ContactIn(p) for p in phones], MONDAY_NOON_NY)
    callee.script.update({p: ["person"] for p in phones})
    callee.calls.clear()
    book.change_status("reminders", "pause")
    book.change_status("slow", "start")
    await run_ticks(scheduler, clock, 6, 5)  # 30 s at 6 per minute: 1 now, then one per 10 s
    assert len(callee.calls) == 3


async def test_the_do_not_call_list_is_checked_before_every_attempt_and_an_opt_out_joins_it(
    book,
):
    book.create(settings(max_concurrent=1))
    book.create(settings(name="other"))
    book.add_contacts("reminders", [ContactIn("+15550000001"), ContactIn("(555) 000-0002"),
                                    ContactIn("+15550000003")], MONDAY_NOON_NY)
    book.add_contacts("other", [ContactIn("+15550000001")], MONDAY_NOON_NY)
    book.add_do_not_call("555-000-0002")
    callee = ScriptedCallee({"+15550000001": ["opted_out"], "+15550000003": ["busy", "person"]})
    clock = Clock(MONDAY_NOON_NY)
    scheduler = CampaignScheduler(book, callee, clock)
    book.change_status("reminders", "start")
    await run_ticks(scheduler, clock, 30, 60)
    assert "5550000002" not in "".join(callee.calls)
    outcomes = {c.phone: c.outcome for c, _ in book.contacts("reminders")}
    assert outcomes == {"+15550000001": "opted_out", "5550000002": "do_not_call",
                        "+15550000003": "person"}
    book.change_status("other", "start")
    await run_ticks(scheduler, clock, 3, 60)
    assert callee.calls.count("+15550000001") == 1  # opted out for every campaign
    ((contact, attempts),) = book.contacts("other")
    assert contact.outcome == "do_not_call" and attempts == []


async def test_paused_and_cancelled_campaigns_start_no_calls(book):
    book.create(settings())
    book.add_contacts("reminders", [ContactIn("+15550000001")], MONDAY_NOON_NY)
    callee = ScriptedCallee({"+15550000001": ["person"]})
    clock = Clock(MONDAY_NOON_NY)
    scheduler = CampaignScheduler(book, callee, clock)
    await run_ticks(scheduler, clock, 2, 60)
    assert callee.calls == []  # a draft is not running
    book.change_status("reminders", "start")
    book.change_status("reminders", "pause")
    await run_ticks(scheduler, clock, 2, 60)
    assert callee.calls == []
    with pytest.raises(CampaignError, match="cannot pause campaign 'reminders': it is paused"):
        book.change_status("reminders", "pause")
    book.change_status("reminders", "cancel")
    with pytest.raises(CampaignError, match="cancelled"):
        book.change_status("reminders", "resume")
    await run_ticks(scheduler, clock, 2, 60)
    assert callee.calls == []


async def test_a_restart_mid_attempt_calls_nobody_twice(book, tmp_path):
    book.create(settings(max_concurrent=2))
    book.add_contacts("reminders", [ContactIn("+15550000001"), ContactIn("+15550000002")],
                      MONDAY_NOON_NY)
    book.change_status("reminders", "start")
    answered = book.claim(book.due(1, MONDAY_NOON_NY, 5)[0].id, MONDAY_NOON_NY)
    ringing = book.claim(book.due(1, MONDAY_NOON_NY, 5)[0].id, MONDAY_NOON_NY)
    assert answered is not None and ringing is not None
    from callwright.store.calls import CallRepository  # the answered call was recorded
    from callwright.store.records import CallRecord
    CallRepository(open_database(f"sqlite:///{tmp_path / 'callwright.db'}")).start_call(
        CallRecord(id="a" * 32, agent="pharmacy", caller="pharmacy", callee=answered.phone,
                   transport="sip", started_at=MONDAY_NOON_NY)
    )
    book.note_call_id(answered.attempt_id, "a" * 32)
    # the server stops here; a new one starts:
    callee = ScriptedCallee({"+15550000002": ["person"]})
    clock = Clock(MONDAY_NOON_NY + timedelta(minutes=5))
    scheduler = CampaignScheduler(book, callee, clock, tick_s=0.01)
    runner = asyncio.create_task(scheduler.run())
    await asyncio.sleep(0.2)
    clock.now += timedelta(minutes=15)  # past the retry backoff
    await asyncio.sleep(0.2)
    runner.cancel()
    await scheduler.wait_for_calls()
    assert callee.calls == ["+15550000002"]  # the ringing one again; never the answered one
    outcomes = {c.phone: [a.result for a in att] for c, att in book.contacts("reminders")}
    assert outcomes == {"+15550000001": ["interrupted"], "+15550000002": ["failed", "person"]}
