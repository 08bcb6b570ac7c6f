"""SipCall: one SIP call, answered or placed, as a `Transport` (signalling by the dialog,
media by RTP)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Literal

from callwright.audio.keypad_tones import check_keys
from callwright.telephony.outbound import PlaysThroughQueue
from callwright.telephony.sip.dialog import AnswerRetransmission, Dialog
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.flow import SipFlow
from callwright.telephony.sip.message import SipRequest, SipResponse
from callwright.telephony.sip.sdp import MediaPlan
from callwright.telephony.sip.transaction import SipTimers
from callwright.telephony.sip.transfer import Referral, refer_to
from callwright.telephony.transport import (
    TRANSFER_TIMEOUT_S,
    RemoteHangup,
    TransferResult,
    TransportEvent,
)

if TYPE_CHECKING:
    from callwright.telephony.rtp.session import RtpSession

log = logging.getLogger("callwright.sip")

SendInDialog = Callable[["SipCall", str, Iterable[tuple[str, str]]], Awaitable[SipResponse]]
"""Sends an in-dialog request (e.g. "BYE") with extra header lines; returns its final
response."""

Direction = Literal["inbound", "outbound"]  # answered by us, or placed by us (dial)

_LOCAL_HANGUP = object()  # ends events() after hangup()


class SipCall(PlaysThroughQueue):
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
        self.outbound = rtp
        self.plan = plan
        self.sdp_session_id = secrets.randbelow(2**31)
        self.sdp_version = 1
        self.local_ip = ""  # where peers reach us, for SDP and Via
        self.contact = ""  # our Contact header value
        self.may_call: Callable[[str], bool] = lambda target: True  # the transfer allowlist
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
        self._referral: Referral | None = None  # the transfer under way

    # --- Transport ---------------------------------------------------------------------

    async def events(self) -> AsyncIterator[TransportEvent]:
        while True:
            event = await self.rtp.events.get()
            if event is _LOCAL_HANGUP:
                return
            yield event
            if isinstance(event, RemoteHangup):
                return

    async def send_digits(self, digits: str) -> None:
        """Press `digits` as RFC 4733 telephone events where the far end negotiated them
        (our offer and answer both carry telephone-event), else as keypad tones in-band.
        Nothing is pressed once the call has ended; ValueError for a non-key all the same."""
        check_keys(digits)
        if self._ended:
            return
        if self.rtp.sends_telephone_events:
            await self.rtp.send_digits(digits)
        else:
            await super().send_digits(digits)

    async def transfer(
        self,
        target: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = TRANSFER_TIMEOUT_S,
    ) -> TransferResult:
        """Blind transfer by REFER (see sip/transfer.py). On success we hang up our leg,
        as RFC 5589 §6 has the transferor do (a far end that sent BYE itself is fine too);
        on failure the call goes on. One transfer at a time.

        Raises ValueError for a header the application may not set (see extra_headers).
        """
        if self._ended:
            return TransferResult(False, 0, "the call has already ended")
        if self._referral is not None:
            return TransferResult(False, 0, "another transfer of this call is under way")
        if not self.may_call(target):
            log.warning("call %s: no transfer to %s: not in call_targets", self.call_id, target)
            return TransferResult(False, 403, f"{target} is not an allowed call target")
        try:
            refer_to_value = refer_to(target, headers)
        except SipParseError as error:
            return TransferResult(False, 0, f"cannot transfer to {target!r}: {error}")
        referral = self._referral = Referral(self.call_id)
        try:
            result = await asyncio.wait_for(self._refer(referral, refer_to_value), timeout_s)
        except TimeoutError:
            result = TransferResult(False, 0, f"no final NOTIFY within {timeout_s:g} s")
        finally:
            self._referral = None
        log.info("call %s: transfer to %s: %s", self.call_id, target, result.reason)
        if result.ok:
            await self.hangup()
        return result

    async def hangup(self) -> None:
        """Send BYE (after the caller's ACK, as RFC 3261 §15 asks) and close the media."""
        if self._ended:
            await self._closed.wait()
            return
        self._ended = True
        self._end_referral("we hung up")
        self.rtp.events.put_nowait(_LOCAL_HANGUP)
        try:
            await asyncio.wait_for(self._acked.wait(), self._timers.timeout_s)
        except TimeoutError:
            pass  # the no-ACK path already ended the call
        try:
            answer = await self._send_in_dialog(self, "BYE", ())
            if answer.status >= 300:
                log.info("BYE for %s answered %d", self.call_id, answer.status)
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

    def receive_notify(self, request: SipRequest) -> int:
        """A NOTIFY in this dialog; the status to answer it with (481: no transfer under
        way, so no subscription it could belong to)."""
        return self._referral.receive_notify(request) if self._referral else 481

    async def remote_hangup(self, reason: str) -> None:
        """The caller ended the call (BYE, or no ACK): tell events() and close the media."""
        if self._ended:
            return
        self._ended = True
        self._end_referral("the caller hung up")
        self.rtp.events.put_nowait(RemoteHangup(reason))
        await self._close()

    async def _refer(self, referral: Referral, refer_to_value: str) -> TransferResult:
        """Send the REFER; a refusal is the result, else what its NOTIFYs (which may
        overtake the 202) or a hang-up settle."""
        await self._acked.wait()  # as for BYE: no request of ours before the caller's ACK
        headers = [
            ("Contact", self.contact),
            ("Refer-To", refer_to_value),
            ("Referred-By", self.dialog.local_address),
        ]
        sending = asyncio.ensure_future(self._send_in_dialog(self, "REFER", headers))
        try:
            await asyncio.wait((sending, referral.outcome), return_when=asyncio.FIRST_COMPLETED)
            if not referral.outcome.done():
                answer = sending.result()
                if answer.status >= 300:
                    reason = f"REFER answered {answer.status} {answer.reason}"
                    return TransferResult(False, answer.status, reason)
            return await referral.outcome
        finally:
            sending.cancel()

    def _end_referral(self, reason: str) -> None:
        if self._referral is not None:
            self._referral.end(TransferResult(False, 0, reason))

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
