"""RFC 4733 sending: the packets of each key press, slot by slot, and back through the receiver."""

from itertools import pairwise

import pytest

from callwright.telephony.rtp.dtmf import (
    GAP_PACKETS,
    PAUSE_PACKETS,
    PRESS_PACKETS,
    DtmfReceiver,
    DtmfSender,
    TelephoneEvent,
)
from callwright.telephony.rtp.packet import RtpPacket

SAMPLES_PER_PACKET = 160
EVENT_PT = 101
SSRC = 0x0A0B0C0D
BASE_TIMESTAMP = 4_294_967_000  # wraps during the test


def timestamp(slot: int) -> int:
    return (BASE_TIMESTAMP + slot * SAMPLES_PER_PACKET) % 2**32


def run(keys: str, slots: range | list[int] = range(200)) -> list[tuple[int, RtpPacket | None]]:
    """(slot, event packet or None for an audio slot) from slot 0 on, numbered as the stream
    numbers them (audio slots take a sequence number too)."""
    sender = DtmfSender(SAMPLES_PER_PACKET)
    sender.press(keys)
    out = []
    for sequence, slot in enumerate(slots):
        event = sender.packet_for(slot, timestamp(slot))
        packet = None
        if event is not None:
            packet = RtpPacket(
                EVENT_PT, sequence, event.timestamp, SSRC, event.event.serialize(), event.marker
            )
        out.append((slot, packet))
        if sender.done(slot + 1):
            break
    return out


def test_one_press_golden_packets():
    packets = [packet for _, packet in run("5")]
    assert [p.serialize().hex() for p in packets[: PRESS_PACKETS + 2]] == [
        # V=2, M and PT 101, sequence, the press's timestamp (slot 0), SSRC, then the event:
        # 5, E bit and volume 10, duration 160-800 (20-100 ms), the end sent three times
        "80e50000fffffed80a0b0c0d050a00a0",
        "80650001fffffed80a0b0c0d050a0140",
        "80650002fffffed80a0b0c0d050a01e0",
        "80650003fffffed80a0b0c0d050a0280",
        "80650004fffffed80a0b0c0d058a0320",
        "80650005fffffed80a0b0c0d058a0320",
        "80650006fffffed80a0b0c0d058a0320",
    ]
    assert packets[PRESS_PACKETS + 2 :] == [None] * (len(packets) - PRESS_PACKETS - 2)


def test_press_shape_marker_timestamp_durations_and_three_ends():
    events = [(slot, p) for slot, p in run("#") if p is not None]
    assert [slot for slot, _ in events] == list(range(PRESS_PACKETS + 2))
    assert {p.timestamp for _, p in events} == {timestamp(0)}
    assert [p.marker for _, p in events] == [True] + [False] * (PRESS_PACKETS + 1)
    parsed = [TelephoneEvent.parse(p.payload) for _, p in events]
    assert {e.event for e in parsed} == {11}
    assert {e.volume for e in parsed} == {10}
    assert [e.duration for e in parsed] == [160, 320, 480, 640, 800, 800, 800]
    assert [e.end for e in parsed] == [False] * 4 + [True] * 3


def test_presses_are_100ms_apart_by_at_least_70ms_and_round_trip_through_the_receiver():
    keys = "0123456789*#ABCD"
    slots = run(keys, range(1000))
    events = [p for _, p in slots if p is not None]
    receiver = DtmfReceiver()
    assert "".join(d for p in events if (d := receiver.receive(p))) == keys
    starts = sorted({p.timestamp for p in events}, key=lambda ts: (ts - BASE_TIMESTAMP) % 2**32)
    gaps = {((b - a) % 2**32) // SAMPLES_PER_PACKET for a, b in pairwise(starts)}
    assert gaps == {PRESS_PACKETS + GAP_PACKETS}  # 100 ms down, 80 ms (>= 70) up
    assert GAP_PACKETS * 20 >= 70


def test_the_same_key_twice_is_two_presses():
    events = [p for _, p in run("11") if p is not None]
    receiver = DtmfReceiver()
    assert [d for p in events if (d := receiver.receive(p))] == ["1", "1"]
    assert sum(p.marker for p in events) == 2


def test_pause_holds_the_next_press_back_500ms():
    events = [(slot, p) for slot, p in run("1w2") if p is not None]
    second = next(slot for slot, p in events if TelephoneEvent.parse(p.payload).event == 2)
    assert second == PRESS_PACKETS + GAP_PACKETS + PAUSE_PACKETS


def test_skipped_slots_keep_the_durations_true():
    slots = [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12]  # the pacer gave slots 2 and 3 up
    events = [p for _, p in run("7", slots) if p is not None]
    assert [TelephoneEvent.parse(p.payload).duration for p in events] == [160, 320, 800, 800, 800]


def test_done_only_after_the_gap_after_the_last_press():
    sender = DtmfSender(SAMPLES_PER_PACKET)
    assert sender.done(0)
    sender.press("9")
    assert not sender.done(0)
    for slot in range(PRESS_PACKETS + 2):
        assert sender.packet_for(slot, timestamp(slot)) is not None
    assert not sender.pressing and not sender.done(PRESS_PACKETS + 2)
    assert sender.done(PRESS_PACKETS + GAP_PACKETS)


@pytest.mark.parametrize("keys", ["", "12x", "1 2", "#e"])
def test_what_is_not_a_key_is_refused_with_the_keys_there_are(keys):
    with pytest.raises(ValueError, match="0-9, \\*, #, A-D"):
        DtmfSender(SAMPLES_PER_PACKET).press(keys)


def test_lowercase_letters_are_the_a_to_d_keys():
    events = [p for _, p in run("d") if p is not None]
    assert TelephoneEvent.parse(events[0].payload).event == 15
