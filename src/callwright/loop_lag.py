"""How late the event loop runs: a blocked loop delays every call's 20 ms frames at once.

`LoopLagWatch` sleeps a short tick over and over and measures how much later than asked it
wakes up. That lateness is what any ready callback (an inbound frame, a frame to send)
waits at that moment. Each tick goes into the `callwright_event_loop_lag_seconds` histogram
of /metrics; a lag past `BLOCKED_LOG_S` is also logged as a warning, since then every call
on this worker missed a frame's time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from prometheus_client import Histogram

from callwright.api.metrics import EVENT_LOOP_LAG_SECONDS

log = logging.getLogger("callwright.loop")

TICK_S = 0.05
BLOCKED_LOG_S = 0.1  # five frames of 20 ms


class LoopLagWatch:
    """Measures the event loop's lateness until cancelled; `worst_s` is the largest seen."""

    def __init__(
        self,
        histogram: Histogram = EVENT_LOOP_LAG_SECONDS,
        tick_s: float = TICK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._histogram = histogram
        self._tick_s = tick_s
        self._clock = clock
        self.worst_s = 0.0

    async def run(self) -> None:
        while True:
            asked = self._clock()
            await asyncio.sleep(self._tick_s)
            self.observe(self._clock() - asked - self._tick_s)

    def observe(self, lag_s: float) -> None:
        lag_s = max(lag_s, 0.0)
        self._histogram.observe(lag_s)
        self.worst_s = max(self.worst_s, lag_s)
        if lag_s > BLOCKED_LOG_S:
            log.warning("event loop blocked for %.0f ms: every call's frames waited", lag_s * 1000)
