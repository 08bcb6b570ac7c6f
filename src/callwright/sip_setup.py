"""The SIP side of `callwright serve` and `callwright dial`: a SipServer made from the SIP
settings file (config_sip.py), its trunks kept registered, and what it does in /metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from callwright.api.metrics import (
    CALLS_REFUSED,
    SIP_REGISTERED,
    SIP_REGISTRATION_RESULTS,
    SIP_REQUESTS_DROPPED,
)
from callwright.call.handoff import Dial
from callwright.config import ServerConfig
from callwright.config_sip import SipSettings
from callwright.telephony.sip.call import SipCall
from callwright.telephony.sip.endpoint import SipServer
from callwright.telephony.sip.registration import Registration, RegistrationState


def sip_server(
    config: ServerConfig,
    settings: SipSettings,
    *,
    accepts: Callable[[str], bool],
    on_call: Callable[[SipCall], Awaitable[None]],
    other_calls: Callable[[], int] = lambda: 0,
) -> SipServer:
    """A SipServer on the configured address with the settings' trunks, access policy and
    NAT addresses; refusals and drops counted in /metrics. `other_calls`: calls up on other
    transports (carrier streams, browsers), which share the admission limit."""
    return SipServer(
        config.sip_host,
        config.sip_port,
        accepts=accepts,
        on_call=on_call,
        admission=config.admission,
        on_refused=lambda status: CALLS_REFUSED.labels(str(status)).inc(),
        trunks=settings.trunks,
        access=settings.access,
        on_dropped=lambda reason: SIP_REQUESTS_DROPPED.labels(reason).inc(),
        public_address=settings.public_address,
        rtp_ports=settings.rtp_ports,
        digest_users=settings.digest_users,
        other_calls=other_calls,
    )


def register_trunks(sip: SipServer) -> list[Registration]:
    """Keep every trunk with `register: true` registered (a started `sip`), in /metrics."""
    return [
        sip.register_trunk(trunk, on_change=_count_registration)
        for trunk in sip.trunks if trunk.register
    ]


def person_dialer(sip: SipServer, agent_name: str) -> Dial:
    """How an agent's warm transfers call a person: from this server, as the agent; a
    number (not a sip: URI) goes through the first trunk."""
    trunk = sip.trunks[0].name if sip.trunks else None

    async def dial(target: str, headers: Mapping[str, str], ring_s: float) -> SipCall:
        through = None if target.startswith("sip:") else trunk
        return await sip.dial(
            target, from_user=agent_name, headers=headers, timeout_s=ring_s, trunk=through
        )

    return dial


def _count_registration(registration: Registration) -> None:
    name = registration.trunk.name
    registered = registration.state is RegistrationState.REGISTERED
    SIP_REGISTERED.labels(name).set(1 if registered else 0)
    if registered:
        SIP_REGISTRATION_RESULTS.labels(name, "registered").inc()
    elif registration.state is RegistrationState.FAILED:
        SIP_REGISTRATION_RESULTS.labels(name, "failed").inc()
