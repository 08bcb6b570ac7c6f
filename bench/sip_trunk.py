"""SIP trunks and the SIP door: registration and calls through a proxy that demands digest
authentication, and what a flood from one address does to everyone else's calls.

Kamailio plays the provider (auth, auth_db, registrar, usrloc: tests/support/kamailio.py) on
loopback; callwright's SipServer (real RTP, no speech: this measures signalling) registers
and calls through it. Three parts:
- registration: N trunks register at once (REGISTER, 401, REGISTER with credentials, 200);
  time to registered, and how many renewed their 10 s binding before it ran out;
- calls out: M calls through the proxy (INVITE, 407, INVITE with credentials, relayed to a
  registered callee that answers), K at a time; setup time (dial to answered);
- flood: one address (127.0.0.2) sends INVITEs and OPTIONS at a fixed rate straight at a
  SipServer with the default per-source rate limit, while another (127.0.0.1) places calls
  to it; the share of the flood that reached the call engine, and the other caller's setup
  times next to the same calls without the flood.

Run: .venv/bin/python bench/sip_trunk.py [--trunks 20] [--calls 20] [--at-once 5]
     [--flood-rate 500] [--flood-s 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency.report import machine, percentiles  # noqa: E402
from callwright.telephony.sip.endpoint import SipServer  # noqa: E402
from callwright.telephony.sip.outbound import CallFailed  # noqa: E402
from callwright.telephony.sip.registration import RegistrationState  # noqa: E402
from callwright.telephony.transport import RemoteHangup  # noqa: E402
from tests.support.kamailio import Registrar, start_registrar  # noqa: E402

EXPIRES_S = 10  # short, so that every binding is renewed within the run
REGISTER_WAIT_S = 15.0
RING_S = 5.0
CALL_HOLD_S = 0.2  # how long each answered call stays up before our BYE
FLOOD_SOURCE = "127.0.0.2"


async def answer_until_bye(call) -> None:
    async for event in call.events():
        if isinstance(event, RemoteHangup):
            return


async def started(server: SipServer) -> SipServer:
    await server.start()
    return server


def sip_server(trunks=(), on_call=answer_until_bye) -> SipServer:
    return SipServer("127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call,
                     trunks=trunks)


async def registration(registrar: Registrar, count: int) -> list[str]:
    """`count` trunks register at once; time to registered, then one renewal each."""
    trunks = [registrar.trunk(f"t{n}", name=f"t{n}", expires_s=EXPIRES_S) for n in range(count)]
    server = await started(sip_server(trunks))
    try:
        began = time.monotonic()
        registered_at: dict[str, float] = {}

        def seen(registration) -> None:
            if registration.state is RegistrationState.REGISTERED:
                registered_at.setdefault(registration.trunk.name, time.monotonic() - began)

        registrations = [server.register_trunk(trunk, on_change=seen) for trunk in trunks]
        await asyncio.sleep(EXPIRES_S + 2)  # past the first binding's end: renewed or lost
        renewed = sum(r.registered_count >= 2 for r in registrations)
        failed = sum(r.failures for r in registrations)
    finally:
        await server.stop()
    return [
        f"registration: {len(registered_at)} of {count} trunks registered, {renewed} renewed "
        f"their {EXPIRES_S} s binding in time, {failed} failed attempts",
        percentiles("  time to registered", list(registered_at.values())),
    ]


async def calls_out(registrar: Registrar, count: int, at_once: int) -> list[str]:
    """`count` calls through the proxy's challenge to a registered callee, `at_once` at a
    time."""
    callee = await started(sip_server([registrar.trunk("bob")]))
    caller = await started(sip_server([registrar.trunk("alice", caller_id="alice")]))
    try:
        for server in (callee, caller):
            server.register_trunk(server.trunks[0])
        deadline = time.monotonic() + REGISTER_WAIT_S
        while any(s.registrations[0].state is not RegistrationState.REGISTERED
                  for s in (callee, caller)):
            if time.monotonic() > deadline:
                return ["calls out: the callee or caller never registered"]
            await asyncio.sleep(0.05)
        setups, failures = await dial_all(
            lambda: caller.dial("bob", from_user="demo", trunk="main", timeout_s=RING_S),
            count, at_once,
        )
    finally:
        await caller.stop()
        await callee.stop()
    return [
        f"calls out through the proxy's 407: {len(setups)} of {count} answered"
        + (f"; failed: {', '.join(failures)}" if failures else ""),
        percentiles("  setup (dial to answered)", setups),
    ]


async def dial_all(dial, count: int, at_once: int) -> tuple[list[float], list[str]]:
    """Place `count` calls with `dial()`, `at_once` at a time; setup times and failures."""
    setups: list[float] = []
    failures: list[str] = []
    gate = asyncio.Semaphore(at_once)

    async def one() -> None:
        async with gate:
            began = time.monotonic()
            try:
                call = await dial()
            except (CallFailed, OSError) as error:
                failures.append(str(error))
                return
            setups.append(time.monotonic() - began)
            await asyncio.sleep(CALL_HOLD_S)
            await call.hangup()

    await asyncio.gather(*(one() for _ in range(count)))
    return setups, failures


async def flood(count: int, at_once: int, rate: float, seconds: float) -> list[str]:
    """Calls from 127.0.0.1 to a SipServer alone, then to a fresh one (its rate buckets
    full again) during a flood from FLOOD_SOURCE."""
    quiet, quiet_failures, _ = await calls_to_a_server(count, at_once)
    loud, loud_failures, (sent, dropped) = await calls_to_a_server(
        count, at_once, lambda port: send_flood(port, rate, seconds)
    )
    reached = sent - dropped
    failures = quiet_failures + loud_failures
    return [
        f"flood: {sent} requests from {FLOOD_SOURCE} in {seconds:g} s ({rate:g}/s); "
        f"{reached} ({100 * reached / max(sent, 1):.1f} %) reached the call engine, "
        f"{dropped} dropped at the door",
        f"  calls from 127.0.0.1 answered: {len(quiet)}/{count} alone, {len(loud)}/{count} "
        f"during the flood" + (f"; failed: {', '.join(failures)}" if failures else ""),
        percentiles("  setup alone", quiet),
        percentiles("  setup during the flood", loud),
    ]


async def calls_to_a_server(count: int, at_once: int, flooding=None):
    """`count` calls from 127.0.0.1 (within its own rate limit's burst) to a new SipServer,
    during `flooding(port)` when given; setup times, failures, (flood sent, dropped)."""
    dropped: list[str] = []
    target = SipServer("127.0.0.1", 0, accepts=lambda user: user == "demo",
                       on_call=answer_until_bye, on_dropped=dropped.append)
    await target.start()
    caller = await started(sip_server())
    uri = f"sip:demo@127.0.0.1:{target.udp_port}"
    try:
        flood_task = asyncio.create_task(flooding(target.udp_port)) if flooding else None
        if flood_task:
            await asyncio.sleep(0.5)  # the flood is on before the calls start
        setups, failures = await dial_all(
            lambda: caller.dial(uri, from_user="demo", timeout_s=RING_S), count, at_once
        )
        sent = await flood_task if flood_task else 0
    finally:
        await caller.stop()
        await target.stop()
    return setups, failures, (sent, len(dropped))


async def send_flood(port: int, rate: float, seconds: float) -> int:
    """INVITEs and OPTIONS (alternately, each a new Call-ID) from FLOOD_SOURCE at `rate` per
    second for `seconds`; how many were sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind((FLOOD_SOURCE, 0))
        udp.setblocking(False)
        local = udp.getsockname()[1]
        began = time.monotonic()
        sent = 0
        for n in itertools.count():
            due = began + n / rate
            if due - began >= seconds:
                return sent
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            method = "INVITE" if n % 2 else "OPTIONS"
            udp.sendto(flood_request(method, n, local, port), ("127.0.0.1", port))
            sent += 1
    return sent


def flood_request(method: str, n: int, local_port: int, port: int) -> bytes:
    return (
        f"{method} sip:demo@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {FLOOD_SOURCE}:{local_port};branch=z9hG4bKflood{n};rport\r\n"
        f"From: <sip:flood@{FLOOD_SOURCE}>;tag=f{n}\r\nTo: <sip:demo@127.0.0.1>\r\n"
        f"Call-ID: flood-{n}\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n"
        f"Contact: <sip:flood@{FLOOD_SOURCE}:{local_port}>\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="callwright-sip-trunk-"))
    users = {f"t{n}": f"secret-{n}" for n in range(args.trunks)}
    users |= {"alice": "alice-secret", "bob": "bob-secret"}
    registrar = await start_registrar(workdir, users, "SHA-256")
    try:
        report = [
            f"machine: {machine()}",
            "conditions: Kamailio registrar and proxy on loopback (SHA-256 digest, db_text "
            "users), SipServer with real RTP and no speech, UDP; default rate limit "
            "(5 requests/s, burst 20, per source and method)",
            "",
            *await registration(registrar, args.trunks),
            *await calls_out(registrar, args.calls, args.at_once),
        ]
    finally:
        await registrar.stop()
    report += await flood(args.calls, args.at_once, args.flood_rate, args.flood_s)
    print("\n".join(report), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trunks", type=int, default=20, help="trunks registering at once")
    parser.add_argument("--calls", type=int, default=20, help="calls per part")
    parser.add_argument("--at-once", type=int, default=5, help="calls placed at a time")
    parser.add_argument("--flood-rate", type=float, default=500, help="flood requests/s")
    parser.add_argument("--flood-s", type=float, default=5, help="flood seconds")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
