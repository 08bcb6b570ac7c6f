"""The structured SIP header values a UAS reads: URIs, name-addrs, Via and CSeq (RFC 3261 §25)."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

from callwright.telephony.sip.errors import SipParseError

DEFAULT_SIP_PORT = 5060
BRANCH_MAGIC_COOKIE = "z9hG4bK"
_USER_SAFE_CHARS = "-_.!~*'()&=+$,;?/"  # RFC 3261 unreserved + user-unreserved


def split_header_values(value: str) -> list[str]:
    """Split a comma-separated header value, ignoring commas inside quotes and <...>."""
    values: list[str] = []
    current: list[str] = []
    in_quotes = in_angle = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and in_quotes:
            escaped = True
        elif char == '"':
            in_quotes = not in_quotes
        elif char == "<" and not in_quotes:
            in_angle = True
        elif char == ">" and not in_quotes:
            in_angle = False
        elif char == "," and not in_quotes and not in_angle:
            values.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    values.append("".join(current).strip())
    return [v for v in values if v]


def parse_params(text: str) -> dict[str, str | None]:
    """Parse ';name=value;flag' parameters (the leading ';' optional); names are lower-cased."""
    params: dict[str, str | None] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        params[name.strip().lower()] = value.strip() if sep else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def format_host(host: str) -> str:
    """Bracket an IPv6 literal for use in a URI or Via."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _split_host_port(text: str, what: str) -> tuple[str, int | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = text.partition(":")
    if not host:
        raise SipParseError(f"{what} has no host: {text!r}")
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SipParseError(f"{what} has a bad port: {text!r}")
    return host, int(port_text)


@dataclass(slots=True)
class SipUri:
    """A sip:/sips: URI, e.g. sip:alice@10.0.0.1:5062;transport=tcp."""

    host: str
    user: str | None = None
    port: int | None = None
    scheme: str = "sip"
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> SipUri:
        scheme, sep, rest = text.strip().partition(":")
        scheme = scheme.lower()
        if not sep or scheme not in ("sip", "sips"):
            raise SipParseError(f"not a sip: URI: {text!r}")
        rest = rest.partition("?")[0]  # URI headers are not used by a UAS
        rest, _, param_text = rest.partition(";")
        user = None
        if "@" in rest:
            userinfo, _, rest = rest.rpartition("@")
            user = urllib.parse.unquote(userinfo.partition(":")[0])
        host, port = _split_host_port(rest, "SIP URI")
        return cls(host=host, user=user, port=port, scheme=scheme, params=parse_params(param_text))

    def serialize(self) -> str:
        userinfo = f"{urllib.parse.quote(self.user, safe=_USER_SAFE_CHARS)}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}:{userinfo}{format_host(self.host)}{port}{format_params(self.params)}"

    def address(self) -> tuple[str, int]:
        """Where to send a request for this URI (maddr, then host; no DNS SRV)."""
        host = self.params.get("maddr") or self.host
        return host, self.port or DEFAULT_SIP_PORT


@dataclass(slots=True)
class NameAddress:
    """A From/To/Contact/Route value: optional display name, URI and header parameters."""

    uri: str
    display_name: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> NameAddress:
        text = text.strip()
        if "<" in text:
            display, _, rest = text.partition("<")
            uri, closed, param_text = rest.partition(">")
            if not closed:
                raise SipParseError(f"unclosed '<' in address: {text!r}")
            display = display.strip().strip('"') or None
        else:  # addr-spec: parameters after the URI belong to the header
            uri, _, param_text = text.partition(";")
            display = None
        if not uri.strip():
            raise SipParseError(f"address has no URI: {text!r}")
        return cls(uri=uri.strip(), display_name=display, params=parse_params(param_text))

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def sip_uri(self) -> SipUri:
        return SipUri.parse(self.uri)

    def serialize(self) -> str:
        display = f'"{self.display_name}" ' if self.display_name else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"


@dataclass(slots=True)
class Via:
    """One Via hop: SIP/2.0/UDP host:port;branch=...;rport."""

    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Via:
        protocol, _, rest = text.strip().partition(" ")
        parts = [p.strip() for p in protocol.split("/")]
        if len(parts) != 3 or parts[0].upper() != "SIP" or not parts[2]:
            raise SipParseError(f"bad Via protocol: {text!r}")
        sent_by, _, param_text = rest.strip().partition(";")
        host, port = _split_host_port(sent_by.strip(), "Via")
        params = parse_params(param_text)
        return cls(transport=parts[2].upper(), host=host, port=port, params=params)

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    def serialize(self) -> str:
        port = f":{self.port}" if self.port else ""
        sent_by = f"{format_host(self.host)}{port}"
        return f"SIP/2.0/{self.transport} {sent_by}{format_params(self.params)}"


@dataclass(frozen=True, slots=True)
class CSeq:
    number: int
    method: str

    @classmethod
    def parse(cls, text: str) -> CSeq:
        number, _, method = text.strip().partition(" ")
        method = method.strip()
        if not number.isdigit() or len(number) > 10 or not method:
            raise SipParseError(f"bad CSeq {text!r}: expected '<number> <METHOD>'")
        return cls(int(number), method.upper())

    def serialize(self) -> str:
        return f"{self.number} {self.method}"
