"""Telnyx media streaming (bidirectional RTP mode): its frames to and from our events.

Telnyx sends connected, start (call_control_id, from, to, custom_parameters, media_format),
media (base64 RTP payload), dtmf, mark (one of ours, echoed once played), error and stop;
we send media, mark and clear. Ask for PCMU or PCMA at 8 kHz (`stream_codec`) with
`stream_bidirectional_mode: rtp` and `stream_bidirectional_codec` the same.
https://developers.telnyx.com/api-reference/websockets/stream-call-media-over-websocket
"""

from __future__ import annotations

from callwright.telephony.streams.events import (
    StreamAudio,
    StreamDtmf,
    StreamEvent,
    StreamMark,
    StreamProtocolError,
    StreamStarted,
    StreamStopped,
    audio,
    base64_text,
    dtmf_key,
    encode,
    optional_text,
    read_frame,
    string_map,
    text,
    value_at,
)

CODECS = ("PCMU", "PCMA")
OUTBOUND_TRACK = "outbound"  # what the caller hears, on a both_tracks stream: not the caller


class TelnyxStream:
    """Telnyx media streaming frames."""

    name = "telnyx"

    def decode(self, message: str | bytes) -> StreamEvent | None:
        event, data = read_frame(message)
        match event:
            case "connected":
                return None
            case "start":
                codec = optional_text(data, "start", "media_format", "encoding") or "PCMU"
                if codec not in CODECS:
                    raise StreamProtocolError(
                        f"Telnyx streams {codec} audio; start the stream with stream_codec "
                        "PCMU or PCMA"
                    )
                return StreamStarted(
                    call_id=text(data, "start", "call_control_id"),
                    stream_id=text(data, "stream_id"),
                    parameters=string_map(value_at(data, "start", "custom_parameters")),
                    caller=optional_text(data, "start", "from"),
                    callee=optional_text(data, "start", "to"),
                    codec=codec,
                )
            case "media":
                if optional_text(data, "media", "track") == OUTBOUND_TRACK:
                    return None
                return StreamAudio(audio(data, "media", "payload"))
            case "dtmf":
                return StreamDtmf(dtmf_key(data, "dtmf", "digit"))
            case "mark":
                return StreamMark(text(data, "mark", "name"))
            case "stop":
                return StreamStopped("stop")
            case "error":
                detail = optional_text(data, "payload", "detail") or optional_text(
                    data, "payload", "title"
                )
                raise StreamProtocolError(f"Telnyx reported an error: {detail or data}")
        raise StreamProtocolError(f"unknown Telnyx event {event!r}")

    def encode_audio(self, stream_id: str, payload: bytes) -> str:
        return encode({"event": "media", "media": {"payload": base64_text(payload)}})

    def encode_mark(self, stream_id: str, name: str) -> str:
        return encode({"event": "mark", "mark": {"name": name}})

    def encode_clear(self, stream_id: str) -> str:
        return encode({"event": "clear"})
