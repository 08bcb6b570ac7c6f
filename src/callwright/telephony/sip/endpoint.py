"""SipServer: answers SIP calls over UDP and TCP (the UAS side of RFC 3261, in inbound.py),
and places them with dial() (the UAC side, in outbound.py). This module holds what both sides
share: the sockets and flows, routing each request to its handler, and in-dialog requests.

Every message is parsed and handled inside its own guard: a malformed or hostile message
gets 400 (when it carries enough headers to answer) or is dropped and logged, and never
disturbs another call. Responses go back per Via (received/rport, RFC 3581) over UDP, and
on the same connection over TCP.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from callwright.telephony.admission import AdmissionPolicy
from callwright.telephony.sip.access import SipAccess
from callwright.telephony.sip.address import Via, format_host
from callwright.telephony.sip.call import SipCall
from callwright.telephony.sip.dialog import Dialog, DialogKey, new_branch
from callwright.telephony.sip.flow import (
    SipFlow,
    TcpFlow,
    UdpFlow,
    UdpReceiver,
    is_ip,
    local_ip,
    read_stream,
    reply_flow,
)
from callwright.telephony.sip.gatekeeping import Gatekeeping
from callwright.telephony.sip.inbound import Answering, PendingInvite
from callwright.telephony.sip.message import (
    Headers,
    SipParseError,
    SipRequest,
    SipResponse,
    parse_message,
)
from callwright.telephony.sip.outbound import Dialing
from callwright.telephony.sip.registration import Registering, Registration
from callwright.telephony.sip.transaction import (
    ServerTransaction,
    SipTimers,
    TransactionKey,
    Transactions,
)
from callwright.telephony.sip.trunks import Trunk

if TYPE_CHECKING:
    from callwright.telephony.rtp.session import RtpSession

log = logging.getLogger("callwright.sip")

ALLOWED_METHODS = ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "NOTIFY")  # NOTIFY: of a REFER
CONTACT_USER = "callwright"
UDP_RECEIVE_BUFFER_BYTES = 1 << 20
PORT_BIND_ATTEMPTS = 20
STOP_GRACE_S = 2.0  # how long stop() waits for the BYEs of live calls

OpenMedia = Callable[[str], Awaitable["RtpSession"]]


class SipServer(Gatekeeping, Answering, Dialing, Registering):
    """Listens on UDP and TCP, answers INVITEs for users that `accepts` admits, and hands
    each answered call to `on_call` as a task (see Answering). When `on_call` returns, a call
    still up is hung up. `dial()` places a call (see Dialing); `register_trunk()` keeps a
    trunk's registration (see Registering). Who may reach it: see Gatekeeping."""

    allowed_methods = ALLOWED_METHODS

    def __init__(
        self,
        host: str,
        port: int,
        *,
        accepts: Callable[[str], bool],
        on_call: Callable[[SipCall], Awaitable[None]],
        admission: AdmissionPolicy = AdmissionPolicy(max_calls=100),  # noqa: B008 (frozen)
        on_refused: Callable[[int], None] = lambda status: None,
        timers: SipTimers = SipTimers(),  # noqa: B008  (frozen, shared safely)
        open_media: OpenMedia | None = None,  # defaults to RtpSession.open; tests fake it
        trunks: Iterable[Trunk] = (),
        access: SipAccess = SipAccess(),  # noqa: B008  (frozen)
        on_dropped: Callable[[str], None] = lambda reason: None,
        public_address: str | None = None,
        rtp_ports: range | None = None,
        digest_users: Mapping[str, str] | None = None,
        other_calls: Callable[[], int] = lambda: 0,
    ) -> None:
        self.host = host
        self.public_address = public_address  # behind NAT: in Contact, Via and SDP
        self.rtp_ports = rtp_ports  # the media ports the NAT or firewall forwards
        self.trunks = tuple(trunks)
        self._other_calls = other_calls  # calls up on other transports, within admission
        Gatekeeping.__init__(self, access, on_dropped, digest_users)
        self.port = port
        self.admission = admission
        self._on_refused = on_refused  # a call refused for capacity, with the status sent
        self._accepts = accepts
        self._on_call = on_call
        self._timers = timers
        self._open_media = open_media
        self._transactions = Transactions(timers)
        self._pending: dict[TransactionKey, PendingInvite] = {}
        self._calls: dict[DialogKey, SipCall] = {}
        self._registrations: dict[str, Registration] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections: set[TcpFlow] = set()
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._closing = False

    @property
    def udp_port(self) -> int:
        if self._udp is None:
            raise RuntimeError("SipServer is not started: await start() first")
        return self._udp.get_extra_info("sockname")[1]

    @property
    def tcp_port(self) -> int:
        if self._tcp is None:
            raise RuntimeError("SipServer is not started: await start() first")
        return self._tcp.sockets[0].getsockname()[1]

    @property
    def calls(self) -> list[SipCall]:
        """The calls now up."""
        return list(self._calls.values())

    async def start(self) -> None:
        if self._open_media is None:
            from callwright.telephony.rtp.session import RtpSession

            self._open_media = functools.partial(RtpSession.open, ports=self.rtp_ports)
        loop = asyncio.get_running_loop()
        for _ in range(PORT_BIND_ATTEMPTS):  # UDP and TCP on one port number when possible
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: UdpReceiver(self.receive), local_addr=(self.host, self.port)
            )
            sock = self._udp.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER_BYTES)
            try:
                self._tcp = await asyncio.start_server(
                    self._serve_tcp, self.host, self.udp_port, reuse_address=True
                )
                break
            except OSError as error:
                if self.port != 0:
                    self._udp.close()
                    raise OSError(
                        error.errno,
                        f"cannot listen on TCP {self.host}:{self.port}: {error}; "
                        "pick a port that is free for both UDP and TCP",
                    ) from error
                self._udp.close()
        else:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: UdpReceiver(self.receive), local_addr=(self.host, 0)
            )
            self._tcp = await asyncio.start_server(self._serve_tcp, self.host, 0)
        log.info("SIP listening on %s udp:%d tcp:%d", self.host, self.udp_port, self.tcp_port)

    async def stop(self) -> None:
        """Hang up live calls (BYE), then close every socket."""
        self._closing = True
        if self._registrations:
            try:
                await asyncio.wait_for(
                    self._unregister_all(), min(STOP_GRACE_S, self._timers.timeout_s)
                )
            except TimeoutError:
                log.warning("a registrar did not answer our unregister in time")
        if self._tcp:
            self._tcp.close()
        for call in self.calls:
            call.give_up_on_ack()
        hangups = [asyncio.create_task(call.hangup()) for call in self.calls]
        if hangups:
            grace_s = min(STOP_GRACE_S, self._timers.timeout_s)
            _, late = await asyncio.wait(hangups, timeout=grace_s)
            self._transactions.close()
            for task in late:
                task.cancel()
            await asyncio.gather(*hangups, return_exceptions=True)
        self._transactions.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for flow in list(self._connections):
            flow.writer.close()
        if self._udp:
            self._udp.close()

    # --- receiving ---------------------------------------------------------------------

    def receive(self, data: bytes, flow: SipFlow) -> None:
        """Handle one framed message; never raises."""
        try:
            if not data.strip(b"\r\n"):
                return  # keep-alive
            try:
                message = parse_message(data)
            except SipParseError as error:
                log.warning(
                    "malformed SIP from %s:%d over %s: %s", *flow.remote, flow.transport, error
                )
                if error.request is not None:
                    self._reject(error.request, flow, str(error))
                return
            if isinstance(message, SipResponse):
                if not self._transactions.receive_response(message):
                    log.debug("stray %d response for %s", message.status, message.call_id)
                return
            self._receive_request(message, flow)
        except Exception:
            log.exception("dropped a SIP message from %s:%d: handling failed", *flow.remote)

    def _receive_request(self, request: SipRequest, flow: SipFlow) -> None:
        source = flow.remote[0]
        trunk = any(trunk.has_source(source) for trunk in self.trunks)  # trusted, not limited
        if not trunk and self._over_rate(request, source):
            return
        responses_to = reply_flow(request, flow)
        transaction = self._transactions.match_request(request)
        if transaction is not None:  # a retransmission, or the ACK to our non-2xx
            if request.method != "ACK":
                transaction.receive_retransmission()
            elif not transaction.receive_ack():
                self._receive_ack(request)
            return
        if request.method == "ACK":
            self._receive_ack(request)
            return
        if not trunk and self._refused(request, responses_to, source):
            return
        transaction = self._transactions.create_server(request, responses_to)
        try:
            self._dispatch(request, transaction, flow)
        except SipParseError as error:
            self._answer(transaction, 400, warning=str(error))
        except Exception:
            log.exception("%s %s failed", request.method, request.call_id)
            self._answer(transaction, 500)

    def _dispatch(self, request: SipRequest, transaction: ServerTransaction, flow: SipFlow) -> None:
        method = request.method
        if method not in ALLOWED_METHODS:
            self._answer(transaction, 501, headers=[("Allow", ", ".join(ALLOWED_METHODS))])
        elif method == "CANCEL":
            self._cancel(request, transaction)
        elif "Require" in request.headers:
            unsupported = ", ".join(request.headers.get_list("Require"))
            self._answer(transaction, 420, headers=[("Unsupported", unsupported)])
        elif method == "OPTIONS":
            self._answer(
                transaction,
                200,
                headers=[("Allow", ", ".join(ALLOWED_METHODS)), ("Accept", "application/sdp")],
            )
        elif request.to_address.tag:
            self._in_dialog(request, transaction)
        elif method == "INVITE":
            self._new_invite(request, transaction, flow)
        else:  # BYE outside a dialog
            self._answer(transaction, 481)

    def _in_dialog(self, request: SipRequest, transaction: ServerTransaction) -> None:
        call = self._calls.get((request.call_id, request.to_address.tag or ""))
        if call is None or call.ended or not call.dialog.matches(request):
            self._answer(transaction, 481)
        elif not call.dialog.accept_request(request):
            self._answer(transaction, 500, warning="CSeq lower than the last one in this dialog")
        elif request.method == "BYE":
            self._answer(transaction, 200)
            self._spawn(call.remote_hangup("BYE"))
        elif request.method == "NOTIFY":  # how the call we asked the far end to place goes
            self._answer(transaction, call.receive_notify(request))
        else:  # re-INVITE: hold, resume or new media address
            self._answer(transaction, 100)
            offer = self._offer(request, transaction)
            if offer is not None:
                call.update_media(offer[1])
                self._answer_offer(call, request, transaction, *offer)

    def _receive_ack(self, request: SipRequest) -> None:
        call = self._calls.get((request.call_id, request.to_address.tag or ""))
        if call is not None:
            call.receive_ack(request.cseq.number)

    # --- sending -----------------------------------------------------------------------

    async def _send_in_dialog(
        self, call: SipCall, method: str, headers: Iterable[tuple[str, str]]
    ) -> SipResponse:
        try:
            flow = call.flow = await self._dialog_flow(call.dialog, call.flow)
        except OSError as error:
            log.warning("cannot reach %s for %s: %s", call.dialog.next_hop(), method, error)
            return SipResponse(Headers(), b"", 503, f"Service Unavailable ({error})")
        via = self._via(flow, call.local_ip)
        request = call.dialog.create_request(method, via, headers=headers)
        return await self._transactions.send_request(request, flow)

    async def _dialog_flow(self, dialog: Dialog, flow: SipFlow) -> SipFlow:
        """Where the dialog's next request goes: UDP to its next hop; TCP on its connection
        `flow`, reopened to the next hop if closed."""
        if not flow.reliable:
            return await self._udp_flow(*dialog.next_hop())
        if flow.closed:
            return await self._tcp_flow(*dialog.next_hop())
        return flow

    async def _udp_flow(self, host: str, port: int) -> UdpFlow:
        """Datagrams from our socket to `host` (resolved here when it is a name)."""
        if not is_ip(host):
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_DGRAM)
            host = infos[0][4][0]
        assert self._udp is not None
        return UdpFlow(self._udp, (host, port))

    async def _tcp_flow(self, host: str, port: int) -> TcpFlow:
        """A new connection to `host`, read like an accepted one."""
        reader, writer = await asyncio.open_connection(host, port)
        flow = TcpFlow(writer, (host, port))
        self._spawn(self._read_connection(reader, flow))
        return flow

    # --- helpers -----------------------------------------------------------------------

    def _advertised(self, flow: SipFlow) -> str:
        """The address peers reach us at over `flow`: the public one behind NAT."""
        return self.public_address or local_ip(self.host, flow)

    def _via(self, flow: SipFlow, local_ip: str) -> Via:
        """The Via of a request we send on `flow`, with a new branch."""
        port = self.tcp_port if flow.reliable else self.udp_port
        return Via(flow.transport, local_ip, port, {"branch": new_branch(), "rport": None})

    def _contact(self, flow: SipFlow, local_ip: str, user: str) -> str:
        port = self.tcp_port if flow.reliable else self.udp_port
        transport = ";transport=tcp" if flow.reliable else ""
        return f"<sip:{user or CONTACT_USER}@{format_host(local_ip)}:{port}{transport}>"

    def _forget_call(self, call: SipCall) -> None:
        if self._calls.get(call.dialog.key) is call:
            del self._calls[call.dialog.key]

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._read_connection(reader, TcpFlow(writer, writer.get_extra_info("peername")[:2]))

    async def _read_connection(self, reader: asyncio.StreamReader, flow: TcpFlow) -> None:
        self._connections.add(flow)
        try:
            await read_stream(reader, flow, self.receive, self._reject_stream)
        finally:
            self._connections.discard(flow)

    def _reject_stream(self, buffer: bytes, flow: TcpFlow, error: SipParseError) -> None:
        """A stream we cannot frame: answer 400 if the head is readable, then hang up on it."""
        log.warning("closing TCP connection from %s:%d: %s", *flow.remote, error)
        head_end = buffer.find(b"\r\n\r\n")
        if head_end >= 0:
            try:
                parse_message(buffer[: head_end + 4])
            except SipParseError as head_error:
                if head_error.request is not None:
                    self._reject(head_error.request, flow, str(error))
