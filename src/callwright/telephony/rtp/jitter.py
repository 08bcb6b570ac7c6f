"""Receive-side reordering of one inbound RTP stream.

Why this shape: the audio feeds voice activity detection and speech
recognition, not a loudspeaker. A playout jitter buffer delays every packet
by a target depth (typically 40-120 ms) so a listener hears no gaps; a
recogniser hears nothing and needs no smoothness, only the samples in the
right order on a continuous timeline. Every millisecond held here is added
to the caller's end-of-turn latency, so in-order packets leave at once (zero
added delay on a clean network, the common case). Only when a sequence gap
opens are the packets behind it held, for at most REORDER_HOLD_PACKETS
packets or REORDER_HOLD_S, in case the missing one was merely reordered;
after that it is declared lost and delivered as a loss, for which the caller
emits silence so that VAD timings stay true. A packet arriving after its slot
was given up is dropped: its moment has already been heard.
"""

from __future__ import annotations

from dataclasses import dataclass

from callwright.telephony.rtp.packet import SEQUENCE_MODULO, RtpPacket, sequence_delta

REORDER_HOLD_PACKETS = 3  # packets held behind a gap before the gap is skipped
REORDER_HOLD_S = 0.060  # longest wait for a missing packet
MAX_MISORDER_PACKETS = 100  # further behind than this is a restarted stream, not a late packet
MAX_GAP_PACKETS = 50  # further ahead than this (1 s of 20 ms packets) is a restarted stream


@dataclass(frozen=True, slots=True)
class Delivery:
    """One sequence number leaving the buffer, in order.

    `packet` is None where the packet was lost; `received_at` is the packet's
    arrival time (time.monotonic()), or the moment the loss was declared.
    """

    sequence: int
    packet: RtpPacket | None
    received_at: float


class JitterBuffer:
    """Restores sequence order for one RTP stream with no delay while packets arrive in order.

    Drops duplicates and late packets, follows the 16-bit sequence wrap, and
    starts over on a new SSRC or on a sequence jump that two consecutive
    packets confirm (RFC 3550 appendix A.1), so one stray packet cannot
    derail it.
    """

    def __init__(self) -> None:
        self._ssrc: int | None = None
        self._expected = 0
        self._held: dict[int, tuple[RtpPacket, float]] = {}
        self._jump_probe: tuple[RtpPacket, float] | None = None
        self.discarded_packets = 0  # late, duplicate, or a sequence jump never confirmed

    @property
    def hold_deadline(self) -> float | None:
        """When the packets held behind a gap must be released (time.monotonic()), if any."""
        if not self._held:
            return None
        return min(arrival for _, arrival in self._held.values()) + REORDER_HOLD_S

    def push(self, packet: RtpPacket, received_at: float) -> list[Delivery]:
        """Add an arrived packet; returns what can now be released, oldest first."""
        if packet.ssrc != self._ssrc:
            released = self._release(received_at, force=True)
            self._restart(packet)
            return released + self._accept(packet, received_at)
        delta = sequence_delta(packet.sequence, self._expected)
        if delta < -MAX_MISORDER_PACKETS or delta > MAX_GAP_PACKETS:
            return self._probe_jump(packet, received_at)
        if delta < 0 or packet.sequence in self._held:
            self.discarded_packets += 1
            return []
        return self._accept(packet, received_at)

    def release_due(self, now: float) -> list[Delivery]:
        """Give up on gaps whose wait is over; call at `hold_deadline`."""
        return self._release(now, force=False)

    def _accept(self, packet: RtpPacket, received_at: float) -> list[Delivery]:
        self._drop_jump_probe()
        self._held[packet.sequence] = (packet, received_at)
        return self._release(received_at, force=False)

    def _release(self, now: float, force: bool) -> list[Delivery]:
        released: list[Delivery] = []
        while self._held:
            while self._expected in self._held:
                packet, arrival = self._held.pop(self._expected)
                released.append(Delivery(self._expected, packet, arrival))
                self._advance()
            if not self._held:
                break
            waited = now - min(arrival for _, arrival in self._held.values())
            if not force and len(self._held) < REORDER_HOLD_PACKETS and waited < REORDER_HOLD_S:
                break
            first_held = min(
                self._held, key=lambda sequence: sequence_delta(sequence, self._expected)
            )
            while self._expected != first_held:
                released.append(Delivery(self._expected, None, now))
                self._advance()
        return released

    def _probe_jump(self, packet: RtpPacket, received_at: float) -> list[Delivery]:
        probe = self._jump_probe
        if probe is None or packet.sequence != (probe[0].sequence + 1) % SEQUENCE_MODULO:
            self._drop_jump_probe()
            self._jump_probe = (packet, received_at)
            return []
        self._jump_probe = None
        released = self._release(received_at, force=True)
        self._restart(probe[0])
        return released + self._accept(probe[0], probe[1]) + self._accept(packet, received_at)

    def _restart(self, packet: RtpPacket) -> None:
        self._drop_jump_probe()
        self._ssrc = packet.ssrc
        self._expected = packet.sequence
        self._held.clear()

    def _drop_jump_probe(self) -> None:
        if self._jump_probe is not None:
            self.discarded_packets += 1
            self._jump_probe = None

    def _advance(self) -> None:
        self._expected = (self._expected + 1) % SEQUENCE_MODULO
