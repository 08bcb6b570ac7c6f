"""The carriers' frames: decoded from the shapes their docs show (Twilio's built by
streamdouble, an independent implementation of Twilio's docs), encoded into what the carriers
accept, and garbage refused with StreamProtocolError."""

from __future__ import annotations

import base64
import json

import pytest
from streamdouble import protocol

from callwright.telephony.streams.events import (
    StreamAudio,
    StreamDtmf,
    StreamMark,
    StreamProtocolError,
    StreamStarted,
    StreamStopped,
)
from callwright.telephony.streams.plivo import PlivoStream, extra_headers
from callwright.telephony.streams.telnyx import TelnyxStream
from callwright.telephony.streams.twilio import TwilioStream

AUDIO = bytes(range(160))
AUDIO_B64 = base64.b64encode(AUDIO).decode()
TWILIO_ID = protocol.StreamIdentity(stream_sid="MZ1", account_sid="AC1", call_sid="CA1")


def test_twilio_decodes_what_twilio_sends():
    twilio = TwilioStream()
    start = protocol.build_start(
        TWILIO_ID, 1, custom_parameters={"from": "+15550100", "to": "+15550199", "x": "1"}
    )
    assert twilio.decode(json.dumps(protocol.build_connected())) is None
    assert twilio.decode(json.dumps(start)) == StreamStarted(
        call_id="CA1",
        stream_id="MZ1",
        parameters={"from": "+15550100", "to": "+15550199", "x": "1"},
        caller="+15550100",
        callee="+15550199",
    )
    media = protocol.build_media(TWILIO_ID, 2, 1, 0, AUDIO)
    assert twilio.decode(json.dumps(media)) == StreamAudio(AUDIO)
    assert twilio.decode(json.dumps(protocol.build_dtmf(TWILIO_ID, 3, "#"))) == StreamDtmf("#")
    assert twilio.decode(json.dumps(protocol.build_mark(TWILIO_ID, 4, "b1"))) == StreamMark("b1")
    assert twilio.decode(json.dumps(protocol.build_stop(TWILIO_ID, 5))) == StreamStopped("stop")


def test_twilio_accepts_what_we_send():
    twilio = TwilioStream()
    media = protocol.parse_outbound(twilio.encode_audio("MZ1", AUDIO), expected_stream_sid="MZ1")
    assert media == protocol.InboundMedia("MZ1", AUDIO)
    mark = protocol.parse_outbound(twilio.encode_mark("MZ1", "b1"), expected_stream_sid="MZ1")
    assert mark == protocol.InboundMark("MZ1", "b1")
    clear = protocol.parse_outbound(twilio.encode_clear("MZ1"), expected_stream_sid="MZ1")
    assert clear == protocol.InboundClear("MZ1")


TELNYX_START = {
    "event": "start",
    "sequence_number": "1",
    "stream_id": "32DE0DEA",
    "start": {
        "user_id": "3E6F995F",
        "call_control_id": "v3:T02llQ",
        "call_session_id": "ff55a038",
        "from": "+13122010094",
        "to": "+13122123456",
        "custom_parameters": {"customer_id": "customer_123"},
        "media_format": {"encoding": "PCMA", "sample_rate": 8000, "channels": 1},
    },
}


def test_telnyx_decodes_what_telnyx_sends():
    telnyx = TelnyxStream()
    assert telnyx.decode('{"event": "connected", "version": "1.0.0"}') is None
    assert telnyx.decode(json.dumps(TELNYX_START)) == StreamStarted(
        call_id="v3:T02llQ",
        stream_id="32DE0DEA",
        parameters={"customer_id": "customer_123"},
        caller="+13122010094",
        callee="+13122123456",
        codec="PCMA",
    )
    media = {
        "event": "media",
        "sequence_number": "4",
        "media": {"track": "inbound", "chunk": "2", "timestamp": "5", "payload": AUDIO_B64},
        "stream_id": "32DE0DEA",
    }
    assert telnyx.decode(json.dumps(media)) == StreamAudio(AUDIO)
    media["media"]["track"] = "outbound"  # what the caller hears, on a both_tracks stream
    assert telnyx.decode(json.dumps(media)) is None
    dtmf = {"event": "dtmf", "stream_id": "32DE0DEA", "dtmf": {"digit": "5"}}
    assert telnyx.decode(json.dumps(dtmf)) == StreamDtmf("5")
    mark = {"event": "mark", "stream_id": "32DE0DEA", "mark": {"name": "b1"}}
    assert telnyx.decode(json.dumps(mark)) == StreamMark("b1")
    stop = {"event": "stop", "stream_id": "32DE0DEA", "stop": {"call_control_id": "v3:T0"}}
    assert telnyx.decode(json.dumps(stop)) == StreamStopped("stop")


def test_telnyx_frames_we_send():
    telnyx = TelnyxStream()
    media = json.loads(telnyx.encode_audio("32DE0DEA", AUDIO))
    assert media == {"event": "media", "media": {"payload": AUDIO_B64}}
    assert json.loads(telnyx.encode_mark("32DE0DEA", "b1")) == {
        "event": "mark",
        "mark": {"name": "b1"},
    }
    assert json.loads(telnyx.encode_clear("32DE0DEA")) == {"event": "clear"}


PLIVO_START = {
    "event": "start",
    "sequenceNumber": 1,
    "start": {
        "callId": "12345678-1234",
        "streamId": "87654321-4321",
        "accountId": "MAXXXX",
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
    },
    "extra_headers": "from=15550100;to=15550199",
}


def test_plivo_decodes_what_plivo_sends():
    plivo = PlivoStream()
    assert plivo.decode(json.dumps(PLIVO_START)) == StreamStarted(
        call_id="12345678-1234",
        stream_id="87654321-4321",
        parameters={"from": "15550100", "to": "15550199"},
        caller="15550100",
        callee="15550199",
    )
    media = {
        "event": "media",
        "sequenceNumber": 42,
        "streamId": "87654321-4321",
        "media": {
            "track": "inbound",
            "timestamp": "1705312200000",
            "chunk": 41,
            "payload": AUDIO_B64,
        },
    }
    assert plivo.decode(json.dumps(media)) == StreamAudio(AUDIO)
    dtmf = {
        "event": "dtmf",
        "streamId": "87654321-4321",
        "dtmf": {"digit": "*", "track": "inbound"},
    }
    assert plivo.decode(json.dumps(dtmf)) == StreamDtmf("*")
    played = {"event": "playedStream", "streamId": "87654321-4321", "name": "b1"}
    assert plivo.decode(json.dumps(played)) == StreamMark("b1")
    assert plivo.decode('{"event": "clearedAudio", "streamId": "87654321-4321"}') is None


def test_plivo_frames_we_send():
    plivo = PlivoStream()
    assert json.loads(plivo.encode_audio("S1", AUDIO)) == {
        "event": "playAudio",
        "streamId": "S1",
        "media": {"contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": AUDIO_B64},
    }
    checkpoint = {"event": "checkpoint", "streamId": "S1", "name": "b1"}
    assert json.loads(plivo.encode_mark("S1", "b1")) == checkpoint
    assert json.loads(plivo.encode_clear("S1")) == {"event": "clearAudio", "streamId": "S1"}


def test_plivo_extra_headers():
    assert extra_headers("a=1,b=2") == {"a": "1", "b": "2"}
    assert extra_headers("userId=12345;sessionId=abc-xyz") == {
        "userId": "12345",
        "sessionId": "abc-xyz",
    }
    assert extra_headers("") == {} and extra_headers("novalue,=x") == {}


@pytest.mark.parametrize("serializer", [TwilioStream(), TelnyxStream(), PlivoStream()])
@pytest.mark.parametrize(
    ("frame", "complaint"),
    [
        ("{not json", "not JSON"),
        (b"\x00\x01", "binary"),
        ("[1, 2]", "not an object"),
        ('{"no": "event"}', "no 'event'"),
        ('{"event": 7}', "no 'event'"),
        ('{"event": "jump"}', "unknown"),
        ('{"event": "media"}', "no media.payload"),
        ('{"event": "media", "media": "flat"}', "no media.payload"),
        ('{"event": "media", "media": {"payload": "!!not base64!!"}}', "not base64"),
        ('{"event": "dtmf", "dtmf": {"digit": "x"}}', "not a phone key"),
        ('{"event": "start", "start": 5}', "no start"),
    ],
)
def test_garbage_is_refused_with_a_clear_error(serializer, frame, complaint):
    with pytest.raises(StreamProtocolError, match=complaint):
        serializer.decode(frame)


def test_unsupported_audio_is_refused_with_what_to_set():
    start = dict(TELNYX_START, start={**TELNYX_START["start"], "media_format": {"encoding": "L16"}})
    with pytest.raises(StreamProtocolError, match="stream_codec PCMU or PCMA"):
        TelnyxStream().decode(json.dumps(start))
    linear = dict(PLIVO_START, start={**PLIVO_START["start"], "mediaFormat": {"encoding": "x"}})
    with pytest.raises(StreamProtocolError, match='contentType="audio/x-mulaw;rate=8000"'):
        PlivoStream().decode(json.dumps(linear))
    error = {"event": "error", "payload": {"code": 100002, "detail": "Unknown payload"}}
    with pytest.raises(StreamProtocolError, match="Unknown payload"):
        TelnyxStream().decode(json.dumps(error))
