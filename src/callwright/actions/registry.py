"""What an agent can do in the business's systems, behind one small interface.

An action is a named, synchronous function `(context, **params) -> ActionResult`
(database work or an HTTP request). The registry runs it off the event loop with
a timeout, turns every failure into an `ActionResult` the agent can speak about
honestly, and retries once only where the action says a retry is safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger("callwright.actions")

DEFAULT_TIMEOUT_S = 3.0


@dataclass(frozen=True, slots=True)
class ActionContext:
    engine: Engine  # the project's database
    business: str  # the business (agent) slug whose data the action touches, e.g. "dental"
    now: datetime  # timezone-aware; actions use it instead of the clock, so tests can pin time
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    """What the action found or did, JSON-serialisable, e.g. {"appointment_id": 12}."""
    error: str | None = None
    """Machine-readable failure: "not_found", "conflict", "invalid", "not_allowed",
    "timeout", "backend_error"."""
    message: str | None = None
    """One sentence about the failure that the agent can say to the caller."""

    @classmethod
    def success(cls, **data: Any) -> ActionResult:
        return cls(True, data)

    @classmethod
    def failure(cls, error: str, message: str, **data: Any) -> ActionResult:
        return cls(False, data, error, message)


Action = Callable[..., ActionResult]
RunAction = Callable[[str, dict[str, Any]], Awaitable[ActionResult]]
"""Runs an action by name with its parameters, its context already bound: how a
conversation acts."""


@dataclass(frozen=True, slots=True)
class _Registered:
    function: Action
    timeout_s: float
    retry_safe: bool
    reads_only: bool


class UnknownAction(KeyError):
    """An agent file names an action that no backend registered."""


class ActionRegistry:
    def __init__(self) -> None:
        self._actions: dict[str, _Registered] = {}

    def register(
        self,
        name: str,
        function: Action,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retry_safe: bool = False,
        reads_only: bool = False,
    ) -> None:
        """Add an action; `retry_safe` marks reads and idempotent writes, `reads_only` an
        action that only looks things up (running it again changes nothing)."""
        if name in self._actions:
            raise ValueError(f"action {name!r} is registered twice")
        self._actions[name] = _Registered(function, timeout_s, retry_safe, reads_only)

    def names(self) -> list[str]:
        return sorted(self._actions)

    def __contains__(self, name: str) -> bool:
        return name in self._actions

    def changes_records(self, name: str) -> bool:
        """Whether action `name` may change the business's records (unknown ones may)."""
        registered = self._actions.get(name)
        return registered is None or not registered.reads_only

    async def run(self, name: str, params: dict[str, Any], context: ActionContext) -> ActionResult:
        """Run an action; never raises for a failing backend, only for an unknown name."""
        registered = self._actions.get(name)
        if registered is None:
            raise UnknownAction(f"no action named {name!r}; known: {', '.join(self.names())}")
        attempts = 2 if registered.retry_safe else 1
        result = ActionResult.failure("backend_error", "Something went wrong on our side.")
        for attempt in range(attempts):
            result = await self._attempt(name, registered, params, context)
            if result.ok or result.error not in ("timeout", "backend_error"):
                return result
            log.warning("action %s failed (%s), attempt %d", name, result.error, attempt + 1)
        return result

    @staticmethod
    async def _attempt(
        name: str, registered: _Registered, params: dict[str, Any], context: ActionContext
    ) -> ActionResult:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(registered.function, context, **params), registered.timeout_s
            )
        except TimeoutError:
            return ActionResult.failure(
                "timeout", "Our system is taking too long to answer right now."
            )
        except TypeError as error:
            log.error("action %s called with bad parameters %s: %s", name, params, error)
            return ActionResult.failure("invalid", "I'm missing some details to do that.")
        except Exception:
            log.exception("action %s failed", name)
            return ActionResult.failure("backend_error", "Something went wrong on our side.")
