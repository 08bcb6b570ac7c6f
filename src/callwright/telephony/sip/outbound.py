"""Placing calls: SipServer's calling side (the UAC of RFC 3261 §8.1, §9.1, §13.2).

`dial()` sends an INVITE with our SDP offer (PCMU, PCMA, telephone-event), follows its
progress (100/180/183), ACKs the 2xx (and every resent copy of it) and returns the call as a
SipCall that behaves like an answered one: events(), play(), hangup() sends BYE. A call not
answered raises CallFailed: on a 3xx-6xx final (which the INVITE transaction ACKs), or when
nobody answers within the dial timeout (after a CANCEL, which RFC 3261 §9.1 allows only once
the callee has sent a provisional response; with none, there is nothing to cancel).

Written as a mixin of SipServer, because a placed call shares everything with an answered
one: the sockets, the transactions, the table of live calls and the in-dialog requests.
A 401/407 challenge is answered once with the credentials of the trunk the call goes
through (digest.py); a second challenge, or one with no trunk to answer it, fails the call.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callwright.telephony.sip.access import SipAccess
from callwright.telephony.sip.address import SipUri, Via, format_host
from callwright.telephony.sip.call import SipCall
from callwright.telephony.sip.dialog import Dialog, DialogKey, new_tag
from callwright.telephony.sip.digest import authorization, pick_challenge
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.flow import SipFlow, TcpFlow, UdpFlow
from callwright.telephony.sip.message import Headers, SipRequest, SipResponse, extra_headers
from callwright.telephony.sip.sdp import (
    CODEC_CLOCK_RATE_HZ,
    DTMF_EVENTS,
    PTIME_MS,
    TELEPHONE_EVENT,
    MediaDescription,
    SdpNegotiationError,
    SessionDescription,
    negotiate,
)
from callwright.telephony.sip.transaction import (
    MAX_FORWARDS,
    InviteClientTransaction,
    SipTimers,
    Transactions,
    companion_request,
)
from callwright.telephony.sip.trunks import Trunk

if TYPE_CHECKING:
    from callwright.telephony.rtp.session import RtpSession

log = logging.getLogger("callwright.sip")

DIAL_TIMEOUT_S = 30.0  # how long a call may ring before we give up on it
OFFERED_CODECS = ((0, "PCMU"), (8, "PCMA"))  # (payload type, codec), preferred first
DTMF_PAYLOAD_TYPE = 101
DIAL_TRANSPORTS = ("udp", "tcp")
NO_ANSWER = "no answer"
USER_AGENT = "callwright"


class CallFailed(Exception):
    """A call we placed was not answered. `status` is the SIP final status: 486 busy,
    603 declined, 404 no such user, 408 or 487 no answer, 488 no common codec."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def build_offer(local_ip: str, local_port: int, session_id: int) -> SessionDescription:
    """Our SDP offer: one sendrecv audio stream, G.711 and RFC 4733 DTMF, 20 ms packets."""
    address_type = "IP6" if ":" in local_ip else "IP4"
    formats = [str(pt) for pt, _ in OFFERED_CODECS] + [str(DTMF_PAYLOAD_TYPE)]
    attributes: list[tuple[str, str | None]] = [
        ("rtpmap", f"{pt} {codec}/{CODEC_CLOCK_RATE_HZ}") for pt, codec in OFFERED_CODECS
    ]
    attributes += [
        ("rtpmap", f"{DTMF_PAYLOAD_TYPE} {TELEPHONE_EVENT}/{CODEC_CLOCK_RATE_HZ}"),
        ("fmtp", f"{DTMF_PAYLOAD_TYPE} {DTMF_EVENTS}"),
        ("ptime", str(PTIME_MS)),
        ("sendrecv", None),
    ]
    return SessionDescription(
        origin=f"callwright {session_id} 1 IN {address_type} {local_ip}",
        session_name="callwright",
        connection_address=local_ip,
        media=[MediaDescription("audio", local_port, "RTP/AVP", formats, None, attributes)],
    )


def build_invite(
    target: str,
    *,
    from_uri: str,
    via: Via,
    contact: str,
    offer: bytes,
    allow: Iterable[str],
    extra: Iterable[tuple[str, str]] = (),
) -> SipRequest:
    """A dialog-creating INVITE to `target` with a new Call-ID, From tag and CSeq, and the
    `extra` header lines (made safe by extra_headers) before the body's."""
    headers = Headers(
        [
            ("Via", via.serialize()),
            ("Max-Forwards", str(MAX_FORWARDS)),
            ("From", f"<{from_uri}>;tag={new_tag()}"),
            ("To", f"<{target}>"),
            ("Call-ID", secrets.token_hex(16)),
            ("CSeq", f"{secrets.randbelow(2**16) + 1} INVITE"),
            ("Contact", contact),
            ("Allow", ", ".join(allow)),
            ("User-Agent", USER_AGENT),
            *extra,
            ("Content-Type", "application/sdp"),
        ]
    )
    return SipRequest(headers=headers, body=offer, method="INVITE", uri=target)


@dataclass(eq=False)
class _Invitation:
    """What the dialing side hears of its INVITE, and the ACK it resends to a resent 2xx."""

    invite: SipRequest
    flow: SipFlow
    final: asyncio.Future[SipResponse]
    provisional: list[int] = field(default_factory=list)
    cancelled: bool = False
    transaction: InviteClientTransaction | None = None
    _ack: tuple[bytes, SipFlow] | None = None

    def receive(self, response: SipResponse) -> None:
        if response.status < 200:
            self.provisional.append(response.status)
            log.info("call %s: %d %s", self.invite.call_id, response.status, response.reason)
        elif not self.final.done():
            self.final.set_result(response)
        elif response.to_address.tag != self.final.result().to_address.tag:
            log.warning("call %s: ignoring a 2xx from a second fork", self.invite.call_id)
        elif self._ack is not None:
            self._ack[1].send(self._ack[0])  # the 2xx again: our ACK was lost

    def acknowledge(self, ack: SipRequest, flow: SipFlow) -> None:
        self._ack = (ack.serialize(), flow)
        flow.send(self._ack[0])

    def cancel(self) -> SipRequest:
        """Give up on the INVITE; the CANCEL that asks the callee to stop ringing."""
        self.cancelled = True
        return companion_request(self.invite, "CANCEL", self.invite.headers.get("To") or "")


class Dialing:
    """SipServer's dial(); what it uses of SipServer (endpoint.py) is declared here."""

    host: str
    allowed_methods: tuple[str, ...]
    trunks: tuple[Trunk, ...]
    access: SipAccess
    _timers: SipTimers
    _transactions: Transactions
    _calls: dict[DialogKey, SipCall]
    _closing: bool
    _udp: asyncio.DatagramTransport | None
    _open_media: Callable[[str], Awaitable[RtpSession]] | None

    if TYPE_CHECKING:

        async def _udp_flow(self, host: str, port: int) -> UdpFlow: ...
        async def _tcp_flow(self, host: str, port: int) -> TcpFlow: ...
        async def _dialog_flow(self, dialog: Dialog, flow: SipFlow) -> SipFlow: ...
        async def _send_in_dialog(
            self, call: SipCall, method: str, headers: Iterable[tuple[str, str]]
        ) -> SipResponse: ...
        def _via(self, flow: SipFlow, local_ip: str) -> Via: ...
        def _contact(self, flow: SipFlow, local_ip: str, user: str) -> str: ...
        def _forget_call(self, call: SipCall) -> None: ...
        def _spawn(self, coroutine: Awaitable[None]) -> None: ...
        def _advertised(self, flow: SipFlow) -> str: ...

    async def dial(
        self,
        target_uri: str,
        *,
        from_user: str,
        timeout_s: float = DIAL_TIMEOUT_S,
        headers: Mapping[str, str] | None = None,
        trunk: str | None = None,
        caller_id: str | None = None,
    ) -> SipCall:
        """Call `target_uri` (e.g. sip:alice@10.0.0.7:5060, or with ;transport=tcp) as
        `from_user` and return the answered call, its media started. `headers` go on the
        INVITE (e.g. X-Callwright-Summary for a human taking a warm transfer). Through a
        `trunk` (its name), `target_uri` may be a number; the call goes to the trunk's proxy
        with its caller id, and the proxy's challenge is answered with its credentials.
        `caller_id`: the user the callee sees the call from (a campaign's number), in place
        of the trunk's or `from_user`.

        Raises CallFailed when the call is not answered, SipParseError for a target that is
        not a sip: URI, OSError when the target cannot be reached, ValueError for a header
        the application may not set (see extra_headers).
        """
        if self._udp is None or self._closing:
            raise RuntimeError("SipServer is not running: await start() before dial()")
        extra = extra_headers(headers)
        through = self._trunk_named(trunk) if trunk else None
        if through is not None:
            target_uri = through.target_uri(target_uri)
            from_user = caller_id or through.caller_id_for(from_user)
            extra.append(("P-Asserted-Identity", f"<sip:{from_user}@{through.realm_domain}>"))
        elif caller_id:
            from_user = caller_id
        if not self.access.may_call(target_uri):
            raise CallFailed(403, f"{target_uri} is not an allowed call target (call_targets)")
        target = SipUri.parse(target_uri)
        transport = (target.params.get("transport") or "udp").lower()
        if target.scheme != "sip" or transport not in DIAL_TRANSPORTS:
            raise SipParseError(
                f"cannot dial {target_uri!r}: only sip: URIs over UDP or ;transport=tcp"
            )
        next_hop = through.registrar_uri.address() if through else target.address()
        if transport == "tcp":
            flow: SipFlow = await self._tcp_flow(*next_hop)
        else:
            flow = await self._udp_flow(*next_hop)
        rtp: RtpSession | None = None
        try:
            assert self._open_media is not None
            rtp = await self._open_media(self.host)
            through = through or next((t for t in self.trunks if t.serves(target)), None)
            call = await self._invite(target_uri, from_user, flow, rtp, timeout_s, extra, through)
            rtp = None  # the call owns it now
            return call
        except BaseException:
            if isinstance(flow, TcpFlow):
                flow.writer.close()
            raise
        finally:
            if rtp is not None:
                await rtp.close()

    def _trunk_named(self, name: str) -> Trunk:
        for trunk in self.trunks:
            if trunk.name == name:
                return trunk
        known = ", ".join(t.name for t in self.trunks) or "none configured"
        raise ValueError(f"no trunk named {name!r} (trunks: {known})")

    async def _invite(
        self,
        target: str,
        from_user: str,
        flow: SipFlow,
        rtp: RtpSession,
        timeout_s: float,
        extra: list[tuple[str, str]],
        trunk: Trunk | None,
    ) -> SipCall:
        local = self._advertised(flow)
        session_id = secrets.randbelow(2**31)
        caller = f"sip:{from_user}@{format_host(local)}"
        invite = build_invite(
            target,
            from_uri=caller,
            via=self._via(flow, local),
            contact=self._contact(flow, local, from_user),
            offer=build_offer(local, rtp.local_port, session_id).serialize(),
            allow=self.allowed_methods,
            extra=extra,
        )
        log.info(
            "dialing %s as %r over %s (call %s)", target, from_user, flow.transport, invite.call_id
        )
        invitation = _Invitation(invite, flow, asyncio.get_running_loop().create_future())
        answer = await self._ring(invitation, timeout_s)
        if answer.status in (401, 407) and trunk is not None and not invitation.cancelled:
            invite = self._with_credentials(invite, answer, trunk, self._via(flow, local))
            invitation = _Invitation(invite, flow, asyncio.get_running_loop().create_future())
            answer = await self._ring(invitation, timeout_s)
        if answer.status >= 300:
            reason = NO_ANSWER if invitation.cancelled else answer.reason
            log.info("call %s failed: %d %s", invite.call_id, answer.status, reason)
            raise CallFailed(answer.status, reason)
        dialog = Dialog.from_answer(invite, answer)
        ack_flow = await self._dialog_flow(dialog, flow)
        invitation.acknowledge(dialog.create_request("ACK", self._via(ack_flow, local)), ack_flow)
        if invitation.cancelled:  # answered just as we gave up
            await self._bye(dialog, ack_flow, local)
            raise CallFailed(408, NO_ANSWER)
        try:
            plan = negotiate(SessionDescription.parse(answer.body))
        except (SipParseError, SdpNegotiationError) as error:
            await self._bye(dialog, ack_flow, local)
            raise CallFailed(488, f"the answer's SDP is unusable: {error}") from None
        call = SipCall(
            dialog=dialog,
            flow=ack_flow,
            rtp=rtp,
            plan=plan,
            caller=caller,
            callee=from_user,
            timers=self._timers,
            send_in_dialog=self._send_in_dialog,
            on_ended=self._forget_placed_call,
            direction="outbound",
        )
        call.local_ip = local
        call.may_call = self.access.may_call
        call.remote_party = str(invite.uri)
        call.contact = invite.headers.get("Contact") or ""
        call.sdp_session_id = session_id
        self._calls[dialog.key] = call
        call.start_media()
        log.info("call %s to %s answered (%s)", call.call_id, target, plan.codec)
        return call

    async def _ring(self, invitation: _Invitation, timeout_s: float) -> SipResponse:
        """The final response to our INVITE (a local 408 or the 487 to our CANCEL when
        nobody answers within timeout_s)."""
        invitation.transaction = self._transactions.start_invite(
            invitation.invite, invitation.flow, invitation.receive
        )
        try:
            final = await asyncio.wait_for(asyncio.shield(invitation.final), timeout_s)
        except TimeoutError:
            final = await self._give_up(invitation)
        except asyncio.CancelledError:
            if not invitation.final.done():
                self._spawn(self._give_up(invitation))
            raise
        return final

    @staticmethod
    def _with_credentials(
        invite: SipRequest, challenge: SipResponse, trunk: Trunk, via: Via
    ) -> SipRequest:
        """The INVITE again, answering `challenge` (401/407) with the trunk's credentials:
        same Call-ID, From and To, the next CSeq, a new branch (RFC 3261 §22.2)."""
        proxy = challenge.status == 407
        offered = challenge.headers.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
        try:
            chosen = pick_challenge(offered)
        except SipParseError as error:
            raise CallFailed(challenge.status, f"{challenge.reason}: {error}") from None
        value = authorization(chosen, trunk.credentials, "INVITE", invite.uri)
        headers = Headers(list(invite.headers))
        headers.replace("Via", via.serialize())
        headers.replace("CSeq", f"{invite.cseq.number + 1} INVITE")
        headers.remove("Content-Type")
        headers.add("Proxy-Authorization" if proxy else "Authorization", value)
        headers.add("Content-Type", "application/sdp")
        return SipRequest(headers=headers, body=invite.body, method="INVITE", uri=invite.uri)

    async def _give_up(self, invitation: _Invitation) -> SipResponse:
        """CANCEL once ringing and wait for the INVITE's final (487, or a late 2xx); without
        a provisional response, or when the final never comes, end the transaction (408)."""
        assert invitation.transaction is not None
        cancel = invitation.cancel()
        if invitation.provisional:
            self._spawn(self._send_cancel(cancel, invitation.flow))
            try:
                return await asyncio.wait_for(
                    asyncio.shield(invitation.final), self._timers.timeout_s
                )
            except TimeoutError:
                pass
        invitation.transaction.give_up()
        return invitation.final.result()

    async def _send_cancel(self, cancel: SipRequest, flow: SipFlow) -> None:
        response = await self._transactions.send_request(cancel, flow)
        log.info("CANCEL of %s answered %d", cancel.call_id, response.status)

    async def _bye(self, dialog: Dialog, flow: SipFlow, local: str) -> None:
        """End a dialog we will not keep (answered too late, or with unusable SDP)."""
        bye = dialog.create_request("BYE", self._via(flow, local))
        await self._transactions.send_request(bye, flow)

    def _forget_placed_call(self, call: SipCall) -> None:
        """A placed call ended: forget it, and close the TCP connection we opened for it
        after T4, so that the peer's last words (e.g. a 200 to BYE, sent twice) still arrive
        and its own wind-down is not cut short."""
        self._forget_call(call)
        if isinstance(call.flow, TcpFlow):
            asyncio.get_running_loop().call_later(self._timers.t4_s, call.flow.writer.close)
