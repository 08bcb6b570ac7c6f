"""A real SIP phone calls `callwright serve` and talks with the demo agent.

baresip dials over loopback and speaks an espeak-ng voice from a WAV file; what it
heard is transcribed with the project's speech-to-text and asserted on, and so is
the call as the HTTP API reports it afterwards. sipp plays RFC 4733 key presses. The
server holds two calls at once: two phones together are both answered, a third INVITE gets
503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import socket
import subprocess
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest

from callwright.speech.stt.whisper import WhisperStt
from tests.e2e.conftest import DEMO_CAPACITY
from tests.support.baresip import baresip_available, call_with_baresip
from tests.support.server import RunningServer
from tests.support.sip_phone import invite
from tests.support.voices import spoken_script as script
from tests.support.voices import transcribe, words

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not baresip_available(), reason="baresip missing: run scripts/setup.sh"),
]

GREETING_S = 8.0  # the demo greeting lasts about seven seconds
CAPACITY = DEMO_CAPACITY  # calls the shared demo server holds at once
HERE = Path(__file__).parent


@pytest.fixture
def server(demo_server: RunningServer) -> RunningServer:
    return demo_server


@pytest.fixture(scope="module")
def stt() -> WhisperStt:
    return WhisperStt()


def latest_call(server: RunningServer) -> dict:
    calls = httpx.get(f"{server.api}/api/calls").json()
    assert calls, "no call was recorded"
    return httpx.get(f"{server.api}/api/calls/{calls[0]['id']}").json()


def send_udp(port: int, payload: bytes) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(payload, ("127.0.0.1", port))
        try:
            return sock.recv(65535)
        except TimeoutError:
            return None


MALFORMED_INVITE = (
    b"INVITE sip:demo@127.0.0.1 SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbroken1;rport\r\n"
    b"From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:demo@127.0.0.1>\r\n"
    b"Call-ID: broken-1\r\nCSeq: not-a-number INVITE\r\nContent-Length: 0\r\n\r\n"
)


async def test_phone_call_question_answer_goodbye_and_the_call_record(server, stt, tmp_path):
    caller = script(tmp_path, [GREETING_S, "What are your opening hours?", 11.0,
                               "Thanks, goodbye.", 7.0])
    phone = asyncio.create_task(asyncio.to_thread(
        call_with_baresip, server.uri("demo"), caller, tmp_path / "phone"))
    await asyncio.sleep(3)
    # hostile input in the middle of the call: garbage is dropped, a broken INVITE gets 400
    assert send_udp(server.sip_port, b"\x00\xff garbage \x13\x37" * 20) is None
    answer = send_udp(server.sip_port, MALFORMED_INVITE)
    assert answer is not None and answer.startswith(b"SIP/2.0 400")
    call = await phone

    assert call.returncode == 0, call.log
    heard = transcribe(stt, call.heard)
    assert "maple street" in heard  # the greeting
    assert "tuesday" in heard and "saturday" in heard  # the opening hours
    assert "goodbye" in heard

    record = latest_call(server)
    assert record["outcome"] == "completed"  # the agent said goodbye and hung up
    turns = record["turns"]
    caller_said = [words(turn["caller_text"]) for turn in turns]
    assert any("hours" in said for said in caller_said), caller_said
    hours = next(turn for turn in turns if "hours" in words(turn["caller_text"]))
    assert "tuesday" in words(hours["agent_text"])
    for mark in ("speech_start", "speech_end", "end_of_turn", "transcript_ready",
                 "first_reply_text", "first_audio_synth", "first_audio_sent"):
        assert hours["marks"][mark] is not None, mark
    assert 0 < hours["latency_ms"] < 2000

    recording = httpx.get(f"{server.api}{record['recording_url']}")
    assert recording.status_code == 200
    with wave.open(io.BytesIO(recording.content)) as wav:
        assert wav.getnchannels() == 2
        stereo = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    caller_level, agent_level = np.abs(stereo.astype(np.int32)).mean(axis=0)
    assert caller_level > 50 and agent_level > 50  # both sides are in the recording


async def test_barge_in_stops_the_agent_and_history_keeps_what_was_heard(server, stt, tmp_path):
    # the hours answer lasts about seven seconds; the caller cuts in after two
    caller = script(tmp_path, [GREETING_S, "What are your opening hours?", 2.3,
                               "Where are you located?", 10.0])
    call = await asyncio.to_thread(call_with_baresip, server.uri("demo"), caller,
                                   tmp_path / "phone")
    assert call.returncode == 0, call.log

    record = latest_call(server)
    hours = next(t for t in record["turns"] if "hours" in words(t["caller_text"]))
    assert hours["interrupted"]
    heard_hours = words(hours["agent_text"])
    assert heard_hours.startswith("we re open")
    assert "sundays" not in heard_hours  # the end of the answer was never played
    assert any(event["kind"] == "barge_in" for event in record["events"])
    located = next(t for t in record["turns"] if "located" in words(t["caller_text"]))
    assert "maple street" in words(located["agent_text"])

    heard = transcribe(stt, call.heard)
    assert "tuesday" in heard  # the start of the interrupted answer
    assert "sundays and mondays" not in heard  # cut off on the wire
    assert "library" in heard  # the answer to the interruption


async def test_backchannel_does_not_stop_the_agent(server, stt, tmp_path):
    caller = script(tmp_path, [GREETING_S, "What are your opening hours?", 2.5, "Okay.", 10.0])
    call = await asyncio.to_thread(call_with_baresip, server.uri("demo"), caller,
                                   tmp_path / "phone")
    assert call.returncode == 0, call.log
    record = latest_call(server)
    hours = next(t for t in record["turns"] if "hours" in words(t["caller_text"]))
    assert not hours["interrupted"]
    assert "sundays" in words(hours["agent_text"])
    assert "sundays" in transcribe(stt, call.heard)


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp missing: run scripts/setup.sh")
async def test_keypad_digit_over_rfc4733_selects_the_menu_option(server, tmp_path):
    scenario = HERE / "sipp" / "uac_dtmf.xml"
    result = await asyncio.to_thread(
        subprocess.run,
        ["sipp", "-sf", str(scenario), "-m", "1", "-i", "127.0.0.1", "-p", "0",
         "-mp", "43000", "-s", "demo", "-timeout", "40", "-trace_err",
         f"127.0.0.1:{server.sip_port}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    record = latest_call(server)
    digits = [event["data"].get("digit") for event in record["events"] if event["kind"] == "dtmf"]
    assert digits == ["2"]
    keyed = next(turn for turn in record["turns"] if "keypad" in turn["caller_text"])
    assert "maple street" in words(keyed["agent_text"])  # option 2 is the address


QUESTIONS = ("What are your opening hours?", "Where are you located?")


def refused_invite(sip_port: int) -> str:
    """Send one INVITE with an offer; the server's final answer (its first line and
    headers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        data, _ = invite(sock.getsockname()[1], call_id="one-too-many")
        sock.sendto(data, ("127.0.0.1", sip_port))
        while True:
            answer = sock.recv(65535).decode()
            if not answer.startswith("SIP/2.0 1"):  # past 100 Trying
                return answer


def metric(api: str, name: str, missing: float | None = None) -> float:
    """A sample of /metrics; `missing` when it is not there (a counter never incremented)."""
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", httpx.get(f"{api}/metrics").text, re.M)
    if match is None and missing is not None:
        return missing
    assert match, name
    return float(match.group(1))


async def test_two_calls_at_once_are_answered_and_a_third_over_capacity_gets_503(
    server: RunningServer, stt: WhisperStt, tmp_path
):
    """Two real phones at once are each answered; a third INVITE finds the server full and
    gets 503 with Retry-After, and /metrics says so, while the two calls go on."""
    assert CAPACITY == len(QUESTIONS)
    calls_before = {call["id"] for call in httpx.get(f"{server.api}/api/calls").json()}
    refused_before = metric(server.api, 'callwright_calls_refused_total{status="503"}', 0.0)
    scripts = []
    for i, question in enumerate(QUESTIONS):
        (tmp_path / f"caller{i}").mkdir()
        scripts.append(script(tmp_path / f"caller{i}", [GREETING_S, question, 9.0]))
    phones = [
        asyncio.create_task(asyncio.to_thread(
            call_with_baresip, server.uri("demo"), script, tmp_path / f"phone{i}",
            rtp_ports=f"{43000 + 100 * i}-{43098 + 100 * i}"))
        for i, script in enumerate(scripts)
    ]
    await asyncio.sleep(4)  # both calls are up, the agent greeting each
    assert metric(server.api, "callwright_calls_active") == 2
    answer = await asyncio.to_thread(refused_invite, server.sip_port)
    assert answer.startswith("SIP/2.0 503"), answer
    assert re.search(r"^Retry-After: 20\r?$", answer, re.M), answer
    calls = await asyncio.gather(*phones)
    hours, location = (transcribe(stt, call.heard) for call in calls)
    assert "tuesday" in hours and "saturday" in hours, hours  # the opening hours
    assert location.count("maple street") >= 2, location  # the greeting, then the address

    assert metric(server.api, "callwright_calls_capacity") == CAPACITY
    assert metric(server.api, "callwright_event_loop_lag_seconds_count") > 100  # 9 s of calls
    refused = metric(server.api, 'callwright_calls_refused_total{status="503"}', 0.0)
    assert refused == refused_before + 1
    records = [call for call in httpx.get(f"{server.api}/api/calls").json()
               if call["id"] not in calls_before]
    assert len(records) == 2  # the refused INVITE never became a call
    asked = {words(turn["caller_text"])
             for record in records
             for turn in httpx.get(f"{server.api}/api/calls/{record['id']}").json()["turns"]}
    assert any("hours" in text for text in asked) and any("located" in text for text in asked)
