"""A campaign run by `callwright serve` against real phones on loopback: baresip answering as
people (espeak voices), as voicemail greetings ending in a beep (Asterisk's recorded prompts)
and as people who ask not to be called again; sipp as busy lines and phones nobody picks up.
The server is killed mid-campaign and started again on the same database.

Checked from the API, as a user would: every contact's outcome and attempts, the do-not-call
list (checked before calling, and joined by the callees who opted out), a contact outside
its calling window not called, never more calls at once than the campaign's limit, the
voicemail message heard by the machine after its beep, and nobody answered twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from datetime import UTC, datetime

import httpx
import numpy as np
import pytest

from tests.support.baresip import baresip_available
from tests.support.called_phones import (
    SOUNDS,
    Phones,
    most_at_once,
    pharmacy_only,
    silence,
    spoken,
    voicemail_greeting,
)
from tests.support.server import RunningServer, free_port, start_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not baresip_available() or not shutil.which("sipp"),
                       reason="apt-get install baresip-core sip-tester"),
]
PEOPLE, MACHINES, OPT_OUTS, BUSY, UNANSWERED = 8, 5, 2, 3, 2  # 20 phones called
MAX_AT_ONCE = 3
MAX_ATTEMPTS = 2
CAMPAIGN_TIMEOUT_S = 420


def zone_at_local_hour(hour: int, now: datetime) -> str:
    """An Etc/GMT zone where it is now `hour` o'clock (minutes as in UTC)."""
    offset = hour - now.hour
    if offset > 14:
        offset -= 24
    if offset < -12:
        offset += 24
    return f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5


@pytest.fixture
def phones(tmp_path):
    made = Phones(tmp_path / "phones")
    made.workdir.mkdir()
    yield made
    made.stop()


def campaign_of(server: RunningServer) -> dict:
    return httpx.get(f"{server.api}/api/campaigns/refills", timeout=10).json()


def wait_until(server: RunningServer, done: int, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        shown = campaign_of(server)
        if shown["progress"]["by_state"].get("done", 0) >= done or shown["status"] == "completed":
            return shown
        time.sleep(0.5)
    raise AssertionError(f"campaign stuck: {campaign_of(server)}\n{server.log()[-4000:]}")


async def test_a_campaign_of_twenty_real_phones_runs_to_its_outcomes_across_a_restart(
    tmp_path, phones
):
    if not SOUNDS.is_dir():
        pytest.skip("apt-get install asterisk-core-sounds-en-wav")
    hello = spoken("Hello?", tmp_path)
    take_me_off = spoken("Please take me off your calling list.", tmp_path)
    greeting, beep_end_s = voicemail_greeting()

    now = datetime.now(UTC)
    inside, outside = zone_at_local_hour(12, now), zone_at_local_hour(18, now)
    expected: dict[str, str] = {}
    for n in range(PEOPLE):
        uri = phones.answer(f"person{n}", np.concatenate([silence(0.3), hello, silence(5.0)]))
        expected[uri] = "person"
    for n in range(MACHINES):
        answer = np.concatenate([greeting, silence(12.0)])
        expected[phones.answer(f"machine{n}", answer, beep_end_s)] = "voicemail_left"
    for n in range(OPT_OUTS):
        answer = np.concatenate([silence(0.3), hello, silence(3.0), take_me_off, silence(9.0)])
        expected[phones.answer(f"optout{n}", answer)] = "opted_out"
    busy_port = phones.sipp("uas_busy.xml", BUSY * MAX_ATTEMPTS)
    silent_port = phones.sipp("uas_rings_forever.xml", UNANSWERED * MAX_ATTEMPTS)
    expected |= {f"sip:busy{n}@127.0.0.1:{busy_port}": "busy" for n in range(BUSY)}
    expected |= {f"sip:away{n}@127.0.0.1:{silent_port}": "no_answer" for n in range(UNANSWERED)}
    listed = f"sip:listed@127.0.0.1:{free_port()}"
    late = f"sip:late@127.0.0.1:{free_port()}"
    rows = [f"{uri},{inside},Maria,4417" for uri in expected]
    rows += [f"{listed},{inside},Ann,4417", f"{late},{outside},Lee,4417"]
    contacts_csv = "phone,timezone,first_name,prescription_number\n" + "\n".join(rows) + "\n"

    workdir = tmp_path / "server"
    agents = pharmacy_only(workdir)
    env = {"CALLWRIGHT_MAX_CALLS": str(MAX_AT_ONCE + 1)}
    server = await asyncio.to_thread(start_server, workdir, agents, env)
    try:
        created = httpx.post(f"{server.api}/api/campaigns", json={
            "name": "refills", "agent": "pharmacy", "window_start": "11:00",
            "window_end": "14:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "max_attempts": MAX_ATTEMPTS, "retry_after_s": 1, "max_concurrent": MAX_AT_ONCE,
            "pace_per_minute": 120, "ring_timeout_s": 5, "on_machine": "leave_message",
            "voicemail": "Hello {first_name}, this is Northside Pharmacy. Please call us back.",
        }, timeout=10)
        assert created.status_code == 201, created.text
        added = httpx.post(f"{server.api}/api/campaigns/refills/contacts", content=contacts_csv,
                           headers={"Content-Type": "text/csv"}, timeout=10)
        assert added.json() == {"added": 22, "already_there": 0}
        httpx.post(f"{server.api}/api/do-not-call", json={"phone": listed}, timeout=10)
        assert httpx.post(f"{server.api}/api/campaigns/refills/start", timeout=10).is_success

        await asyncio.to_thread(wait_until, server, 7, CAMPAIGN_TIMEOUT_S)
        os.kill(server.process.pid, signal.SIGKILL)  # a crash mid-campaign
        server.process.wait()
        server = await asyncio.to_thread(start_server, workdir, agents, env)
        shown = await asyncio.to_thread(wait_until, server, 21, CAMPAIGN_TIMEOUT_S)
        contacts = httpx.get(f"{server.api}/api/campaigns/refills/contacts", timeout=10).json()
        do_not_call = httpx.get(f"{server.api}/api/do-not-call", timeout=10).json()
        export = httpx.get(f"{server.api}/api/campaigns/refills/outcomes.csv", timeout=10).text
    finally:
        server.stop()
    phones.stop()

    by_phone = {contact["phone"]: contact for contact in contacts}
    interrupted = [p for p, c in by_phone.items() if c["outcome"] == "interrupted"]
    assert len(interrupted) <= MAX_AT_ONCE  # answered when the server died: not called again
    for uri, outcome in expected.items():
        contact = by_phone[uri]
        results = [attempt["result"] for attempt in contact["attempts"]]
        assert contact["state"] == "done", (uri, contact)
        if outcome in ("busy", "no_answer"):
            assert results[-1] == outcome and len(results) == MAX_ATTEMPTS, (uri, results)
        elif uri not in interrupted:
            assert results[-1] == outcome, (uri, results)
            assert phones.calls_answered(uri) == 1, uri  # nobody answered twice
    assert by_phone[listed]["outcome"] == "do_not_call" and by_phone[listed]["attempts"] == []
    late_contact = by_phone[late]
    assert late_contact["state"] == "pending" and late_contact["attempts"] == []
    assert datetime.fromisoformat(late_contact["next_attempt_at"]) > now
    assert most_at_once(contacts) <= MAX_AT_ONCE
    opted_out = {uri for uri, outcome in expected.items()
                 if outcome == "opted_out" and uri not in interrupted}
    assert opted_out <= {entry["phone"] for entry in do_not_call}
    assert shown["progress"]["contact_rate"] is not None
    assert len(export.strip().splitlines()) == 1 + sum(max(1, len(c["attempts"]))
                                                       for c in contacts)
    for uri, (name, _, beep_end) in phones.answering.items():
        if expected[uri] != "voicemail_left" or uri in interrupted:
            continue
        loud = phones.loud_s(uri)
        assert len(loud) and loud[0] >= beep_end - 0.05, name  # nothing before the beep
        assert loud[-1] - loud[0] > 2.0, name  # the message, after it
