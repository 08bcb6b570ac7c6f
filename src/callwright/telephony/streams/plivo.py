"""Plivo audio streaming (`<Stream bidirectional="true">`): its frames to and from our events.

Plivo sends start (callId, streamId, mediaFormat, extra_headers), media, dtmf, playedStream
(a checkpoint of ours, once the audio before it was played) and clearedAudio; we send
playAudio, checkpoint and clearAudio. Plivo usually ends a stream by closing the socket; a
"stop" frame ends it too. Set `contentType="audio/x-mulaw;rate=8000"` on the `<Stream>`:
Plivo's default is 16-bit linear audio, which this serializer refuses.
https://www.plivo.com/docs/voice/audio-streaming/audio-streaming
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
    text,
)

MULAW = "audio/x-mulaw"
SAMPLE_RATE_HZ = 8_000
OUTBOUND_TRACK = "outbound"
CALLER_PARAMETER = "from"
CALLEE_PARAMETER = "to"


class PlivoStream:
    """Plivo audio streaming frames."""

    name = "plivo"

    def decode(self, message: str | bytes) -> StreamEvent | None:
        event, data = read_frame(message)
        match event:
            case "start":
                encoding = optional_text(data, "start", "mediaFormat", "encoding") or MULAW
                if encoding != MULAW:
                    raise StreamProtocolError(
                        f'Plivo streams {encoding}; set contentType="{MULAW};rate=8000" on '
                        "the <Stream>"
                    )
                parameters = extra_headers(optional_text(data, "extra_headers"))
                return StreamStarted(
                    call_id=text(data, "start", "callId"),
                    stream_id=text(data, "start", "streamId"),
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
            case "playedStream":
                return StreamMark(text(data, "name"))
            case "clearedAudio":
                return None
            case "stop":
                return StreamStopped("stop")
        raise StreamProtocolError(f"unknown Plivo event {event!r}")

    def encode_audio(self, stream_id: str, payload: bytes) -> str:
        media = {
            "contentType": MULAW,
            "sampleRate": SAMPLE_RATE_HZ,
            "payload": base64_text(payload),
        }
        return encode({"event": "playAudio", "streamId": stream_id, "media": media})

    def encode_mark(self, stream_id: str, name: str) -> str:
        return encode({"event": "checkpoint", "streamId": stream_id, "name": name})

    def encode_clear(self, stream_id: str) -> str:
        return encode({"event": "clearAudio", "streamId": stream_id})


def extra_headers(value: str) -> dict[str, str]:
    """The `<Stream extraHeaders>` pairs, "a=1,b=2" (Plivo's start frame may separate them
    with ';')."""
    pairs = (item.partition("=") for item in value.replace(";", ",").split(","))
    return {key.strip(): item.strip() for key, sep, item in pairs if sep and key.strip()}
