"""The dialog an answered INVITE creates, as seen by its UAS (RFC 3261 §12).

It remembers who is on each end, where in-dialog requests go (the remote target from Contact,
via the route set from Record-Route) and the CSeq numbers, and it builds our in-dialog
requests (BYE, REFER). Loose routing: with a route set whose first hop has `;lr`, the request keeps
the remote target as Request-URI, carries the route set as Route headers and goes to the
first route's address, so it works behind Kamailio.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from callwright.telephony.sip.address import BRANCH_MAGIC_COOKIE, NameAddress, SipUri, Via
from callwright.telephony.sip.flow import SipFlow
from callwright.telephony.sip.message import Headers, SipRequest, SipResponse
from callwright.telephony.sip.transaction import MAX_FORWARDS, Retransmission, SipTimers

log = logging.getLogger("callwright.sip")

DialogKey = tuple[str, str]  # (Call-ID, our tag)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_branch() -> str:
    return BRANCH_MAGIC_COOKIE + secrets.token_hex(8)


@dataclass(slots=True)
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_address: str  # our side of From/To (their INVITE's To, or our INVITE's From), no tag
    remote_address: str  # their side of From/To, their tag included
    remote_target: str  # URI from their Contact
    route_set: list[str] = field(default_factory=list)  # Record-Route values, next hop first
    remote_cseq: int = 0
    local_cseq: int = field(default_factory=lambda: secrets.randbelow(2**16) + 1)

    @classmethod
    def from_invite(cls, invite: SipRequest, local_tag: str) -> Dialog:
        contacts = invite.headers.get_list("Contact")
        remote_target = NameAddress.parse(contacts[0]).uri if contacts else invite.from_address.uri
        return cls(
            call_id=invite.call_id,
            local_tag=local_tag,
            remote_tag=invite.from_address.tag or "",
            local_address=invite.headers.get("To") or "",
            remote_address=invite.headers.get("From") or "",
            remote_target=remote_target,
            route_set=invite.headers.get_list("Record-Route"),
            remote_cseq=invite.cseq.number,
        )

    @classmethod
    def from_answer(cls, invite: SipRequest, answer: SipResponse) -> Dialog:
        """The dialog our INVITE's 2xx set up (RFC 3261 §12.1.2): the route set is the
        answer's Record-Route reversed, the remote target its Contact."""
        contacts = answer.headers.get_list("Contact")
        remote_target = NameAddress.parse(contacts[0]).uri if contacts else invite.uri
        from_address = invite.from_address
        local_address = NameAddress(
            from_address.uri,
            from_address.display_name,
            {name: value for name, value in from_address.params.items() if name != "tag"},
        )
        return cls(
            call_id=invite.call_id,
            local_tag=from_address.tag or "",
            remote_tag=answer.to_address.tag or "",
            local_address=local_address.serialize(),
            remote_address=answer.headers.get("To") or "",
            remote_target=remote_target,
            route_set=list(reversed(answer.headers.get_list("Record-Route"))),
            local_cseq=invite.cseq.number,
        )

    @property
    def key(self) -> DialogKey:
        return (self.call_id, self.local_tag)

    def matches(self, request: SipRequest) -> bool:
        """Whether an in-dialog request's From tag is the peer's."""
        return (request.from_address.tag or "") == self.remote_tag

    def accept_request(self, request: SipRequest) -> bool:
        """Track the peer's CSeq; False for an out-of-order request (answer 500)."""
        number = request.cseq.number
        if request.method not in ("ACK", "CANCEL"):
            if number < self.remote_cseq:
                return False
            self.remote_cseq = number
        contacts = request.headers.get_list("Contact")
        if request.method == "INVITE" and contacts:  # a target refresh
            self.remote_target = NameAddress.parse(contacts[0]).uri
        return True

    def next_hop(self) -> tuple[str, int]:
        """Where an in-dialog request goes: the first route, else the remote target."""
        uri = NameAddress.parse(self.route_set[0]).uri if self.route_set else self.remote_target
        return SipUri.parse(uri).address()

    def create_request(
        self,
        method: str,
        via: Via,
        contact: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> SipRequest:
        """A new in-dialog request, routed by the route set, with the next local CSeq (an
        ACK keeps its INVITE's, the last one used) and `headers` after the dialog's own."""
        if method != "ACK":
            self.local_cseq += 1
        routes = list(self.route_set)
        request_uri = self.remote_target
        if routes and "lr" not in NameAddress.parse(routes[0]).sip_uri().params:
            request_uri = NameAddress.parse(routes.pop(0)).uri  # strict router (RFC 2543)
            routes.append(f"<{self.remote_target}>")
        lines = Headers(
            [
                ("Via", via.serialize()),
                ("Max-Forwards", str(MAX_FORWARDS)),
                ("From", f"{self.local_address};tag={self.local_tag}"),
                ("To", self.remote_address),
                ("Call-ID", self.call_id),
                ("CSeq", f"{self.local_cseq} {method}"),
            ]
        )
        for route in routes:
            lines.add("Route", route)
        if contact:
            lines.add("Contact", contact)
        for name, value in headers:
            lines.add(name, value)
        lines.add("Content-Length", "0")
        return SipRequest(headers=lines, body=b"", method=method, uri=request_uri)


class AnswerRetransmission:
    """Our 2xx to an INVITE, resent at T1 doubling to T2 until its ACK (RFC 3261 §13.3.1.4).

    Over TCP it is not resent, but the ACK is still awaited; `on_timeout` runs when no ACK
    came within 64*T1 (the caller then ends the call with a BYE).
    """

    def __init__(
        self,
        data: bytes,
        cseq: int,
        flow: SipFlow,
        timers: SipTimers,
        on_timeout: Callable[[], None],
    ) -> None:
        self.cseq = cseq
        self._retransmission = Retransmission(
            lambda: flow.send(data), timers, on_timeout, retransmit=not flow.reliable
        )

    def acknowledge(self, cseq: int) -> bool:
        """Stop resending when the ACK's CSeq matches our INVITE's."""
        if cseq != self.cseq:
            return False
        self._retransmission.stop()
        return True

    def stop(self) -> None:
        self._retransmission.stop()
