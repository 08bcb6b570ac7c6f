"""SIP requests and responses: parse from bytes, serialize to bytes (RFC 3261 §7, §20).

Headers keep the order and spelling they arrived with (so a message round-trips byte for
byte) and are looked up case-insensitively, compact forms included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from callwright.telephony.sip.address import CSeq, NameAddress, Via, split_header_values
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.reasons import REASON_PHRASES

__all__ = [
    "Headers",
    "SipParseError",
    "SipRequest",
    "SipResponse",
    "extra_headers",
    "find_message_length",
    "parse_message",
]

SIP_VERSION = "SIP/2.0"
MAX_MESSAGE_BYTES = 65_535
MAX_HEADER_SECTION_BYTES = 32_768
MAX_HEADER_LINES = 200
MAX_EXTRA_HEADER_VALUE_BYTES = 1024  # an application header's value is cut to this

COMPACT_HEADER_NAMES = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
    "k": "supported",
    "s": "subject",
    "e": "content-encoding",
    "o": "event",
    "r": "refer-to",
    "u": "allow-events",
}
REQUIRED_REQUEST_HEADERS = ("Via", "From", "To", "Call-ID", "CSeq")
STACK_HEADERS = (  # written by the SIP stack itself, never taken from an application
    *REQUIRED_REQUEST_HEADERS,
    "Max-Forwards", "Contact", "Route", "Record-Route", "Content-Length", "Content-Type",
    "Allow", "Require", "Event", "Subscription-State", "Refer-To", "Referred-By",
)  # fmt: skip

_TOKEN_RE = re.compile(r"^[A-Za-z0-9.!%*_+`'~-]+$")
_UNSAFE_IN_LINE_RE = re.compile(r"[\s\x00-\x1f\x7f]+")  # CR, LF, tabs, controls
_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
_START_LINE_RE = re.compile(rb"^(?:[A-Za-z]+ \S+ SIP/2\.0|SIP/2\.0 \d{3}(?: .*)?)\r?$", re.I)
_CONTENT_LENGTH_RE = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)", re.I | re.M)


def _key(name: str) -> str:
    lowered = name.lower()
    return COMPACT_HEADER_NAMES.get(lowered, lowered)


class Headers:
    """Ordered SIP header lines with case-insensitive, compact-form-aware lookup.

    Lines read by parse_message keep their exact text, so an unchanged message serializes
    byte for byte as it arrived.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)
        self._raw: list[str | None] = [None] * len(self._items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of the first line named `name`."""
        key = _key(name)
        return next((v for n, v in self._items if _key(n) == key), default)

    def get_all(self, name: str) -> list[str]:
        """The values of every line named `name`, in order, not comma-split."""
        key = _key(name)
        return [v for n, v in self._items if _key(n) == key]

    def get_list(self, name: str) -> list[str]:
        """Every comma-separated value of a list header (Via, Route, Contact, Allow, ...)."""
        return [v for line in self.get_all(name) for v in split_header_values(line)]

    def add(self, name: str, value: str, *, raw: str | None = None) -> None:
        """Append a line; `raw` is its text as received, reused while the value is unchanged."""
        self._items.append((name, value))
        self._raw.append(raw)

    def replace(self, name: str, value: str) -> None:
        """Replace the value of the first line named `name` in place, or append a line."""
        key = _key(name)
        for i, (n, _) in enumerate(self._items):
            if _key(n) == key:
                self._items[i] = (n, value)
                self._raw[i] = None
                return
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = _key(name)
        kept = [i for i, (n, _) in enumerate(self._items) if _key(n) != key]
        self._items = [self._items[i] for i in kept]
        self._raw = [self._raw[i] for i in kept]

    def lines(self) -> list[str]:
        """The header lines as they go on the wire."""
        return [raw or f"{n}: {v}" for (n, v), raw in zip(self._items, self._raw, strict=True)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._items == other._items

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


def extra_headers(headers: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """Application headers (e.g. X-Callwright-Summary) made safe for one SIP header line
    each: CR, LF and other controls become spaces, runs of whitespace fold to one, and the
    value is cut to MAX_EXTRA_HEADER_VALUE_BYTES of UTF-8.

    Raises ValueError for a name that is not a token or is one the stack writes itself.
    """
    safe = []
    stack_keys = {_key(stack_name) for stack_name in STACK_HEADERS}
    for name, value in (headers or {}).items():
        if not _TOKEN_RE.match(name):
            raise ValueError(f"{name!r} is not a SIP header name (letters, digits, '-')")
        if _key(name) in stack_keys:
            raise ValueError(f"{name} is written by the SIP stack, not by the application")
        folded = _UNSAFE_IN_LINE_RE.sub(" ", value).strip().encode()
        cut = folded[:MAX_EXTRA_HEADER_VALUE_BYTES].decode(errors="ignore").rstrip()
        safe.append((name, cut))
    return safe


@dataclass(slots=True)
class _SipMessage:
    headers: Headers
    body: bytes

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    @property
    def cseq(self) -> CSeq:
        return CSeq.parse(self.headers.get("CSeq") or "")

    @property
    def vias(self) -> list[Via]:
        return [Via.parse(v) for v in self.headers.get_list("Via")]

    @property
    def from_address(self) -> NameAddress:
        return NameAddress.parse(self.headers.get("From") or "")

    @property
    def to_address(self) -> NameAddress:
        return NameAddress.parse(self.headers.get("To") or "")

    @property
    def content_type(self) -> str:
        value = self.headers.get("Content-Type") or ""
        return value.partition(";")[0].strip().lower()

    def _serialize(self, start_line: str) -> bytes:
        """Start line, headers, then the body framed by a correct Content-Length."""
        length = self.headers.get("Content-Length")
        if length is None or length != str(len(self.body)):
            self.headers.replace("Content-Length", str(len(self.body)))
        lines = [start_line, *self.headers.lines()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass(slots=True)
class SipRequest(_SipMessage):
    method: str = "OPTIONS"
    uri: str = ""

    @classmethod
    def parse(cls, data: bytes) -> SipRequest:
        message = parse_message(data)
        if not isinstance(message, SipRequest):
            raise SipParseError("expected a SIP request, got a response")
        return message

    def serialize(self) -> bytes:
        return self._serialize(f"{self.method} {self.uri} {SIP_VERSION}")

    def response(
        self,
        status: int,
        reason: str | None = None,
        *,
        to_tag: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> SipResponse:
        """A response to this request: Via, From, To (+ `to_tag`), Call-ID and CSeq copied,
        Record-Route too for responses that can establish a dialog (101-299)."""
        copied = Headers()
        for via in self.headers.get_all("Via"):
            copied.add("Via", via)
        copied.add("From", self.headers.get("From") or "")
        to = self.headers.get("To") or ""
        if to_tag and status > 100 and NameAddress.parse(to).tag is None:
            to = f"{to};tag={to_tag}"
        copied.add("To", to)
        copied.add("Call-ID", self.call_id)
        copied.add("CSeq", self.headers.get("CSeq") or "")
        if 100 < status < 300:
            for route in self.headers.get_all("Record-Route"):
                copied.add("Record-Route", route)
        for name, value in headers:
            copied.add(name, value)
        return SipResponse(
            headers=copied,
            body=body,
            status=status,
            reason=reason or REASON_PHRASES.get(status, "Unknown"),
        )


@dataclass(slots=True)
class SipResponse(_SipMessage):
    status: int = 200
    reason: str = "OK"

    @classmethod
    def parse(cls, data: bytes) -> SipResponse:
        message = parse_message(data)
        if not isinstance(message, SipResponse):
            raise SipParseError("expected a SIP response, got a request")
        return message

    def serialize(self) -> bytes:
        return self._serialize(f"{SIP_VERSION} {self.status} {self.reason}")


def parse_message(data: bytes) -> SipRequest | SipResponse:
    """Parse one whole SIP message (a datagram, or a frame cut by find_message_length).

    Raises SipParseError; its `request` is set when a 400 can still be answered.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        raise SipParseError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES}")
    data = data.lstrip(b"\r\n")
    separator = _HEADER_END_RE.search(data)
    head_bytes, body = (
        (data[: separator.start()], data[separator.end() :]) if separator else (data, b"")
    )
    if len(head_bytes) > MAX_HEADER_SECTION_BYTES:
        raise SipParseError(f"header section exceeds {MAX_HEADER_SECTION_BYTES} bytes")
    start_line, headers, problem = _parse_head(head_bytes)
    message = _build(start_line, headers, body)
    try:
        if problem:
            raise SipParseError(problem)
        if separator is None and body:
            raise SipParseError("no blank line between headers and body")
        _validate(message)
    except SipParseError as error:
        error.request = message if isinstance(message, SipRequest) else None
        raise
    return message


def find_message_length(buffer: bytes) -> int | None:
    """Length of the first whole message in a stream buffer, or None until it has arrived.

    Frames by Content-Length (RFC 3261 §18.3); a missing Content-Length means no body.
    """
    first_line_end = buffer.find(b"\n", 0, MAX_HEADER_SECTION_BYTES)
    if first_line_end >= 0 and not _START_LINE_RE.match(buffer[:first_line_end]):
        raise SipParseError(f"not a SIP start line: {buffer[:first_line_end][:60]!r}")
    separator = _HEADER_END_RE.search(buffer, 0, MAX_HEADER_SECTION_BYTES + 4)
    if separator is None:
        if len(buffer) > MAX_HEADER_SECTION_BYTES:
            raise SipParseError(f"header section exceeds {MAX_HEADER_SECTION_BYTES} bytes")
        return None
    match = _CONTENT_LENGTH_RE.search(buffer, 0, separator.start())
    length = _parse_content_length(match.group(1).decode("latin-1") if match else "0")
    total = separator.end() + length
    if total > MAX_MESSAGE_BYTES:
        raise SipParseError(f"message of {total} bytes exceeds {MAX_MESSAGE_BYTES}")
    return total if len(buffer) >= total else None


def _parse_content_length(text: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 9:
        raise SipParseError(f"bad Content-Length {text!r}: expected a non-negative integer")
    return int(text)


def _parse_head(head_bytes: bytes) -> tuple[str, Headers, str | None]:
    """Start line, headers and the first problem met (None when well formed)."""
    try:
        text = head_bytes.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SipParseError(f"header section is not UTF-8 text ({error.reason})") from None
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and len(lines) > 1:  # folded continuation line
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    if len(lines) > MAX_HEADER_LINES + 1:
        raise SipParseError(f"more than {MAX_HEADER_LINES} header lines")
    if not lines[0].strip():
        raise SipParseError("empty message")
    headers = Headers()
    problem = None
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        name = name.strip()
        if colon and _TOKEN_RE.match(name):
            headers.add(name, value.strip(), raw=line)
        elif problem is None:
            problem = f"malformed header line {line[:80]!r}"
    return lines[0].strip(), headers, problem


def _build(start_line: str, headers: Headers, body: bytes) -> SipRequest | SipResponse:
    parts = start_line.split(" ", 2)
    if parts[0].upper().startswith("SIP/"):
        if parts[0].upper() != SIP_VERSION:
            raise SipParseError(f"unsupported SIP version {parts[0][:20]!r}")
        if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) != 3:
            raise SipParseError(f"bad status line {start_line[:80]!r}")
        reason = parts[2] if len(parts) > 2 else ""
        return SipResponse(headers=headers, body=body, status=int(parts[1]), reason=reason)
    if len(parts) != 3 or not _TOKEN_RE.match(parts[0]) or not parts[1]:
        raise SipParseError(f"bad request line {start_line[:80]!r}")
    if parts[2].upper() != SIP_VERSION:
        raise SipParseError(f"unsupported SIP version {parts[2][:20]!r}")
    return SipRequest(headers=headers, body=body, method=parts[0].upper(), uri=parts[1])


def _validate(message: SipRequest | SipResponse) -> None:
    length_text = message.headers.get("Content-Length")
    if length_text is not None:
        length = _parse_content_length(length_text)
        if length > len(message.body):
            raise SipParseError(
                f"Content-Length {length} but only {len(message.body)} body bytes arrived"
            )
        message.body = message.body[:length]
    missing = [name for name in REQUIRED_REQUEST_HEADERS if name not in message.headers]
    if missing:
        raise SipParseError(f"missing required header(s): {', '.join(missing)}")
    cseq = message.cseq
    message.vias  # noqa: B018  (parses every Via; raises on a bad one)
    message.from_address  # noqa: B018
    message.to_address  # noqa: B018
    if isinstance(message, SipRequest) and cseq.method != message.method:
        raise SipParseError(f"CSeq method {cseq.method} does not match request {message.method}")
