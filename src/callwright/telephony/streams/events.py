"""What a carrier's media stream says, whichever carrier: the typed events every serializer
decodes its frames into, the one error for a frame that cannot be read, and the small
readers of JSON fields the serializers share.

All three carriers send JSON text frames with an "event" name; audio is base64 G.711 at
8 kHz. A serializer decodes what the carrier sends and encodes what we send back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

DTMF_KEYS = frozenset("0123456789*#ABCD")


class StreamProtocolError(ValueError):
    """A frame that breaks the carrier's protocol: not JSON, an unknown event, a missing
    field, bad base64. The frame is dropped; the call goes on."""


@dataclass(frozen=True, slots=True)
class StreamStarted:
    """The stream's first real frame: which call it carries and how."""

    call_id: str  # the carrier's id of the call: Twilio CallSid, Telnyx call_control_id, ...
    stream_id: str  # what our outbound frames name the stream by
    parameters: Mapping[str, str] = field(default_factory=dict)  # custom parameters
    caller: str = ""  # the caller's number, where the carrier says it
    callee: str = ""  # the number called, where the carrier says it
    codec: str = "PCMU"  # the G.711 flavour of the audio both ways: a key of g711.CODECS


@dataclass(frozen=True, slots=True)
class StreamAudio:
    payload: bytes  # the caller's audio: G.711 at 8 kHz, usually 20 ms (160 bytes)


@dataclass(frozen=True, slots=True)
class StreamDtmf:
    digit: str  # one of 0-9 * # A-D


@dataclass(frozen=True, slots=True)
class StreamMark:
    name: str  # a mark of ours, echoed once the audio sent before it was played


@dataclass(frozen=True, slots=True)
class StreamStopped:
    reason: str  # the carrier ended the stream: the caller hung up, or the call moved on


StreamEvent = StreamStarted | StreamAudio | StreamDtmf | StreamMark | StreamStopped


class StreamSerializer(Protocol):
    """One carrier's frames. `decode` returns None for a frame that needs nothing done
    (e.g. "connected") and raises StreamProtocolError for one it cannot read."""

    name: str  # "twilio", "telnyx", "plivo": also the call record's transport

    def decode(self, message: str | bytes) -> StreamEvent | None: ...

    def encode_audio(self, stream_id: str, payload: bytes) -> str: ...

    def encode_mark(self, stream_id: str, name: str) -> str: ...

    def encode_clear(self, stream_id: str) -> str: ...


def read_frame(message: str | bytes) -> tuple[str, dict[str, Any]]:
    """A frame's event name and its JSON object."""
    if isinstance(message, bytes):
        raise StreamProtocolError(f"a binary frame of {len(message)} bytes; streams send JSON")
    try:
        data = json.loads(message)
    except json.JSONDecodeError as error:
        raise StreamProtocolError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise StreamProtocolError(f"a JSON {type(data).__name__}, not an object")
    event = data.get("event")
    if not isinstance(event, str):
        raise StreamProtocolError("no 'event' name")
    return event, data


def value_at(data: Mapping[str, Any], *path: str) -> Any:
    """data[path[0]][path[1]]...; None where there is no such field."""
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def optional_text(data: Mapping[str, Any], *path: str) -> str:
    """The string at `path`; "" where there is none."""
    value = value_at(data, *path)
    return value if isinstance(value, str) else ""


def text(data: Mapping[str, Any], *path: str) -> str:
    """The non-empty string at `path`; StreamProtocolError where there is none."""
    value = optional_text(data, *path)
    if not value:
        raise StreamProtocolError(f"no {'.'.join(path)}")
    return value


def audio(data: Mapping[str, Any], *path: str) -> bytes:
    """The base64 audio at `path`, decoded."""
    try:
        return base64.b64decode(text(data, *path), validate=True)
    except binascii.Error as error:
        raise StreamProtocolError(f"{'.'.join(path)} is not base64: {error}") from None


def dtmf_key(data: Mapping[str, Any], *path: str) -> str:
    """The key at `path`: one of 0-9 * # A-D."""
    key = text(data, *path)
    if key not in DTMF_KEYS:
        raise StreamProtocolError(f"{'.'.join(path)} {key!r} is not a phone key")
    return key


def string_map(value: Any) -> dict[str, str]:
    """A JSON object's string values (custom parameters); {} for anything else."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): item for key, item in value.items() if isinstance(item, str)}


def encode(frame: dict[str, Any]) -> str:
    """A frame as compact JSON text."""
    return json.dumps(frame, separators=(",", ":"))


def base64_text(payload: bytes) -> str:
    return base64.b64encode(payload).decode("ascii")
