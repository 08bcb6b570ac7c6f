"""`callwright serve`: every agent under agents/ answering SIP calls and carrier media
streams (Twilio, Telnyx, Plivo), running the outbound campaigns, plus the HTTP API.

Speech engines and agents load once, fixed prompts are pre-synthesized before
the first call is accepted, and each call runs as its own `CallSession` task.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import uvicorn
from sqlalchemy import Engine

from callwright.actions.backends import demo_ready_actions
from callwright.agent.conversation import Agent
from callwright.agent.spec.loader import load_agents
from callwright.api.app import create_app
from callwright.api.auth import check_exposure
from callwright.api.metrics import (
    CALLS_ACTIVE,
    CALLS_CAPACITY,
    CALLS_TOTAL,
    HANDOFFS_TOTAL,
    SPECULATIONS,
    TURN_LATENCY_SECONDS,
)
from callwright.api.routes_browser import browser_router
from callwright.api.routes_sip import sip_router
from callwright.api.routes_streams import TWILIO_AUTH_TOKEN_ENV, streams_router
from callwright.api.talk_links import link_secret
from callwright.call.answering_machine import AnsweringOptions
from callwright.call.handoff import Dial
from callwright.call.session import CallSession
from callwright.campaign_calls import campaign_caller
from callwright.config import ServerConfig
from callwright.config_sip import load_sip_settings
from callwright.domains.campaigns.book import CampaignBook
from callwright.domains.campaigns.routes import campaigns_router
from callwright.domains.campaigns.scheduler import CampaignScheduler
from callwright.domains.campaigns.seed import FOLDER as CAMPAIGNS_FOLDER
from callwright.domains.campaigns.seed import seed_demo_campaigns
from callwright.loop_lag import LoopLagWatch
from callwright.sip_setup import person_dialer, register_trunks, sip_server
from callwright.speech.loader import SpeechEngines, load_speech_engines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.store.api_keys import ApiKeyRepository
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord
from callwright.telephony.sip.call import SipCall
from callwright.telephony.transport import Transport

log = logging.getLogger("callwright.server")


@dataclass
class Runtime:
    """What every call of this process shares."""

    config: ServerConfig
    engines: SpeechEngines
    prompts: PromptCache
    agents: dict[str, Agent]
    calls: CallRepository
    engine: Engine
    calls_up: Counter[str] = field(default_factory=Counter)
    """Calls now running, by transport (sip, twilio, ...): admission counts them all."""

    async def run_call(
        self, transport: Transport, agent: Agent, dial: Dial | None = None, *,
        answering: AnsweringOptions | None = None, contact: Mapping[str, str] | None = None,
    ) -> CallRecord:
        """Run the call to its end and return its record. `answering` and `contact`: an
        outbound call's machine screening and the contact's fields for the agent."""
        kind = getattr(transport, "transport_name", "other")
        CALLS_ACTIVE.inc()
        self.calls_up[kind] += 1
        try:
            session = CallSession(
                transport, agent, self.engines, self.prompts, self.calls, self.config.call,
                dial=dial, answering=answering, contact=contact,
            )
            record = await session.run()
            CALLS_TOTAL.labels(agent.name, record.outcome or "unknown").inc()
            for handoff in record.dialogue_state.get("handoffs", []):
                result = handoff.get("result", "unknown")
                HANDOFFS_TOTAL.labels(agent.name, handoff.get("reason", "unknown"), result).inc()
            for result, count in record.dialogue_state.get("speculation", {}).items():
                SPECULATIONS.labels(agent.name, result).inc(count)
            for turn in record.turns:
                latency = turn.latency_ms()
                if latency is not None:
                    TURN_LATENCY_SECONDS.labels(agent.name).observe(latency / 1000)
            return record
        finally:
            CALLS_ACTIVE.dec()
            self.calls_up[kind] -= 1


async def load_runtime(
    config: ServerConfig, only: str | None = None, engine: Engine | None = None
) -> Runtime:
    """Load the database (seeding demo data not there yet), the agents with their actions
    and the speech engines; pre-synthesize every agent's fixed prompts.

    `engine`: the database when the caller has already opened it."""
    if engine is None:
        engine = await asyncio.to_thread(open_database, config.database_url)
    actions = await asyncio.to_thread(demo_ready_actions, engine, config.agents_dir)
    agents = load_agents(config.agents_dir, actions)
    if only is not None:
        agents = {name: agent for name, agent in agents.items() if name == only}
    if not agents:
        raise SystemExit(f"No agent files (*.yaml) found in {config.agents_dir}/")
    await asyncio.to_thread(
        seed_demo_campaigns, engine, config.agents_dir / CAMPAIGNS_FOLDER, agents.keys()
    )
    engines = await asyncio.to_thread(load_speech_engines, config.vad, config.stt, config.tts)
    prompts = PromptCache(engines.tts)
    for agent in agents.values():
        await prompts.warm(agent.fixed_prompts())
    return Runtime(config, engines, prompts, agents, CallRepository(engine), engine)


async def serve(config: ServerConfig) -> None:
    # Refuse an exposed API without keys before the slow part: loading speech engines.
    engine = await asyncio.to_thread(open_database, config.database_url)
    keys = ApiKeyRepository(engine)
    open_without_keys = await asyncio.to_thread(check_exposure, config.http_host, keys)
    try:
        sip_settings = load_sip_settings(config.sip_config)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    runtime = await load_runtime(config, engine=engine)

    def agent_called(user: str) -> Agent | None:
        """The agent a SIP call's Request-URI user reaches: its name, or a dialed number."""
        return runtime.agents.get(user) or runtime.agents.get(sip_settings.agent_for(user))

    async def on_call(call: SipCall) -> None:
        agent = agent_called(call.callee)
        assert agent is not None, "accepts() let only agents' calls in"
        await runtime.run_call(call, agent, person_dialer(sip, agent.name))

    async def on_stream_call(transport: Transport, agent_name: str) -> None:
        await runtime.run_call(transport, runtime.agents[agent_name])

    sip = sip_server(
        config, sip_settings, accepts=lambda user: agent_called(user) is not None,
        on_call=on_call,
        other_calls=lambda: runtime.calls_up.total() - runtime.calls_up["sip"],
    )
    CALLS_CAPACITY.set(config.max_calls)
    loop_lag = asyncio.create_task(LoopLagWatch().run())
    await sip.start()
    register_trunks(sip)

    def admits() -> bool:
        others = runtime.calls_up.total() - runtime.calls_up["sip"]
        return config.admission.admits(others + len(sip.calls))

    scheduler = CampaignScheduler(
        CampaignBook(runtime.engine),
        campaign_caller(
            sip, runtime.agents, runtime.run_call, lambda name: person_dialer(sip, name),
            sip.trunks[0].name if sip.trunks else None, runtime.calls_up,
        ),
        server_room=lambda: config.max_calls - runtime.calls_up.total(),
    )
    campaigns = asyncio.create_task(scheduler.run())

    app = create_app(
        runtime.calls, config.data_dir / "recordings", runtime.engine,
        keys=keys, open_without_keys=open_without_keys, sip=sip_router(lambda: sip.registrations),
        streams=streams_router(
            on_stream_call, runtime.agents.keys(), os.environ.get(TWILIO_AUTH_TOKEN_ENV),
            admits=admits,
        ),
        browser=browser_router(
            on_stream_call, runtime.agents.keys(), runtime.calls, link_secret(config.data_dir),
            admits=admits,
        ),
        campaigns=campaigns_router(runtime.engine, runtime.agents.keys()),
    )
    http = uvicorn.Server(
        uvicorn.Config(app, host=config.http_host, port=config.http_port, log_level="warning")
    )
    names = ", ".join(f"sip:{name}@{config.sip_host}:{sip.udp_port}" for name in runtime.agents)
    log.info("answering %s; API on http://%s:%d/api/calls", names, config.http_host,
             config.http_port)
    print(f"callwright is answering {names}", flush=True)
    print(f"HTTP API: http://{config.http_host}:{config.http_port}/api/calls", flush=True)
    print("Twilio voice webhook: https://<this host>/twilio/voice/<agent>", flush=True)
    print("In a browser: open the link that `callwright talk-link <agent>` prints", flush=True)
    try:
        await http.serve()
    finally:
        loop_lag.cancel()
        campaigns.cancel()
        await sip.stop()
