"""The one interface between a wire protocol and a call.

A transport delivers inbound audio, DTMF digits and the hang-up as events, and
plays outbound audio at a steady 20 ms pace, filling gaps with comfort silence.
It presses keys on the far end's phone menu (DTMF out) and can hand the caller on
to another number (a blind transfer). It knows nothing of speech or agents.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from callwright.audio.frames import AudioFrame


@dataclass(frozen=True, slots=True)
class InboundAudio:
    frame: AudioFrame
    received_at: float  # time.monotonic() when the packet arrived


@dataclass(frozen=True, slots=True)
class DtmfDigit:
    digit: str  # one of 0-9 * # A-D
    received_at: float


@dataclass(frozen=True, slots=True)
class RemoteHangup:
    reason: str  # e.g. "BYE", "CANCEL", "RTP timeout"


TransportEvent = InboundAudio | DtmfDigit | RemoteHangup

TRANSFER_TIMEOUT_S = 30.0  # how long a transfer may take before we count it failed


@dataclass(frozen=True, slots=True)
class TransferResult:
    """How a blind transfer ended.

    `status` is the final SIP status the far end reported for its call to the target
    (NOTIFY sipfrag), or the transfer request's own failure status; 0 when none came.
    `reason` is for logs and the call record: "200 OK", "486 Busy Here", "REFER answered
    405 Method Not Allowed", "no final NOTIFY within 30 s", "the caller hung up".
    """

    ok: bool  # the target answered: the far end now talks to it, and this leg is over
    status: int
    reason: str


FrameSentListener = Callable[[AudioFrame, float], None]
"""Called with each outbound frame (speech or comfort silence) and the monotonic
time it went on the wire."""


class Transport(Protocol):
    """One live call leg as seen by `callwright.call`."""

    call_id: str
    caller: str  # who called, e.g. "sip:alice@127.0.0.1"
    callee: str  # who was called, e.g. "demo" (the agent name)

    def events(self) -> AsyncIterator[TransportEvent]:
        """Inbound events in arrival order; ends after RemoteHangup or hangup()."""
        ...

    def play(self, frame: AudioFrame) -> None:
        """Queue a frame to be sent at the next free 20 ms slot."""
        ...

    def clear(self) -> list[AudioFrame]:
        """Drop all queued (not yet sent) frames at once; return them, oldest first."""
        ...

    def queued_frames(self) -> int:
        """How many frames are waiting to be sent."""
        ...

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        """Register a listener for every frame put on the wire."""
        ...

    async def send_digits(self, digits: str) -> None:
        """Press `digits` (0-9 * # A-D; w pauses 500 ms) on the line, after the audio
        already queued: RFC 4733 telephone events where the far end negotiated them, else
        keypad tones in-band. Returns once the presses have gone out. Raises ValueError,
        saying which, for anything that is not a key."""
        ...

    async def transfer(
        self,
        target: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = TRANSFER_TIMEOUT_S,
    ) -> TransferResult:
        """Blind transfer: ask the far end to call `target` (SIP REFER, RFC 3515/5589),
        passing `headers` (e.g. X-Callwright-Summary) along where the far end honours them.
        On ok the far end talks to the target and this leg has ended; otherwise the call
        goes on as before."""
        ...

    async def hangup(self) -> None:
        """End the call from our side (BYE) and stop sending."""
        ...
