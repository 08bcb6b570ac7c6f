"""Our key presses on a real RTP stream (UDP on 127.0.0.1): RFC 4733 packets in the audio's
20 ms slots, one sequence, one clock; and in-band keypad tones through an outbound queue."""

import asyncio
import time
from itertools import pairwise

import numpy as np
import pytest

from callwright.audio.frames import SAMPLES_PER_FRAME, AudioFrame
from callwright.telephony.outbound import PlaysThroughQueue, press_in_band
from callwright.telephony.rtp.dtmf import END_PACKET_COPIES, PRESS_PACKETS, DtmfReceiver
from callwright.telephony.rtp.packet import RtpPacket
from callwright.telephony.rtp.session import RtpSession

HOST = "127.0.0.1"
DTMF_PT = 101
PCMU_SILENCE = b"\xff" * 160
PACKETS_PER_PRESS = PRESS_PACKETS - 1 + END_PACKET_COPIES  # 7


class Peer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.packets: list[RtpPacket] = []
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.packets.append(RtpPacket.parse(data))

    @property
    def address(self):
        return self.transport.get_extra_info("sockname")[:2]


@pytest.fixture
async def peer():
    _, peer = await asyncio.get_running_loop().create_datagram_endpoint(Peer, local_addr=(HOST, 0))
    yield peer
    peer.transport.close()


@pytest.fixture
async def session():
    session = await RtpSession.open(HOST)
    yield session
    await session.close()


async def until(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.002)


def spoken(packet: RtpPacket) -> bool:
    return packet.payload_type == 0 and packet.payload != PCMU_SILENCE


def speech(level: int = 8000) -> AudioFrame:
    return AudioFrame(np.full(SAMPLES_PER_FRAME, level, dtype=np.int16))


async def test_keys_go_after_queued_audio_in_its_slots_with_its_numbering(session, peer):
    session.start(peer.address, "PCMU", 0, DTMF_PT)
    for _ in range(3):
        session.play(speech())
    started = time.monotonic()
    await asyncio.wait_for(session.send_digits("1#"), 3)
    took_s = time.monotonic() - started
    await until(lambda: len(peer.packets) >= 30)
    packets = peer.packets
    events = [p for p in packets if p.payload_type == DTMF_PT]
    first_event = packets.index(events[0])
    assert len(events) == 2 * PACKETS_PER_PRESS
    assert sum(spoken(p) for p in packets[:first_event]) == 3
    assert {(b.sequence - a.sequence) % 65536 for a, b in pairwise(packets)} == {1}
    slot_before = packets[first_event - 1]
    assert events[0].marker and (events[0].timestamp - slot_before.timestamp) % 2**32 == 160
    receiver = DtmfReceiver()
    assert [d for p in events if (d := receiver.receive(p))] == ["1", "#"]
    # 3 speech slots, two presses of 9 slots (100 ms down, 80 ms up): about 420 ms
    assert 0.35 < took_s < 0.8
    audio_after = [p for p in packets[first_event:] if p.payload_type == 0]
    assert audio_after, "audio goes on between and after the presses"


async def test_audio_queued_while_a_key_is_down_waits_for_the_press(session, peer):
    session.start(peer.address, "PCMU", 0, DTMF_PT)
    pressing = asyncio.ensure_future(session.send_digits("5"))
    await until(lambda: any(p.payload_type == DTMF_PT for p in peer.packets))
    session.play(speech())
    await asyncio.wait_for(pressing, 2)
    await until(
        lambda: any(p.payload_type == 0 and p.payload != b"\xff" * 160 for p in peer.packets)
    )
    kinds = [p.payload_type for p in peer.packets]
    first, spoken = (
        kinds.index(DTMF_PT),
        next(
            i
            for i, p in enumerate(peer.packets)
            if p.payload_type == 0 and p.payload != b"\xff" * 160
        ),
    )
    assert kinds[first:spoken] == [DTMF_PT] * PACKETS_PER_PRESS
    assert peer.packets[spoken].marker  # the speech starts afresh after the press


async def test_without_telephone_event_the_session_refuses_and_bad_keys_fail(session, peer):
    session.start(peer.address, "PCMU", 0, None)
    assert not session.sends_telephone_events
    with pytest.raises(RuntimeError, match="in-band"):
        await session.send_digits("1")
    session.update_remote(peer.address, "PCMU", 0, DTMF_PT)
    with pytest.raises(ValueError, match="cannot press 'z'"):
        await session.send_digits("1z")


async def test_closing_the_session_ends_the_wait(session, peer):
    session.start(peer.address, "PCMU", 0, DTMF_PT)
    pressing = asyncio.ensure_future(session.send_digits("123456789"))
    await asyncio.sleep(0.05)
    await session.close()
    await asyncio.wait_for(pressing, 1)


class Queue:
    """An outbound queue sending one frame per tick() to its listeners."""

    def __init__(self) -> None:
        self.frames: list[AudioFrame] = []
        self.sent: list[AudioFrame] = []
        self.listeners = []

    def play(self, frame):
        self.frames.append(frame)

    def clear(self):
        dropped, self.frames = self.frames, []
        return dropped

    def queued_frames(self):
        return len(self.frames)

    def on_frame_sent(self, listener):
        self.listeners.append(listener)

    def tick(self):
        frame = self.frames.pop(0) if self.frames else AudioFrame.silence()
        self.sent.append(frame)
        for listener in self.listeners:
            listener(frame, 0.0)


class Line(PlaysThroughQueue):
    def __init__(self) -> None:
        self.outbound = Queue()


async def test_in_band_keys_follow_queued_audio_and_resolve_once_sent():
    line = Line()
    line.play(speech())
    pressing = asyncio.ensure_future(line.send_digits("12"))
    await asyncio.sleep(0)
    queued = line.queued_frames()
    assert queued == 1 + 2 * 9  # the speech, then two presses of 5 tone and 4 quiet frames
    for _ in range(queued - 1):
        line.outbound.tick()
        await asyncio.sleep(0)
        assert not pressing.done()
    line.outbound.tick()
    await asyncio.wait_for(pressing, 1)
    assert line.outbound.sent[0].samples[0] == 8000
    assert np.abs(line.outbound.sent[1].samples).max() > 1000  # the first tone


async def test_in_band_wait_ends_when_the_queue_is_cleared():
    queue = Queue()
    pressing = asyncio.ensure_future(press_in_band(queue, "9"))
    await asyncio.sleep(0)
    queue.tick()
    queue.clear()
    queue.tick()
    await asyncio.wait_for(pressing, 1)


async def test_many_presses_on_a_long_call_add_one_frame_listener_not_one_each():
    queue = Queue()
    for _ in range(20):
        pressing = asyncio.ensure_future(press_in_band(queue, "1"))
        await asyncio.sleep(0)
        while queue.queued_frames():
            queue.tick()
        await asyncio.wait_for(pressing, 1)
    assert len(queue.listeners) == 1  # every frame of the call calls each listener


async def test_in_band_refuses_what_is_not_a_key():
    with pytest.raises(ValueError, match="keys are 0-9"):
        await Line().send_digits("1-2")
