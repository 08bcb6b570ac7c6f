"""One call's media: G.711 over RTP/UDP in both directions, sent at a steady 20 ms pace.

Inbound packets are validated, latched (symmetric RTP), reordered by the
jitter buffer, decoded and upsampled into 20 ms 16 kHz AudioFrames; RFC 4733
packets become DtmfDigit events. Outbound frames are downsampled, encoded and
sent on an absolute 20 ms schedule, with comfort silence whenever nothing is
queued so the stream never pauses while sending is enabled. Our own key presses
(`send_digits`, RFC 4733) take the slots of that same schedule while a key is
down, with the stream's sequence numbers; the audio waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from typing import cast

import numpy as np

from callwright.audio import g711
from callwright.audio.frames import FRAME_MS, SAMPLES_PER_FRAME, AudioFrame
from callwright.audio.frames import SAMPLE_RATE_HZ as FRAME_RATE_HZ
from callwright.audio.resample import StreamResampler
from callwright.telephony.rtp.dtmf import DtmfReceiver, DtmfSender, EventPacket
from callwright.telephony.rtp.jitter import Delivery, JitterBuffer
from callwright.telephony.rtp.packet import (
    SEQUENCE_MODULO,
    TIMESTAMP_MODULO,
    RtpPacket,
    RtpParseError,
)
from callwright.telephony.rtp.ports import bind_even_port, bind_in_range
from callwright.telephony.transport import (
    DtmfDigit,
    FrameSentListener,
    InboundAudio,
    RemoteHangup,
    TransportEvent,
)

logger = logging.getLogger(__name__)

RTP_TIMEOUT_S = 30.0  # no valid inbound RTP for this long (not on hold) ends the call
INBOUND_GAP_S = 0.1
"""A caller whose phone stops sending while silent (silence suppression, comfort noise)
is heard as silence frames on our own 20 ms clock after this gap, so end-of-turn and
no-input detection never stall waiting for packets."""
PACKET_S = FRAME_MS / 1000
SAMPLES_PER_PACKET = g711.SAMPLE_RATE_HZ * FRAME_MS // 1000  # 160; also the timestamp step
MAX_PACKETS_PER_WAKEUP = 2  # catching up after a stall sends at most this many back to back
MAX_SEND_BACKLOG_PACKETS = 5  # a longer stall skips its oldest slots instead of catching up


class RtpSession(asyncio.DatagramProtocol):
    """The RTP leg of one call. Create with `await RtpSession.open(host)`."""

    def __init__(self) -> None:
        self.local_port = 0
        self.events: asyncio.Queue[TransportEvent] = asyncio.Queue()
        self._transport: asyncio.DatagramTransport | None = None
        self._invalid_packets = 0
        # Negotiated by SDP (start / update_remote).
        self._remote: tuple[str, int] | None = None
        self._latched: tuple[str, int] | None = None
        self._encode: g711.Encoder | None = None
        self._decode: g711.Decoder | None = None
        self._payload_type = -1
        self._dtmf_payload_type: int | None = None
        self._silence_payload = b""
        # Receive side.
        self._jitter = JitterBuffer()
        self._dtmf = DtmfReceiver()
        self._upsampler = StreamResampler(g711.SAMPLE_RATE_HZ, FRAME_RATE_HZ)
        self._partial_frame = np.empty(0, dtype=np.int16)
        self._last_packet_samples = SAMPLES_PER_PACKET
        self._hold_timer: asyncio.TimerHandle | None = None
        self._last_received_at = 0.0
        self._last_gap_frame_at = 0.0
        self._timed_out = False
        # Send side.
        self._queue: deque[AudioFrame] = deque()
        self._listeners: list[FrameSentListener] = []
        self._sending = True
        self._sender: asyncio.Task[None] | None = None
        self._downsampler: StreamResampler | None = None
        self._last_sent_was_speech: bool | None = None  # None: nothing sent since (re)start
        self._keypad = DtmfSender(SAMPLES_PER_PACKET)
        self._keys_sent: list[asyncio.Future[None]] = []  # send_digits calls awaiting
        self._sequence = secrets.randbits(16)
        self._timestamp_base = secrets.randbits(32)
        self._ssrc = secrets.randbits(32)

    @classmethod
    async def open(cls, host: str, ports: range | None = None) -> RtpSession:
        """Bind UDP on an even port of `host` (RTP's convention; RTCP would take the next),
        within `ports` when given (the range a firewall or NAT forwards), else any."""
        loop = asyncio.get_running_loop()
        session = cls()
        sock = await (bind_in_range(loop, host, ports) if ports else bind_even_port(loop, host))
        await loop.create_datagram_endpoint(lambda: session, sock=sock)
        session.local_port = sock.getsockname()[1]
        return session

    @property
    def dropped_packets(self) -> int:
        """Inbound packets not used: malformed, unexpected, late or duplicate."""
        return self._invalid_packets + self._jitter.discarded_packets

    def start(
        self,
        remote: tuple[str, int],
        codec: str,
        payload_type: int,
        dtmf_payload_type: int | None,
    ) -> None:
        """Set the negotiated media and start the paced sender."""
        self.update_remote(remote, codec, payload_type, dtmf_payload_type)
        if self._sender is None:
            self._last_received_at = time.monotonic()
            self._sender = asyncio.get_running_loop().create_task(self._send_paced())

    def update_remote(
        self,
        remote: tuple[str, int],
        codec: str,
        payload_type: int,
        dtmf_payload_type: int | None,
    ) -> None:
        """Apply a new SDP answer or offer (re-INVITE); a new address is latched afresh."""
        if codec not in g711.CODECS:
            raise ValueError(
                f"unsupported RTP codec {codec!r}; negotiate one of {list(g711.CODECS)}"
            )
        self._encode, self._decode = g711.CODECS[codec]
        self._silence_payload = self._encode(np.zeros(SAMPLES_PER_PACKET, dtype=np.int16))
        self._payload_type = payload_type
        self._dtmf_payload_type = dtmf_payload_type
        if dtmf_payload_type is None:
            self._keypad.clear()
        if remote != self._remote:
            self._remote = remote
            self._latched = None

    def set_sending(self, enabled: bool) -> None:
        """Pause (on hold) or resume sending; the RTP timeout is suspended while paused."""
        if enabled and not self._sending:
            self._last_received_at = time.monotonic()
        if not enabled:
            self._last_sent_was_speech = None
        self._sending = enabled

    def play(self, frame: AudioFrame) -> None:
        self._queue.append(frame)

    def clear(self) -> list[AudioFrame]:
        frames = list(self._queue)
        self._queue.clear()
        return frames

    def queued_frames(self) -> int:
        return len(self._queue)

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        self._listeners.append(listener)

    @property
    def sends_telephone_events(self) -> bool:
        """Whether the far end negotiated RFC 4733 telephone-event, so keys go as events."""
        return self._dtmf_payload_type is not None

    async def send_digits(self, digits: str) -> None:
        """Press `digits` (0-9 * # A-D, w: pause) as RFC 4733 events once the audio queued
        now has gone; returns when they and the gap after the last have gone by, or the
        session closed. Queued presses go out whole even if the caller stops waiting.

        Raises ValueError for a non-key, RuntimeError when no telephone-event was negotiated.
        """
        if self._dtmf_payload_type is None:
            raise RuntimeError(
                "the far end did not negotiate telephone-event; send the keys in-band"
            )
        self._keypad.press(digits)
        if self._sender is None:
            return
        sent = asyncio.get_running_loop().create_future()
        self._keys_sent.append(sent)
        await sent

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
            self._sender = None
        self._keypad.clear()
        self._resolve_keys_sent()
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    # asyncio.DatagramProtocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self._receive(data, addr, time.monotonic())
        except Exception:
            logger.exception("RTP packet from %s could not be handled", addr)

    def error_received(self, exc: Exception) -> None:
        logger.debug("RTP socket error: %s", exc)

    # Receive path

    def _receive(self, data: bytes, addr: tuple[str, int], now: float) -> None:
        if self._decode is None:
            self._drop(addr, "media not negotiated yet")
            return
        try:
            packet = RtpPacket.parse(data)
        except RtpParseError as error:
            self._drop(addr, str(error))
            return
        if packet.payload_type not in (self._payload_type, self._dtmf_payload_type):
            self._drop(addr, f"unexpected payload type {packet.payload_type}")
            return
        if self._latched is None:
            self._latched = addr
            logger.debug("RTP latched on %s", addr)
        elif addr != self._latched:
            self._drop(addr, f"source is not the latched peer {self._latched}")
            return
        self._last_received_at = now
        for delivery in self._jitter.push(packet, now):
            self._deliver(delivery)
        self._arm_hold_timer()

    def _drop(self, addr: tuple[str, int], reason: str) -> None:
        self._invalid_packets += 1
        logger.debug("dropped RTP packet from %s: %s", addr, reason)

    def _deliver(self, delivery: Delivery) -> None:
        packet = delivery.packet
        if packet is None:
            samples = np.zeros(self._last_packet_samples, dtype=np.int16)
        elif packet.payload_type == self._payload_type and self._decode is not None:
            samples = self._decode(packet.payload)
            self._last_packet_samples = len(samples) or self._last_packet_samples
        else:
            self._deliver_dtmf(packet, delivery.received_at)
            return
        pcm = self._upsampler.process(samples)
        if self._partial_frame.size:
            pcm = np.concatenate((self._partial_frame, pcm))
        whole = len(pcm) - len(pcm) % SAMPLES_PER_FRAME
        for start in range(0, whole, SAMPLES_PER_FRAME):
            frame = AudioFrame(pcm[start : start + SAMPLES_PER_FRAME])
            self.events.put_nowait(InboundAudio(frame, delivery.received_at))
        self._partial_frame = pcm[whole:]

    def _deliver_dtmf(self, packet: RtpPacket, received_at: float) -> None:
        try:
            digit = self._dtmf.receive(packet)
        except RtpParseError as error:
            self._invalid_packets += 1
            logger.debug("dropped telephone-event packet: %s", error)
            return
        if digit is not None:
            self.events.put_nowait(DtmfDigit(digit, received_at))

    def _arm_hold_timer(self) -> None:
        deadline = self._jitter.hold_deadline
        if deadline is None or self._hold_timer is not None:
            return
        delay = max(0.0, deadline - time.monotonic())
        self._hold_timer = asyncio.get_running_loop().call_later(delay, self._on_hold_expired)

    def _on_hold_expired(self) -> None:
        self._hold_timer = None
        try:
            for delivery in self._jitter.release_due(time.monotonic()):
                self._deliver(delivery)
            self._arm_hold_timer()
        except Exception:
            logger.exception("releasing held RTP packets failed")

    # Send path

    async def _send_paced(self) -> None:
        """Send slot n at start + n * 20 ms; after a stall catch up gently or skip slots."""
        start = time.monotonic()
        next_slot = 0
        while True:
            now = time.monotonic()
            due_slot = int((now - start) / PACKET_S)
            backlog = due_slot + 1 - next_slot
            if backlog > MAX_SEND_BACKLOG_PACKETS:
                next_slot += backlog - MAX_SEND_BACKLOG_PACKETS
                backlog = MAX_SEND_BACKLOG_PACKETS
            for _ in range(min(backlog, MAX_PACKETS_PER_WAKEUP)):
                self._send_slot(next_slot)
                next_slot += 1
            self._check_rtp_timeout(now)
            self._fill_inbound_gap(now)
            await asyncio.sleep(start + (due_slot + 1) * PACKET_S - time.monotonic())

    def _send_slot(self, slot: int) -> None:
        destination = self._latched or self._remote
        if not self._sending or self._transport is None or destination is None:
            return
        try:
            event = None  # a key goes down once the audio queued before it has gone
            if self._dtmf_payload_type is not None and (self._keypad.pressing or not self._queue):
                event = self._keypad.packet_for(slot, self._slot_timestamp(slot))
            frame = self._queue.popleft() if self._queue and event is None else None
            packet = self._event_packet(event) if event else self._packet_for(frame, slot)
            self._transport.sendto(packet.serialize(), destination)
        except Exception:
            logger.exception("sending RTP to %s failed", destination)
            return
        self._sequence = (self._sequence + 1) % SEQUENCE_MODULO
        if self._keys_sent and self._keypad.done(slot + 1):
            self._resolve_keys_sent()
        sent_at = time.monotonic()
        sent_frame = frame if frame is not None else AudioFrame.silence()
        for listener in self._listeners:
            try:
                listener(sent_frame, sent_at)
            except Exception:
                logger.exception("frame-sent listener failed")

    def _slot_timestamp(self, slot: int) -> int:
        return (self._timestamp_base + slot * SAMPLES_PER_PACKET) % TIMESTAMP_MODULO

    def _event_packet(self, event: EventPacket) -> RtpPacket:
        """A key press in the audio's place; the audio after it starts afresh (marker bit,
        clean resampler), as after any silence."""
        assert self._dtmf_payload_type is not None
        self._last_sent_was_speech = False
        self._downsampler = None
        return RtpPacket(
            payload_type=self._dtmf_payload_type,
            sequence=self._sequence,
            timestamp=event.timestamp,
            ssrc=self._ssrc,
            payload=event.event.serialize(),
            marker=event.marker,
        )

    def _resolve_keys_sent(self) -> None:
        waiting, self._keys_sent = self._keys_sent, []
        for sent in waiting:
            if not sent.done():
                sent.set_result(None)

    def _packet_for(self, frame: AudioFrame | None, slot: int) -> RtpPacket:
        assert self._encode is not None
        is_speech = frame is not None
        if frame is None:
            payload = self._silence_payload
            self._downsampler = None  # the next utterance starts from clean filter state
        else:
            if self._downsampler is None:
                self._downsampler = StreamResampler(FRAME_RATE_HZ, g711.SAMPLE_RATE_HZ)
            payload = self._encode(self._downsampler.process(frame.samples))
        previous = self._last_sent_was_speech
        self._last_sent_was_speech = is_speech
        return RtpPacket(
            payload_type=self._payload_type,
            sequence=self._sequence,
            timestamp=self._slot_timestamp(slot),
            ssrc=self._ssrc,
            payload=payload,
            marker=previous is None or (is_speech and not previous),
        )

    def _fill_inbound_gap(self, now: float) -> None:
        if self._latched is None or not self._sending:
            return
        if now - self._last_received_at < INBOUND_GAP_S or now - self._last_gap_frame_at < PACKET_S:
            return
        self._last_gap_frame_at = now
        self.events.put_nowait(InboundAudio(AudioFrame.silence(), now))

    def _check_rtp_timeout(self, now: float) -> None:
        if self._timed_out or not self._sending or now - self._last_received_at < RTP_TIMEOUT_S:
            return
        self._timed_out = True
        logger.info("no RTP for %.0f s; ending the call", RTP_TIMEOUT_S)
        self.events.put_nowait(RemoteHangup("RTP timeout"))
