"""A call with no network: the caller is a WAV file (`callwright call`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from callwright.actions.backends import demo_ready_actions
from callwright.agent.spec.loader import load_agent
from callwright.call.session import CallSession
from callwright.config import ServerConfig
from callwright.speech.loader import load_speech_engines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord
from callwright.telephony.file import FileCall


async def run_file_call(
    agent_file: Path,
    audio: Path,
    database_url: str | None = None,
    keys: list[tuple[float, str]] = (),
    caller_id: str = "",
) -> tuple[CallRecord, np.ndarray]:
    """Run the agent against the caller audio in real time, recording the call in the
    database like a phone call; return the record and the agent's audio as sent."""
    config = ServerConfig.from_environment(database_url=database_url)
    engine = await asyncio.to_thread(open_database, config.database_url)
    actions = await asyncio.to_thread(demo_ready_actions, engine, agent_file.parent)
    agent = load_agent(agent_file, actions)
    engines = await asyncio.to_thread(load_speech_engines, config.vad, config.stt, config.tts)
    prompts = PromptCache(engines.tts)
    await prompts.warm(agent.fixed_prompts())
    calls = CallRepository(engine)
    transport = FileCall(audio, keys=keys, caller_id=caller_id)
    transport.callee = agent.name
    record = await CallSession(transport, agent, engines, prompts, calls, config.call).run()
    return record, transport.agent_audio()
