"""RFC 4733 DTMF: exactly one digit per key press, whatever the network does to the packets."""

import pytest

from callwright.telephony.rtp.dtmf import DtmfReceiver, TelephoneEvent
from callwright.telephony.rtp.packet import RtpPacket, RtpParseError

EVENT_PT = 101
STEP = 400  # duration grows by 50 ms (400 timestamp units) per update


def press(event: int, timestamp: int, first_sequence: int, updates: int = 3) -> list[RtpPacket]:
    """Packets a phone sends for one key press: start, updates, then the end packet three times."""
    packets = []
    sequence = first_sequence
    for index in range(updates + 1):
        payload = TelephoneEvent(event, end=False, volume=10, duration=index * STEP).serialize()
        packets.append(RtpPacket(EVENT_PT, sequence, timestamp, 0x1234, payload, marker=index == 0))
        sequence += 1
    end = TelephoneEvent(event, end=True, volume=10, duration=(updates + 1) * STEP).serialize()
    for _ in range(3):
        packets.append(RtpPacket(EVENT_PT, sequence, timestamp, 0x1234, end))
        sequence += 1
    return packets


def digits(packets: list[RtpPacket]) -> str:
    receiver = DtmfReceiver()
    return "".join(digit for packet in packets if (digit := receiver.receive(packet)))


def test_telephone_event_golden_payload():
    payload = bytes.fromhex("0b8a0320")
    event = TelephoneEvent.parse(payload)
    assert event == TelephoneEvent(event=11, end=True, volume=10, duration=800)
    assert event.digit == "#"
    assert event.serialize() == payload


def test_event_codes_map_to_digits():
    assert [TelephoneEvent(code, False, 10, 0).digit for code in range(16)] == list(
        "0123456789*#ABCD"
    )
    assert TelephoneEvent(16, False, 10, 0).digit is None  # hook flash


def test_one_press_gives_one_digit():
    assert digits(press(5, timestamp=8000, first_sequence=10)) == "5"


def test_digit_is_reported_on_the_first_packet():
    receiver = DtmfReceiver()
    packets = press(9, timestamp=8000, first_sequence=10)
    assert receiver.receive(packets[0]) == "9"
    assert [receiver.receive(packet) for packet in packets[1:]] == [None] * (len(packets) - 1)


def test_lost_start_packets_still_give_the_digit_once():
    assert digits(press(3, timestamp=8000, first_sequence=10)[2:]) == "3"


def test_only_end_packets_arrive():
    assert digits(press(0, timestamp=8000, first_sequence=10)[-3:]) == "0"


def test_duplicated_and_reordered_end_packets_do_not_repeat_the_digit():
    packets = press(7, timestamp=8000, first_sequence=10)
    noisy = packets + packets[-3:] * 2 + [packets[1]]
    assert digits(noisy) == "7"


def test_two_presses_of_the_same_key_give_two_digits():
    first = press(4, timestamp=8000, first_sequence=10)
    second = press(4, timestamp=12000, first_sequence=17)
    assert digits(first + second) == "44"


def test_same_key_twice_with_every_end_packet_of_the_first_lost():
    first = press(4, timestamp=8000, first_sequence=10)[:4]
    second = press(4, timestamp=12000, first_sequence=17)
    assert digits(first + second) == "44"


def test_a_late_packet_of_an_earlier_press_is_not_a_new_press():
    first = press(1, timestamp=8000, first_sequence=10)
    second = press(2, timestamp=12000, first_sequence=17)
    assert digits(first + second[:2] + [first[-1]] + second[2:]) == "12"


def test_a_sequence_of_keys():
    packets = []
    for index, code in enumerate([1, 2, 3, 11]):
        packets += press(code, timestamp=8000 + index * 4000, first_sequence=10 + index * 7)
    assert digits(packets) == "123#"


def test_non_dtmf_events_are_ignored():
    assert digits(press(16, timestamp=8000, first_sequence=10)) == ""


def test_a_press_longer_than_one_segment_is_one_digit():
    def segment(timestamp, duration, end):
        payload = TelephoneEvent(6, end=end, volume=10, duration=duration).serialize()
        return RtpPacket(EVENT_PT, 0, timestamp, 0x1234, payload)

    long_press = [segment(1000, 400, False), segment(1000, 0xFFFF, False)]
    long_press += [segment(1000 + 0xFFFF, 400, False), segment(1000 + 0xFFFF, 800, True)]
    assert digits(long_press) == "6"


def test_same_timestamp_from_another_stream_is_another_press():
    packet = press(8, timestamp=8000, first_sequence=10)[0]
    other = RtpPacket(EVENT_PT, 10, 8000, 0x9999, packet.payload, marker=True)
    assert digits([packet, other]) == "88"


def test_malformed_payload_is_an_error():
    with pytest.raises(RtpParseError):
        DtmfReceiver().receive(RtpPacket(EVENT_PT, 1, 1, 1, b"\x01\x8a"))
