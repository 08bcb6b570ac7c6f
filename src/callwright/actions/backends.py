"""All built-in backends in one registry, bound to a database for agents to use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from callwright.actions import cards, crm, orders, scheduling, tickets
from callwright.actions.registry import ActionContext, ActionRegistry, ActionResult
from callwright.domains.pharmacy import actions as pharmacy

BUILT_IN = (crm, scheduling, tickets, orders, pharmacy, cards)


def built_in_registry() -> ActionRegistry:
    registry = ActionRegistry()
    for backend in BUILT_IN:
        backend.register(registry)
    return registry


class AgentActions:
    """Gives each agent a function that runs actions on its own business's records."""

    def __init__(
        self,
        registry: ActionRegistry,
        engine: Engine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.registry = registry
        self._engine = engine
        self._clock = clock

    def __call__(
        self, business: str, own: ActionRegistry | None = None
    ) -> Callable[[str, dict[str, Any]], Any]:
        """The action runner for one agent; `own` holds the agent's own (HTTP) actions,
        which take precedence over the built-in ones of the same name."""

        async def run(name: str, params: dict[str, Any]) -> ActionResult:
            context = ActionContext(self._engine, business, self._clock())
            registry = own if own is not None and name in own else self.registry
            return await registry.run(name, params, context)

        return run

    def changes_records(self, name: str, own: ActionRegistry | None = None) -> bool:
        """Whether action `name` (of `own` first, as `__call__` runs it) may change records."""
        registry = own if own is not None and name in own else self.registry
        return registry.changes_records(name)


def demo_ready_actions(engine: Engine, agents_dir: Path) -> AgentActions:
    """The built-in backends on `engine`, after seeding demo data for agents that have none."""
    from callwright.actions.seed import seed_demo_data

    seed_demo_data(engine, agents_dir, replace=False)
    return AgentActions(built_in_registry(), engine)
