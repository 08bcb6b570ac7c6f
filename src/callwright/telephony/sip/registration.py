"""Keeping registered with a trunk (RFC 3261 §10): SipServer's REGISTER client.

Each trunk with `register: true` gets one task that binds our Contact (sip:<agent>@<our
address>) to the trunk's address of record, answers the registrar's 401/407 with the trunk's
credentials (digest.py), refreshes the binding before it expires, and retries a failure with
a growing backoff (1 s doubling to 5 minutes). A wrong password is a failure like any other:
retried with backoff, its status and reason visible in `Registration`. stop() removes the
binding (Expires: 0) before the sockets close.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callwright.telephony.sip.address import NameAddress, Via
from callwright.telephony.sip.dialog import new_tag
from callwright.telephony.sip.digest import authorization, pick_challenge
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.flow import SipFlow, TcpFlow, UdpFlow
from callwright.telephony.sip.message import Headers, SipRequest, SipResponse
from callwright.telephony.sip.transaction import MAX_FORWARDS, Transactions
from callwright.telephony.sip.trunks import Trunk

log = logging.getLogger("callwright.sip")

FIRST_RETRY_S = 1.0
MAX_RETRY_S = 300.0
REFRESH_MARGIN_S = 5.0  # refresh at least this long before the binding expires
USER_AGENT = "callwright"


class RegistrationState(enum.Enum):
    UNREGISTERED = "unregistered"
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"


@dataclass(eq=False)
class Registration:
    """Where one trunk's registration stands; read by /metrics and the CLI."""

    trunk: Trunk
    state: RegistrationState = RegistrationState.UNREGISTERED
    reason: str = ""
    """The registrar's last answer, e.g. "200 OK" or "403 Forbidden (wrong password?)"."""
    expires_at: float | None = None  # time.time() when the binding runs out
    registered_count: int = 0  # successful REGISTERs (first and refreshes)
    failures: int = 0
    on_change: Callable[[Registration], None] = field(default=lambda r: None, repr=False)
    _call_id: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    _from_tag: str = field(default_factory=new_tag, repr=False)
    _cseq: int = field(default=0, repr=False)
    _flow: SipFlow | None = field(default=None, repr=False)

    def next_cseq(self) -> int:
        self._cseq += 1
        return self._cseq

    def set(self, state: RegistrationState, reason: str, expires_s: int | None = None) -> None:
        self.state = state
        self.reason = reason
        self.expires_at = time.time() + expires_s if expires_s is not None else None
        if state is RegistrationState.REGISTERED:
            self.registered_count += 1
        elif state is RegistrationState.FAILED:
            self.failures += 1
        self.on_change(self)


def refresh_after_s(granted_s: int) -> float:
    """How long to wait before refreshing a binding granted for `granted_s` seconds."""
    return max(1.0, min(granted_s * 0.8, granted_s - REFRESH_MARGIN_S))


def granted_expires(response: SipResponse, contact_uri: str, asked_s: int) -> int:
    """The lifetime the registrar gave our Contact: its ;expires in the 200's Contact list,
    else the Expires header, else what we asked for."""
    for value in response.headers.get_list("Contact"):
        try:
            address = NameAddress.parse(value)
        except SipParseError:
            continue
        expires = address.params.get("expires")
        if address.uri.split(";")[0] == contact_uri.split(";")[0] and expires and expires.isdigit():
            return int(expires)
    header = response.headers.get("Expires")
    return int(header) if header and header.strip().isdigit() else asked_s


class Registering:
    """SipServer's REGISTER client; what it uses of SipServer (endpoint.py) is declared here."""

    host: str
    _transactions: Transactions
    _registrations: dict[str, Registration]

    if TYPE_CHECKING:

        async def _udp_flow(self, host: str, port: int) -> UdpFlow: ...
        async def _tcp_flow(self, host: str, port: int) -> TcpFlow: ...
        def _via(self, flow: SipFlow, local_ip: str) -> Via: ...
        def _contact(self, flow: SipFlow, local_ip: str, user: str) -> str: ...
        def _spawn(self, coroutine: Awaitable[None]) -> None: ...
        def _advertised(self, flow: SipFlow) -> str: ...

    @property
    def registrations(self) -> list[Registration]:
        return list(self._registrations.values())

    def register_trunk(
        self, trunk: Trunk, on_change: Callable[[Registration], None] = lambda r: None
    ) -> Registration:
        """Start keeping `trunk` registered, in the background, until stop()."""
        registration = Registration(trunk, on_change=on_change)
        self._registrations[trunk.name] = registration
        self._spawn(self._keep_registered(registration))
        return registration

    async def _keep_registered(self, registration: Registration) -> None:
        trunk = registration.trunk
        retry_s = FIRST_RETRY_S
        while True:
            registration.set(RegistrationState.REGISTERING, registration.reason)
            try:
                response, contact = await self._register(registration, trunk.expires_s)
            except OSError as error:
                response, contact = None, ""
                reason = f"registrar unreachable: {error}"
            except SipParseError as error:  # a challenge we cannot answer
                response, contact = None, ""
                reason = f"the registrar's challenge: {error}"
            else:
                reason = f"{response.status} {response.reason}"
            if response is not None and 200 <= response.status < 300:
                granted = granted_expires(response, contact, trunk.expires_s)
                registration.set(RegistrationState.REGISTERED, reason, granted)
                log.info("trunk %s registered for %d s", trunk.name, granted)
                retry_s = FIRST_RETRY_S
                await asyncio.sleep(refresh_after_s(granted))
                continue
            if response is not None and response.status in (401, 403, 407):
                reason += " (wrong username or password?)"
            registration.set(RegistrationState.FAILED, reason)
            log.warning("trunk %s: registration failed: %s; retry in %.0f s",
                        trunk.name, reason, retry_s)
            await asyncio.sleep(retry_s)
            retry_s = min(retry_s * 2, MAX_RETRY_S)

    async def _unregister_all(self) -> None:
        """Remove every binding we hold (Expires: 0); called by stop()."""
        held = [r for r in self._registrations.values() if r.state is RegistrationState.REGISTERED]
        results = await asyncio.gather(
            *(self._register(r, 0) for r in held), return_exceptions=True
        )
        for registration, result in zip(held, results, strict=True):
            registration.set(RegistrationState.UNREGISTERED, "unregistered on stop")
            if isinstance(result, BaseException):
                log.warning("trunk %s: unregister failed: %s", registration.trunk.name, result)

    async def _register(
        self, registration: Registration, expires_s: int
    ) -> tuple[SipResponse, str]:
        """One REGISTER, resent once with credentials when challenged; the final response
        and the Contact URI we bound. SipParseError for a challenge we cannot answer."""
        trunk = registration.trunk
        flow = registration._flow
        if flow is None or flow.closed:  # one flow for every REGISTER of the trunk
            host, port = trunk.registrar_uri.address()
            flow = registration._flow = (
                await self._tcp_flow(host, port) if trunk.transport == "tcp"
                else await self._udp_flow(host, port)
            )
        local = self._advertised(flow)
        contact = self._contact(flow, local, trunk.agent)
        request = self._register_request(registration, flow, local, contact, expires_s, None)
        response = await self._transactions.send_request(request, flow)
        if response.status in (401, 407):
            header = "WWW-Authenticate" if response.status == 401 else "Proxy-Authenticate"
            challenge = pick_challenge(response.headers.get_all(header))
            answer = (
                "Authorization" if response.status == 401 else "Proxy-Authorization",
                authorization(challenge, trunk.credentials, "REGISTER", request.uri),
            )
            request = self._register_request(registration, flow, local, contact, expires_s, answer)
            response = await self._transactions.send_request(request, flow)
        return response, contact.strip("<>")

    def _register_request(
        self,
        registration: Registration,
        flow: SipFlow,
        local: str,
        contact: str,
        expires_s: int,
        credentials: tuple[str, str] | None,
    ) -> SipRequest:
        trunk = registration.trunk
        uri = f"sip:{trunk.realm_domain}"
        headers = Headers(
            [
                ("Via", self._via(flow, local).serialize()),
                ("Max-Forwards", str(MAX_FORWARDS)),
                ("From", f"<{trunk.address_of_record}>;tag={registration._from_tag}"),
                ("To", f"<{trunk.address_of_record}>"),
                ("Call-ID", registration._call_id),
                ("CSeq", f"{registration.next_cseq()} REGISTER"),
                ("Contact", contact),
                ("Expires", str(expires_s)),
                ("User-Agent", USER_AGENT),
            ]
        )
        if credentials is not None:
            headers.add(*credentials)
        headers.add("Content-Length", "0")
        return SipRequest(headers=headers, body=b"", method="REGISTER", uri=uri)
