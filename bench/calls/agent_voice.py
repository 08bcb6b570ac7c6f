"""Following the agent's voice in what a bench caller hears (`CallAudio.voiced`), shared by
the task-call benchmarks' callers: where the agent's speech begins and ends since a frame,
and whether its turn has gone quiet."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bench.calls.caller_voices import CallAudio
from callwright.audio.frames import FRAME_MS

FRAME_S = FRAME_MS / 1000
AGENT_TURN_LIMIT_S = 60.0  # longest agent turn listened to


class VoiceSpan:
    """The agent's voiced frames heard from frame `since` on: `first` and `last` (-1 while
    none), brought up to date by `scan`."""

    def __init__(self, audio: CallAudio, since: int) -> None:
        self._audio = audio
        self._scanned = since
        self.first = self.last = -1

    def scan(self) -> None:
        """Take in the frames heard since the last scan."""
        voiced, count = self._audio.voiced, len(self._audio.voiced)
        for index in range(self._scanned, count):
            if voiced[index]:
                self.first = index if self.first < 0 else self.first
                self.last = index
        self._scanned = count

    def started(self) -> bool:
        return self.first >= 0

    def quiet(self, silence_s: float) -> bool:
        """The agent has spoken, then stayed silent `silence_s`, and the caller is not
        speaking either."""
        silence_frames = round(silence_s / FRAME_S)
        return (self.started() and self._scanned - 1 - self.last >= silence_frames
                and not self._audio.playing())  # fmt: skip

    def too_long(self) -> bool:
        """The agent's turn has gone on past AGENT_TURN_LIMIT_S."""
        return self.started() and (self._scanned - self.first) * FRAME_S > AGENT_TURN_LIMIT_S


async def wait_until(condition: Callable[[], bool], timeout_s: float, poll_s: float) -> bool:
    """Poll `condition` every `poll_s` until it holds (True) or `timeout_s` passes (False)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(poll_s)
    return True
