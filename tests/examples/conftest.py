"""The example agents on real backends, the demo data and a pinned clock: the fixtures of
tests/agents/conftest.py, shared rather than copied."""

from tests.agents.conftest import Caller, agent_named, call, engine

__all__ = ["Caller", "agent_named", "call", "engine"]
