"""SipCall: one SIP call, answered or placed, as a `Transport` (signalling by the dialog,
media by RTP)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from callwright.audio.frames import AudioFrame
from callwright.telephony.sip.dialog import AnswerRetransmission, Dialog
from callwright.telephony.sip.flow import SipFlow
from callwright.telephony.sip.sdp import MediaPlan
from callwright.telephony.sip.transaction import SipTimers
from callwright.telephony.transport import FrameSentListener, RemoteHangup, TransportEvent

if TYPE_CHECKING:
    from callwright.telephony.rtp.session import RtpSession

log = logging.getLogger("callwright.sip")

SendInDialog = Callable[["SipCall", str], Awaitable[int]]
"""Sends an in-dialog request (e.g. "BYE") for a call; returns the final status code."""

Direction = Literal["inbound", "outbound"]  # answered by us, or placed by us (dial)

_LOCAL_HANGUP = object()  # ends events() after hangup()


class SipCall:
    """A live call SipServer answered or placed. Implements telephony.transport.Transport."""

    transport_name = "sip"

    def __init__(
        self,
        *,
        dialog: Dialog,
        flow: SipFlow,
        rtp: RtpSession,
        plan: MediaPlan,
        caller: str,
        callee: str,
        timers: SipTimers,
        send_in_dialog: SendInDialog,
        on_ended: Callable[[SipCall], None],
        direction: Direction = "inbound",
    ) -> None:
        self.call_id = dialog.call_id
        self.caller = caller
        self.callee = callee
        self.direction = direction
        self.remote_party = caller  # the other end: who called us, or whom we dialled
        self.dialog = dialog
        self.flow = flow  # the transport the dialog came on
        self.rtp = rtp
        self.plan = plan
        self.sdp_session_id = secrets.randbelow(2**31)
        self.sdp_version = 1
        self.local_ip = ""  # where peers reach us, for SDP and Via
        self.contact = ""  # our Contact header value
        self._timers = timers
        self._send_in_dialog = send_in_dialog
        self._on_ended = on_ended
        self._awaiting_ack: AnswerRetransmission | None = None
        self._acked = asyncio.Event()  # set when our BYE may go (we placed it: at once)
        if direction == "outbound":
            self._acked.set()
        self._ended = False
        self._closed = asyncio.Event()
        self._bye: asyncio.Task[None] | None = None

    # --- Transport ---------------------------------------------------------------------

    async def events(self) -> AsyncIterator[TransportEvent]:
        while True:
            event = await self.rtp.events.get()
            if event is _LOCAL_HANGUP:
                return
            yield event
            if isinstance(event, RemoteHangup):
                return

    def play(self, frame: AudioFrame) -> None:
        self.rtp.play(frame)

    def clear(self) -> list[AudioFrame]:
        return self.rtp.clear()

    def queued_frames(self) -> int:
        return self.rtp.queued_frames()

    def on_frame_sent(self, listener: FrameSentListener) -> None:
        self.rtp.on_frame_sent(listener)

    async def hangup(self) -> None:
        """Send BYE (after the caller's ACK, as RFC 3261 §15 asks) and close the media."""
        if self._ended:
            await self._closed.wait()
            return
        self._ended = True
        self.rtp.events.put_nowait(_LOCAL_HANGUP)
        try:
            await asyncio.wait_for(self._acked.wait(), self._timers.timeout_s)
        except TimeoutError:
            pass  # the no-ACK path already ended the call
        try:
            status = await self._send_in_dialog(self, "BYE")
            if status >= 300:
                log.info("BYE for %s answered %d", self.call_id, status)
        finally:
            await self._close()

    # --- driven by SipServer -----------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self._ended

    def start_media(self) -> None:
        plan = self.plan
        self.rtp.start(plan.remote, plan.codec, plan.payload_type, plan.dtmf_payload_type)
        if not plan.we_send:
            self.rtp.set_sending(False)

    def update_media(self, plan: MediaPlan) -> None:
        """A re-INVITE changed the media: new remote address or codec, hold or resume."""
        self.plan = plan
        self.sdp_version += 1
        self.rtp.update_remote(plan.remote, plan.codec, plan.payload_type, plan.dtmf_payload_type)
        self.rtp.set_sending(plan.we_send)

    def expect_ack(self, answer: bytes, cseq: int, flow: SipFlow) -> None:
        """Resend our 2xx to INVITE `cseq` until its ACK arrives."""
        if self._awaiting_ack:
            self._awaiting_ack.stop()
        self._awaiting_ack = AnswerRetransmission(answer, cseq, flow, self._timers, self._no_ack)

    def give_up_on_ack(self) -> None:
        """Let hangup() send its BYE without waiting for the ACK (the server is stopping)."""
        if self._awaiting_ack:
            self._awaiting_ack.stop()
            self._awaiting_ack = None
        self._acked.set()

    def receive_ack(self, cseq: int) -> None:
        if self._awaiting_ack and self._awaiting_ack.acknowledge(cseq):
            self._awaiting_ack = None
            self._acked.set()

    async def remote_hangup(self, reason: str) -> None:
        """The caller ended the call (BYE, or no ACK): tell events() and close the media."""
        if self._ended:
            return
        self._ended = True
        self.rtp.events.put_nowait(RemoteHangup(reason))
        await self._close()

    def _no_ack(self) -> None:
        log.warning("no ACK for our 2xx in %s within 64*T1; hanging up", self.call_id)
        self._awaiting_ack = None
        self._acked.set()
        if not self._ended:
            self.rtp.events.put_nowait(RemoteHangup("no ACK"))
            self._bye = asyncio.get_running_loop().create_task(self.hangup())

    async def _close(self) -> None:
        if self._awaiting_ack:
            self._awaiting_ack.stop()
        try:
            await self.rtp.close()
        finally:
            self._closed.set()
            self._on_ended(self)
