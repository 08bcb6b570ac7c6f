"""A browser calls the demo agent over WebRTC: `callwright talk-link` signs a link to a real
`callwright serve`, headless Chromium (Debian's chromium-headless-shell, driven by
Playwright) opens it, and its fake microphone plays an espeak-ng caller asking where the
studio is. The page shows the agent's answer, the browser received the agent's audio, and
the call record says webrtc. Bad links and garbage offers get clear 4xx answers, one of
them in the middle of the call, which goes on undisturbed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import httpx
import pytest

from callwright.api.talk_links import link_secret, sign
from tests.support.server import ROOT, RunningServer
from tests.support.voices import spoken_script, words

playwright = pytest.importorskip("playwright.async_api", reason="pip install playwright")
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing"),
    pytest.mark.skipif(CHROMIUM is None, reason="apt-get install chromium-headless-shell"),
]

GREETING_S = 9.5  # the caller waits this long before speaking: the greeting, and connecting
QUESTION = "Where are you located?"
HEARD_S = 5.0  # after the question is transcribed, "two fourteen Maple Street" has been said
ENDED_TIMEOUT_S = 10.0


@pytest.fixture
def server(demo_server: RunningServer) -> RunningServer:
    return demo_server


def talk_link(server: RunningServer) -> str:
    """A link made by the command line, sharing the server's data folder (and its secret)."""
    done = subprocess.run(
        [str(ROOT / ".venv/bin/callwright"), "talk-link", "demo", "--base-url", server.api],
        env={**os.environ, "CALLWRIGHT_DATA_DIR": str(server.workdir / "var")},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.strip()


def test_bad_links_and_offers_get_clear_answers(server):
    secret = link_secret(server.workdir / "var")
    good = sign(secret, "demo", int(time.time()) + 60)
    expired = sign(secret, "demo", int(time.time()) - 1)
    for path, status, detail in [
        (f"/talk/demo?token={expired}", 403, "expired"),
        (f"/talk/demo?token={good[:-2]}AA", 403, "was changed"),
        (f"/talk/demo?token={sign(secret, 'dental', int(time.time()) + 60)}", 403, "'demo'"),
        ("/talk/demo", 403, "callwright talk-link demo"),
        (f"/talk/nobody?token={good}", 404, "nobody"),
    ]:
        response = httpx.get(server.api + path)
        assert (response.status_code, detail in response.json()["detail"]) == (status, True)
    for body, detail in [("{oops", "JSON"), (json.dumps({"sdp": "v=0\r\nm=audio x"}), "SDP")]:
        response = httpx.post(f"{server.api}/talk/demo/offer?token={good}", content=body)
        assert response.status_code == 400 and detail in response.json()["detail"]


async def test_a_browser_call_with_the_demo_agent(server, tmp_path):
    caller = spoken_script(tmp_path, [GREETING_S, QUESTION, 0.5])
    link = talk_link(server)
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={caller}%noloop",
            ],
        )
        try:
            page = await browser.new_page()
            await page.goto(link)
            await page.click("#call")
            await page.wait_for_function("pc && pc.connectionState === 'connected'", timeout=10_000)
            garbage = httpx.post(link.replace("/demo?", "/demo/offer?"), content="{oops")
            assert garbage.status_code == 400  # and the call goes on
            # The greeting's turn is stored once the caller's question has been transcribed.
            await page.wait_for_selector("#transcript li.agent", timeout=30_000)
            await page.wait_for_timeout(HEARD_S * 1000)
            energy = await page.evaluate(
                """async () => [...(await pc.getStats()).values()]
                     .filter((s) => s.type === 'inbound-rtp' && s.kind === 'audio')
                     .reduce((sum, s) => sum + (s.totalAudioEnergy || 0), 0)"""
            )
            call_id = await page.evaluate("callId")
            await page.click("#hangup")
            await page.wait_for_function(
                "document.getElementById('status').textContent.includes('call ended')",
                timeout=ENDED_TIMEOUT_S * 1000,
            )
            callers = await page.locator("#transcript li.caller").all_inner_texts()
            agents = await page.locator("#transcript li.agent").all_inner_texts()
        finally:
            await browser.close()

    assert energy > 0.2  # the agent's voice reached the browser (about 1.3 in 12 s of it)
    assert any("located" in words(text) for text in callers)
    assert "maple street" in words(agents[-1])
    record = httpx.get(f"{server.api}/api/calls/{call_id}").json()
    assert (record["transport"], record["agent"], record["outcome"]) == (
        "webrtc",
        "demo",
        "caller_hung_up",
    )
    asked = next(turn for turn in record["turns"] if "located" in words(turn["caller_text"]))
    assert "maple street" in words(asked["agent_text"])
