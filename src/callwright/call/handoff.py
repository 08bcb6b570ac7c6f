"""Carrying out a hand-off on a live call: blind or warm transfer, and the webhook.

Blind: the caller's phone is asked to call the person itself (SIP REFER). Only the call id
and the reason ride along, as URI headers on the Refer-To: they are tokens that need no
escaping, which matters because phones copy those headers inconsistently and some mishandle
%-escapes (baresip 1.0 reads the Refer-To as a printf format and crashes on one). The person's
side reads the whole summary from the webhook or `GET /api/calls/{call id}`.

Warm: callwright calls the person (the summary in an `X-Callwright-Summary` header on the
INVITE) while the caller hears hold audio, speaks the briefing to the person only, then
bridges the two legs. Either way a failure (busy, declined,
no answer, the person hanging up during the briefing) comes back as a `HandoffOutcome` that is
not connected, and the agent offers the caller a callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from callwright.agent.conversation import Conversation, Transfer
from callwright.audio.frames import split_into_frames
from callwright.audio.hold import hold_chime
from callwright.call.bridge import Bridge
from callwright.call.speaker import Speaker
from callwright.speech.engines import TextToSpeech
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.store.records import CallRecord
from callwright.telephony.transport import Transport

log = logging.getLogger("callwright.call")

SUMMARY_HEADER = "X-Callwright-Summary"
REASON_HEADER = "X-Callwright-Reason"
CALL_ID_HEADER = "X-Callwright-Call-Id"
WEBHOOK_TIMEOUT_S = 3.0
HOLD_QUEUE_FRAMES = 25  # hold audio kept queued ahead (half a second)
HOLD_TOP_UP_S = 0.1
BRIEFING_TIMEOUT_S = 60.0  # the longest a briefing may take to say

Dial = Callable[[str, Mapping[str, str], float], Awaitable[Transport]]
"""Calls a person: (SIP URI, extra INVITE headers, ring timeout in seconds) -> the answered
leg. Raises when nobody answers (the exception's text says why: busy, declined, no answer)."""


@dataclass(slots=True)
class HandoffOutcome:
    connected: bool
    detail: str  # e.g. "200 OK", "486 Busy Here", "the person hung up during the briefing"
    bridge: Bridge | None = None  # warm: the caller and the person, now talking


class CallHandoffs:
    """One call's hand-offs: carries out the agent's transfers, keeps the bridge of a warm
    one, and posts every hand-off (transfer or message) to the agent's webhook."""

    def __init__(
        self,
        caller: Transport,
        conversation: Conversation,
        record: CallRecord,
        tts: TextToSpeech,
        prompts: PromptCache,
        dial: Dial | None,
        event: Callable[..., None],
        spawn: Callable[[Awaitable[None]], asyncio.Task],
        webhook: str | None,
    ) -> None:
        self.transferring = False  # the caller is on hold while a person is reached
        self.blind = False  # the transfer under way is a blind one
        self.bridge: Bridge | None = None  # after a warm transfer: caller and person talking
        self._caller = caller
        self._conversation = conversation
        self._record = record
        self._tts = tts
        self._prompts = prompts
        self._dial = dial
        self._event = event
        self._spawn = spawn
        self._webhook = webhook
        self._posted = 0

    async def carry_out(self, transfer: Transfer, said: Callable[[], Awaitable[None]]) -> bool:
        """Blind or warm transfer once the agent's last words (`said` returns when they are
        on the wire) are out; True when the caller is now with a person. The result is
        recorded on the conversation and as a call event."""
        self.transferring = True
        self.blind = transfer.mode == "blind"
        self._event("handoff", reason=transfer.reason, mode=transfer.mode, target=transfer.target)
        try:
            if transfer.mode == "blind":
                await said()  # the caller hears "transferring you" before the phone moves
                outcome = await blind_transfer(self._caller, transfer, self._record.id)
            else:
                outcome = await warm_transfer(
                    self._caller, transfer, self._record.id, self._dial, self._tts,
                    self._prompts, said,
                )
        finally:
            self.transferring = False
        self._conversation.handoff_result(outcome.connected, outcome.detail)
        self._event("handoff_result", connected=outcome.connected, detail=outcome.detail)
        self.bridge = outcome.bridge
        return outcome.connected

    def post_new(self) -> None:
        """Send each hand-off the conversation recorded since the last call to the webhook."""
        handoffs = self._conversation.state.handoffs
        if self._webhook:
            for entry in handoffs[self._posted :]:
                self._spawn(self._post(self._webhook, entry))
        self._posted = len(handoffs)

    async def close(self) -> None:
        if self.bridge is not None:
            await self.bridge.close()

    async def _post(self, url: str, entry: dict) -> None:
        payload = {
            "call_id": self._record.id,
            "agent": self._record.agent,
            "caller": self._record.caller,
            **entry,
        }
        error = await post_webhook(url, payload)
        if error is not None:
            log.warning("hand-off webhook %s failed for call %s: %s", url, self._record.id, error)
            self._event("error", where="handoff webhook", message=error)


def transfer_headers(call_id: str, transfer: Transfer) -> dict[str, str]:
    """The SIP headers that carry the context to the person's phone."""
    return {
        SUMMARY_HEADER: transfer.summary,
        REASON_HEADER: transfer.reason,
        CALL_ID_HEADER: call_id,
    }


async def blind_transfer(caller: Transport, transfer: Transfer, call_id: str) -> HandoffOutcome:
    headers = {REASON_HEADER: transfer.reason, CALL_ID_HEADER: call_id}  # no escaping needed
    result = await caller.transfer(transfer.target, headers, timeout_s=transfer.ring_s)
    return HandoffOutcome(result.ok, result.reason)


async def warm_transfer(
    caller: Transport,
    transfer: Transfer,
    call_id: str,
    dial: Dial | None,
    tts: TextToSpeech,
    prompts: PromptCache,
    said: Callable[[], Awaitable[None]],
) -> HandoffOutcome:
    """Call the person at once, while the caller still hears the agent (`said` returns when
    that is over); then hold audio for the caller, the briefing for the person, the bridge."""
    if dial is None:
        await said()
        return HandoffOutcome(False, "this line cannot place calls to a person")
    dialing = asyncio.ensure_future(
        dial(transfer.target, transfer_headers(call_id, transfer), transfer.ring_s)
    )
    try:
        await said()
    except BaseException:
        dialing.cancel()
        raise
    holding = asyncio.ensure_future(_play_hold_audio(caller))
    bridge: Bridge | None = None
    try:
        try:
            person = await dialing
        except Exception as error:  # busy, declined, no answer, unreachable
            log.info("warm transfer of %s to %s failed: %s", call_id, transfer.target, error)
            return HandoffOutcome(False, str(error) or type(error).__name__)
        bridge = Bridge(caller, person)
        briefed = await _brief(bridge, transfer.briefing, tts, prompts)
        if not briefed:
            await bridge.close()
            return HandoffOutcome(False, "the person hung up during the briefing")
        holding.cancel()
        caller.clear()
        bridge.connect()
        return HandoffOutcome(True, "connected", bridge)
    except BaseException:
        if bridge is not None:
            await bridge.close()
        raise
    finally:
        if not holding.done():
            holding.cancel()
            caller.clear()
        with contextlib.suppress(asyncio.CancelledError):
            await holding


async def _brief(bridge: Bridge, text: str, tts: TextToSpeech, prompts: PromptCache) -> bool:
    """Say the briefing to the person only; False when they hang up first."""
    speaker = Speaker(bridge.person, tts, prompts)

    async def say() -> None:
        await speaker.say(text, lambda: None)
        await speaker.drained()

    speaking = asyncio.ensure_future(say())
    hung_up = asyncio.ensure_future(bridge.ended.wait())
    try:
        await asyncio.wait({speaking, hung_up}, timeout=BRIEFING_TIMEOUT_S,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (speaking, hung_up):
            task.cancel()
        await asyncio.gather(speaking, hung_up, return_exceptions=True)
    return not bridge.ended.is_set()


async def _play_hold_audio(caller: Transport) -> None:
    """Keep hold audio queued for the caller until cancelled."""
    frames = split_into_frames(hold_chime())
    position = 0
    while True:
        while caller.queued_frames() < HOLD_QUEUE_FRAMES:
            caller.play(frames[position])
            position = (position + 1) % len(frames)
        await asyncio.sleep(HOLD_TOP_UP_S)


async def post_webhook(url: str, payload: dict[str, Any]) -> str | None:
    """POST the hand-off to the business's URL; the error text, or None when it was taken."""
    body = {"event": "handoff", "sent_at": datetime.now(UTC).isoformat(), **payload}
    try:
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S) as client:
            response = await client.post(url, json=body)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if response.status_code >= 300:
        return f"answered {response.status_code}"
    return None
