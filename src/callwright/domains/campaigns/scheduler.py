"""The loop inside `callwright serve` that runs the campaigns: every tick it starts the due
attempts of each running campaign, within its calling window, its pace and its limit of calls
at once, after checking the do-not-call list.

All state is in the database (book.py): a restart ends the attempts left under way
(`CampaignBook.recover`) and goes on from there, so nobody is called twice. Start, pause,
resume and cancel are status changes in the records, from the API or the CLI; the loop reads
them at its next tick. Pausing or cancelling starts no new call; calls under way finish (an
agent does not hang up on a person mid-sentence)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from callwright.domains.campaigns.book import (
    AttemptResult,
    CampaignBook,
    Claim,
    now_utc,
)
from callwright.domains.campaigns.calling_window import next_open
from callwright.domains.campaigns.settings import CampaignSettings

log = logging.getLogger("callwright.campaigns")

TICK_S = 1.0
PlaceAttempt = Callable[[CampaignSettings, Claim, Callable[[str], None]], Awaitable[AttemptResult]]
"""Places one attempt's call and runs it to its end: (settings, claim, note_call_id) -> result.
It calls note_call_id(call_id) as soon as the call is answered."""


@dataclass
class _Running:
    """What the loop keeps per campaign between ticks (nothing that a restart must keep)."""

    calls: set[asyncio.Task] = field(default_factory=set)
    starts_allowed: float = 0.0
    """The pace's token bucket: calls that may start now (full at the first tick)."""
    refilled_at: datetime | None = None


class CampaignScheduler:
    def __init__(
        self,
        book: CampaignBook,
        place_attempt: PlaceAttempt,
        clock: Callable[[], datetime] = now_utc,
        tick_s: float = TICK_S,
        server_room: Callable[[], int] | None = None,
    ) -> None:
        """`server_room`: how many more calls the server takes now (its admission limit,
        shared with inbound calls); None: no limit beyond each campaign's own."""
        self._book = book
        self._server_room = server_room
        self._place = place_attempt
        self._clock = clock
        self._tick_s = tick_s
        self._running: dict[int, _Running] = {}
        self.most_at_once: dict[int, int] = {}
        """The most calls each campaign had at once since this scheduler started."""

    async def run(self) -> None:
        """Recover from the last stop, then tick until cancelled."""
        recovered = await asyncio.to_thread(self._book.recover, self._clock())
        if recovered:
            log.info("ended %d campaign attempts left under way by the last stop", recovered)
        while True:
            try:
                await self.tick()
            except Exception:  # a database hiccup must not end the campaigns for good
                log.exception("campaign tick failed; trying again")
            await asyncio.sleep(self._tick_s)

    async def tick(self) -> None:
        """Start what is due now in every running campaign."""
        for campaign in await asyncio.to_thread(self._book.running):
            settings = CampaignSettings.model_validate(campaign.settings)
            await self._start_due(campaign.id, settings)

    def calls_under_way(self, campaign_id: int) -> int:
        running = self._running.get(campaign_id)
        return len(running.calls) if running else 0

    async def wait_for_calls(self) -> None:
        """Until every call this scheduler started has ended (tests, shutdown)."""
        tasks = {task for running in self._running.values() for task in running.calls}
        if tasks:
            await asyncio.wait(tasks)

    async def _start_due(self, campaign_id: int, settings: CampaignSettings) -> None:
        running = self._running.setdefault(campaign_id, _Running())
        now = self._clock()
        self._refill(running, settings, now)
        free = min(settings.max_concurrent - len(running.calls), int(running.starts_allowed))
        if self._server_room is not None:
            free = min(free, self._server_room())
        if free <= 0:
            return
        due = await asyncio.to_thread(self._book.due, campaign_id, now, free * 4)
        for contact in due:
            if free <= 0:
                break
            opens = next_open(now, contact.timezone, settings.window, settings.days)
            if opens > now:
                await asyncio.to_thread(self._book.postpone, contact.id, opens)
                continue
            if await asyncio.to_thread(self._book.is_suppressed, contact.phone, campaign_id):
                await asyncio.to_thread(self._book.suppress, contact.id)
                continue
            claim = await asyncio.to_thread(self._book.claim, contact.id, now)
            if claim is None:
                continue
            task = asyncio.create_task(self._attempt(settings, claim))
            running.calls.add(task)
            task.add_done_callback(running.calls.discard)
            self.most_at_once[campaign_id] = max(
                self.most_at_once.get(campaign_id, 0), len(running.calls)
            )
            free -= 1
            running.starts_allowed -= 1
        if not due:
            await asyncio.to_thread(self._book.complete_if_done, campaign_id)

    def _refill(self, running: _Running, settings: CampaignSettings, now: datetime) -> None:
        """Calls started per minute, at most: the bucket fills at that pace and holds what
        one tick lets start (at least one call)."""
        per_second = settings.pace_per_minute / 60.0
        burst = max(1.0, per_second * self._tick_s)
        if running.refilled_at is None:
            running.starts_allowed = burst
        else:
            elapsed_s = max(0.0, (now - running.refilled_at).total_seconds())
            running.starts_allowed = min(burst, running.starts_allowed + elapsed_s * per_second)
        running.refilled_at = now

    async def _attempt(self, settings: CampaignSettings, claim: Claim) -> None:
        def note_call_id(call_id: str) -> None:
            self._book.note_call_id(claim.attempt_id, call_id)

        try:
            result = await self._place(settings, claim, note_call_id)
        except asyncio.CancelledError:
            raise  # the server stops: recover() ends the attempt at the next start
        except Exception as error:
            log.exception("campaign %s: attempt on %s failed", settings.name, claim.phone)
            result = AttemptResult("failed", detail=f"{type(error).__name__}: {error}")
        await asyncio.to_thread(self._book.finish, claim.attempt_id, result, self._clock())
        log.info("campaign %s: %s attempt %d: %s %s", settings.name, claim.phone, claim.number,
                 result.result, result.task_outcome or "")
