"""Several real phones call `callwright serve` at once; one over its capacity is refused.

Two baresip phones dial the demo agent together and each asks a question; both are
answered, each on its own call record. While they talk, a third INVITE (a real SIP message
with an SDP offer) finds the server full and gets 503 with Retry-After, and /metrics says
so, while the two calls go on undisturbed.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket

import httpx
import pytest

from callwright.speech.stt.whisper import WhisperStt
from tests.support.baresip import baresip_available, call_with_baresip
from tests.support.server import ROOT, start_server
from tests.support.sip_phone import invite
from tests.support.voices import spoken_script, transcribe, words

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not baresip_available(), reason="baresip missing: run scripts/setup.sh"),
]

GREETING_S = 8.0
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


def metric(api: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", httpx.get(f"{api}/metrics").text, re.M)
    assert match, name
    return float(match.group(1))


async def test_two_calls_at_once_are_answered_and_a_third_over_capacity_gets_503(tmp_path):
    agents = tmp_path / "agents"
    agents.mkdir()
    shutil.copy(ROOT / "agents" / "demo.yaml", agents)
    scripts = []
    for i, question in enumerate(QUESTIONS):
        (tmp_path / f"caller{i}").mkdir()
        scripts.append(spoken_script(tmp_path / f"caller{i}", [GREETING_S, question, 9.0]))
    server = start_server(tmp_path / "server", agents,
                          {"CALLWRIGHT_MAX_CALLS": "2", "CALLWRIGHT_RETRY_AFTER_S": "20"})
    try:
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
        stt = WhisperStt()
        hours, location = (transcribe(stt, call.heard) for call in calls)
        assert "tuesday" in hours and "saturday" in hours, hours  # the opening hours
        assert location.count("maple street") >= 2, location  # the greeting, then the address

        assert metric(server.api, "callwright_calls_capacity") == 2
        assert metric(server.api, 'callwright_calls_refused_total{status="503"}') == 1
        records = httpx.get(f"{server.api}/api/calls").json()
        assert len(records) == 2  # the refused INVITE never became a call
        asked = {words(turn["caller_text"])
                 for record in records
                 for turn in httpx.get(f"{server.api}/api/calls/{record['id']}").json()["turns"]}
        assert any("hours" in text for text in asked) and any("located" in text for text in asked)
    finally:
        server.stop()
