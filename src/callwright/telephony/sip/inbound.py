"""Answering calls: SipServer's answering side (the UAS of RFC 3261 §8.2, §9.2, §13.3).

A new INVITE gets 100, then is refused (404 for a user nobody answers, 503 while stopping,
the admission policy's status when every line is busy, 488 for an unusable SDP offer) or
accepted: RTP opened, 180, 200 with our SDP answer, and the call handed to `on_call`. A CANCEL
before the answer ends the INVITE with 487. Every response we send is built here: `_answer`
within a server transaction, `_reject` (400) for a request too broken to start one.

Written as a mixin of SipServer, like Dialing: both sides share the sockets, the
transactions and the table of live calls.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from callwright.telephony.admission import AdmissionPolicy
from callwright.telephony.sip.access import SipAccess
from callwright.telephony.sip.address import SipUri
from callwright.telephony.sip.call import SipCall
from callwright.telephony.sip.dialog import Dialog, DialogKey, new_tag
from callwright.telephony.sip.flow import SipFlow, reply_flow
from callwright.telephony.sip.message import SipParseError, SipRequest, SipResponse
from callwright.telephony.sip.sdp import (
    MediaPlan,
    SdpNegotiationError,
    SessionDescription,
    build_answer,
    negotiate,
)
from callwright.telephony.sip.transaction import (
    ServerTransaction,
    SipTimers,
    TransactionKey,
    Transactions,
)

if TYPE_CHECKING:
    from callwright.telephony.rtp.session import RtpSession

log = logging.getLogger("callwright.sip")

ANSWERABLE_HEADERS = ("Via", "From", "To", "Call-ID", "CSeq")  # needed to send a 400 at all
SERVER_NAME = "callwright"


@dataclass(slots=True)
class PendingInvite:
    """An INVITE being answered: the To tag its responses carry."""

    local_tag: str


def _warning(reason: str) -> tuple[str, str]:
    """The Warning header (RFC 3261 §20.43) that says why we answered as we did."""
    return ("Warning", f'399 {SERVER_NAME} "{reason.replace(chr(34), chr(39))}"')


class Answering:
    """SipServer's answering of new INVITEs and its responses; what it uses of SipServer
    (endpoint.py) is declared here."""

    host: str
    admission: AdmissionPolicy
    access: SipAccess
    allowed_methods: tuple[str, ...]
    _accepts: Callable[[str], bool]
    _on_call: Callable[[SipCall], Awaitable[None]]
    _on_refused: Callable[[int], None]
    _other_calls: Callable[[], int]
    _timers: SipTimers
    _transactions: Transactions
    _pending: dict[TransactionKey, PendingInvite]
    _calls: dict[DialogKey, SipCall]
    _closing: bool
    _open_media: Callable[[str], Awaitable[RtpSession]] | None

    if TYPE_CHECKING:

        async def _send_in_dialog(
            self, call: SipCall, method: str, headers: Iterable[tuple[str, str]]
        ) -> SipResponse: ...
        def _contact(self, flow: SipFlow, local_ip: str, user: str) -> str: ...
        def _forget_call(self, call: SipCall) -> None: ...
        def _spawn(self, coroutine: Awaitable[None]) -> None: ...
        def _advertised(self, flow: SipFlow) -> str: ...

    def _new_invite(
        self, request: SipRequest, transaction: ServerTransaction, flow: SipFlow
    ) -> None:
        self._answer(transaction, 100)
        try:
            user = SipUri.parse(request.uri).user or ""
        except SipParseError as error:
            self._answer(transaction, 416, warning=str(error))
            return
        if not self._accepts(user):
            self._answer(transaction, 404, warning=f"no agent answers {user!r} here")
        elif self._closing:
            self._answer(transaction, 503)
        elif not self.admission.admits(
            len(self._calls) + len(self._pending) + self._other_calls()
        ):
            status = self.admission.refuse_with
            self._answer(transaction, status, headers=self.admission.refusal_headers(),
                         warning=f"all {self.admission.max_calls} lines are busy")
            self._on_refused(status)
        else:
            offer = self._offer(request, transaction)
            if offer is not None:
                pending = PendingInvite(new_tag())
                self._pending[transaction.key] = pending
                self._spawn(self._accept(request, transaction, flow, offer, pending, user))

    async def _accept(
        self,
        request: SipRequest,
        transaction: ServerTransaction,
        flow: SipFlow,
        offer: tuple[SessionDescription, MediaPlan],
        pending: PendingInvite,
        user: str,
    ) -> None:
        """Open RTP, ring, answer 200 with our SDP and start the call."""
        rtp = None
        try:
            assert self._open_media is not None
            rtp = await self._open_media(self.host)
            if transaction.final_status is not None:  # CANCELled while we opened RTP
                return
            dialog = Dialog.from_invite(request, pending.local_tag)
            call = SipCall(
                dialog=dialog,
                flow=flow,
                rtp=rtp,
                plan=offer[1],
                caller=request.from_address.uri,
                callee=user,
                timers=self._timers,
                send_in_dialog=self._send_in_dialog,
                on_ended=self._forget_call,
            )
            call.local_ip = self._advertised(flow)
            call.may_call = self.access.may_call
            call.contact = self._contact(flow, call.local_ip, user)
            tag = pending.local_tag
            transaction.respond(
                request.response(180, to_tag=tag, headers=[("Contact", call.contact)])
            )
            self._calls[dialog.key] = call
            rtp = None  # the call owns it now
            self._answer_offer(call, request, transaction, *offer)
            call.start_media()
            log.info(
                "call %s from %s to %r answered over %s",
                call.call_id,
                call.caller,
                user,
                flow.transport,
            )
            self._spawn(self._run(call))
        except Exception:
            log.exception("answering INVITE %s failed", request.call_id)
            self._answer(transaction, 500)
        finally:
            self._pending.pop(transaction.key, None)
            if rtp is not None:
                await rtp.close()

    def _answer_offer(
        self,
        call: SipCall,
        request: SipRequest,
        transaction: ServerTransaction,
        offer: SessionDescription,
        plan: MediaPlan,
    ) -> None:
        answer = build_answer(
            offer,
            plan,
            local_ip=call.local_ip,
            local_port=call.rtp.local_port,
            session_id=call.sdp_session_id,
            version=call.sdp_version,
        )
        ok = request.response(
            200,
            to_tag=call.dialog.local_tag,
            body=answer.serialize(),
            headers=[
                ("Contact", call.contact),
                ("Allow", ", ".join(self.allowed_methods)),
                ("Server", SERVER_NAME),
                ("Content-Type", "application/sdp"),
            ],
        )
        transaction.respond(ok)
        call.expect_ack(ok.serialize(), request.cseq.number, transaction.flow)

    async def _run(self, call: SipCall) -> None:
        try:
            await self._on_call(call)
        except Exception:
            log.exception("on_call for %s failed; hanging up", call.call_id)
        finally:
            if not call.ended:
                await call.hangup()

    def _cancel(self, request: SipRequest, transaction: ServerTransaction) -> None:
        invite = self._transactions.find_invite(request)
        if invite is None:
            self._answer(transaction, 481)
            return
        self._answer(transaction, 200)
        if invite.final_status is None:
            pending = self._pending.get(invite.key)
            tag = pending.local_tag if pending else new_tag()
            invite.respond(invite.request.response(487, to_tag=tag))
            log.info("call %s cancelled before answer", request.call_id)

    def _offer(
        self, request: SipRequest, transaction: ServerTransaction
    ) -> tuple[SessionDescription, MediaPlan] | None:
        """The parsed SDP offer and our plan, or None after answering 488."""
        if not request.body:
            problem = "an SDP offer is required (offerless INVITE is not supported)"
        elif request.content_type != "application/sdp":
            problem = f"body must be application/sdp, not {request.content_type or 'untyped'}"
        else:
            try:
                offer = SessionDescription.parse(request.body)
                return offer, negotiate(offer)
            except (SipParseError, SdpNegotiationError) as error:
                problem = str(error)
        log.info("488 for %s: %s", request.call_id, problem)
        self._answer(transaction, 488, warning=problem)
        return None

    # --- responding --------------------------------------------------------------------

    def _answer(
        self,
        transaction: ServerTransaction,
        status: int,
        *,
        warning: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        extra = list(headers or [])
        if warning:
            extra.append(_warning(warning))
        tag = None if status == 100 else new_tag()
        transaction.respond(transaction.request.response(status, to_tag=tag, headers=extra))

    def _reject(self, request: SipRequest, flow: SipFlow, reason: str) -> None:
        """400 for a request we could read but not accept (never for ACK)."""
        if request.method == "ACK" or any(h not in request.headers for h in ANSWERABLE_HEADERS):
            return
        try:
            flow = reply_flow(request, flow)
        except SipParseError:
            pass  # bad Via: answer to where it came from
        flow.send(request.response(400, headers=[_warning(reason)]).serialize())
