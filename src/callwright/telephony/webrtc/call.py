"""WebRtcCall: one call from a web browser, over an aiortc peer connection, as a `Transport`.

Signalling is one HTTP exchange (api/routes_browser.py): the browser's offer, gathered
whole (no trickle ICE), in; our answer out. ICE uses host candidates only, with no STUN or
TURN server: the browser must reach this machine directly (the same machine, the LAN, or a
VPN), and nothing is asked of the internet. Browsers hide their addresses behind mDNS names
(`<uuid>.local`); resolving them costs up to a second of call setup and fails wherever
multicast does not pass, so they are dropped from the offer: the browser's first check
tells us its address (a peer-reflexive candidate). A browser that has not connected within
CONNECT_TIMEOUT_S ends the call.

Inbound, the browser's audio track becomes 16 kHz 20 ms AudioFrames (`InboundFrames`); a
stall in it is heard as silence on our own clock, like the other transports. The track
ending or the connection closing or failing ends the call (RemoteHangup). Outbound,
`AgentTrack` paces the agent's frames. A browser cannot be transferred, and sends no keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Mapping

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from callwright.audio.frames import FRAME_MS, AudioFrame
from callwright.telephony.outbound import PlaysThroughQueue
from callwright.telephony.transport import (
    TRANSFER_TIMEOUT_S,
    InboundAudio,
    RemoteHangup,
    TransferResult,
    TransportEvent,
)
from callwright.telephony.webrtc.inbound import InboundFrames
from callwright.telephony.webrtc.outbound import AgentTrack

log = logging.getLogger("callwright.webrtc")

FRAME_S = FRAME_MS / 1000
INBOUND_GAP_S = 0.1  # no audio from the browser this long: the caller is heard as silence
CONNECT_TIMEOUT_S = 10.0  # an answered browser that has not connected by then is gone
PLAYOUT_WAIT_S = 2.0  # hangup() waits this long at most for our queued words to go out
BROWSER_BUFFER_S = 0.2  # and this long more for the browser to play what it buffered
ENDED_STATES = ("failed", "closed")  # the peer connection's states that end the call

_LOCAL_HANGUP = object()  # ends events() after hangup()


class OfferError(ValueError):
    """The browser's offer cannot start a call; the message says why, for the browser."""


class WebRtcCall(PlaysThroughQueue):
    """A live browser call. Implements telephony.transport.Transport.
    Create with `await WebRtcCall.answer(offer_sdp, caller, callee)`."""

    transport_name = "webrtc"  # the call record's transport

    def __init__(self, connection: RTCPeerConnection, caller: str, callee: str) -> None:
        self.call_id = uuid.uuid4().hex
        self.caller = caller
        self.callee = callee
        self._connection = connection
        self._track = AgentTrack()
        self.outbound = self._track
        self._events: asyncio.Queue[TransportEvent | object] = asyncio.Queue()
        self._ended = False  # the call is over for us (either side ended it)
        self._closing: asyncio.Future[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._receiving = False  # the caller's audio track is being read
        connection.on("track", self._on_track)
        connection.on("connectionstatechange", self._on_state)

    @classmethod
    async def answer(cls, offer_sdp: str, caller: str, callee: str) -> tuple[WebRtcCall, str]:
        """Take the browser's offer; return the call and our answer's SDP.

        Raises OfferError when the offer cannot be read or carries no audio we can use."""
        if not offer_sdp.startswith("v=0"):
            raise OfferError("the offer is not SDP: it must start with v=0")
        connection = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # host candidates only
        call = cls(connection, caller, callee)
        try:
            offer = RTCSessionDescription(_without_mdns_candidates(offer_sdp), "offer")
            await connection.setRemoteDescription(offer)
            if not any(t.kind == "audio" for t in connection.getTransceivers()):
                raise OfferError("the offer has no audio: the page must send the microphone")
            connection.addTrack(call._track)
            await connection.setLocalDescription(await connection.createAnswer())
        except Exception as error:
            call._ended = True
            await call._close(drain=False)
            if isinstance(error, OfferError):
                raise
            detail = str(error) or f"{type(error).__name__} while reading it"
            raise OfferError(f"the offer's SDP cannot be used: {detail}") from None
        log.info("call %s: browser call from %s to %s", call.call_id, caller, callee)
        call._tasks.append(asyncio.ensure_future(call._watch_connecting()))
        return call, connection.localDescription.sdp

    # --- Transport ---------------------------------------------------------------------

    async def events(self) -> AsyncIterator[TransportEvent]:
        while True:
            event = await self._events.get()
            if event is _LOCAL_HANGUP:
                return
            assert isinstance(event, InboundAudio | RemoteHangup)
            yield event
            if isinstance(event, RemoteHangup):
                return

    async def transfer(
        self,
        target: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = TRANSFER_TIMEOUT_S,
    ) -> TransferResult:
        return TransferResult(False, 0, "a browser call cannot be transferred")

    async def hangup(self) -> None:
        """End the call from our side: once our queued words are out (at most
        PLAYOUT_WAIT_S) and played, close the peer connection."""
        if self._closing is None:  # else the browser ended the call: we are closing already
            self._closing = asyncio.ensure_future(self._close(drain=True))
            self._ended = True
            self._events.put_nowait(_LOCAL_HANGUP)
        await asyncio.shield(self._closing)

    # --- the peer connection -----------------------------------------------------------

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio" and not self._receiving:  # the first audio track: the caller
            self._receiving = True
            self._tasks.append(asyncio.ensure_future(self._receive(track)))

    def _on_state(self) -> None:
        state = self._connection.connectionState
        log.debug("call %s: connection %s", self.call_id, state)
        if state in ENDED_STATES:
            self._remote_ended(f"the browser's connection {state}")

    async def _watch_connecting(self) -> None:
        await asyncio.sleep(CONNECT_TIMEOUT_S)
        if self._connection.connectionState != "connected":
            self._remote_ended(f"the browser did not connect within {CONNECT_TIMEOUT_S:g} s")

    async def _receive(self, track: MediaStreamTrack) -> None:
        frames = InboundFrames()
        reason = "the browser's audio track ended"
        try:
            while not self._ended:
                try:
                    decoded = await asyncio.wait_for(track.recv(), INBOUND_GAP_S)
                except TimeoutError:  # a stalled network or a paused track: silence
                    now = time.monotonic()
                    for _ in range(round(INBOUND_GAP_S / FRAME_S)):
                        self._events.put_nowait(InboundAudio(AudioFrame.silence(), now))
                    continue
                received_at = time.monotonic()
                for frame in frames.convert(decoded):
                    self._events.put_nowait(InboundAudio(frame, received_at))
        except MediaStreamError:
            pass
        except Exception:
            log.exception("call %s: reading the browser's audio failed", self.call_id)
            reason = "the browser's audio could not be read"
        self._remote_ended(reason)

    def _remote_ended(self, reason: str) -> None:
        if not self._ended:
            self._ended = True
            log.info("call %s: browser call ended (%s)", self.call_id, reason)
            self._events.put_nowait(RemoteHangup(reason))
            self._closing = asyncio.ensure_future(self._close(drain=False))

    async def _close(self, drain: bool) -> None:
        if drain:
            deadline = time.monotonic() + PLAYOUT_WAIT_S
            while self._track.queued_frames() and time.monotonic() < deadline:
                await asyncio.sleep(FRAME_S)
            await asyncio.sleep(BROWSER_BUFFER_S)
        self._track.stop()
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await self._connection.close()


def _without_mdns_candidates(sdp: str) -> str:
    """The offer less its mDNS host candidates and its end-of-candidates line, so that ICE
    waits for the browser's own checks instead of failing at once."""
    return "".join(
        line
        for line in sdp.splitlines(keepends=True)
        if not line.startswith("a=end-of-candidates") and not _is_mdns_candidate(line)
    )


def _is_mdns_candidate(line: str) -> bool:
    fields = line.split()  # a=candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT ...
    return line.startswith("a=candidate:") and len(fields) > 4 and fields[4].endswith(".local")
