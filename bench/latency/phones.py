"""The callers' phones of bench/task_latency.py: pjsua2 as built in its wheel holds 4 calls at
once (PJSUA_MAX_CALLS) and one library per process, so a level's calls are shared among
worker processes, each a `Phone` with up to CALLS_PER_PHONE calls. The main process hands a
worker its calls (with their speech ready) in a pickle file and gets their `CallLog`s back the
same way, written before the worker stops its phone (pjsua2 may crash on its way out).

Worker: .venv/bin/python -m bench.latency.phones JOB_PICKLE RESULT_PICKLE (from the repository
root; bench/task_latency.py starts them).
"""

from __future__ import annotations

import asyncio
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.calls.caller_voices import CallerVoice
from bench.latency.caller import CallLog, Dialogue

CALLS_PER_PHONE = 4  # pjsua2's PJSUA_MAX_CALLS in the wheel
PHONE_START_S = 3.0  # for every worker to load pjsua2 before the first call is due
STAGGER_S = 0.3  # between the starts of a level's calls
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """The k-th call of a level: its dialogue, caller voice and the voice's lines."""

    k: int
    dialogue: Dialogue
    voice: CallerVoice
    speech: dict[str, np.ndarray]  # line -> 16 kHz PCM


@dataclass(frozen=True, slots=True)
class PhoneJob:
    """One worker's calls: call k dials `sip:<agent>@sip_host` at start_at + k * STAGGER_S."""

    sip_host: str  # "127.0.0.1:5060"
    start_at: float  # time.time() of the level's first call
    calls: list[PlannedCall]


async def run_calls(calls: list[PlannedCall], sip_host: str, workdir: Path) -> list[CallLog]:
    """All of `calls` at once, from as many worker phones as they need; logs in call order."""
    start_at = time.time() + PHONE_START_S
    workers = []
    for first in range(0, len(calls), CALLS_PER_PHONE):
        job_path = workdir / f"phone-{first}.job.pickle"
        result_path = workdir / f"phone-{first}.result.pickle"
        result_path.unlink(missing_ok=True)
        job = PhoneJob(sip_host, start_at, calls[first : first + CALLS_PER_PHONE])
        job_path.write_bytes(pickle.dumps(job))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.latency.phones", str(job_path), str(result_path),
            cwd=ROOT,
        )
        workers.append((process, result_path, job))
    logs: list[CallLog] = []
    for process, result_path, job in workers:
        await process.wait()  # its exit status: pjsua2 may crash after the results are out
        if result_path.exists():
            logs.extend(pickle.loads(result_path.read_bytes()))
        else:
            logs.extend(CallLog(call.dialogue.agent, call.voice.describe(),
                                problem=f"phone process exited {process.returncode}")
                        for call in job.calls)
    return logs


async def _work(job: PhoneJob, result_path: Path) -> None:
    """Place the job's calls (each when due) and write their logs to `result_path`."""
    from bench.calls.sip_phone import Phone  # pjsua2: loaded in the workers only
    from bench.latency.caller import run_call

    phone = Phone()
    await phone.start()

    async def due(call: PlannedCall) -> CallLog:
        await asyncio.sleep(max(0.0, job.start_at + call.k * STAGGER_S - time.time()))
        uri = f"sip:{call.dialogue.agent}@{job.sip_host}"
        return await run_call(phone, uri, call.dialogue, call.voice, call.speech)

    try:
        logs = await asyncio.gather(*(due(call) for call in job.calls))
        result_path.write_bytes(pickle.dumps(list(logs)))
    finally:
        await asyncio.to_thread(phone.stop)


if __name__ == "__main__":
    asyncio.run(_work(pickle.loads(Path(sys.argv[1]).read_bytes()), Path(sys.argv[2])))
