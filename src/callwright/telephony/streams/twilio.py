"""Twilio Media Streams (bidirectional, `<Connect><Stream>`): its frames to and from our events.

Twilio sends connected, start, media (base64 mu-law 8 kHz, 20 ms), dtmf, mark (one of
ours, echoed once played) and stop; we send media, mark and clear, each naming the
streamSid. https://www.twilio.com/docs/voice/media-streams/websocket-messages

Twilio's start frame does not carry the phone numbers: our TwiML passes the voice webhook's
From and To as the stream's custom parameters "from" and "to" (api/routes_streams.py).
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

CALLER_PARAMETER = "from"
CALLEE_PARAMETER = "to"
OUTBOUND_TRACK = "outbound"  # a fork's copy of what the caller hears: not the caller


class TwilioStream:
    """Twilio Media Streams frames."""

    name = "twilio"

    def decode(self, message: str | bytes) -> StreamEvent | None:
        event, data = read_frame(message)
        match event:
            case "connected":
                return None
            case "start":
                parameters = string_map(value_at(data, "start", "customParameters"))
                return StreamStarted(
                    call_id=text(data, "start", "callSid"),
                    stream_id=text(data, "start", "streamSid"),
                    parameters=parameters,
                    caller=parameters.get(CALLER_PARAMETER, ""),
                    callee=parameters.get(CALLEE_PARAMETER, ""),
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
        raise StreamProtocolError(f"unknown Twilio event {event!r}")

    def encode_audio(self, stream_id: str, payload: bytes) -> str:
        return encode(
            {"event": "media", "streamSid": stream_id, "media": {"payload": base64_text(payload)}}
        )

    def encode_mark(self, stream_id: str, name: str) -> str:
        return encode({"event": "mark", "streamSid": stream_id, "mark": {"name": name}})

    def encode_clear(self, stream_id: str) -> str:
        return encode({"event": "clear", "streamSid": stream_id})
