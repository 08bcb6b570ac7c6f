"""WebRtcCall against a real WebRTC peer: an aiortc peer connection on this machine plays
the browser (its microphone a track of a tone), over ICE host candidates, DTLS and Opus."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME, AudioFrame
from callwright.telephony.transport import InboundAudio, RemoteHangup
from callwright.telephony.webrtc import call as call_module
from callwright.telephony.webrtc.call import OfferError, WebRtcCall
from callwright.telephony.webrtc.outbound import AgentTrack

TONE_HZ = 440


def tone_frames(seconds: float, amplitude: int = 8000) -> list[AudioFrame]:
    t = np.arange(int(seconds * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    pcm = (amplitude * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.int16)
    return [AudioFrame(pcm[i : i + SAMPLES_PER_FRAME], 1) for i in range(0, len(pcm), 320)]


class Browser:
    """The browser's side: sends `microphone`, keeps what the agent's track delivers."""

    def __init__(self) -> None:
        self.connection = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.microphone = AgentTrack()
        self.connection.addTrack(self.microphone)
        self.heard: list[np.ndarray] = []
        self.connection.on("track", self._on_track)

    async def offer(self) -> str:
        await self.connection.setLocalDescription(await self.connection.createOffer())
        return self.connection.localDescription.sdp

    async def call(self) -> WebRtcCall:
        call, answer = await WebRtcCall.answer(await self.offer(), "webrtc:test", "demo")
        await self.connection.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        return call

    def _on_track(self, track) -> None:
        async def listen() -> None:
            while True:
                frame = await track.recv()
                self.heard.append(frame.to_ndarray().reshape(-1))

        asyncio.ensure_future(listen())


async def inbound(call: WebRtcCall, seconds: float) -> list[InboundAudio | RemoteHangup]:
    events = []
    async with asyncio.timeout(seconds + 5):
        async for event in call.events():
            events.append(event)
            if len(events) >= seconds / 0.02:
                break
    return events


async def test_audio_flows_both_ways_and_the_browser_hanging_up_ends_the_call():
    browser = Browser()
    call = await browser.call()
    assert call.transport_name == "webrtc" and call.callee == "demo"
    for frame in tone_frames(3.0):
        browser.microphone.play(frame)
    for frame in tone_frames(1.0):
        call.play(frame)
    sent: list[float] = []
    call.on_frame_sent(lambda frame, at: sent.append(at))

    events = await inbound(call, 2.0)
    assert all(isinstance(event, InboundAudio) for event in events)
    assert all(len(event.frame.samples) == SAMPLES_PER_FRAME for event in events)
    pcm = np.concatenate([event.frame.samples for event in events])
    assert np.abs(pcm).max() > 2000  # the tone came through Opus, at 16 kHz
    spectrum = np.abs(np.fft.rfft(pcm[-SAMPLE_RATE_HZ // 2 :].astype(float)))
    freqs = np.fft.rfftfreq(SAMPLE_RATE_HZ // 2, 1 / SAMPLE_RATE_HZ)
    assert freqs[spectrum.argmax()] == pytest.approx(TONE_HZ, abs=5)
    assert call.queued_frames() == 0 and len(sent) >= 50  # our second of tone went out
    assert max(np.abs(chunk).max() for chunk in browser.heard) > 2000  # and was heard

    await browser.connection.close()
    async with asyncio.timeout(5):
        rest = [event async for event in call.events()]
    assert isinstance(rest[-1], RemoteHangup)
    await call.hangup()


async def test_hangup_closes_the_connection_and_ends_the_events():
    browser = Browser()
    call = await browser.call()
    closed = asyncio.Event()
    browser.connection.on(
        "connectionstatechange",
        lambda: browser.connection.connectionState in ("closed", "failed") and closed.set(),
    )
    await inbound(call, 0.2)
    call.play(tone_frames(0.2)[0])
    started = time.monotonic()
    await call.hangup()
    assert time.monotonic() - started < 1.0  # one queued frame, then the browser's buffer
    assert [event async for event in call.events()] == []
    async with asyncio.timeout(5):
        await closed.wait()
    await browser.connection.close()


async def test_a_browser_call_cannot_be_transferred():
    browser = Browser()
    call = await browser.call()
    result = await call.transfer("sip:desk@192.0.2.1")
    assert (result.ok, result.status, result.reason) == (
        False,
        0,
        "a browser call cannot be transferred",
    )
    await call.hangup()
    await browser.connection.close()


async def test_a_browser_that_never_connects_ends_the_call(monkeypatch):
    monkeypatch.setattr(call_module, "CONNECT_TIMEOUT_S", 0.5)
    browser = Browser()
    call, _ = await WebRtcCall.answer(await browser.offer(), "webrtc:test", "demo")
    await browser.connection.close()  # it took our answer no further
    async with asyncio.timeout(3):
        events = [event async for event in call.events()]
    assert isinstance(events[-1], RemoteHangup)
    assert "did not connect" in events[-1].reason
    assert all(not event.frame.samples.any() for event in events[:-1])  # silence meanwhile
    await call.hangup()


async def test_mdns_candidates_are_left_to_the_browsers_checks():
    offer = await Browser().offer()
    lines = offer.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("a=candidate:"))
    lines.insert(at, "a=candidate:1 1 udp 2113937151 0b1c2d3e-aaaa.local 50000 typ host\r\n")
    lines.append("a=end-of-candidates\r\n")
    kept = call_module._without_mdns_candidates("".join(lines))
    assert ".local" not in kept and "end-of-candidates" not in kept
    assert kept.count("a=candidate:") == offer.count("a=candidate:")


@pytest.mark.parametrize(
    ("sdp", "reason"),
    [
        ("", "not SDP"),
        ("hello", "not SDP"),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "no audio"),
        (
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n",
            "cannot be used",
        ),
        ("v=0\r\nm=audio x y z\r\n", "cannot be used"),
    ],
)
async def test_offers_that_cannot_start_a_call_are_refused(sdp, reason):
    with pytest.raises(OfferError, match=reason):
        await WebRtcCall.answer(sdp, "webrtc:test", "demo")


async def test_an_offer_without_ice_credentials_is_refused():
    offer = await Browser().offer()
    broken = "".join(
        line for line in offer.splitlines(keepends=True) if not line.startswith("a=ice-pwd")
    )
    with pytest.raises(OfferError, match="ICE"):
        await WebRtcCall.answer(broken, "webrtc:test", "demo")
