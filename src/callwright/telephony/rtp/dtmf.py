"""RFC 4733 telephone events: DTMF key presses carried in RTP.

A sender reports one key press as a run of packets that share one RTP
timestamp (the moment the key went down): a start packet (usually with the
marker bit), updates with a growing duration, and the end packet sent three
times. Any of them may be lost, duplicated or reordered.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

from callwright.telephony.rtp.packet import TIMESTAMP_MODULO, RtpPacket, RtpParseError

TELEPHONE_EVENT_BYTES = 4
EVENT_DIGITS = "0123456789*#ABCD"  # event codes 0-15, RFC 4733 section 3.2
MAX_VOLUME_DBM0 = 63
MAX_SEGMENT_DURATION = 0xFFFF  # timestamp units; longer presses continue in a new segment
SEGMENT_SLACK = 1_600  # timestamp units a sender may end a full segment early (200 ms at 8 kHz)
RECENT_PRESSES = 16  # key presses remembered to recognise late and duplicate packets

_EVENT = struct.Struct("!BBH")


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """The 4-byte telephone-event payload.

    `volume` is the power level in -dBm0 (0-63); `duration` is in RTP
    timestamp units since the event's timestamp.
    """

    event: int
    end: bool
    volume: int
    duration: int

    @property
    def digit(self) -> str | None:
        """The DTMF digit, or None for a non-DTMF event (flash, tones)."""
        return EVENT_DIGITS[self.event] if self.event < len(EVENT_DIGITS) else None

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        """Parse the first event of a payload; raises RtpParseError when it is too short."""
        if len(payload) < TELEPHONE_EVENT_BYTES:
            raise RtpParseError(f"telephone-event payload of {len(payload)} bytes, expected 4")
        event, flags, duration = _EVENT.unpack_from(payload)
        return cls(event=event, end=bool(flags & 0x80), volume=flags & 0x3F, duration=duration)

    def serialize(self) -> bytes:
        flags = (0x80 if self.end else 0) | min(self.volume, MAX_VOLUME_DBM0)
        return _EVENT.pack(self.event, flags, self.duration)


@dataclass(slots=True)
class _Press:
    ssrc: int
    timestamp: int
    event: int
    ended: bool


class DtmfReceiver:
    """Turns a telephone-event packet stream into one digit per key press.

    A press is known by its (SSRC, RTP timestamp). The digit is reported on the
    first packet seen of a press, whichever that is, so a lost start packet
    costs no latency and the redundant end packets, late updates and
    duplicates of a recent press report nothing. Two presses of the same key
    carry different timestamps and give two digits. A press longer than one
    segment (~8 s at 8 kHz) continues under the timestamp one full segment
    later (RFC 4733 section 2.5.1.3) and is not reported twice.
    """

    def __init__(self) -> None:
        self._recent: deque[_Press] = deque(maxlen=RECENT_PRESSES)

    def receive(self, packet: RtpPacket) -> str | None:
        """Feed one telephone-event packet; returns the digit when it starts a new press.

        Raises RtpParseError when the payload is malformed.
        """
        event = TelephoneEvent.parse(packet.payload)
        for press in self._recent:
            if press.ssrc == packet.ssrc and press.timestamp == packet.timestamp:
                press.ended = press.ended or event.end
                return None
        continuing = self._continues_last_press(packet, event)
        self._recent.append(_Press(packet.ssrc, packet.timestamp, event.event, event.end))
        return None if continuing else event.digit

    def _continues_last_press(self, packet: RtpPacket, event: TelephoneEvent) -> bool:
        if not self._recent:
            return False
        last = self._recent[-1]
        if last.ended or last.ssrc != packet.ssrc or last.event != event.event:
            return False
        elapsed = (packet.timestamp - last.timestamp) % TIMESTAMP_MODULO
        return MAX_SEGMENT_DURATION - SEGMENT_SLACK <= elapsed <= MAX_SEGMENT_DURATION
