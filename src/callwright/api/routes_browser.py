"""Talk to an agent from a web browser: GET /talk/{agent}?token=... serves a page that sends
the microphone over WebRTC and plays the agent back (telephony/webrtc).

Every route needs a signed, expiring link (`api.talk_links`, made by `callwright talk-link`)
instead of an API key: a visitor gets one agent, for a while. The page POSTs its offer to
/talk/{agent}/offer and gets our answer and the call's id; it then polls
/talk/{agent}/calls/{call_id}/transcript, which reads the call's record as the call stores
it: a turn shows once the caller has finished it, the last one when the call ends.
Browsers give a page the microphone only on https or on localhost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Collection
from importlib.resources import files

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from callwright.api.routes_streams import StartCall
from callwright.api.talk_links import LinkRefused, verify
from callwright.store.calls import CallRepository
from callwright.telephony.webrtc.call import OfferError, WebRtcCall

log = logging.getLogger("callwright.webrtc")

MAX_OFFER_BYTES = 64 * 1024  # a browser's audio offer is a few kB
OFFER_EXAMPLE = '{"type": "offer", "sdp": "v=0..."}'


class AnswerOut(BaseModel):
    type: str = "answer"
    sdp: str
    call_id: str  # for the transcript


class TranscriptTurn(BaseModel):
    caller: str  # what the caller said ("" for the greeting, "[keypad 1]" for a key)
    agent: str  # what the caller heard of the reply


class TranscriptOut(BaseModel):
    turns: list[TranscriptTurn]
    ended: bool
    outcome: str | None


def browser_router(
    start_call: StartCall,
    agents: Collection[str],
    calls: CallRepository,
    secret: bytes,
    admits: Callable[[], bool] = lambda: True,
) -> APIRouter:
    """The browser routes for `agents`; `start_call(transport, agent)` runs each call, and
    `calls` holds their records. Links are checked against `secret`. `admits()`: whether
    one call more may start now (the server's admission limit); beyond it an offer gets
    503."""
    router = APIRouter(tags=["browser calls"])
    page = (files("callwright.api") / "static" / "talk.html").read_text(encoding="utf-8")
    running: set[asyncio.Task[None]] = set()  # the calls in progress

    def admit(agent: str, token: str) -> None:
        if agent not in agents:
            raise HTTPException(404, f"no agent named {agent!r}")
        try:
            verify(secret, agent, token)
        except LinkRefused as refused:
            raise HTTPException(403, str(refused)) from None

    @router.get("/talk/{agent}", response_class=HTMLResponse)
    async def talk_page(agent: str, token: str = "") -> HTMLResponse:
        """The page that calls `agent` from the browser."""
        admit(agent, token)
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @router.post("/talk/{agent}/offer")
    async def offer(agent: str, request: Request, token: str = "") -> AnswerOut:
        """Start a call with the browser's WebRTC offer (ICE gathered); answer it."""
        admit(agent, token)
        sdp = _offer_sdp(await _body(request))
        if not admits():
            log.warning("browser call to %s refused: all lines busy", agent)
            raise HTTPException(503, "all lines are busy: try again in a minute")
        caller = f"webrtc:{request.client.host}" if request.client else "webrtc"
        try:
            call, answer = await WebRtcCall.answer(sdp, caller, agent)
        except OfferError as error:
            log.warning("browser offer for %s refused: %s", agent, error)
            raise HTTPException(400, str(error)) from None
        task = asyncio.create_task(_run(start_call, call, agent))
        running.add(task)
        task.add_done_callback(running.discard)
        return AnswerOut(sdp=answer, call_id=call.call_id)

    @router.get("/talk/{agent}/calls/{call_id}/transcript")
    async def transcript(agent: str, call_id: str, token: str = "") -> TranscriptOut:
        """What was said on a browser call of `agent`, turn by turn, as stored so far
        (404 also for the moment between the answer and the call's first store)."""
        admit(agent, token)
        record = await asyncio.to_thread(calls.get_call, call_id)
        if record is None or record.agent != agent or record.transport != WebRtcCall.transport_name:
            raise HTTPException(404, f"no browser call {call_id!r} with {agent!r}")
        turns = [TranscriptTurn(caller=t.caller_text, agent=t.agent_text) for t in record.turns]
        return TranscriptOut(turns=turns, ended=record.ended_at is not None, outcome=record.outcome)

    return router


async def _body(request: Request) -> bytes:
    """The request's body, read no further than MAX_OFFER_BYTES (else 400)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_OFFER_BYTES:
            raise HTTPException(400, f"the offer is over {MAX_OFFER_BYTES // 1024} kB")
    return body


def _offer_sdp(body: bytes) -> str:
    """The SDP of a JSON offer body; HTTPException 400 with what is wrong otherwise."""
    try:
        offer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, f"the offer must be JSON, like {OFFER_EXAMPLE}") from None
    if not isinstance(offer, dict) or not isinstance(offer.get("sdp"), str):
        raise HTTPException(400, f"the offer has no sdp: send {OFFER_EXAMPLE}")
    if offer.get("type", "offer") != "offer":
        raise HTTPException(400, f"expected an offer, got type {offer.get('type')!r}")
    return offer["sdp"]


async def _run(start_call: StartCall, call: WebRtcCall, agent: str) -> None:
    try:
        await start_call(call, agent)
    except Exception:
        log.exception("browser call %s failed", call.call_id)
    finally:
        await call.hangup()
