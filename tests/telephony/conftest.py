"""The `sip` fixture: a SipServer answering "demo" on 127.0.0.1, and a scripted phone."""

import asyncio

import pytest

from callwright.telephony.admission import AdmissionPolicy
from callwright.telephony.sip.endpoint import SipServer
from tests.support.sip_phone import TIMERS, FakeRtp, Phone


@pytest.fixture
async def sip():
    FakeRtp.opened = []
    FakeRtp.gate = None
    calls: asyncio.Queue = asyncio.Queue()
    behaviour = {"on_call": None, "refused": []}

    async def on_call(call) -> None:
        call.heard = []  # by default the agent listens until the call ends
        call.over = asyncio.Event()
        calls.put_nowait(call)
        if behaviour["on_call"]:
            await behaviour["on_call"](call)
            return
        async for event in call.events():
            call.heard.append(event)
        call.over.set()

    server = SipServer(
        "127.0.0.1",
        0,
        accepts=lambda user: user == "demo",
        on_call=on_call,
        admission=AdmissionPolicy(max_calls=2, refuse_with=486),
        on_refused=behaviour["refused"].append,
        timers=TIMERS,
        open_media=FakeRtp.open,
    )
    await server.start()
    loop = asyncio.get_running_loop()
    _, phone = await loop.create_datagram_endpoint(Phone, local_addr=("127.0.0.1", 0))
    yield server, phone, calls, behaviour
    phone.transport.close()
    await server.stop()
