"""SDP offer/answer for one G.711 audio stream (RFC 4566, RFC 3264).

We answer: pick PCMU, else PCMA, keep telephone-event (RFC 4733) at the offerer's payload
type, and answer hold properly (their sendonly -> our recvonly, inactive -> inactive).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callwright.telephony.sip.errors import SipParseError

CODEC_PREFERENCE = ("PCMU", "PCMA")
STATIC_PAYLOAD_TYPES = {0: "PCMU", 8: "PCMA"}
CODEC_CLOCK_RATE_HZ = 8000
TELEPHONE_EVENT = "telephone-event"
DTMF_EVENTS = "0-16"
PTIME_MS = 20
RTP_PROFILES = ("RTP/AVP", "RTP/AVPF")
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
ANSWER_DIRECTION = {
    "sendrecv": "sendrecv",
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
}
HOLD_ADDRESSES = ("0.0.0.0", "::")  # RFC 2543 style hold: "do not send to me"


class SdpNegotiationError(ValueError):
    """The offer has no audio stream we can take (answer 488 Not Acceptable Here)."""


@dataclass(slots=True)
class MediaDescription:
    """One m= section with its own c= and a= lines."""

    media: str
    port: int
    proto: str
    formats: list[str]
    connection_address: str | None = None
    attributes: list[tuple[str, str | None]] = field(default_factory=list)

    def attribute(self, name: str) -> str | None:
        return next((v for n, v in self.attributes if n == name), None)

    def has_attribute(self, name: str) -> bool:
        return any(n == name for n, _ in self.attributes)


@dataclass(slots=True)
class SessionDescription:
    origin: str
    session_name: str = "-"
    connection_address: str | None = None
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    media: list[MediaDescription] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes) -> SessionDescription:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SipParseError("SDP body is not UTF-8 text") from None
        session = cls(origin="")
        current: MediaDescription | None = None
        for raw in text.splitlines():
            kind, eq, value = raw.strip().partition("=")
            if not raw.strip():
                continue
            if not eq or len(kind) != 1:
                raise SipParseError(f"bad SDP line {raw[:60]!r}: expected '<type>=<value>'")
            if kind == "o":
                session.origin = value
            elif kind == "s":
                session.session_name = value
            elif kind == "c":
                address = _parse_connection(value)
                if current is None:
                    session.connection_address = address
                else:
                    current.connection_address = address
            elif kind == "m":
                current = _parse_media(value)
                session.media.append(current)
            elif kind == "a":
                name, sep, attr_value = value.partition(":")
                target = session.attributes if current is None else current.attributes
                target.append((name.strip(), attr_value.strip() if sep else None))
        if not session.media:
            raise SipParseError("SDP has no m= line")
        return session

    def serialize(self) -> bytes:
        lines = ["v=0", f"o={self.origin}", f"s={self.session_name}"]
        if self.connection_address:
            lines.append(f"c={_format_connection(self.connection_address)}")
        lines.append("t=0 0")
        lines += [_format_attribute(n, v) for n, v in self.attributes]
        for media in self.media:
            lines.append(f"m={media.media} {media.port} {media.proto} {' '.join(media.formats)}")
            if media.connection_address:
                lines.append(f"c={_format_connection(media.connection_address)}")
            lines += [_format_attribute(n, v) for n, v in media.attributes]
        return ("\r\n".join(lines) + "\r\n").encode()


@dataclass(frozen=True, slots=True)
class MediaPlan:
    """What the offer and our choice mean for RTP."""

    remote: tuple[str, int]
    codec: str  # "PCMU" or "PCMA"
    payload_type: int
    dtmf_payload_type: int | None
    offer_direction: str  # as the offerer wrote it
    answer_direction: str
    stream_index: int  # which m= line we took
    remote_ptime_ms: int | None = None  # the packet time they asked for, if any

    @property
    def we_send(self) -> bool:
        """False while the caller holds us (their sendonly/inactive, or c=0.0.0.0)."""
        on_hold = self.remote[0] in HOLD_ADDRESSES or self.remote[1] == 0
        return self.answer_direction in ("sendrecv", "sendonly") and not on_hold


def negotiate(offer: SessionDescription) -> MediaPlan:
    """Choose the audio stream, codec and DTMF payload type for our answer."""
    problems = []
    for index, media in enumerate(offer.media):
        if media.media != "audio" or media.port == 0:
            continue
        if media.proto.upper() not in RTP_PROFILES:
            problems.append(f"profile {media.proto} (only RTP/AVP, no SRTP)")
            continue
        codecs = _codecs(media)
        chosen = next(
            (pt for name in CODEC_PREFERENCE for pt, codec in codecs.items() if codec == name),
            None,
        )
        if chosen is None:
            problems.append(f"codecs {sorted(set(codecs.values()))} (need PCMU or PCMA)")
            continue
        dtmf = next((pt for pt, codec in codecs.items() if codec == TELEPHONE_EVENT), None)
        address = media.connection_address or offer.connection_address
        if address is None:
            raise SdpNegotiationError("SDP audio stream has no c= connection address")
        direction = _direction(offer, media)
        ptime = media.attribute("ptime") or ""
        return MediaPlan(
            remote=(address, media.port),
            codec=codecs[chosen],
            payload_type=chosen,
            dtmf_payload_type=dtmf,
            offer_direction=direction,
            answer_direction=ANSWER_DIRECTION[direction],
            stream_index=index,
            remote_ptime_ms=int(ptime) if ptime.isdigit() else None,
        )
    detail = "; ".join(problems) or "no audio stream"
    raise SdpNegotiationError(f"no acceptable audio stream in the offer: {detail}")


def build_answer(
    offer: SessionDescription,
    plan: MediaPlan,
    *,
    local_ip: str,
    local_port: int,
    session_id: int,
    version: int,
) -> SessionDescription:
    """Our answer: one m= line per offered one, all but the chosen audio stream rejected."""
    address_type = "IP6" if ":" in local_ip else "IP4"
    answer = SessionDescription(
        origin=f"callwright {session_id} {version} IN {address_type} {local_ip}",
        session_name="callwright",
        connection_address=local_ip,
    )
    for index, offered in enumerate(offer.media):
        if index != plan.stream_index:
            answer.media.append(
                MediaDescription(offered.media, 0, offered.proto, offered.formats[:1])
            )
            continue
        formats = [str(plan.payload_type)]
        attributes: list[tuple[str, str | None]] = [
            ("rtpmap", f"{plan.payload_type} {plan.codec}/{CODEC_CLOCK_RATE_HZ}")
        ]
        if plan.dtmf_payload_type is not None:
            formats.append(str(plan.dtmf_payload_type))
            attributes.append(
                ("rtpmap", f"{plan.dtmf_payload_type} {TELEPHONE_EVENT}/{CODEC_CLOCK_RATE_HZ}")
            )
            attributes.append(("fmtp", f"{plan.dtmf_payload_type} {DTMF_EVENTS}"))
        attributes += [("ptime", str(PTIME_MS)), (plan.answer_direction, None)]
        answer.media.append(
            MediaDescription("audio", local_port, offered.proto, formats, None, attributes)
        )
    return answer


def _codecs(media: MediaDescription) -> dict[int, str]:
    """Payload type -> encoding name (upper-case for audio codecs) for the offered formats."""
    rtpmap: dict[int, str] = {}
    for name, value in media.attributes:
        if name == "rtpmap" and value:
            pt_text, _, encoding = value.partition(" ")
            codec, _, rate = encoding.strip().partition("/")
            if pt_text.isdigit() and rate.partition("/")[0] == str(CODEC_CLOCK_RATE_HZ):
                rtpmap[int(pt_text)] = (
                    TELEPHONE_EVENT if codec.lower() == TELEPHONE_EVENT else codec.upper()
                )
    codecs = {}
    for fmt in media.formats:
        if fmt.isdigit():
            pt = int(fmt)
            name = rtpmap.get(pt) or STATIC_PAYLOAD_TYPES.get(pt)
            if name:
                codecs[pt] = name
    return codecs


def _direction(session: SessionDescription, media: MediaDescription) -> str:
    for attributes in (media.attributes, session.attributes):
        for name, _ in attributes:
            if name in DIRECTIONS:
                return name
    return "sendrecv"


def _parse_connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SipParseError(f"bad SDP c= line {value!r}: expected 'IN IP4 <address>'")
    return parts[2].split("/")[0]


def _parse_media(value: str) -> MediaDescription:
    parts = value.split()
    if len(parts) < 3 or not parts[1].split("/")[0].isdigit():
        raise SipParseError(f"bad SDP m= line {value!r}: expected '<media> <port> <proto> <fmt>'")
    port = int(parts[1].split("/")[0])
    if port > 65535:
        raise SipParseError(f"bad SDP m= port {port}")
    return MediaDescription(parts[0], port, parts[2], parts[3:])


def _format_connection(address: str) -> str:
    return f"IN {'IP6' if ':' in address else 'IP4'} {address}"


def _format_attribute(name: str, value: str | None) -> str:
    return f"a={name}" if value is None else f"a={name}:{value}"
