"""The call repository: writes a call as it happens and reads it back as `CallRecord`s.

Every method is one short synchronous transaction; the call layer runs them in a worker thread.
A failed write rolls back only itself: what earlier calls wrote stays.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from callwright.store.models import Call, CallEvent, Turn
from callwright.store.records import TURN_MARKS, CallEventRecord, CallRecord, TurnRecord


class CallNotFound(LookupError):
    """No call with this id is stored."""

    def __init__(self, call_id: str) -> None:
        super().__init__(
            f"no call {call_id!r} in the database; start it with start_call() first, "
            "or list stored calls with `callwright calls list`"
        )
        self.call_id = call_id


class CallAlreadyStarted(ValueError):
    """start_call() was given an id that is already stored."""


class TurnAlreadyRecorded(ValueError):
    """add_turn() was given a turn index the call already has."""


@dataclass(slots=True)
class CallSummary:
    """One row of a call list: the call without turns or events, plus turn figures."""

    call: CallRecord
    turn_count: int
    median_latency_ms: float | None  # over turns that have both latency marks


class CallRepository:
    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def ping(self) -> None:
        """Raise when the database cannot answer a trivial query."""
        with self._sessions() as session:
            session.execute(text("SELECT 1"))

    def start_call(self, record: CallRecord) -> None:
        """Store a new call, with any turns and events the record already holds."""
        with self._sessions.begin() as session:
            if session.get(Call, record.id) is not None:
                raise CallAlreadyStarted(
                    f"call {record.id!r} is already stored; give each call a fresh uuid4().hex id"
                )
            session.add(_call_row(record))
            session.add_all(_turn_row(record.id, turn) for turn in record.turns)
            session.add_all(_event_row(record.id, event) for event in record.events)

    def add_turn(self, call_id: str, turn: TurnRecord) -> None:
        with self._sessions.begin() as session:
            _require_call(session, call_id)
            session.add(_turn_row(call_id, turn))
            try:
                session.flush()
            except IntegrityError as error:
                raise TurnAlreadyRecorded(
                    f"call {call_id!r} already has turn {turn.index}; number turns 0, 1, 2, ..."
                ) from error

    def add_event(self, call_id: str, event: CallEventRecord) -> None:
        with self._sessions.begin() as session:
            _require_call(session, call_id)
            session.add(_event_row(call_id, event))

    def finish_call(
        self,
        call_id: str,
        *,
        outcome: str,
        ended_at: datetime,
        recording_path: str | None,
        dialogue_state: dict,
    ) -> None:
        with self._sessions.begin() as session:
            call = _require_call(session, call_id)
            call.outcome = outcome
            call.ended_at = _require_aware(ended_at, "ended_at")
            call.recording_path = recording_path
            call.dialogue_state = _require_json(dialogue_state, "dialogue_state")

    def list_calls(self, limit: int = 50, offset: int = 0) -> list[CallRecord]:
        """Calls newest first, without turns or events."""
        with self._sessions() as session:
            return [_call_record(call) for call in _newest_calls(session, limit, offset)]

    def calls_of_agent(self, agent: str) -> list[CallRecord]:
        """Every finished call an agent took, newest first, without turns or events."""
        with self._sessions() as session:
            query = (
                select(Call)
                .where(Call.agent == agent, Call.ended_at.is_not(None))
                .order_by(Call.started_at.desc())
            )
            return [_call_record(call) for call in session.scalars(query)]

    def list_summaries(self, limit: int = 50, offset: int = 0) -> list[CallSummary]:
        """Like `list_calls`, with each call's turn count and median latency."""
        with self._sessions() as session:
            calls = _newest_calls(session, limit, offset)
            latencies = _latencies_by_call(session, [call.id for call in calls])
        summaries = []
        for call in calls:
            turn_latencies = latencies.get(call.id, [])
            known = [latency for latency in turn_latencies if latency is not None]
            summaries.append(
                CallSummary(
                    call=_call_record(call),
                    turn_count=len(turn_latencies),
                    median_latency_ms=statistics.median(known) if known else None,
                )
            )
        return summaries

    def get_call(self, call_id: str) -> CallRecord | None:
        """The call with its turns in order and its events in time order; None if unknown."""
        with self._sessions() as session:
            call = session.get(Call, call_id)
            if call is None:
                return None
            turns = session.scalars(
                select(Turn).where(Turn.call_id == call_id).order_by(Turn.index)
            ).all()
            events = session.scalars(
                select(CallEvent)
                .where(CallEvent.call_id == call_id)
                .order_by(CallEvent.at, CallEvent.id)
            ).all()
            record = _call_record(call)
        record.turns = [_turn_record(turn) for turn in turns]
        record.events = [CallEventRecord(at=e.at, kind=e.kind, data=e.data) for e in events]
        return record


def _require_call(session: Session, call_id: str) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise CallNotFound(call_id)
    return call


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(
            f"{name} {value.isoformat()} has no timezone; pass an aware datetime, "
            "e.g. datetime.now(timezone.utc)"
        )
    return value


def _require_json(value: dict, name: str) -> dict:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} cannot be stored as JSON ({error}); use only dicts, lists, strings, "
            "numbers, booleans and None"
        ) from error
    return value


def _newest_calls(session: Session, limit: int, offset: int) -> Sequence[Call]:
    query = select(Call).order_by(Call.started_at.desc(), Call.id.desc())
    return session.scalars(query.limit(limit).offset(offset)).all()


def _latencies_by_call(session: Session, call_ids: list[str]) -> dict[str, list[float | None]]:
    """Per call, one entry per turn: its latency in ms, or None when a mark is missing."""
    if not call_ids:
        return {}
    rows = session.execute(
        select(Turn.call_id, Turn.speech_end, Turn.first_audio_sent).where(
            Turn.call_id.in_(call_ids)
        )
    )
    latencies: dict[str, list[float | None]] = {}
    for call_id, speech_end, first_audio_sent in rows:
        latency = None
        if speech_end is not None and first_audio_sent is not None:
            latency = (first_audio_sent - speech_end) * 1000
        latencies.setdefault(call_id, []).append(latency)
    return latencies


def _call_row(record: CallRecord) -> Call:
    return Call(
        id=record.id,
        agent=record.agent,
        caller=record.caller,
        callee=record.callee,
        transport=record.transport,
        started_at=_require_aware(record.started_at, "started_at"),
        ended_at=record.ended_at and _require_aware(record.ended_at, "ended_at"),
        outcome=record.outcome,
        recording_path=record.recording_path,
        dialogue_state=_require_json(record.dialogue_state, "dialogue_state"),
    )


def _turn_row(call_id: str, turn: TurnRecord) -> Turn:
    unknown = set(turn.marks) - set(TURN_MARKS)
    if unknown:
        raise ValueError(
            f"turn {turn.index} has unknown marks {sorted(unknown)}; use names from TURN_MARKS"
        )
    return Turn(
        call_id=call_id,
        index=turn.index,
        caller_text=turn.caller_text,
        agent_text=turn.agent_text,
        interrupted=turn.interrupted,
        dialogue_state=_require_json(turn.dialogue_state, f"dialogue_state of turn {turn.index}"),
        **{mark: turn.marks.get(mark) for mark in TURN_MARKS},
    )


def _event_row(call_id: str, event: CallEventRecord) -> CallEvent:
    data = _require_json(event.data, f"data of event {event.kind!r}")
    return CallEvent(call_id=call_id, at=event.at, kind=event.kind, data=data)


def _call_record(call: Call) -> CallRecord:
    return CallRecord(
        id=call.id,
        agent=call.agent,
        caller=call.caller,
        callee=call.callee,
        transport=call.transport,
        started_at=call.started_at,
        ended_at=call.ended_at,
        outcome=call.outcome,
        recording_path=call.recording_path,
        dialogue_state=call.dialogue_state,
    )


def _turn_record(turn: Turn) -> TurnRecord:
    marks = {mark: getattr(turn, mark) for mark in TURN_MARKS}
    return TurnRecord(
        index=turn.index,
        caller_text=turn.caller_text,
        agent_text=turn.agent_text,
        interrupted=turn.interrupted,
        marks={mark: value for mark, value in marks.items() if value is not None},
        dialogue_state=turn.dialogue_state or {},
    )
