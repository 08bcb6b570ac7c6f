"""Two call legs talking to each other through us: the caller and the person after a warm
transfer.

The session still owns the caller's leg (it keeps recording it) and hands each caller frame to
`from_caller`; the bridge reads the person's leg itself. Until `connect()` (while the person is
being briefed) nothing crosses; after it, every frame goes straight across, 20 ms at a time.
`ended` is set when the person hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from callwright.audio.frames import AudioFrame
from callwright.telephony.transport import DtmfDigit, InboundAudio, RemoteHangup, Transport

log = logging.getLogger("callwright.call")


class Bridge:
    def __init__(self, caller: Transport, person: Transport) -> None:
        self.caller = caller
        self.person = person
        self.connected = False
        self.ended = asyncio.Event()
        self.hangup_reason = ""
        self._reader = asyncio.ensure_future(self._read_person())

    def connect(self) -> None:
        """Let audio cross both ways from now on."""
        self.connected = True

    def from_caller(self, frame: AudioFrame) -> None:
        if self.connected and not self.ended.is_set():
            self.person.play(frame)

    async def close(self) -> None:
        """Hang up the person's leg (if still up) and stop reading it."""
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        with contextlib.suppress(Exception):
            await self.person.hangup()

    async def _read_person(self) -> None:
        try:
            async for event in self.person.events():
                if isinstance(event, InboundAudio):
                    if self.connected:
                        self.caller.play(AudioFrame(event.frame.samples))
                elif isinstance(event, DtmfDigit):
                    log.info("person on call %s pressed %s", self.person.call_id, event.digit)
                elif isinstance(event, RemoteHangup):
                    self.hangup_reason = event.reason
                    break
        finally:
            self.ended.set()
