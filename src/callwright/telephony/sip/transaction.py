"""SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state).

Server transactions absorb retransmitted requests (matched by Via branch, sent-by and method)
and resend the last response instead of processing the request twice. Over UDP a final
non-2xx answer to INVITE is retransmitted (Timer G) until the ACK comes or Timer H fires, and
our own BYE is retransmitted (Timer E) until answered or Timer F fires. Our own INVITE is
retransmitted (Timer A) until any response or Timer B, and its non-2xx final is ACKed here.
Over TCP nothing is retransmitted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from callwright.telephony.sip.address import BRANCH_MAGIC_COOKIE
from callwright.telephony.sip.flow import SipFlow
from callwright.telephony.sip.message import Headers, SipRequest, SipResponse

log = logging.getLogger("callwright.sip")

TransactionKey = tuple[str, ...]
MAX_FORWARDS = 70


@dataclass(frozen=True, slots=True)
class SipTimers:
    """RFC 3261 timer bases; tests shrink them to run in milliseconds."""

    t1_s: float = 0.5  # round-trip estimate: first retransmission interval
    t2_s: float = 4.0  # longest retransmission interval
    t4_s: float = 5.0  # how long a message may linger in the network

    @property
    def timeout_s(self) -> float:
        """64*T1: Timers B, F, H, J and L, and the wait for an ACK to our 2xx."""
        return 64 * self.t1_s


class Retransmission:
    """Resend at T1, 2*T1, 4*T1 ... (capped at T2) until stopped; call on_timeout at 64*T1."""

    def __init__(
        self,
        send: Callable[[], None],
        timers: SipTimers,
        on_timeout: Callable[[], None],
        *,
        retransmit: bool = True,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._send = send
        self._timers = timers
        self._interval_s = timers.t1_s
        self._on_timeout = on_timeout
        self._retry = loop.call_later(self._interval_s, self._resend) if retransmit else None
        self._deadline = loop.call_later(timers.timeout_s, self._expire)

    def _resend(self) -> None:
        self._send()
        self._interval_s = min(self._interval_s * 2, self._timers.t2_s)
        self._retry = asyncio.get_running_loop().call_later(self._interval_s, self._resend)

    def _expire(self) -> None:
        self.stop()
        self._on_timeout()

    def stop(self) -> None:
        if self._retry:
            self._retry.cancel()
        self._deadline.cancel()


def transaction_key(request: SipRequest) -> TransactionKey:
    """Branch + sent-by + method (ACK matches its INVITE); RFC 2543 peers by dialog + CSeq."""
    via = request.vias[0]
    method = "INVITE" if request.method == "ACK" else request.method
    sent_by = f"{via.host}:{via.port or ''}"
    branch = via.branch or ""
    if branch.startswith(BRANCH_MAGIC_COOKIE):
        return (branch, sent_by, method)
    from_tag = request.from_address.tag or ""
    return (request.call_id, from_tag, str(request.cseq.number), sent_by, method)


class ServerTransaction:
    """A non-INVITE server transaction: answer once, resend that answer to retransmissions."""

    def __init__(
        self,
        request: SipRequest,
        flow: SipFlow,
        timers: SipTimers,
        on_terminated: Callable[[ServerTransaction], None],
    ) -> None:
        self.request = request
        self.flow = flow
        self.key = transaction_key(request)
        self.final_status: int | None = None
        self._timers = timers
        self._on_terminated = on_terminated
        self._last_response: bytes | None = None
        self._timer: asyncio.TimerHandle | Retransmission | None = None

    def respond(self, response: SipResponse) -> None:
        if self.final_status is not None:
            log.debug("dropping %d: %s already answered", response.status, self.request.method)
            return
        self._last_response = response.serialize()
        self.flow.send(self._last_response)
        if response.status >= 200:
            self.final_status = response.status
            self._completed(response.status)

    def receive_retransmission(self) -> None:
        if self._last_response is not None:
            self.flow.send(self._last_response)

    def receive_ack(self) -> bool:
        """Whether this transaction absorbed the ACK (True only for ACK to a non-2xx)."""
        return False

    def terminate(self) -> None:
        if isinstance(self._timer, Retransmission):
            self._timer.stop()
        elif self._timer is not None:
            self._timer.cancel()
        self._on_terminated(self)

    def _completed(self, status: int) -> None:
        """Timer J: linger to absorb retransmissions (UDP only)."""
        self._linger(0 if self.flow.reliable else self._timers.timeout_s)

    def _linger(self, delay_s: float) -> None:
        self._timer = asyncio.get_running_loop().call_later(delay_s, self.terminate)


class InviteServerTransaction(ServerTransaction):
    """INVITE: 1xx resent to retransmissions; non-2xx final retransmitted until ACK."""

    acked = False

    def _completed(self, status: int) -> None:
        if 200 <= status < 300:  # RFC 6026 Accepted: Timer L absorbs INVITE retransmissions
            self._linger(self._timers.timeout_s)
            return
        data = self._last_response or b""
        self._timer = Retransmission(
            lambda: self.flow.send(data),
            self._timers,
            self._timer_h,
            retransmit=not self.flow.reliable,
        )

    def _timer_h(self) -> None:
        log.info("no ACK for %d to INVITE %s; giving up", self.final_status, self.request.call_id)
        self.terminate()

    def receive_ack(self) -> bool:
        if self.final_status is None or self.final_status < 300:
            return False
        if not self.acked:
            self.acked = True
            if isinstance(self._timer, Retransmission):
                self._timer.stop()
            self._linger(0 if self.flow.reliable else self._timers.t4_s)  # Timer I
        return True


class ClientTransaction:
    """A non-INVITE client transaction (our BYE): Timer E retransmits, Timer F gives up."""

    def __init__(self, request: SipRequest, flow: SipFlow, timers: SipTimers) -> None:
        self.request = request
        self.flow = flow
        self.key: TransactionKey = (request.vias[0].branch or "", request.method)
        self._data = request.serialize()
        self._timers = timers
        self._result: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()
        self._retransmission: Retransmission | None = None

    def start(self) -> None:
        self.flow.send(self._data)
        self._retransmission = Retransmission(
            lambda: self.flow.send(self._data),
            self._timers,
            self.give_up,
            retransmit=not self.flow.reliable,
        )

    def receive_response(self, response: SipResponse) -> None:
        if response.status >= 200 and not self._result.done():
            self._result.set_result(response)
            self.stop()

    async def result(self) -> SipResponse:
        """The final response; a local 408 when none came within 64*T1."""
        return await self._result

    def stop(self) -> None:
        if self._retransmission:
            self._retransmission.stop()

    def give_up(self) -> None:
        """Timer F (or shutdown): answer with a local 408."""
        self.stop()
        if not self._result.done():
            self._result.set_result(self.request.response(408, "Request Timeout (no answer)"))


def companion_request(invite: SipRequest, method: str, to: str) -> SipRequest:
    """An ACK to a non-2xx final, or a CANCEL, for our INVITE: its top Via (same branch),
    From, Call-ID, CSeq number, Request-URI and Route, with `to` as To (RFC 3261 §9.1,
    §17.1.1.3)."""
    headers = Headers(
        [
            ("Via", invite.headers.get_list("Via")[0]),
            ("Max-Forwards", str(MAX_FORWARDS)),
            ("From", invite.headers.get("From") or ""),
            ("To", to),
            ("Call-ID", invite.call_id),
            ("CSeq", f"{invite.cseq.number} {method}"),
        ]
    )
    for route in invite.headers.get_all("Route"):
        headers.add("Route", route)
    headers.add("Content-Length", "0")
    return SipRequest(headers=headers, body=b"", method=method, uri=invite.uri)


class InviteClientTransaction:
    """Our INVITE (RFC 3261 §17.1.1 with RFC 6026).

    Timer A resends it over UDP until any response; Timer B gives up at 64*T1 with a local
    408 when none came. A 3xx-6xx final is ACKed here, and ACKed again whenever it is resent
    (Timer D, 64*T1 over UDP). `on_response` sees what the dialing side must: provisionals,
    the final, and every 2xx for 64*T1 after the first (the UAC core ACKs each one itself).
    """

    def __init__(
        self,
        request: SipRequest,
        flow: SipFlow,
        timers: SipTimers,
        on_response: Callable[[SipResponse], None],
        on_terminated: Callable[[InviteClientTransaction], None],
    ) -> None:
        self.request = request
        self.flow = flow
        self.key: TransactionKey = (request.vias[0].branch or "", "INVITE")
        self.final_status: int | None = None
        self._data = request.serialize()
        self._timers = timers
        self._on_response = on_response
        self._on_terminated = on_terminated
        self._ack: bytes | None = None
        self._retransmission: Retransmission | None = None
        self._linger: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self.flow.send(self._data)
        self._retransmission = Retransmission(
            lambda: self.flow.send(self._data),
            self._timers,
            self._timer_b,
            retransmit=not self.flow.reliable,
        )

    def receive_response(self, response: SipResponse) -> None:
        if self._retransmission is not None:  # Calling -> Proceeding: Timers A and B stop
            self._retransmission.stop()
            self._retransmission = None
        status = response.status
        if status < 200:
            if self.final_status is None:
                self._on_response(response)
        elif status < 300:
            if self.final_status is None:
                self.final_status = status
                self._terminate_after(self._timers.timeout_s)  # Accepted, Timer M
            if self.final_status < 300:
                self._on_response(response)
        elif self.final_status is None:
            self.final_status = status
            ack = companion_request(self.request, "ACK", response.headers.get("To") or "")
            self._ack = ack.serialize()
            self.flow.send(self._ack)
            self._terminate_after(0 if self.flow.reliable else self._timers.timeout_s)  # Timer D
            self._on_response(response)
        elif self._ack is not None:  # the final again: our ACK was lost
            self.flow.send(self._ack)

    def give_up(self) -> None:
        """Stop now (shutdown, or the dialing side gave up); a local 408 if no final came."""
        if self.final_status is None:
            self.final_status = 408
            self._on_response(self.request.response(408, "Request Timeout (no answer)"))
        self.terminate()

    def terminate(self) -> None:
        if self._retransmission is not None:
            self._retransmission.stop()
        if self._linger is not None:
            self._linger.cancel()
        self._on_terminated(self)

    def _timer_b(self) -> None:
        log.info("no response to INVITE %s within 64*T1", self.request.call_id)
        self.give_up()

    def _terminate_after(self, delay_s: float) -> None:
        self._linger = asyncio.get_running_loop().call_later(delay_s, self.terminate)


class Transactions:
    """The live transactions of one endpoint, for matching what arrives."""

    def __init__(self, timers: SipTimers) -> None:
        self.timers = timers
        self._server: dict[TransactionKey, ServerTransaction] = {}
        self._client: dict[TransactionKey, ClientTransaction | InviteClientTransaction] = {}

    def match_request(self, request: SipRequest) -> ServerTransaction | None:
        return self._server.get(transaction_key(request))

    def find_invite(self, cancel: SipRequest) -> ServerTransaction | None:
        """The INVITE transaction a CANCEL targets (same branch and sent-by)."""
        return self._server.get(transaction_key(cancel)[:-1] + ("INVITE",))

    def create_server(self, request: SipRequest, flow: SipFlow) -> ServerTransaction:
        kind = InviteServerTransaction if request.method == "INVITE" else ServerTransaction
        transaction = kind(request, flow, self.timers, self._forget_server)
        self._server[transaction.key] = transaction
        return transaction

    async def send_request(self, request: SipRequest, flow: SipFlow) -> SipResponse:
        """Send a non-INVITE request and wait for its final response (408 on timeout)."""
        transaction = ClientTransaction(request, flow, self.timers)
        self._client[transaction.key] = transaction
        try:
            transaction.start()
            return await transaction.result()
        finally:
            transaction.stop()
            self._client.pop(transaction.key, None)

    def start_invite(
        self,
        request: SipRequest,
        flow: SipFlow,
        on_response: Callable[[SipResponse], None],
    ) -> InviteClientTransaction:
        """Send our INVITE; its responses go to `on_response` (see InviteClientTransaction)."""
        transaction = InviteClientTransaction(
            request, flow, self.timers, on_response, self._forget_client
        )
        self._client[transaction.key] = transaction
        transaction.start()
        return transaction

    def receive_response(self, response: SipResponse) -> bool:
        """Hand a response to its client transaction; False when none matches (stray)."""
        vias = response.vias
        key = (vias[0].branch or "", response.cseq.method) if vias else ("", "")
        transaction = self._client.get(key)
        if transaction is None:
            return False
        transaction.receive_response(response)
        return True

    def close(self) -> None:
        for transaction in list(self._server.values()):
            transaction.terminate()
        for client in list(self._client.values()):
            client.give_up()

    def _forget_client(self, transaction: InviteClientTransaction) -> None:
        if self._client.get(transaction.key) is transaction:
            del self._client[transaction.key]

    def _forget_server(self, transaction: ServerTransaction) -> None:
        if self._server.get(transaction.key) is transaction:
            del self._server[transaction.key]
