"""Requests from several calls batched on one worker: grouped by key, in order, dropped when
no longer awaited, and a failing batch fails each of its callers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from callwright.speech.batching import Batcher


class Recorder:
    """A batch runner that records its batches; the first one waits until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()

    def run(self, items: list[str]) -> list[str]:
        if not self.batches:
            self.release.wait(5)
        self.batches.append(items)
        if "boom" in items:
            raise RuntimeError("the model failed")
        return [item.upper() for item in items]


async def test_requests_waiting_together_run_as_batches_of_one_key():
    runner = Recorder()
    batcher = Batcher(runner.run, max_batch=2, name="test")
    first = asyncio.ensure_future(batcher.submit("a", "one"))
    await asyncio.sleep(0.05)  # the worker is busy with "one"
    rest = [asyncio.ensure_future(batcher.submit(key, item))
            for key, item in [("a", "two"), ("b", "x"), ("a", "three"), ("a", "four")]]
    await asyncio.sleep(0.05)
    runner.release.set()
    assert await asyncio.gather(first, *rest) == ["ONE", "TWO", "X", "THREE", "FOUR"]
    assert runner.batches == [["one"], ["two", "three"], ["x"], ["four"]]


async def test_a_request_no_longer_awaited_is_dropped_and_a_failure_reaches_each_caller():
    runner = Recorder()
    batcher = Batcher(runner.run, max_batch=4, name="test")
    busy = asyncio.ensure_future(batcher.submit("a", "one"))
    await asyncio.sleep(0.05)
    dropped = asyncio.ensure_future(batcher.submit("a", "gone"))
    failing = [asyncio.ensure_future(batcher.submit("a", item)) for item in ("boom", "also")]
    await asyncio.sleep(0.05)
    dropped.cancel()  # the caller went on speaking: this transcription is not wanted
    runner.release.set()
    assert await busy == "ONE"
    for request in failing:
        with pytest.raises(RuntimeError, match="the model failed"):
            await request
    assert runner.batches == [["one"], ["boom", "also"]]
