"""The simulated caller's voice and phone on a voice call (bench/calls/voice_run.py).

The voice is synthetic speech that is not the agent's: the agent speaks Piper "joe", callers
speak espeak-ng voices and variants or flite voices, at a speaking rate, through a telephone
band (300-3400 Hz) with white or pink line noise at a signal-to-noise ratio. Each scenario
gets its voice, rate and noise from a hash of its id, so reruns meet the same caller. All
audio here is 16 kHz mono int16, in 20 ms frames on the line.

The phone is pjsua2 on a thread of its own (`Phone`): every library call runs there and no
pjsua2 object leaves it; pjsua2's media thread moves each call's audio through a `CallAudio`.
G.711 only, keys as RFC 4733 telephone events, a null sound device.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pjsua2 as pj

from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, SAMPLES_PER_FRAME
from callwright.audio.wav import read_wav
from tests.support.server import free_port

ESPEAK_VOICES = ("en-us", "en-us+f3", "en-us+m3", "en-gb")
FLITE_VOICES = ("kal", "slt", "rms", "awb")
RATES_WPM = (145, 160, 175)  # espeak-ng's -s; flite's rate is stretched to match
FLITE_NATURAL_WPM = 160  # flite's own pace at duration_stretch 1
NOISE_SNRS_DB = (None, 20.0, 15.0, 10.0)  # None: a clean line
NOISE_COLOURS = ("white", "pink")
BAND_LOW_HZ, BAND_HIGH_HZ = 300.0, 3400.0
SPEECH_RMS = 3000.0  # int16 RMS of the voiced speech (about -21 dBFS)
VOICED_PEAK = 300  # int16 magnitude that counts as voice, synthesized or heard (-40 dBFS)
NOISE_LOOP_S = 7.3  # length of the line noise, played round and round
SYNTH_TIMEOUT_S = 30
PJ_EVENTS_MS = 10  # pjsua2's event poll on the phone's thread
PHONE_STOP_S = 2.0  # for calls still up at the end to hang up
ANONYMOUS_URI = "sip:anonymous@anonymous.invalid"  # a withheld number (RFC 3323)
RTP_PORT_RANGE = 400  # RTP ports tried from the base a free port gives
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallerVoice:
    """Who the caller sounds like and what the line adds."""

    engine: str  # "espeak-ng" or "flite"
    name: str
    rate_wpm: int
    noise: str  # "white" or "pink"; unused when snr_db is None
    snr_db: float | None
    seed: int

    def describe(self) -> str:
        line = "clean line" if self.snr_db is None else f"{self.noise} noise {self.snr_db:g} dB"
        return f"{self.engine} {self.name} {self.rate_wpm} wpm, {line}"


def voice_for(scenario_id: str) -> CallerVoice:
    """The voice, rate and line noise of scenario `scenario_id`: always the same for an id."""
    digest = hashlib.sha256(scenario_id.encode()).digest()
    voices = [("espeak-ng", v) for v in ESPEAK_VOICES] + [("flite", v) for v in FLITE_VOICES]
    engine, name = voices[digest[0] % len(voices)]
    return CallerVoice(
        engine=engine,
        name=name,
        rate_wpm=RATES_WPM[digest[1] % len(RATES_WPM)],
        noise=NOISE_COLOURS[digest[2] % len(NOISE_COLOURS)],
        snr_db=NOISE_SNRS_DB[digest[3] % len(NOISE_SNRS_DB)],
        seed=int.from_bytes(digest[4:8], "little"),
    )


def speak(text: str, voice: CallerVoice) -> np.ndarray:
    """`text` in `voice`: trimmed to its voiced part, telephone band, at SPEECH_RMS."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        if voice.engine == "flite":
            stretch = FLITE_NATURAL_WPM / voice.rate_wpm
            command = ["flite", "-voice", voice.name, "--setf", f"duration_stretch={stretch:.2f}",
                       "-t", text, "-o", str(path)]  # fmt: skip
        else:
            command = ["espeak-ng", "-v", voice.name, "-s", str(voice.rate_wpm),
                       "-w", str(path), "--", text]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, timeout=SYNTH_TIMEOUT_S)
        pcm, _ = read_wav(path, target_hz=SAMPLE_RATE_HZ)
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) >= VOICED_PEAK)
    if len(loud) == 0:
        return np.zeros(0, np.int16)
    speech = telephone_band(pcm[loud[0] : loud[-1] + 1].astype(np.float64))
    rms = float(np.sqrt(np.mean(speech**2))) or 1.0
    return _to_int16(speech * (SPEECH_RMS / rms))


def telephone_band(signal: np.ndarray) -> np.ndarray:
    """`signal` (16 kHz) with everything outside 300-3400 Hz removed, as a phone line does."""
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(len(signal), 1 / SAMPLE_RATE_HZ)
    spectrum[(freqs < BAND_LOW_HZ) | (freqs > BAND_HIGH_HZ)] = 0
    return np.fft.irfft(spectrum, len(signal))


class LineNoise:
    """Continuous line noise of a voice: white or pink, telephone band, at the voice's SNR
    against SPEECH_RMS; silence on a clean line."""

    def __init__(self, voice: CallerVoice) -> None:
        self._loop = np.zeros(0, np.float32)
        self._at = 0
        if voice.snr_db is None:
            return
        rng = np.random.default_rng(voice.seed)
        samples = int(NOISE_LOOP_S * SAMPLE_RATE_HZ)
        spectrum = np.fft.rfft(rng.standard_normal(samples))
        if voice.noise == "pink":  # power falling 3 dB per octave: amplitude 1/sqrt(f)
            freqs = np.fft.rfftfreq(samples, 1 / SAMPLE_RATE_HZ)
            spectrum /= np.sqrt(np.maximum(freqs, 1.0))
        noise = telephone_band(np.fft.irfft(spectrum, samples))
        target_rms = SPEECH_RMS / 10 ** (voice.snr_db / 20)
        self._loop = (noise * (target_rms / np.sqrt(np.mean(noise**2)))).astype(np.float32)

    def next(self, count: int) -> np.ndarray | None:
        """The next `count` samples of noise (float), or None on a clean line."""
        if not len(self._loop):
            return None
        index = (self._at + np.arange(count)) % len(self._loop)
        self._at = int(index[-1] + 1) % len(self._loop)
        return self._loop[index]


def mix(speech: np.ndarray, noise: np.ndarray | None) -> np.ndarray:
    """A frame of speech (int16) with the line noise (float) added, clipped to int16."""
    if noise is None:
        return speech
    return _to_int16(speech.astype(np.float32) + noise)


def _to_int16(signal: np.ndarray) -> np.ndarray:
    return np.clip(np.round(signal), -32768, 32767).astype(np.int16)


class CallAudio:
    """The caller's end of one call's audio, shared by pjsua2's media thread (which takes
    `next_frame` to send and gives `receive` what arrived, 20 ms at a time) and the caller's
    loop (which queues speech with `play` and reads `frames`/`voiced`)."""

    def __init__(self, voice: CallerVoice) -> None:
        self._noise = LineNoise(voice)
        self._lock = threading.Lock()
        self._queue: deque[np.ndarray] = deque()
        self.frames: list[np.ndarray] = []  # what the caller heard, 20 ms each, in order
        self.voiced: list[bool] = []  # per frame: did it hold the agent's voice

    def play(self, pcm: np.ndarray) -> None:
        """Queue `pcm` to be sent after whatever is still playing."""
        with self._lock:
            for start in range(0, len(pcm), SAMPLES_PER_FRAME):
                frame = pcm[start : start + SAMPLES_PER_FRAME]
                self._queue.append(np.pad(frame, (0, SAMPLES_PER_FRAME - len(frame))))

    def playing(self) -> bool:
        return bool(self._queue)

    def next_frame(self) -> bytes:
        """The next 20 ms to send: queued speech or silence, with the line noise."""
        with self._lock:
            speech = self._queue.popleft() if self._queue else _SILENT_FRAME
        return mix(speech, self._noise.next(SAMPLES_PER_FRAME)).tobytes()

    def receive(self, data: bytes) -> None:
        """Keep 20 ms heard from the line (b"" when nothing came: silence)."""
        frame = np.frombuffer(data, np.int16) if data else _SILENT_FRAME
        self.frames.append(frame)
        peak = int(np.abs(frame.astype(np.int32)).max()) if len(frame) else 0
        self.voiced.append(peak >= VOICED_PEAK)

    def heard(self, first: int, end: int) -> np.ndarray:
        """Frames [first, end) as one array."""
        return np.concatenate(self.frames[first:end] or [np.zeros(0, np.int16)])


_SILENT_FRAME = np.zeros(SAMPLES_PER_FRAME, np.int16)


# ---- the caller's phone: pjsua2 ----


@dataclass(slots=True)
class LineState:
    """A call's SIP state as the caller's loop sees it (set on the phone's thread)."""

    connected: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)
    status: int = 0  # the last SIP status
    reason: str = ""


class _AudioPort(pj.AudioMediaPort):
    """The caller's mouth and ear in pjsua2's conference bridge (its media thread calls)."""

    def __init__(self, audio: CallAudio) -> None:
        super().__init__()
        self._audio = audio

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:  # noqa: N802 - pjsua2's name
        frame.buf = pj.ByteVector(self._audio.next_frame())
        frame.size = SAMPLES_PER_FRAME * 2
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:  # noqa: N802 - pjsua2's name
        has_audio = frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size
        self._audio.receive(bytes(frame.buf) if has_audio else b"")


class _Call(pj.Call):
    """One outgoing call: reports its state to a LineState, joins the port to its media."""

    def __init__(self, account: pj.Account, port: _AudioPort, line: LineState) -> None:
        super().__init__(account)
        self.port, self._line = port, line

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802 - pjsua2's name
        info = self.getInfo()
        self._line.status, self._line.reason = info.lastStatusCode, info.lastReason
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._line.connected.set()
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._line.ended.set()

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:  # noqa: N802
        info = self.getInfo()  # kept: its media vector lives only as long as it does
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                stream = self.getAudioMedia(index)
                stream.startTransmit(self.port)
                self.port.startTransmit(stream)


class Phone:
    """pjsua2 on a thread of its own: `run` executes a function there; `dial`, `key`,
    `hang_up` and `forget` are such functions. Calls are known by a handle."""

    def __init__(self) -> None:
        self._commands: queue.Queue[tuple[Callable[[], object], concurrent.futures.Future]] = (
            queue.Queue()
        )
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._main, name="pjsua2", daemon=True)
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._accounts: dict[str, pj.Account] = {}
        self._calls: dict[int, _Call] = {}
        self._next_handle = 0
        self._rtp_base_port = free_port() & ~1  # RTP on an even port, RTCP on the next

    async def start(self) -> None:
        self._thread.start()
        await asyncio.wrap_future(self._ready)

    async def run(self, function: Callable[[], T]) -> T:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._commands.put((function, future))
        return await asyncio.wrap_future(future)

    def stop(self) -> None:
        """Hang up what is left, destroy the library and end the thread."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    # -- on the phone's thread --

    def dial(self, uri: str, caller_id: str, audio: CallAudio, line: LineState) -> tuple[int, str]:
        """Dial `uri` from `caller_id` ("" withheld); (handle, SIP Call-ID)."""
        port = _AudioPort(audio)
        port_format = pj.MediaFormatAudio()
        port_format.type = pj.PJMEDIA_TYPE_AUDIO
        port_format.clockRate, port_format.channelCount = SAMPLE_RATE_HZ, 1
        port_format.frameTimeUsec, port_format.bitsPerSample = FRAME_MS * 1000, 16
        port.createPort(f"caller{self._next_handle}", port_format)
        call = _Call(self._account(caller_id), port, line)
        call.makeCall(uri, pj.CallOpParam(True))
        self._next_handle += 1
        self._calls[self._next_handle] = call
        return self._next_handle, call.getInfo().callIdString

    def key(self, handle: int, digits: str) -> None:
        """Send `digits` as RFC 4733 telephone events."""
        param = pj.CallSendDtmfParam()
        param.method = pj.PJSUA_DTMF_METHOD_RFC2833
        param.digits = digits
        self._calls[handle].sendDtmf(param)

    def hang_up(self, handle: int) -> None:
        call = self._calls.get(handle)
        if call is not None and call.isActive():
            call.hangup(pj.CallOpParam(True))

    def forget(self, handle: int) -> None:
        """Let go of an ended call and its port (here, where pjsua2 may free them)."""
        call = self._calls.pop(handle, None)
        if call is not None:
            port = call.port
            del call
            del port

    def _account(self, caller_id: str) -> pj.Account:
        if caller_id not in self._accounts:
            config = pj.AccountConfig()
            config.idUri = f"sip:{caller_id}@127.0.0.1" if caller_id else ANONYMOUS_URI
            config.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
            config.mediaConfig.transportConfig.port = self._rtp_base_port
            config.mediaConfig.transportConfig.portRange = RTP_PORT_RANGE
            account = pj.Account()
            account.create(config)
            self._accounts[caller_id] = account
        return self._accounts[caller_id]

    def _main(self) -> None:
        try:
            endpoint = _start_endpoint()
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting loop
            self._ready.set_exception(error)
            return
        self._ready.set_result(None)
        while not self._stopping.is_set():
            endpoint.libHandleEvents(PJ_EVENTS_MS)
            self._run_commands()
        for handle in list(self._calls):
            self._try(lambda handle=handle: self.hang_up(handle))
        deadline = time.monotonic() + PHONE_STOP_S
        while any(c.isActive() for c in self._calls.values()) and time.monotonic() < deadline:
            endpoint.libHandleEvents(PJ_EVENTS_MS)
        for handle in list(self._calls):
            self.forget(handle)
        for account in self._accounts.values():
            self._try(account.shutdown)
        self._accounts.clear()
        endpoint.libDestroy()

    def _run_commands(self) -> None:
        while True:
            try:
                function, future = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                future.set_result(function())
            except BaseException as error:  # noqa: BLE001 - handed to the awaiting loop
                future.set_exception(error)

    @staticmethod
    def _try(function: Callable[[], object]) -> None:
        try:
            function()
        except pj.Error:
            pass


class _StderrLog(pj.LogWriter):
    """pjsua2's errors on stderr (stdout is the report's), less an RTP port already taken by
    another call: pjsua2 then takes the next one."""

    def write(self, entry: pj.LogEntry) -> None:
        if "Address already in use" not in entry.msg:
            sys.stderr.write(entry.msg if entry.msg.endswith("\n") else entry.msg + "\n")


_STDERR_LOG = _StderrLog()  # pjsua2 keeps a pointer to it until the library is destroyed


def _start_endpoint() -> pj.Endpoint:
    """The pjsua2 library: one UDP transport on loopback, a null sound device, G.711 only,
    every frame sent (no silence suppression) at 16 kHz in the bridge."""
    endpoint = pj.Endpoint()
    sys.stdout.flush()
    saved_stdout, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # pjlib chats about its start on stdout before any log setting applies
    try:
        endpoint.libCreate()
    finally:
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)
        os.close(null)
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0  # SIP events are handled on the phone's thread only
    config.uaConfig.userAgent = "callwright-bench-caller"
    config.logConfig.level = config.logConfig.consoleLevel = 1  # errors only
    config.logConfig.writer = _STDERR_LOG
    config.medConfig.clockRate = config.medConfig.sndClockRate = SAMPLE_RATE_HZ
    config.medConfig.channelCount = 1
    config.medConfig.noVad = True
    config.medConfig.ecTailLen = 0
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.boundAddress = "127.0.0.1"
    transport.port = 0
    endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()
    for codec in endpoint.codecEnum2():
        wanted = {"PCMU/8000/1": 255, "PCMA/8000/1": 254}.get(codec.codecId, 0)
        endpoint.codecSetPriority(codec.codecId, wanted)
    return endpoint
