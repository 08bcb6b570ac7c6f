"""A call whose caller is a WAV file: `callwright call --audio caller.wav`.

Key presses can be scheduled too (`--keys 16.5=4821`), as a phone sends RFC 4733 digits.

The caller's audio is delivered in real time, 20 ms per frame, exactly as a
phone line would deliver it; the agent's audio is paced the same way and kept
(as sent, comfort silence included) so it can be written out afterwards. After
the file ends the line stays open, silent, until the agent hangs up or has
been quiet for `linger_s`, so the agent's last reply is heard in full.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import numpy as np

from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, AudioFrame, split_into_frames
from callwright.audio.wav import read_wav
from callwright.telephony.outbound import press_in_band
from callwright.telephony.transport import (
    TRANSFER_TIMEOUT_S,
    DtmfDigit,
    FrameSentListener,
    InboundAudio,
    RemoteHangup,
    TransferResult,
    TransportEvent,
)

FRAME_S = FRAME_MS / 1000


class FileCall:
    """Transport that plays a WAV file as the caller and collects the agent's audio."""

    transport_name = "file"

    def __init__(
        self,
        audio_path: Path,
        *,
        keys: list[tuple[float, str]] = (),
        caller_id: str = "",
        linger_s: float = 3.0,
    ) -> None:
        samples, _ = read_wav(audio_path, target_hz=SAMPLE_RATE_HZ)
        self.call_id = ""
        self.caller = f"tel:{caller_id}" if caller_id else f"file:{audio_path.name}"
        self.callee = ""
        self._caller_frames = split_into_frames(samples)
        self._keys = sorted(keys)  # (seconds into the call, digits) pressed on the keypad
        self._linger_frames = int(linger_s / FRAME_S)
        self._outbound: deque[AudioFrame] = deque()
        self._listeners: list[FrameSentListener] = []
        self._agent_audio: list[np.ndarray] = []
        self._hung_up = asyncio.Event()

    def agent_audio(self) -> np.ndarray:
        """Everything the agent sent, as 16 kHz int16."""
        if not self._agent_audio:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self._agent_audio)

    async def events(self) -> AsyncIterator[TransportEvent]:
        start = time.monotonic()
        index = 0
        idle_frames = 0
        while idle_frames < self._linger_frames:
            delay = start + (index + 1) * FRAME_S - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(self._hung_up.wait(), delay)
                except TimeoutError:
                    pass
            if self._hung_up.is_set():
                return
            self._send_one()
            while self._keys and self._keys[0][0] <= index * FRAME_S:
                for digit in self._keys.pop(0)[1]:
                    yield DtmfDigit(digit, time.monotonic())
            if index < len(self._caller_frames):
                frame = self._caller_frames[index]
            else:
                frame = AudioFrame.silence()
                idle_frames = 0 if self._outbound else idle_frames + 1
            yield InboundAudio(frame, time.monotonic())
            index += 1
        yield RemoteHangup("end of audio file")

    def _send_one(self) -> None:
        frame = self._outbound.popleft() if self._outbound else AudioFrame.silence()
        self._agent_audio.append(frame.samples)
        now = time.monotonic()
        for listener in self._listeners:
            listener(frame, now)

    def play(self, frame: AudioFrame) -> None:
        self._outbound.append(frame)

    def clear(self) -> list[AudioFrame]:
        dropped = list(self._outbound)
        self._outbound.clear()
        return dropped

    def queued_frames(self) -> int:
        return len(self._outbound)

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        self._listeners.append(listener)

    async def send_digits(self, digits: str) -> None:
        """Press `digits` as keypad tones, kept in the agent's audio like its speech."""
        await press_in_band(self, digits)

    async def transfer(
        self,
        target: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = TRANSFER_TIMEOUT_S,
    ) -> TransferResult:
        return TransferResult(False, 0, "a call from a file cannot be transferred")

    async def hangup(self) -> None:
        self._hung_up.set()
