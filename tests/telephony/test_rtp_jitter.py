"""Receive reordering: no delay in order, brief hold on a gap, silence slot for a lost packet."""

from callwright.telephony.rtp.jitter import (
    REORDER_HOLD_PACKETS,
    REORDER_HOLD_S,
    JitterBuffer,
)
from callwright.telephony.rtp.packet import RtpPacket


def packet(sequence: int, ssrc: int = 0xAAAA) -> RtpPacket:
    return RtpPacket(0, sequence % 65536, sequence * 160, ssrc, bytes([sequence % 256]) * 160)


def released(deliveries) -> list[int | None]:
    """Released sequence numbers; None marks a declared loss."""
    return [d.packet.sequence if d.packet else None for d in deliveries]


def losses(deliveries) -> list[int]:
    return [d.sequence for d in deliveries if d.packet is None]


def test_in_order_packets_leave_immediately():
    buffer = JitterBuffer()
    for sequence in range(100, 110):
        assert released(buffer.push(packet(sequence), sequence * 0.02)) == [sequence]
    assert buffer.hold_deadline is None


def test_release_keeps_the_arrival_time():
    buffer = JitterBuffer()
    [delivery] = buffer.push(packet(7), 12.5)
    assert delivery.received_at == 12.5


def test_a_reordered_packet_is_put_back_in_place():
    buffer = JitterBuffer()
    assert released(buffer.push(packet(1), 0.00)) == [1]
    assert released(buffer.push(packet(3), 0.02)) == []
    assert released(buffer.push(packet(2), 0.03)) == [2, 3]
    assert buffer.discarded_packets == 0


def test_a_lost_packet_is_skipped_after_a_few_packets_and_concealed():
    buffer = JitterBuffer()
    buffer.push(packet(1), 0.00)
    out = []
    for index, sequence in enumerate(range(3, 3 + REORDER_HOLD_PACKETS)):
        out = buffer.push(packet(sequence), 0.02 * (index + 1))
        if index < REORDER_HOLD_PACKETS - 1:
            assert out == []
    assert released(out) == [None, 3, 4, 5]
    assert losses(out) == [2]


def test_a_lost_packet_is_skipped_after_the_hold_time():
    buffer = JitterBuffer()
    buffer.push(packet(1), 10.00)
    assert buffer.push(packet(3), 10.04) == []
    assert buffer.hold_deadline == 10.04 + REORDER_HOLD_S
    assert buffer.release_due(10.04 + REORDER_HOLD_S / 2) == []
    out = buffer.release_due(10.04 + REORDER_HOLD_S)
    assert released(out) == [None, 3]
    assert out[0].received_at == 10.04 + REORDER_HOLD_S
    assert buffer.hold_deadline is None


def test_a_burst_loss_is_concealed_packet_by_packet():
    buffer = JitterBuffer()
    buffer.push(packet(1), 0.0)
    buffer.push(packet(6), 0.1)
    out = buffer.release_due(0.1 + REORDER_HOLD_S)
    assert losses(out) == [2, 3, 4, 5]
    assert released(out)[-1] == 6


def test_a_packet_later_than_its_slot_is_dropped():
    buffer = JitterBuffer()
    buffer.push(packet(1), 0.0)
    buffer.push(packet(3), 0.02)
    buffer.release_due(1.0)
    assert buffer.push(packet(2), 1.01) == []
    assert released(buffer.push(packet(4), 1.02)) == [4]
    assert buffer.discarded_packets == 1


def test_duplicates_are_dropped():
    buffer = JitterBuffer()
    buffer.push(packet(1), 0.0)
    assert buffer.push(packet(1), 0.01) == []  # already released
    buffer.push(packet(3), 0.02)
    assert buffer.push(packet(3), 0.03) == []  # already held
    assert released(buffer.push(packet(2), 0.04)) == [2, 3]
    assert buffer.discarded_packets == 2


def test_sequence_wraps_around():
    buffer = JitterBuffer()
    order = [65533, 65534, 65535, 0, 1]
    assert [released(buffer.push(packet(s), 0.0)) for s in order] == [[s] for s in order]


def test_reordering_across_the_wrap():
    buffer = JitterBuffer()
    buffer.push(packet(65534), 0.0)
    assert buffer.push(packet(0), 0.02) == []
    assert released(buffer.push(packet(65535), 0.03)) == [65535, 0]


def test_loss_across_the_wrap_is_concealed():
    buffer = JitterBuffer()
    buffer.push(packet(65535), 0.0)
    buffer.push(packet(1), 0.02)
    out = buffer.release_due(1.0)
    assert losses(out) == [0]
    assert released(out) == [None, 1]


def test_a_new_ssrc_restarts_the_stream_at_once():
    buffer = JitterBuffer()
    buffer.push(packet(10), 0.0)
    buffer.push(packet(12), 0.02)  # held behind the gap at 11
    out = buffer.push(packet(5000, ssrc=0xBBBB), 0.04)
    assert released(out) == [None, 12, 5000]
    assert released(buffer.push(packet(5001, ssrc=0xBBBB), 0.06)) == [5001]


def test_a_confirmed_sequence_jump_restarts_the_stream():
    buffer = JitterBuffer()
    buffer.push(packet(10), 0.0)
    buffer.push(packet(11), 0.02)
    assert buffer.push(packet(30000), 0.04) == []
    assert released(buffer.push(packet(30001), 0.06)) == [30000, 30001]
    assert released(buffer.push(packet(30002), 0.08)) == [30002]
    assert buffer.discarded_packets == 0


def test_a_single_stray_jump_is_discarded():
    buffer = JitterBuffer()
    buffer.push(packet(10), 0.0)
    assert buffer.push(packet(40000), 0.01) == []
    assert released(buffer.push(packet(11), 0.02)) == [11]
    assert buffer.discarded_packets == 1
