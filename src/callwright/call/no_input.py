"""Caller silence that counts as no input: the clock starts when nobody has the floor.

The call reports activity (the caller spoke or keyed, the agent is busy or speaking) on
every frame; once neither side has done anything for the agent's no-input timeout, the
watch says so once and starts counting again.
"""

from __future__ import annotations


class NoInputWatch:
    """Measures the silence after the agent finished and the caller did nothing."""

    def __init__(self, timeout_s: float, now: float) -> None:
        self.timeout_s = timeout_s
        self._last_activity = now

    def active(self, now: float) -> None:
        """Someone has the floor (or just had it) at `now`."""
        self._last_activity = now

    def silent_for(self, now: float) -> float | None:
        """The silence so far when it reached the timeout at `now` (counting starts again);
        None before that."""
        silent_s = now - self._last_activity
        if silent_s < self.timeout_s:
            return None
        self._last_activity = now
        return silent_s
