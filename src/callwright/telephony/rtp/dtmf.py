"""RFC 4733 telephone events: DTMF key presses carried in RTP, received and sent.

A sender reports one key press as a run of packets that share one RTP
timestamp (the moment the key went down): a start packet (usually with the
marker bit), updates with a growing duration, and the end packet sent three
times. Any of them may be lost, duplicated or reordered.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

from callwright.audio.keypad_tones import (
    KEY_GAP_MS,
    KEY_PRESS_MS,
    PAUSE_KEY,
    PAUSE_MS,
    check_keys,
    frames_for,
)
from callwright.telephony.rtp.packet import TIMESTAMP_MODULO, RtpPacket, RtpParseError

TELEPHONE_EVENT_BYTES = 4
EVENT_DIGITS = "0123456789*#ABCD"  # event codes 0-15, RFC 4733 section 3.2
MAX_VOLUME_DBM0 = 63
MAX_SEGMENT_DURATION = 0xFFFF  # timestamp units; longer presses continue in a new segment
SEGMENT_SLACK = 1_600  # timestamp units a sender may end a full segment early (200 ms at 8 kHz)
RECENT_PRESSES = 16  # key presses remembered to recognise late and duplicate packets
SEND_VOLUME_DBM0 = 10  # the power level we report for our presses: -10 dBm0
PRESS_PACKETS = frames_for(KEY_PRESS_MS)  # one packet per 20 ms slot while the key is down
GAP_PACKETS = frames_for(KEY_GAP_MS)  # slots from a key's release to the next press
PAUSE_PACKETS = frames_for(PAUSE_MS)
END_PACKET_COPIES = 3  # RFC 4733 section 2.5.1.4: the end packet goes out three times

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


@dataclass(frozen=True, slots=True)
class EventPacket:
    """What one slot of the stream carries while a key is down: the payload, the press's
    RTP timestamp, and the marker bit (set on a press's first packet)."""

    event: TelephoneEvent
    timestamp: int
    marker: bool


@dataclass(slots=True)
class _Sending:
    event: int
    start_slot: int
    timestamp: int
    packets: int = 0
    end_copies: int = 0


class DtmfSender:
    """Key presses as RFC 4733 packets, in the 20 ms slots of the audio stream they share.

    The stream's pacer asks `packet_for` at every slot: while a key is down it gets that
    press's packet and its audio waits; otherwise None, and the slot carries audio. A press
    keeps the RTP timestamp of the slot where the key went down; its first packet has the
    marker bit, each later one the duration so far, and the end packet (duration
    KEY_PRESS_MS) goes three times. The next press waits KEY_GAP_MS after the release; the
    pause key holds the next press back PAUSE_MS. Counting in slots keeps the durations true
    when the pacer skips slots after a stall.
    """

    def __init__(self, samples_per_packet: int) -> None:
        self._samples_per_packet = samples_per_packet
        self._keys: deque[str] = deque()
        self._sending: _Sending | None = None
        self._quiet_until = 0  # no key goes down before this slot

    def press(self, keys: str) -> None:
        """Queue `keys` (see keypad_tones.check_keys; raises ValueError for a non-key)."""
        self._keys.extend(check_keys(keys))

    @property
    def pressing(self) -> bool:
        """Whether a key is down (or its end packet not yet sent three times)."""
        return self._sending is not None

    def done(self, slot: int) -> bool:
        """Whether every queued press, and the gap or pause after it, is over at `slot`."""
        return not self._keys and self._sending is None and slot >= self._quiet_until

    def clear(self) -> None:
        """Forget the presses not sent yet (the far end no longer takes telephone events)."""
        self._keys.clear()
        self._sending = None

    def packet_for(self, slot: int, timestamp: int) -> EventPacket | None:
        """The packet for `slot` (whose audio would carry `timestamp`), or None for audio."""
        if self._sending is None and not self._start(slot, timestamp):
            return None
        sending = self._sending
        assert sending is not None
        down = min(slot - sending.start_slot + 1, PRESS_PACKETS)
        end = down == PRESS_PACKETS
        packet = EventPacket(
            TelephoneEvent(sending.event, end, SEND_VOLUME_DBM0, down * self._samples_per_packet),
            sending.timestamp,
            marker=sending.packets == 0,
        )
        sending.packets += 1
        sending.end_copies += end
        if sending.end_copies == END_PACKET_COPIES:
            self._sending = None
            self._quiet_until = sending.start_slot + PRESS_PACKETS + GAP_PACKETS
        return packet

    def _start(self, slot: int, timestamp: int) -> bool:
        while self._keys and slot >= self._quiet_until:
            key = self._keys.popleft()
            if key == PAUSE_KEY:
                self._quiet_until = slot + PAUSE_PACKETS
                continue
            self._sending = _Sending(EVENT_DIGITS.index(key), slot, timestamp)
            return True
        return False
