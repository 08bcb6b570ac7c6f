"""The simulated caller's phone on a voice call (bench/calls/voice_run.py): pjsua2 on a
thread of its own (`Phone`). Every library call runs there and no pjsua2 object leaves it;
pjsua2's media thread moves each call's audio through a `CallAudio`. G.711 only, keys as
RFC 4733 telephone events, a null sound device.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pjsua2 as pj

from bench.calls.caller_voices import CallAudio
from callwright.audio.frames import FRAME_MS, SAMPLE_RATE_HZ, SAMPLES_PER_FRAME
from tests.support.server import free_port

PJ_EVENTS_MS = 10  # pjsua2's event poll on the phone's thread
PHONE_STOP_S = 2.0  # for calls still up at the end to hang up
ANONYMOUS_URI = "sip:anonymous@anonymous.invalid"  # a withheld number (RFC 3323)
RTP_PORT_RANGE = 400  # RTP ports tried from the base a free port gives
T = TypeVar("T")

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
        audio = getattr(self, "_audio", None)  # absent on a wrapper pjsua2 made of its own
        if audio is None:
            return
        has_audio = frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size
        audio.receive(bytes(frame.buf) if has_audio else b"")


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
        self._accounts: dict[str, pj.Account] = {}  # caller id -> account, while a call uses it
        self._calls: dict[int, _Call] = {}
        self._callers: dict[int, str] = {}  # call handle -> its caller id
        self._ended_ports: list[_AudioPort] = []  # kept while pjsua2's media thread may call
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
        self._callers[self._next_handle] = caller_id
        return self._next_handle, call.getInfo().callIdString

    def key(self, handle: int, digits: str) -> None:
        """Send `digits` as RFC 4733 telephone events."""
        param = pj.CallSendDtmfParam()
        param.method = pj.PJSUA_DTMF_METHOD_RFC2833
        param.digits = digits
        self._calls[handle].sendDtmf(param)

    def rtp_port(self, handle: int) -> int:
        """The caller's local RTP port of call `handle`; 0 until its audio stream is up."""
        call = self._calls[handle]
        info = call.getInfo()  # kept: its media vector lives only as long as it does
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO:
                return int(call.getMedTransportInfo(index).localRtpName.rsplit(":", 1)[1])
        return 0

    def hang_up(self, handle: int) -> None:
        call = self._calls.get(handle)
        if call is not None and call.isActive():
            call.hangup(pj.CallOpParam(True))

    def forget(self, handle: int) -> None:
        """Let go of an ended call (here, where pjsua2 may free it). Its port is kept: the
        conference bridge can still call it for a frame, and a freed one raised there."""
        call = self._calls.pop(handle, None)
        if call is not None:
            self._ended_ports.append(call.port)
            del call
        caller_id = self._callers.pop(handle, None)
        if caller_id is not None and caller_id not in self._callers.values():
            # pjsua2 holds a few accounts only (PJSUA_MAX_ACC): one per caller id in use
            self._try(self._accounts.pop(caller_id).shutdown)

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
        self._ended_ports.clear()  # out of the conference bridge while it still exists
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
