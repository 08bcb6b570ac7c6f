"""Example agents talking to real backends on a fresh database, on a pinned clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from callwright.actions.backends import AgentActions, built_in_registry
from callwright.actions.seed import seed_demo_data
from callwright.agent.conversation import (
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    EndCall,
    Say,
    Transfer,
    TransferFailed,
)
from callwright.agent.dialogue.front_desk import FrontDeskConversation
from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
from callwright.agent.spec.loader import load_agent
from callwright.store.database import open_database

AGENTS = Path(__file__).resolve().parents[2] / "agents"
TODAY = date(2026, 11, 30)  # a Monday
NOW_UTC = datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo("UTC"))  # 9 AM in Chicago


@pytest.fixture
def engine(tmp_path) -> Engine:
    engine = open_database(f"sqlite:///{tmp_path / 'agents.db'}")
    seed_demo_data(engine, AGENTS, today=TODAY)
    return engine


@pytest.fixture
def agent_named(engine) -> Callable[[str], FrontDeskAgent]:
    def make(name: str) -> FrontDeskAgent:
        actions = AgentActions(built_in_registry(), engine, clock=lambda: NOW_UTC)
        agent = load_agent(AGENTS / f"{name}.yaml", actions)
        agent.today = lambda: TODAY
        agent.now = lambda: NOW_UTC.astimezone(agent.timezone)
        return agent

    return make


class Caller:
    """Plays the caller's side of a text conversation and keeps what the agent said."""

    def __init__(self, conversation: FrontDeskConversation) -> None:
        self.conversation = conversation
        self.heard: list[str] = []
        self.ended: str | None = None
        self.transfers: list[Transfer] = []

    async def start(self) -> str:
        return await self._collect(self.conversation.greet())

    async def says(self, text: str) -> str:
        return await self._collect(self.conversation.respond(CallerSaid(text)))

    async def keys(self, digits: str) -> str:
        return await self._collect(self.conversation.respond(CallerKeyed(digits)))

    async def silent(self, seconds: float = 6.0) -> str:
        return await self._collect(self.conversation.respond(CallerSilent(seconds)))

    async def transfer_fails(self, why: str = "486 Busy Here") -> str:
        """What the caller hears when the person the agent transferred to does not answer."""
        self.conversation.handoff_result(False, why)
        return await self._collect(self.conversation.respond(TransferFailed(why)))

    async def _collect(self, actions) -> str:
        said = []
        async for action in actions:
            if isinstance(action, Say):
                said.append(action.text)
            elif isinstance(action, EndCall):
                self.ended = action.reason
            elif isinstance(action, Transfer):
                self.transfers.append(action)
        reply = " ".join(said)
        self.heard.append(reply)
        return reply


@pytest.fixture
def call(agent_named) -> Callable[..., Caller]:
    def start(name: str, caller_id: str = "") -> Caller:
        return Caller(agent_named(name).start_conversation(caller_id))

    return start
