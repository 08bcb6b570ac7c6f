"""RtpSession over real UDP on 127.0.0.1: audio both ways, pacing, barge-in, DTMF, garbage."""

import asyncio
import re
import time
from itertools import pairwise

import numpy as np
import pytest

from callwright.audio import g711
from callwright.audio.frames import SAMPLES_PER_FRAME, AudioFrame, split_into_frames
from callwright.telephony.rtp import session as session_module
from callwright.telephony.rtp.dtmf import TelephoneEvent
from callwright.telephony.rtp.packet import RtpPacket
from callwright.telephony.rtp.session import INBOUND_GAP_S, RtpSession
from callwright.telephony.transport import DtmfDigit, InboundAudio, RemoteHangup

HOST = "127.0.0.1"
PCMU_SILENCE = b"\xff" * 160
DTMF_PT = 101


class Peer(asyncio.DatagramProtocol):
    """A bare UDP socket playing the phone: records what arrives, sends what it is told."""

    def __init__(self) -> None:
        self.packets: list[tuple[RtpPacket, float]] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.packets.append((RtpPacket.parse(data), time.monotonic()))

    @property
    def address(self) -> tuple[str, int]:
        return self.transport.get_extra_info("sockname")[:2]

    def send(self, datagram: bytes | RtpPacket, session: RtpSession) -> None:
        if isinstance(datagram, RtpPacket):
            datagram = datagram.serialize()
        self.transport.sendto(datagram, (HOST, session.local_port))


async def open_peer() -> Peer:
    _, peer = await asyncio.get_running_loop().create_datagram_endpoint(Peer, local_addr=(HOST, 0))
    return peer


async def until(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.002)


async def next_events(session: RtpSession, count: int, timeout: float = 3.0) -> list:
    async with asyncio.timeout(timeout):
        return [await session.events.get() for _ in range(count)]


def tone(seconds: float, amplitude: float = 0.25, hz: float = 1000.0, rate: int = 16000):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def steps(values, modulo: int) -> set[int]:
    """The set of differences between consecutive values, modulo the field size."""
    return {(b - a) % modulo for a, b in pairwise(values)}


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def pcmu_packet(sequence: int, samples: np.ndarray | None = None, ssrc: int = 0x5EED):
    payload = PCMU_SILENCE if samples is None else g711.ulaw_encode(samples)
    return RtpPacket(0, sequence % 65536, sequence * 160, ssrc, payload)


def tone_8k(packets: int, amplitude: float = 0.25) -> list[np.ndarray]:
    return np.split(tone(packets * 0.02, amplitude, rate=8000), packets)


@pytest.fixture
async def session():
    session = await RtpSession.open(HOST)
    yield session
    await session.close()


@pytest.fixture
async def peer():
    peer = await open_peer()
    yield peer
    peer.transport.close()


async def test_binds_an_even_port(session):
    assert session.local_port % 2 == 0 and session.local_port > 0


@pytest.mark.parametrize(("codec", "payload_type"), [("PCMU", 0), ("PCMA", 8)])
async def test_a_1khz_tone_survives_the_round_trip(codec, payload_type):
    sender, receiver = await RtpSession.open(HOST), await RtpSession.open(HOST)
    try:
        sender.start((HOST, receiver.local_port), codec, payload_type, DTMF_PT)
        receiver.start((HOST, sender.local_port), codec, payload_type, DTMF_PT)
        sent = tone(0.5)
        for frame in split_into_frames(sent, utterance_id=1):
            sender.play(frame)
        received = []
        async with asyncio.timeout(3):
            while sender.queued_frames() or len(received) < 40:
                event = await receiver.events.get()
                received.append(event.frame.samples)
    finally:
        await sender.close()
        await receiver.close()
    assert all(len(samples) == SAMPLES_PER_FRAME for samples in received)
    heard = np.concatenate(received)
    loud = np.flatnonzero(np.abs(heard) > 1000)
    steady = heard[loud[0] + 800 : loud[-1] - 800]  # skip the filter edges
    assert len(steady) > 0.35 * 16000
    spectrum = np.abs(np.fft.rfft(steady * np.hanning(len(steady))))
    frequencies = np.fft.rfftfreq(len(steady), 1 / 16000)
    assert abs(frequencies[np.argmax(spectrum)] - 1000) < 10
    band = (frequencies > 950) & (frequencies < 1050)
    assert np.sum(spectrum[band] ** 2) / np.sum(spectrum**2) > 0.99  # no distortion to speak of
    level_db = 20 * np.log10(rms(steady) / rms(sent))
    assert abs(level_db) < 0.5


async def test_frames_go_out_every_20ms_with_continuous_numbering(session, peer):
    sent_frames: list[tuple[AudioFrame, float]] = []
    session.on_frame_sent(lambda frame, at: sent_frames.append((frame, at)))
    session.start(peer.address, "PCMU", 0, None)
    await until(lambda: len(peer.packets) >= 3)
    first = split_into_frames(tone(0.06), utterance_id=1)
    second = split_into_frames(tone(0.06), utterance_id=2)
    for frame in first:
        session.play(frame)
    await until(lambda: session.queued_frames() == 0 and len(peer.packets) >= 12)
    for frame in second:
        session.play(frame)
    await until(lambda: len(peer.packets) >= 25)

    packets = [packet for packet, _ in peer.packets[:25]]
    arrivals = np.array([at for _, at in peer.packets[:25]])
    assert {packet.ssrc for packet in packets} == {packets[0].ssrc}
    assert {packet.payload_type for packet in packets} == {0}
    assert steps([packet.sequence for packet in packets], 65536) == {1}
    assert steps([packet.timestamp for packet in packets], 2**32) == {160}
    kinds = "".join("s" if packet.payload == PCMU_SILENCE else "T" for packet in packets)
    utterances = re.fullmatch(r"s+(TTT)s+(TTT)s+", kinds)  # comfort silence around and between
    assert utterances, kinds
    talkspurt_starts = [index for index, packet in enumerate(packets) if packet.marker]
    assert talkspurt_starts == [0, utterances.start(1), utterances.start(2)]

    gaps_ms = np.diff(arrivals) * 1000
    assert abs(np.median(gaps_ms) - 20) < 2
    assert abs((arrivals[-1] - arrivals[0]) / 24 * 1000 - 20) < 1.5  # no drift

    # The listener saw every packet, speech frames in the order played, silence in between.
    assert len(sent_frames) >= 25
    speech = [frame for frame, _ in sent_frames if frame.utterance_id is not None]
    assert speech == first + second
    assert all(frame.utterance_id is None for frame, _ in sent_frames[: kinds.index("T")])


async def test_clear_stops_queued_audio_at_once(session, peer):
    sent_frames: list[AudioFrame] = []
    session.on_frame_sent(lambda frame, at: sent_frames.append(frame))
    session.start(peer.address, "PCMU", 0, None)
    frames = split_into_frames(tone(1.0), utterance_id=9)
    for frame in frames:
        session.play(frame)
    await until(lambda: len([f for f in sent_frames if f.utterance_id == 9]) >= 3)
    played = [f for f in sent_frames if f.utterance_id == 9]
    dropped = session.clear()
    assert session.queued_frames() == 0
    assert played + dropped == frames  # nothing lost or reordered, oldest first
    count = len(sent_frames)
    await until(lambda: len(peer.packets) >= count + 5)
    assert all(frame.utterance_id is None for frame in sent_frames[count:])
    assert all(packet.payload == PCMU_SILENCE for packet, _ in peer.packets[count:])


async def test_garbage_is_dropped_and_counted_while_audio_flows(session, peer):
    session.start(peer.address, "PCMU", 0, DTMF_PT)
    stranger = await open_peer()
    garbage = [
        b"\x80",  # one byte
        b"hello",
        bytes.fromhex("00010008") + bytes(16),  # STUN
        bytes.fromhex("80c80006") + bytes(24),  # RTCP sender report
        RtpPacket(18, 7, 7, 0x5EED, bytes(20)).serialize(),  # G.729: not negotiated
        bytes.fromhex("40001a2b00002d003c4d5e6f") + PCMU_SILENCE,  # version 1
    ]
    payloads = tone_8k(10)
    try:
        for index, samples in enumerate(payloads):
            peer.send(pcmu_packet(100 + index, samples), session)
            if index < len(garbage):
                peer.send(garbage[index], session)
            if index == 8:
                stranger.send(pcmu_packet(500, samples), session)  # not the latched source
        events = await next_events(session, len(payloads))
    finally:
        stranger.transport.close()
    assert all(isinstance(event, InboundAudio) for event in events)
    assert rms(np.concatenate([e.frame.samples for e in events[2:]])) > 4000
    assert session.dropped_packets == len(garbage) + 1
    assert session.events.empty()


async def test_rfc4733_packets_arrive_as_digits(session, peer):
    session.start(peer.address, "PCMU", 0, DTMF_PT)
    sequence = 1000

    def send(payload_type, timestamp, payload, marker=False):
        nonlocal sequence
        peer.send(RtpPacket(payload_type, sequence, timestamp, 0x5EED, payload, marker), session)
        sequence += 1

    for index, code in enumerate([1, 11, 1]):
        timestamp = 8000 * (index + 1)
        send(0, timestamp, PCMU_SILENCE)
        for duration in (0, 400, 800):
            send(DTMF_PT, timestamp, TelephoneEvent(code, False, 10, duration).serialize())
        for _ in range(3):
            send(DTMF_PT, timestamp, TelephoneEvent(code, True, 10, 1200).serialize())
    send(0, 40000, PCMU_SILENCE)
    events = await next_events(session, 7)
    assert [e.digit for e in events if isinstance(e, DtmfDigit)] == ["1", "#", "1"]
    assert [type(e) for e in events].count(InboundAudio) == 4
    assert session.dropped_packets == 0


async def test_reordered_packets_come_out_in_order(session, peer):
    session.start(peer.address, "PCMU", 0, None)
    levels = [0.05, 0.1, 0.2, 0.4]
    packets = [pcmu_packet(7 + i, tone(0.02, level, rate=8000)) for i, level in enumerate(levels)]
    for index in (0, 2, 1, 3):
        peer.send(packets[index], session)
    events = await next_events(session, 4)
    loudness = [rms(event.frame.samples[40:]) for event in events]
    assert loudness == sorted(loudness)


async def test_a_lost_packet_becomes_silence_after_a_short_wait(session, peer):
    session.start(peer.address, "PCMU", 0, None)
    payloads = tone_8k(3)
    peer.send(pcmu_packet(1, payloads[0]), session)
    peer.send(pcmu_packet(3, payloads[2]), session)
    events = await next_events(session, 3, timeout=1.0)
    loudness = [rms(event.frame.samples[40:]) for event in events]
    assert loudness[0] > 4000 and loudness[2] > 4000
    assert loudness[1] < 50


@pytest.mark.parametrize(("samples_per_packet", "packets", "frames"), [(80, 6, 3), (240, 4, 6)])
async def test_other_packet_times_are_cut_into_20ms_frames(
    session, peer, samples_per_packet, packets, frames
):
    session.start(peer.address, "PCMU", 0, None)
    audio = tone(packets * samples_per_packet / 8000, rate=8000)
    for index, chunk in enumerate(np.split(audio, packets)):
        payload = g711.ulaw_encode(chunk)
        peer.send(RtpPacket(0, index, index * samples_per_packet, 1, payload), session)
    events = await next_events(session, frames)
    assert all(len(event.frame.samples) == SAMPLES_PER_FRAME for event in events)
    await asyncio.sleep(0.05)
    assert session.events.empty()  # no partial frame leaks out


async def test_symmetric_rtp_latches_on_the_real_source(session, peer):
    advertised = await open_peer()  # what SDP said; behind NAT the phone sends from elsewhere
    try:
        session.start(advertised.address, "PCMU", 0, None)
        await until(lambda: len(advertised.packets) >= 2)
        peer.send(pcmu_packet(1), session)
        await until(lambda: len(peer.packets) >= 3)
        before = len(advertised.packets)
        await until(lambda: len(peer.packets) >= 6)
        assert len(advertised.packets) == before
    finally:
        advertised.transport.close()


async def test_update_remote_moves_media_and_keeps_numbering(session, peer):
    session.start(peer.address, "PCMU", 0, None)
    await until(lambda: len(peer.packets) >= 2)
    other = await open_peer()
    try:
        session.update_remote(other.address, "PCMA", 8, DTMF_PT)
        await until(lambda: len(other.packets) >= 2)
        last_old = peer.packets[-1][0]
        first_new = other.packets[0][0]
        assert first_new.payload_type == 8 and first_new.payload == b"\xd5" * 160
        assert (first_new.sequence - last_old.sequence) % 65536 == 1
        assert first_new.ssrc == last_old.ssrc
    finally:
        other.transport.close()


async def test_nothing_is_sent_on_hold(session, peer):
    sent_frames: list[AudioFrame] = []
    session.on_frame_sent(lambda frame, at: sent_frames.append(frame))
    session.start(peer.address, "PCMU", 0, None)
    await until(lambda: len(peer.packets) >= 2)
    session.set_sending(False)
    count = len(sent_frames)
    await until(lambda: len(peer.packets) == count)
    session.play(split_into_frames(tone(0.02))[0])
    await asyncio.sleep(0.1)
    assert len(sent_frames) == count and len(peer.packets) == count
    assert session.queued_frames() == 1  # held back, not thrown away
    last = peer.packets[-1][0]
    session.set_sending(True)
    await until(lambda: len(peer.packets) > count)
    resumed = peer.packets[count][0]
    assert resumed.marker and resumed.payload != PCMU_SILENCE
    assert (resumed.sequence - last.sequence) % 65536 == 1
    assert (resumed.timestamp - last.timestamp) % 2**32 >= 160 * 5  # time went on


async def test_stalled_loop_catches_up_without_a_burst(session, peer):
    sent_at: list[float] = []
    session.on_frame_sent(lambda frame, at: sent_at.append(at))
    session.start(peer.address, "PCMU", 0, None)
    await until(lambda: len(sent_at) >= 5)
    time.sleep(0.2)  # block the event loop on purpose: ten slots pass unsent
    count = len(sent_at)
    await until(lambda: len(sent_at) >= count + 20)
    times = np.array(sent_at)
    bursts = np.split(times, np.flatnonzero(np.diff(times) > 0.005) + 1)
    assert max(len(burst) for burst in bursts) <= 2
    await until(lambda: len(peer.packets) >= len(sent_at))
    packets = [packet for packet, _ in peer.packets]
    assert steps([packet.sequence for packet in packets], 65536) == {1}
    # Timestamps follow the wall clock (slots given up are skipped, not squeezed in).
    media_s = ((packets[-1].timestamp - packets[0].timestamp) % 2**32) / 8000
    assert abs(media_s - (times[len(packets) - 1] - times[0])) < 0.03


async def test_rtp_timeout_hangs_up_once(session, peer, monkeypatch):
    monkeypatch.setattr(session_module, "RTP_TIMEOUT_S", 0.1)
    session.start(peer.address, "PCMU", 0, None)
    [event] = await next_events(session, 1, timeout=1.0)
    assert event == RemoteHangup("RTP timeout")
    await asyncio.sleep(0.15)
    assert session.events.empty()


async def test_no_timeout_while_rtp_flows_or_on_hold(session, peer, monkeypatch):
    monkeypatch.setattr(session_module, "RTP_TIMEOUT_S", 0.15)
    session.start(peer.address, "PCMU", 0, None)
    for sequence in range(8):
        peer.send(pcmu_packet(sequence), session)
        await asyncio.sleep(0.04)
    session.set_sending(False)
    await asyncio.sleep(0.3)
    events = [session.events.get_nowait() for _ in range(session.events.qsize())]
    assert not any(isinstance(event, RemoteHangup) for event in events)
    session.set_sending(True)
    async with asyncio.timeout(1.0):
        event = await session.events.get()
        while isinstance(event, InboundAudio):  # silence heard while the phone sends nothing
            event = await session.events.get()
    assert event == RemoteHangup("RTP timeout")


async def test_close_stops_sending(session, peer):
    session.start(peer.address, "PCMU", 0, None)
    await until(lambda: len(peer.packets) >= 2)
    await session.close()
    count = len(peer.packets)
    await asyncio.sleep(0.06)
    assert len(peer.packets) == count
    await session.close()  # closing twice is harmless


async def test_unsupported_codec_is_refused(session, peer):
    with pytest.raises(ValueError, match="PCMU"):
        session.start(peer.address, "G729", 18, None)


async def test_a_phone_that_stops_sending_while_silent_is_heard_as_silence(session, peer):
    session.start(peer.address, "PCMU", 0, None)
    for sequence in range(3):
        peer.send(pcmu_packet(sequence, tone(0.02, 0.2, rate=8000)), session)
    spoken = await next_events(session, 3)
    assert all(isinstance(event, InboundAudio) for event in spoken)
    # silence suppression: no packets for a while; frames keep coming on our clock
    gap_frames = await next_events(session, 10, timeout=1.0)
    assert all(isinstance(event, InboundAudio) for event in gap_frames)
    assert all(not event.frame.samples.any() for event in gap_frames)
    times = [event.received_at for event in gap_frames]
    assert times[0] - spoken[-1].received_at >= INBOUND_GAP_S - 0.005
    assert times[-1] - times[0] >= 0.15  # paced at about one frame per 20 ms, not a burst
