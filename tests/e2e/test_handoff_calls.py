"""Hand-offs on real calls: a baresip caller asks `callwright serve` for a person.

The people are real SIP phones on loopback: a second baresip that answers at once (it
"talks" in a tone of its own, so what each phone heard shows who talked to whom), or sipp
playing a person who declines, is busy or never picks up. The agents come from a copy of
agents/ whose transfers ring for six seconds, with the targets set in the server's
environment as an operator would set them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import numpy as np
import pytest

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import write_wav
from callwright.speech.stt.whisper import WhisperStt
from tests.support.baresip import answering_phone, baresip_available, call_with_baresip
from tests.support.server import ROOT, RunningServer, free_port, start_server
from tests.support.tones import tone, tone_seconds
from tests.support.voices import spoken_script, transcribe
from tests.support.webhook import WebhookReceiver

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not baresip_available(), reason="baresip missing: run scripts/setup.sh"),
]

CALLER_HZ = 800
PERSON_HZ = 1100
RING_S = 6
ASK = "Can I talk to a real person please?"
PEOPLE = {  # agent -> (environment variable, SIP user of the person's phone)
    "demo": ("DEMO_FRONT_DESK", "desk"),
    "retail": ("RETAIL_CUSTOMER_CARE", "care"),
    "pharmacy": ("PHARMACY_PHARMACIST", "pharmacist"),
    "bank": ("BANK_FRAUD_TEAM", "fraud"),
    "dental": ("DENTAL_FRONT_DESK", "frontdesk"),
}


def agents_ringing_briefly(directory: Path, webhook: str) -> Path:
    """agents/ but sales, with every transfer ringing RING_S, dental open all day, and
    demo's webhook."""
    directory.mkdir()
    for path in (ROOT / "agents").glob("*.yaml"):
        if path.name.startswith("sales"):
            continue  # its reps keep office hours; not needed here
        text = path.read_text()
        text = text.replace("\nhandoff:\n", f"\nhandoff:\n  ring_s: {RING_S}\n", 1)
        text = text.replace('  hours: {days: [mon, tue, wed, thu, fri], open: "08:00", '
                            'close: "17:00"}\n', "")
        if path.name == "demo.yaml":
            text = text.replace("\nhandoff:\n", f"\nhandoff:\n  webhook: {webhook}\n", 1)
        (directory / path.name).write_text(text)
    return directory


@pytest.fixture(scope="module")
def webhook() -> WebhookReceiver:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {agent: free_port() for agent in PEOPLE}


@pytest.fixture(scope="module")
def server(tmp_path_factory, webhook, ports) -> RunningServer:
    workdir = tmp_path_factory.mktemp("server")
    agents = agents_ringing_briefly(workdir / "agents", webhook.url)
    env = {variable: f"sip:{user}@127.0.0.1:{ports[agent]}"
           for agent, (variable, user) in PEOPLE.items()}
    running = start_server(workdir, agents, env)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def stt() -> WhisperStt:
    return WhisperStt()


def person_voice(path: Path, seconds: float) -> Path:
    write_wav(path, tone(PERSON_HZ, seconds), SAMPLE_RATE_HZ)
    return path


def calls_of(server: RunningServer, agent: str) -> list[dict]:
    """The agent's calls as the API shows them, newest first."""
    listed = httpx.get(f"{server.api}/api/calls").json()
    return [httpx.get(f"{server.api}/api/calls/{call['id']}").json()
            for call in listed if call["agent"] == agent]


def events(record: dict, kind: str) -> list[dict]:
    return [event["data"] for event in record["events"] if event["kind"] == kind]


def agent_said(record: dict) -> str:
    return " ".join(turn["agent_text"] for turn in record["turns"])


def call_story(record: dict) -> str:
    """What was said and what happened on the call, to read when a test fails."""
    turns = [f"caller: {turn['caller_text']!r} -> agent: {turn['agent_text']!r}"
             for turn in record["turns"]]
    return "\n".join([*turns, *(f"{event['at']:.2f} {event['kind']} {event['data']}"
                                 for event in record["events"])])


async def test_warm_transfer_briefs_the_person_then_connects_the_caller(
    server, ports, webhook, stt, tmp_path
):
    person = answering_phone(person_voice(tmp_path / "person.wav", 42), tmp_path / "person",
                             port=ports["demo"], seconds=46, user="desk")
    # connected about 10 s after asking (the person is called while the agent still talks)
    caller = spoken_script(tmp_path, [8.0, ASK, 18.0, tone(CALLER_HZ, 6.0), 2.0])
    call = await asyncio.to_thread(call_with_baresip, server.uri("demo"), caller,
                                   tmp_path / "caller", timeout_s=90)
    answered = await asyncio.to_thread(person.finish)
    assert call.returncode == 0, call.log[-2000:]

    [record, *_] = calls_of(server, "demo")
    assert record["outcome"] == "transferred", call_story(record)
    assert events(record, "handoff")[0]["mode"] == "warm"
    assert events(record, "handoff_result") == [{"connected": True, "detail": "connected"}]
    handoff = record["dialogue_state"]["handoffs"][-1]
    assert handoff["reason"] == "asked_for_human" and handoff["result"] == "transferred"
    metrics = httpx.get(f"{server.api}/metrics").text
    assert 'callwright_handoffs_total{agent="demo",reason="asked_for_human",result="transfer' in (
        metrics
    )
    # the person heard the briefing, and the summary came on the INVITE
    briefing = transcribe(stt, answered.heard[: 20 * SAMPLE_RATE_HZ])
    assert "maple street" in briefing and "person" in briefing, briefing
    assert "X-Callwright-Summary:" in answered.log and "asked for a person" in answered.log
    # then caller and person heard each other through the bridge
    assert tone_seconds(call.heard, PERSON_HZ) > 3.0
    assert tone_seconds(answered.heard, CALLER_HZ) > 3.0
    # and the business's webhook got the hand-off with its context
    [posted] = [body for body in webhook.received if body["call_id"] == record["id"]]
    assert posted["reason"] == "asked_for_human" and posted["mode"] == "warm"
    assert "asked for a person" in posted["summary"]
    assert posted["context"]["last_words"]


async def test_blind_transfer_sends_the_callers_phone_to_the_person(server, ports, tmp_path):
    person = answering_phone(person_voice(tmp_path / "person.wav", 40), tmp_path / "person",
                             port=ports["retail"], seconds=44, user="care")
    # baresip plays its WAV from the start on each call: on the call to the person too
    caller = spoken_script(tmp_path, [9.0, ASK, 4.0,
                                      tone(CALLER_HZ, 20.0)])
    call = await asyncio.to_thread(call_with_baresip, server.uri("retail"), caller,
                                   tmp_path / "caller", timeout_s=90)
    answered = await asyncio.to_thread(person.finish)

    [record, *_] = calls_of(server, "retail")
    assert record["outcome"] == "transferred", call_story(record)
    assert events(record, "handoff_result") == [{"connected": True, "detail": "200 OK"}]
    assert "customer care" in agent_said(record)
    # the caller's phone called the person itself, the reason and call id in the Refer-To
    assert f"X-Callwright-Call-Id={record['id']}" in answered.log
    assert f"Call established: sip:care@127.0.0.1:{ports['retail']}" in call.log
    assert tone_seconds(call.heard, PERSON_HZ) > 3.0
    assert tone_seconds(answered.heard, CALLER_HZ) > 3.0


async def test_declined_busy_and_unanswered_transfers_come_back_with_a_callback(
    server, ports, sipp_phone, stt, tmp_path
):
    """Three calls at once: the pharmacist declines (warm), the fraud team's line is busy
    (blind: the caller's phone hears the 486) and the dental desk never picks up (warm)."""
    phones = {
        "pharmacy": await sipp_phone("uas_declines.xml", "udp", port=ports["pharmacy"],
                                     timeout_s=60),
        "bank": await sipp_phone("uas_busy.xml", "udp", port=ports["bank"], timeout_s=60),
        "dental": await sipp_phone("uas_rings_forever.xml", "udp", port=ports["dental"],
                                   timeout_s=60),
    }

    async def caller(agent: str):
        workdir = tmp_path / agent
        workdir.mkdir()
        wav = spoken_script(workdir, [8.0, "I'd like to speak to a representative please.",
                                      24.0])
        return await asyncio.to_thread(call_with_baresip, server.uri(agent), wav,
                                       workdir / "phone", timeout_s=90)

    heard = dict(zip(phones, await asyncio.gather(*(caller(agent) for agent in phones)),
                     strict=True))
    details = {}
    for agent in phones:
        [record, *_] = calls_of(server, agent)
        results = events(record, "handoff_result")
        assert len(results) == 1, f"{agent}:\n{call_story(record)}"
        [result] = results
        assert result["connected"] is False, record["events"]
        details[agent] = result["detail"]
        assert record["outcome"] != "transferred"
        assert record["dialogue_state"]["handoffs"][-1]["result"] == "failed"
        # back with the caller: the agent says so and offers a callback
        assert "couldn't reach anyone" in agent_said(record), agent_said(record)
        assert "call you back" in agent_said(record)
    assert "603" in details["pharmacy"]
    assert details["bank"] == "486 Busy Here"
    assert "no answer" in details["dental"]
    assert "phone number to reach you" in transcribe(stt, heard["pharmacy"].heard)
    for agent, phone in phones.items():
        assert await phone.result() == "", agent


async def test_caller_hanging_up_during_a_transfer_loses_nothing(server, tmp_path):
    # nobody answers at the front desk now: the caller gives up while it rings
    caller = spoken_script(tmp_path, [8.0, ASK, 9.0])
    call = await asyncio.to_thread(call_with_baresip, server.uri("demo"), caller,
                                   tmp_path / "caller")
    assert call.returncode == 0, call.log[-2000:]
    [record, *_] = calls_of(server, "demo")
    assert record["outcome"] == "caller_hung_up"
    assert record["ended_at"] is not None
    asked = [turn for turn in record["turns"] if "person" in turn["caller_text"].lower()]
    assert asked and "stylists" in asked[0]["agent_text"]
    assert events(record, "handoff")[0]["target"].startswith("sip:desk@")
    assert record["dialogue_state"]["handoffs"][-1]["reason"] == "asked_for_human"
    assert any(event["kind"] == "hangup" and event["data"]["by"] == "caller"
               for event in record["events"])
    recording = httpx.get(f"{server.api}{record['recording_url']}")
    assert recording.status_code == 200 and len(recording.content) > 44
    assert np.frombuffer(recording.content[44:], "<i2").any()
