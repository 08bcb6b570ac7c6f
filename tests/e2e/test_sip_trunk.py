"""SIP trunks against a real registrar and proxy that demands digest authentication: Kamailio
with its auth, auth_db (a db_text user table), registrar and usrloc modules
(tests/e2e/kamailio/registrar.cfg), started here on a free loopback port.

Skips only when Kamailio is not installed (scripts/setup.sh installs it).
"""

import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import generate_latest

from callwright.api.routes_sip import sip_router
from callwright.config import ServerConfig
from callwright.config_sip import load_sip_settings
from callwright.sip_setup import register_trunks, sip_server
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.outbound import CallFailed
from callwright.telephony.sip.registration import RegistrationState
from callwright.telephony.sip.trunks import Trunk
from callwright.telephony.transport import RemoteHangup
from tests.support.kamailio import KamailioMissing, start_registrar

pytestmark = pytest.mark.e2e

USERS = {"alice": "alice-secret", "bob": "bob-secret"}


@pytest.fixture
async def registrar(tmp_path, request):
    try:
        started = await start_registrar(tmp_path, USERS, getattr(request, "param", "MD5"))
    except KamailioMissing as missing:
        pytest.skip(str(missing))
    yield started
    await started.stop()


@pytest.fixture
async def servers():
    """SipServers on free loopback ports, stopped (unregistering) at the end."""
    started: list[SipServer] = []

    async def start(trunk: Trunk, on_call=None) -> SipServer:
        async def refuse(call) -> None:
            raise AssertionError("nobody calls this server")

        server = SipServer(
            "127.0.0.1", 0, accepts=lambda user: user == "demo", on_call=on_call or refuse,
            trunks=[trunk],
        )
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


async def until(predicate, timeout_s: float, what: str) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


async def test_registers_with_digest_refreshes_before_expiry_and_unregisters_on_stop(
    registrar, servers
):
    server = await servers(registrar.trunk("alice", expires_s=10))
    (registration,) = (server.register_trunk(trunk) for trunk in server.trunks)
    await until(lambda: registration.state is RegistrationState.REGISTERED, 5, "registered")
    assert registration.reason == "200 OK"
    assert "registrar-challenge REGISTER sip:alice@" in registrar.log()
    assert "registrar-saved sip:alice@" in registrar.log()
    await until(lambda: registration.registered_count >= 2, 12, "the binding was refreshed")
    assert registration.state is RegistrationState.REGISTERED
    await server.stop()
    assert registration.state is RegistrationState.UNREGISTERED
    await until(lambda: "expires 0" in registrar.log(), 2, "Kamailio saw the unregister")


async def test_a_wrong_password_fails_with_the_reason_and_is_retried(registrar, servers):
    server = await servers(registrar.trunk("alice", password="not-it"))
    registration = server.register_trunk(server.trunks[0])
    await until(lambda: registration.failures >= 2, 6, "two failed attempts")
    assert registration.state in (RegistrationState.FAILED, RegistrationState.REGISTERING)
    assert "401" in registration.reason and "password" in registration.reason
    assert "registrar-saved" not in registrar.log()


@pytest.mark.parametrize("registrar", ["SHA-256"], indirect=True)
async def test_a_call_through_the_trunk_answers_the_proxy_challenge_and_reaches_the_callee(
    registrar, servers
):
    answered: list = []

    async def callee_answers(call) -> None:
        answered.append(call)
        async for event in call.events():
            if isinstance(event, RemoteHangup):
                return

    callee = await servers(registrar.trunk("bob"), callee_answers)
    caller = await servers(registrar.trunk("alice", caller_id="alice"))
    for server in (callee, caller):
        server.register_trunk(server.trunks[0])
    await until(lambda: all(r.state is RegistrationState.REGISTERED
                            for s in (callee, caller) for r in s.registrations), 5, "registered")

    call = await caller.dial("bob", from_user="demo", trunk="main", timeout_s=5)
    await until(lambda: answered, 2, "the callee answered")
    assert answered[0].caller.startswith("sip:alice@")  # the trunk's caller id
    assert "registrar-challenge INVITE from sip:alice@" in registrar.log()
    assert "registrar-relay INVITE to sip:demo@127.0.0.1:" in registrar.log()
    await call.hangup()
    await until(lambda: not callee.calls, 3, "the callee saw the BYE")


async def test_a_call_with_no_credentials_for_the_proxy_fails_with_its_challenge(
    registrar, servers
):
    stranger = Trunk(name="other", registrar="sip:127.0.0.1:9", username="x", password="y",
                     agent="demo")
    caller = await servers(stranger)
    with pytest.raises(CallFailed) as failure:
        await caller.dial(f"sip:bob@127.0.0.1:{registrar.port}", from_user="demo", timeout_s=3)
    assert failure.value.status == 407


async def test_serve_registers_the_trunks_of_its_settings_file_and_shows_them(
    registrar, tmp_path
):
    sip_yaml = tmp_path / "sip.yaml"
    sip_yaml.write_text(
        f"trunks:\n  - name: main\n    registrar: sip:127.0.0.1:{registrar.port}\n"
        "    username: alice\n    password_env: ALICE_PASSWORD\n    agent: demo\n"
    )
    settings = load_sip_settings(sip_yaml, {"ALICE_PASSWORD": USERS["alice"]})
    sip = sip_server(ServerConfig(sip_port=0), settings, accepts=lambda user: False,
                     on_call=None)  # type: ignore[arg-type]
    await sip.start()
    try:
        (registration,) = register_trunks(sip)
        await until(lambda: registration.state is RegistrationState.REGISTERED, 5, "registered")
        api = FastAPI()
        api.include_router(sip_router(lambda: sip.registrations))
        (shown,) = TestClient(api).get("/api/sip/trunks").json()
        assert (shown["name"], shown["state"], shown["reason"]) == ("main", "registered", "200 OK")
        assert shown["address_of_record"] == f"sip:alice@127.0.0.1:{registrar.port}"
        assert shown["expires_at"] and shown["registered_count"] == 1
        metrics = generate_latest().decode()
        assert 'callwright_sip_trunk_registered{trunk="main"} 1.0' in metrics
    finally:
        await sip.stop()
    assert 'callwright_sip_trunk_registered{trunk="main"} 0.0' in generate_latest().decode()
