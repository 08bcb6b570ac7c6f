"""A call with no network: the caller is a WAV file (`callwright call`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from callwright.agent.loader import load_agent
from callwright.call.session import CallSession
from callwright.config import ServerConfig
from callwright.speech.loader import load_speech_engines
from callwright.speech.tts.prompt_cache import PromptCache
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallRecord
from callwright.telephony.file import FileCall


async def run_file_call(
    agent_file: Path, audio: Path, database_url: str | None = None
) -> tuple[CallRecord, np.ndarray]:
    """Run the agent against the caller audio in real time, recording the call in the
    database like a phone call; return the record and the agent's audio as sent."""
    config = ServerConfig.from_environment(database_url=database_url)
    agent = load_agent(agent_file)
    engines = await asyncio.to_thread(load_speech_engines, config.vad, config.stt, config.tts)
    prompts = PromptCache(engines.tts)
    await prompts.warm(agent.fixed_prompts())
    calls = CallRepository(await asyncio.to_thread(open_database, config.database_url))
    transport = FileCall(audio)
    transport.callee = agent.name
    record = await CallSession(transport, agent, engines, prompts, calls, config.call).run()
    return record, transport.agent_audio()
