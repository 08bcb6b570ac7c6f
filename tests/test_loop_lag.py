"""The event-loop lag watch: a loop blocked by synchronous work shows in the histogram and
in the log; an idle loop is on time."""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import CollectorRegistry, Histogram

from callwright.api.metrics import LOOP_LAG_BUCKETS_S
from callwright.loop_lag import LoopLagWatch


def histogram() -> Histogram:
    return Histogram("lag", "test", buckets=LOOP_LAG_BUCKETS_S, registry=CollectorRegistry())


def over(lag: Histogram, bound_s: float | None) -> float:
    """How many samples of `lag` exceeded `bound_s` (a bucket bound; None: all samples)."""
    samples = {s.labels.get("le"): s.value for s in lag.collect()[0].samples
               if s.name.endswith("_bucket")}
    return samples["+Inf"] - (0.0 if bound_s is None else samples[str(bound_s)])


async def test_a_blocked_loop_is_measured_and_logged(caplog):
    lag = histogram()
    watch = LoopLagWatch(lag, tick_s=0.01)
    task = asyncio.create_task(watch.run())
    await asyncio.sleep(0.05)
    with caplog.at_level(logging.WARNING, "callwright.loop"):
        time.sleep(0.3)  # synchronous work on the loop: every call's frames wait
        await asyncio.sleep(0.05)
    task.cancel()
    assert watch.worst_s >= 0.25
    assert over(lag, 0.1) >= 1
    assert "event loop blocked for" in caplog.text


async def test_an_idle_loop_is_on_time(caplog):
    lag = histogram()
    watch = LoopLagWatch(lag, tick_s=0.01)
    task = asyncio.create_task(watch.run())
    with caplog.at_level(logging.WARNING, "callwright.loop"):
        await asyncio.sleep(0.2)
    task.cancel()
    assert over(lag, None) >= 10  # it ticked
    assert over(lag, 0.1) == 0
    assert "blocked" not in caplog.text
