"""The agent's track: one frame per 20 ms on an absolute schedule, silence when the queue is
empty, every frame reported with the time it left, and clear() for barge-in."""

from __future__ import annotations

import asyncio
import statistics
import time
from itertools import pairwise

import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME, AudioFrame
from callwright.telephony.webrtc.outbound import FRAME_S, MAX_SEND_LAG_S, AgentTrack


def speech(value: int, utterance_id: int = 1) -> AudioFrame:
    return AudioFrame(np.full(SAMPLES_PER_FRAME, value, dtype=np.int16), utterance_id)


def sent_log(track: AgentTrack) -> list[tuple[AudioFrame, float]]:
    log: list[tuple[AudioFrame, float]] = []
    track.on_frame_sent(lambda frame, at: log.append((frame, at)))
    return log


async def test_frames_leave_every_20ms_without_drift():
    track = AgentTrack()
    sent = sent_log(track)
    for value in range(1, 26):
        track.play(speech(value))
    start = time.monotonic()
    frames = [await track.recv() for _ in range(25)]
    elapsed = time.monotonic() - start
    assert elapsed == pytest.approx(24 * FRAME_S, abs=0.03)  # the first goes at once
    gaps = [b - a for (_, a), (_, b) in pairwise(sent)]
    assert statistics.median(gaps) == pytest.approx(FRAME_S, abs=0.003)
    assert [int(frame.to_ndarray()[0, 0]) for frame in frames] == list(range(1, 26))
    assert [frame.samples[0] for frame, _ in sent] == list(range(1, 26))
    first = frames[0]
    assert (first.sample_rate, first.format.name, first.layout.name) == (
        SAMPLE_RATE_HZ,
        "s16",
        "mono",
    )
    assert [frame.pts for frame in frames] == [n * SAMPLES_PER_FRAME for n in range(25)]


async def test_silence_when_nothing_is_queued_and_the_listeners_hear_it():
    track = AgentTrack()
    sent = sent_log(track)
    frame = await track.recv()
    assert not frame.to_ndarray().any()
    assert sent[0][0].utterance_id is None and not sent[0][0].samples.any()


async def test_clear_drops_the_queue_at_once():
    track = AgentTrack()
    for value in range(1, 6):
        track.play(speech(value))
    await track.recv()
    assert track.queued_frames() == 4
    dropped = track.clear()
    assert [frame.samples[0] for frame in dropped] == [2, 3, 4, 5]
    assert track.queued_frames() == 0
    assert not (await track.recv()).to_ndarray().any()


async def test_a_long_stall_skips_its_slots_instead_of_bursting():
    track = AgentTrack()
    sent = sent_log(track)
    await track.recv()
    await asyncio.sleep(MAX_SEND_LAG_S + 0.1)  # the event loop was busy elsewhere
    late = await track.recv()
    start = time.monotonic()
    await track.recv()
    assert FRAME_S - 0.005 < time.monotonic() - start < FRAME_S + 0.03  # paced again
    assert late.pts >= 9 * SAMPLES_PER_FRAME  # the timestamps count the skipped time
    assert len(sent) == 3


async def test_a_failing_listener_does_not_stop_the_audio():
    track = AgentTrack()
    track.on_frame_sent(lambda frame, at: 1 / 0)
    sent = sent_log(track)
    track.play(speech(7))
    frame = await track.recv()
    assert frame.to_ndarray()[0, 0] == 7 and len(sent) == 1


async def test_a_stopped_track_ends_the_stream():
    track = AgentTrack()
    await track.recv()
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()
