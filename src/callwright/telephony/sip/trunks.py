"""SIP trunks: a provider's registrar and proxy that callwright registers with and calls through.

A trunk is configured once (see config.py's telephony file) and used three ways: REGISTER
keeps our Contact bound to the trunk's address of record (registration.py); calls placed
through it answer the proxy's 401/407 with its credentials (outbound.py); calls arriving from
its networks are accepted without a challenge and answered by its agent (access.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from callwright.telephony.sip.address import SipUri, format_host
from callwright.telephony.sip.digest import Credentials

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_EXPIRES_S = 600


@dataclass(frozen=True, slots=True)
class Trunk:
    """One provider account."""

    name: str
    registrar: str
    """sip: URI of the provider's registrar and outbound proxy, e.g. sip:sip.example.com:5060
    (;transport=tcp for TCP)."""
    username: str
    password: str = field(repr=False)
    agent: str
    """The agent that answers calls arriving on this trunk (the user of our Contact)."""
    domain: str = ""
    """Domain of the address of record (sip:username@domain); the registrar's host:port when
    empty."""
    expires_s: int = DEFAULT_EXPIRES_S
    register: bool = True
    caller_id: str = ""
    """The From user (and P-Asserted-Identity) of calls placed through the trunk; the
    agent's name when empty."""
    caller_ids: Mapping[str, str] = field(default_factory=dict)
    """Per agent, a caller id of its own (agent name -> number), before `caller_id`."""
    networks: tuple[Network, ...] = ()
    """Where the provider's calls come from (besides the registrar's own address): accepted
    without a challenge and without a rate limit."""

    def __post_init__(self) -> None:
        uri = SipUri.parse(self.registrar)  # SipParseError for a bad URI, at load time
        if uri.scheme != "sip":
            raise ValueError(f"trunk {self.name!r}: the registrar must be a sip: URI")
        if self.expires_s < 10:
            raise ValueError(f"trunk {self.name!r}: expires_s must be at least 10 seconds")

    @property
    def registrar_uri(self) -> SipUri:
        return SipUri.parse(self.registrar)

    @property
    def transport(self) -> str:
        return (self.registrar_uri.params.get("transport") or "udp").lower()

    @property
    def realm_domain(self) -> str:
        if self.domain:
            return self.domain
        host, port = self.registrar_uri.address()
        return f"{format_host(host)}:{port}"

    @property
    def address_of_record(self) -> str:
        return f"sip:{self.username}@{self.realm_domain}"

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.username, self.password)

    def caller_id_for(self, agent: str) -> str:
        """Who a call placed through the trunk by `agent` says it is from."""
        return self.caller_ids.get(agent) or self.caller_id or agent

    def target_uri(self, number: str) -> str:
        """The Request-URI of a call through this trunk to `number` (or a full sip: URI)."""
        if number.startswith("sip:"):
            return number
        suffix = ";transport=tcp" if self.transport == "tcp" else ""
        return f"sip:{number}@{self.realm_domain}{suffix}"

    def serves(self, target: SipUri) -> bool:
        """Whether a request to `target` goes to this trunk (its host is the registrar's or
        the trunk's domain), so the trunk's credentials answer a challenge to it."""
        host, port = target.address()
        own = {self.registrar_uri.address(), _host_port(self.realm_domain)}
        return (host, port) in own

    def has_source(self, ip: str) -> bool:
        """Whether requests from `ip` come from the trunk: its networks, or its registrar's
        address when that is an IP address."""
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        if ip == self.registrar_uri.address()[0]:
            return True
        return any(address in network for network in self.networks)


def _host_port(domain: str) -> tuple[str, int]:
    return SipUri.parse(f"sip:{domain}").address()
