"""Going back one turn: a conversation's state copied before it answers, restored when the
caller was not done speaking.

A caller who pauses mid-sentence ("I'd like to book a checkup ... with Doctor Patel") gets
a reply to the first half; when they go on during its first words, the call joins both
halves into one turn. The reply to the first half must then be undone, so the agent reads
the whole sentence once, from where it stood before. That is only honest while nothing was
changed in the business's systems meanwhile: every action that may change records is
counted (look-ups are not: running them again changes nothing), and a conversation with
such actions run since its checkpoint is not restored.

A speculative copy (`speculative_copy`) answers a turn ahead of time, while the caller
pauses: it is the conversation as it stands, with actions of its own that run look-ups but
raise `WouldChangeRecords` instead of changing anything. The real conversation is not
touched; the copy is dropped once its reply's words are known.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from callwright.agent.conversation import WouldChangeRecords

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What an object held at one moment (a deep copy), and how many actions had run."""

    attributes: dict[str, Any]
    actions_run: int


class CountedActions:
    """Wraps an agent's action runner and counts the actions it ran that may change records
    (`changes_records(name)`; every action when it is not given). With `look_ups_only`
    (a speculative copy's) those actions raise `WouldChangeRecords` instead of running."""

    def __init__(
        self,
        run: Callable[..., Awaitable[Any]] | None,
        changes_records: Callable[[str], bool] | None = None,
        look_ups_only: bool = False,
    ) -> None:
        self._run = run
        self._changes_records = changes_records
        self._look_ups_only = look_ups_only
        self.count = 0

    def runner(self) -> Callable[..., Awaitable[Any]] | None:
        return None if self._run is None else self._call

    def look_ups_only(self) -> CountedActions:
        """The same actions, refusing those that may change records."""
        return CountedActions(self._run, self._changes_records, look_ups_only=True)

    async def _call(self, name: str, params: dict[str, Any]) -> Any:
        # a copied runner is this method bound to the copy's object: check its flag here
        if self._changes_records is None or self._changes_records(name):
            if self._look_ups_only:
                raise WouldChangeRecords(name)
            self.count += 1
        return await self._run(name, params)


def take_checkpoint(owner: object, actions: CountedActions, shared: Iterable[object]) -> Checkpoint:
    """A copy of `owner`'s attributes; the `shared` objects (the agent, its specs, the action
    runner: read-only or outside the conversation) are referenced, not copied."""
    memo: dict[int, Any] = {id(owner): owner, id(actions): actions}
    memo.update((id(item), item) for item in shared)
    return Checkpoint(copy.deepcopy(vars(owner), memo), actions.count)


def speculative_copy(owner: T, actions: CountedActions, shared: Iterable[object]) -> T:
    """A copy of `owner` whose actions only look up (`CountedActions.look_ups_only`); the
    `shared` objects are referenced, as in `take_checkpoint`."""
    clone = object.__new__(type(owner))
    memo: dict[int, Any] = {id(owner): clone, id(actions): actions.look_ups_only()}
    memo.update((id(item), item) for item in shared)
    vars(clone).update(copy.deepcopy(vars(owner), memo))
    return clone


def restore_checkpoint(owner: object, actions: CountedActions, checkpoint: Checkpoint) -> bool:
    """Put `owner` back as it was at `checkpoint` (used once); False, changing nothing, when
    an action ran since."""
    if actions.count != checkpoint.actions_run:
        return False
    vars(owner).clear()
    vars(owner).update(checkpoint.attributes)
    return True
