"""REST routes for stored calls: list, detail with transcript and timings, recording download."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from callwright.store.calls import CallRepository, CallSummary
from callwright.store.records import TURN_MARKS, CallRecord, TurnRecord

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
RECORDING_MEDIA_TYPE = "audio/wav"


class CallSummaryOut(BaseModel):
    id: str
    agent: str
    caller: str
    callee: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    turn_count: int
    median_latency_ms: float | None

    @classmethod
    def of(cls, summary: CallSummary) -> CallSummaryOut:
        call = summary.call
        return cls(
            id=call.id,
            agent=call.agent,
            caller=call.caller,
            callee=call.callee,
            started_at=call.started_at,
            ended_at=call.ended_at,
            outcome=call.outcome,
            turn_count=summary.turn_count,
            median_latency_ms=summary.median_latency_ms,
        )


class TurnOut(BaseModel):
    index: int
    caller_text: str
    agent_text: str  # what the caller actually heard
    interrupted: bool
    marks: dict[str, float | None]  # every name in TURN_MARKS; seconds since call start
    latency_ms: float | None
    dialogue_state: dict  # intent, task, slots and verification after this turn

    @classmethod
    def of(cls, turn: TurnRecord) -> TurnOut:
        return cls(
            index=turn.index,
            caller_text=turn.caller_text,
            agent_text=turn.agent_text,
            interrupted=turn.interrupted,
            marks={mark: turn.marks.get(mark) for mark in TURN_MARKS},
            latency_ms=turn.latency_ms(),
            dialogue_state=turn.dialogue_state,
        )


class CallEventOut(BaseModel):
    at: float  # seconds since call start
    kind: str
    data: dict


class CallOut(BaseModel):
    id: str
    agent: str
    caller: str
    callee: str
    transport: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    dialogue_state: dict
    recording_url: str | None
    turns: list[TurnOut]
    events: list[CallEventOut]

    @classmethod
    def of(cls, call: CallRecord) -> CallOut:
        return cls(
            id=call.id,
            agent=call.agent,
            caller=call.caller,
            callee=call.callee,
            transport=call.transport,
            started_at=call.started_at,
            ended_at=call.ended_at,
            outcome=call.outcome,
            dialogue_state=call.dialogue_state,
            recording_url=f"/api/calls/{call.id}/recording" if call.recording_path else None,
            turns=[TurnOut.of(turn) for turn in call.turns],
            events=[CallEventOut(at=e.at, kind=e.kind, data=e.data) for e in call.events],
        )


def calls_router(repository: CallRepository, recordings_dir: Path) -> APIRouter:
    """Routes under /api/calls; recordings are served only from inside `recordings_dir`."""
    router = APIRouter(prefix="/api/calls", tags=["calls"])
    recordings_root = recordings_dir.resolve()

    def require_call(call_id: str) -> CallRecord:
        call = repository.get_call(call_id)
        if call is None:
            raise HTTPException(status_code=404, detail=f"no call with id {call_id!r}")
        return call

    # Plain `def` routes: FastAPI runs them in its thread pool, so database I/O never blocks
    # the event loop.
    @router.get("", response_model=list[CallSummaryOut])
    def list_calls(
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[CallSummaryOut]:
        return [CallSummaryOut.of(s) for s in repository.list_summaries(limit, offset)]

    @router.get("/{call_id}", response_model=CallOut)
    def show_call(call_id: str) -> CallOut:
        return CallOut.of(require_call(call_id))

    @router.get("/{call_id}/recording", response_class=FileResponse)
    def download_recording(call_id: str) -> FileResponse:
        call = require_call(call_id)
        if not call.recording_path:
            raise HTTPException(status_code=404, detail=f"call {call_id!r} has no recording")
        path = _recording_file(recordings_root, call.recording_path)
        if path is None:
            raise HTTPException(
                status_code=404,
                detail=f"recording of call {call_id!r} is not in the recordings folder",
            )
        return FileResponse(path, media_type=RECORDING_MEDIA_TYPE, filename=f"{call_id}.wav")

    return router


def _recording_file(recordings_root: Path, recording_path: str) -> Path | None:
    """The stored recording, if it is a file inside the recordings folder.

    The call layer stores the path it wrote (absolute, or relative to its working directory);
    a path relative to the recordings folder is accepted too.
    """
    for candidate in (Path(recording_path), recordings_root / recording_path):
        path = candidate.resolve()
        if path.is_relative_to(recordings_root) and path.is_file():
            return path
    return None
