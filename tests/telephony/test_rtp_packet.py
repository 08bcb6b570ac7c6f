"""RTP packet parsing: golden packets round-trip byte for byte, malformed ones are rejected."""

import pytest

from callwright.telephony.rtp.packet import (
    HeaderExtension,
    RtpPacket,
    RtpParseError,
    sequence_delta,
)

PCMU_PAYLOAD = bytes.fromhex("fffefdfc7e7d7c7b") * 20  # 160 bytes, 20 ms

# Captured-style datagrams (header bytes as a SIP phone / SBC / WebRTC gateway sends them).
PLAIN_PCMU = bytes.fromhex("80001a2b00002d003c4d5e6f") + PCMU_PAYLOAD
MARKED_PCMA = bytes.fromhex("8088ffff0000a0000badcafe") + b"\xd5" * 160
WITH_CSRCS = bytes.fromhex("82000100000003c0deadbeef1111111122222222") + PCMU_PAYLOAD
# RFC 8285 one-byte header extension (0xBEDE), 1 word: ssrc-audio-level id=1 len=1, padding.
WITH_EXTENSION = bytes.fromhex("9000000a000007d01234abcdbede000110aa0000") + PCMU_PAYLOAD
WITH_PADDING = bytes.fromhex("a000000b000008701234abcd") + PCMU_PAYLOAD + b"\x00\x00\x03"
EVERYTHING = (
    bytes.fromhex("b1e504d2cafebabe010203040a0b0c0d100000020102030405060708")
    + bytes.fromhex("018a00a0")
    + b"\x00\x02"
)
TELEPHONE_EVENT = bytes.fromhex("80e504d2cafebabe01020304018a00a0")


def test_plain_pcmu_packet_fields():
    packet = RtpPacket.parse(PLAIN_PCMU)
    assert packet == RtpPacket(
        payload_type=0,
        sequence=0x1A2B,
        timestamp=0x2D00,
        ssrc=0x3C4D5E6F,
        payload=PCMU_PAYLOAD,
    )
    assert not packet.marker and packet.version == 2


def test_marker_and_wrap_edge_values():
    packet = RtpPacket.parse(MARKED_PCMA)
    assert packet.marker
    assert packet.payload_type == 8
    assert packet.sequence == 0xFFFF
    assert packet.ssrc == 0x0BADCAFE


def test_csrcs_are_read_and_skipped():
    packet = RtpPacket.parse(WITH_CSRCS)
    assert packet.csrcs == (0x11111111, 0x22222222)
    assert packet.payload == PCMU_PAYLOAD


def test_header_extension_is_skipped_but_kept():
    packet = RtpPacket.parse(WITH_EXTENSION)
    assert packet.extension == HeaderExtension(0xBEDE, bytes.fromhex("10aa0000"))
    assert packet.payload == PCMU_PAYLOAD


def test_padding_is_stripped_from_the_payload():
    packet = RtpPacket.parse(WITH_PADDING)
    assert packet.payload == PCMU_PAYLOAD
    assert packet.padding == 3


def test_csrc_extension_and_padding_together():
    packet = RtpPacket.parse(EVERYTHING)
    assert packet.marker and packet.payload_type == 101
    assert packet.csrcs == (0x0A0B0C0D,)
    assert packet.extension == HeaderExtension(0x1000, bytes.fromhex("0102030405060708"))
    assert packet.payload == bytes.fromhex("018a00a0")
    assert packet.padding == 2


@pytest.mark.parametrize(
    "datagram",
    [
        PLAIN_PCMU,
        MARKED_PCMA,
        WITH_CSRCS,
        WITH_EXTENSION,
        WITH_PADDING,
        EVERYTHING,
        TELEPHONE_EVENT,
    ],
    ids=["plain", "marker", "csrcs", "extension", "padding", "everything", "telephone-event"],
)
def test_golden_packets_round_trip_byte_for_byte(datagram):
    assert RtpPacket.parse(datagram).serialize() == datagram


def test_serialize_builds_what_parse_reads():
    packet = RtpPacket(
        payload_type=8, sequence=65535, timestamp=2**32 - 1, ssrc=1, payload=b"\xd5", marker=True
    )
    assert RtpPacket.parse(packet.serialize()) == packet


@pytest.mark.parametrize(
    "datagram",
    [
        b"",
        bytes.fromhex("80001a2b00002d003c4d5e"),  # 11 bytes
        bytes.fromhex("40001a2b00002d003c4d5e6f") + PCMU_PAYLOAD,  # version 1
        bytes.fromhex("00010008") + bytes(16),  # STUN binding request
        bytes.fromhex("16fefd000000000000000000") + bytes(40),  # DTLS record
        bytes.fromhex("8f001a2b00002d003c4d5e6f") + bytes(20),  # 15 CSRCs, 20 bytes
        bytes.fromhex("90001a2b00002d003c4d5e6f") + b"\xbe\xde",  # extension header cut
        bytes.fromhex("90001a2b00002d003c4d5e6f") + bytes.fromhex("bede0004") + bytes(8),
        bytes.fromhex("a0001a2b00002d003c4d5e6f") + b"\xff" * 10 + b"\x00",  # padding 0
        bytes.fromhex("a0001a2b00002d003c4d5e6f") + b"\xff" * 10 + b"\x40",  # padding 64
    ],
    ids=[
        "empty",
        "short",
        "version-1",
        "stun",
        "dtls",
        "csrcs-overrun",
        "extension-header-cut",
        "extension-overrun",
        "zero-padding",
        "padding-overrun",
    ],
)
def test_garbage_is_rejected(datagram):
    with pytest.raises(RtpParseError):
        RtpPacket.parse(datagram)


def test_sequence_delta_follows_the_16_bit_wrap():
    assert sequence_delta(0, 65535) == 1
    assert sequence_delta(65535, 0) == -1
    assert sequence_delta(5, 2) == 3
    assert sequence_delta(2, 5) == -3
    assert sequence_delta(100, 65500) == 136
