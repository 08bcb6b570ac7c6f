"""The RTP packet (RFC 3550 section 5.1): fixed header, CSRCs, header extension, padding."""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER_BYTES = 12
CSRC_BYTES = 4
EXTENSION_HEADER_BYTES = 4
EXTENSION_WORD_BYTES = 4
MAX_CSRC_COUNT = 15
SEQUENCE_MODULO = 1 << 16
TIMESTAMP_MODULO = 1 << 32

_FIXED_HEADER = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")


class RtpParseError(ValueError):
    """A datagram that is not a well-formed RTP packet."""


@dataclass(frozen=True, slots=True)
class HeaderExtension:
    """An RFC 3550 header extension, kept opaque: `data` is a whole number of 32-bit words."""

    profile: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """One RTP packet.

    `padding` is the number of padding bytes after the payload (0: none; the
    P bit is set when it is not 0); `extension` is None when the X bit is clear.
    """

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrcs: tuple[int, ...] = ()
    extension: HeaderExtension | None = None
    padding: int = 0
    version: int = RTP_VERSION

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Parse a datagram; raises RtpParseError on anything malformed."""
        if len(data) < HEADER_BYTES:
            raise RtpParseError(f"{len(data)} bytes is shorter than an RTP header")
        first, second, sequence, timestamp, ssrc = _FIXED_HEADER.unpack_from(data)
        version = first >> 6
        if version != RTP_VERSION:
            raise RtpParseError(f"RTP version {version}, expected {RTP_VERSION}")
        offset = HEADER_BYTES
        csrc_count = first & 0x0F
        if csrc_count:
            end = offset + csrc_count * CSRC_BYTES
            if end > len(data):
                raise RtpParseError(f"{csrc_count} CSRCs do not fit in {len(data)} bytes")
            csrcs = struct.unpack_from(f"!{csrc_count}I", data, offset)
            offset = end
        else:
            csrcs = ()
        extension = None
        if first & 0x10:
            if offset + EXTENSION_HEADER_BYTES > len(data):
                raise RtpParseError("header extension flag set but no extension header")
            profile, words = _EXTENSION_HEADER.unpack_from(data, offset)
            start = offset + EXTENSION_HEADER_BYTES
            offset = start + words * EXTENSION_WORD_BYTES
            if offset > len(data):
                raise RtpParseError(f"header extension of {words} words overruns the packet")
            extension = HeaderExtension(profile, bytes(data[start:offset]))
        end = len(data)
        padding = 0
        if first & 0x20:
            padding = data[-1]
            if padding == 0 or offset + padding > end:
                raise RtpParseError(f"invalid padding length {padding}")
            end -= padding
        return cls(
            payload_type=second & 0x7F,
            sequence=sequence,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[offset:end]),
            marker=bool(second & 0x80),
            csrcs=csrcs,
            extension=extension,
            padding=padding,
            version=version,
        )

    def serialize(self) -> bytes:
        if len(self.csrcs) > MAX_CSRC_COUNT:
            raise ValueError(f"an RTP packet holds at most {MAX_CSRC_COUNT} CSRCs")
        first = (
            (self.version << 6)
            | (0x20 if self.padding else 0)
            | (0x10 if self.extension is not None else 0)
            | len(self.csrcs)
        )
        second = (0x80 if self.marker else 0) | self.payload_type
        parts = [
            _FIXED_HEADER.pack(first, second, self.sequence, self.timestamp, self.ssrc),
        ]
        if self.csrcs:
            parts.append(struct.pack(f"!{len(self.csrcs)}I", *self.csrcs))
        if self.extension is not None:
            data = self.extension.data
            if len(data) % EXTENSION_WORD_BYTES:
                raise ValueError("header extension data must be a whole number of 32-bit words")
            words = len(data) // EXTENSION_WORD_BYTES
            parts.append(_EXTENSION_HEADER.pack(self.extension.profile, words))
            parts.append(data)
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes([self.padding]))
        return b"".join(parts)


def sequence_delta(sequence: int, reference: int) -> int:
    """Signed distance from `reference` to `sequence` in 16-bit serial arithmetic.

    Positive when `sequence` is ahead, across the 65535 -> 0 wrap.
    """
    delta = (sequence - reference) % SEQUENCE_MODULO
    return delta - SEQUENCE_MODULO if delta >= SEQUENCE_MODULO // 2 else delta
