"""The SIP settings file (`callwright serve --sip-config sip.yaml`): trunks, who may reach the
SIP port, whom the agents may call, and the addresses to use behind NAT.

```yaml
public_address: 203.0.113.7        # behind NAT: the address in Contact, Via and SDP
rtp_ports: 40000-40999             # media ports the NAT or firewall forwards
allow_sources: [10.0.0.0/8]        # who may call in (with every trunk's networks)
unknown_sources: reject            # others get 403; "drop" answers nothing
rate_limit: {per_s: 5, burst: 20}  # per source address and method; null: no limit
call_targets: ["sip:*@pbx.example.com", "+1555*"]   # transfers and placed calls
trunks:
  - name: main
    registrar: sip:sip.provider.example:5060
    username: acme
    password_env: MAIN_TRUNK_PASSWORD  # the password itself stays in the environment
    agent: front-desk                  # answers the trunk's calls
    caller_id: "+15551230000"
    caller_ids: {pharmacy: "+15551230077"}   # an agent's own number, before caller_id
    networks: [198.51.100.0/24]
numbers: {"+15551230000": front-desk}   # a provider's DIDs in the Request-URI -> agent
sip_users:                         # callers let in by digest password from any address
  - username: branch-pbx
    password_env: BRANCH_PBX_PASSWORD
```
Without a file, or without `allow_sources`, only loopback and private networks (and the
trunks') may call in: a server on a public address answers no stranger by default.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callwright.telephony.sip.access import RateLimit, SipAccess
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.trunks import DEFAULT_EXPIRES_S, Network, Trunk

PRIVATE_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                    "fc00::/7")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _RateLimitFile(_Strict):
    per_s: float = RateLimit().per_s
    burst: int = RateLimit().burst


class _TrunkFile(_Strict):
    name: str
    registrar: str
    username: str
    password_env: str
    agent: str
    domain: str = ""
    expires_s: int = DEFAULT_EXPIRES_S
    registers: bool = Field(True, alias="register")  # BaseModel has its own `register`
    caller_id: str = ""
    caller_ids: dict[str, str] = {}
    networks: list[str] = []


class _UserFile(_Strict):
    username: str
    password_env: str


class _SipFile(_Strict):
    public_address: str | None = None
    rtp_ports: str | None = None
    allow_sources: list[str] = list(PRIVATE_NETWORKS)
    unknown_sources: Literal["reject", "drop"] = "reject"
    rate_limit: _RateLimitFile | None = _RateLimitFile()
    call_targets: list[str] = []
    trunks: list[_TrunkFile] = []
    sip_users: list[_UserFile] = []
    numbers: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class SipSettings:
    """What SipServer is given: see the module docstring."""

    access: SipAccess = field(default_factory=lambda: _access(_SipFile()))
    trunks: tuple[Trunk, ...] = ()
    public_address: str | None = None
    rtp_ports: range | None = None
    digest_users: Mapping[str, str] = field(default_factory=dict)
    """Callers let in by password from any address: username -> password."""
    numbers: Mapping[str, str] = field(default_factory=dict)
    """Dialed numbers (a provider's DIDs in the Request-URI) -> the agent that answers."""

    def agent_for(self, dialed: str) -> str:
        """The agent answering calls to `dialed` (with or without its leading +); "" if none."""
        return self.numbers.get(dialed) or self.numbers.get(f"+{dialed.lstrip('+')}") or ""


def load_sip_settings(path: Path | None, environ: Mapping[str, str] = os.environ) -> SipSettings:
    """The settings in `path` (defaults without one). ValueError names the file and the
    setting that is wrong, or the environment variable a trunk's password is missing from."""
    if path is None:
        return SipSettings()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        parsed = _SipFile.model_validate(raw)
        trunks = tuple(_trunk(t, environ) for t in parsed.trunks)
        names = [t.name for t in trunks]
        if len(set(names)) != len(names):
            raise ValueError(f"trunk names must differ, not {names}")
        return SipSettings(
            access=_access(parsed),
            trunks=trunks,
            public_address=_address(parsed.public_address) if parsed.public_address else None,
            rtp_ports=_port_range(parsed.rtp_ports) if parsed.rtp_ports else None,
            digest_users={u.username: _secret(u.password_env, f"sip user {u.username!r}", environ)
                          for u in parsed.sip_users},
            numbers=parsed.numbers,
        )
    except OSError as error:
        raise ValueError(f"cannot read the SIP settings {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not valid YAML: {error}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ValueError(f"{path}: {problems}") from None
    except (ValueError, SipParseError) as error:
        raise ValueError(f"{path}: {error}") from None


def _secret(variable: str, whose: str, environ: Mapping[str, str]) -> str:
    password = environ.get(variable)
    if not password:
        raise ValueError(f"{whose}: set its password in the environment variable {variable}")
    return password


def _trunk(entry: _TrunkFile, environ: Mapping[str, str]) -> Trunk:
    password = _secret(entry.password_env, f"trunk {entry.name!r}", environ)
    return Trunk(
        name=entry.name, registrar=entry.registrar, username=entry.username, password=password,
        agent=entry.agent, domain=entry.domain, expires_s=entry.expires_s,
        register=entry.registers, caller_id=entry.caller_id, caller_ids=entry.caller_ids,
        networks=_networks(entry.networks),
    )


def _access(parsed: _SipFile) -> SipAccess:
    limit = parsed.rate_limit
    return SipAccess(
        allow=_networks(parsed.allow_sources),
        unknown_sources=parsed.unknown_sources,
        rate_limit=RateLimit(limit.per_s, limit.burst) if limit else None,
        call_targets=tuple(parsed.call_targets),
    )


def _networks(texts: list[str]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(text, strict=False) for text in texts)
    except ValueError as error:
        raise ValueError(f"not a network: {error}") from None


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"public_address must be an IP address, not {text!r}") from None


def _port_range(text: str) -> range:
    first, _, last = text.partition("-")
    try:
        ports = range(int(first), int(last or first) + 1)
    except ValueError:
        raise ValueError(f"rtp_ports must look like 40000-40999, not {text!r}") from None
    if not ports or ports.start < 1024 or ports.stop > 65536 or len(ports) < 2:
        raise ValueError(f"rtp_ports {text!r} must be at least two ports within 1024-65535")
    return ports
