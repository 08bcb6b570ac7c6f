"""CallRepository on SQLite and PostgreSQL: round trips, listing, failures that keep data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest

from callwright.store.calls import (
    CallAlreadyStarted,
    CallNotFound,
    CallRepository,
    TurnAlreadyRecorded,
)
from callwright.store.records import TURN_MARKS, CallEventRecord, CallRecord, TurnRecord

T0 = datetime(2025, 3, 1, 9, 30, 0, 250_000, tzinfo=UTC)


def _call(call_id: str, started_at: datetime = T0) -> CallRecord:
    return CallRecord(
        id=call_id,
        agent="dental",
        caller="sip:+15550001@example.org",
        callee="sip:frontdesk@example.org",
        transport="sip",
        started_at=started_at,
    )


def _turn(index: int, *, latency_s: float = 0.5) -> TurnRecord:
    start = 1.0 + index * 10
    marks = {mark: start + step * 0.125 for step, mark in enumerate(TURN_MARKS)}
    marks["first_audio_sent"] = marks["speech_end"] + latency_s
    return TurnRecord(
        index=index,
        caller_text=f"caller says {index} — ¿sí?",
        agent_text=f"agent says {index}",
        interrupted=index % 2 == 1,
        marks=marks,
    )


def test_a_full_call_reads_back_equal(repository: CallRepository) -> None:
    call_id = "c" * 32
    repository.start_call(_call(call_id))
    turns = [_turn(0), _turn(1), TurnRecord(index=2, caller_text="bye", agent_text="")]
    events = [
        CallEventRecord(at=0.0, kind="answered"),
        CallEventRecord(at=3.5, kind="dtmf", data={"digit": "5", "duration_ms": 120}),
        CallEventRecord(at=12.0, kind="barge_in", data={"heard_chars": 14}),
    ]
    for turn in turns:
        repository.add_turn(call_id, turn)
    for event in reversed(events):  # stored in any order, read back in time order
        repository.add_event(call_id, event)
    ended_at = T0 + timedelta(seconds=42)
    state = {"slots": {"date": "2025-03-04", "name": "Ana"}, "step": "confirm", "done": True}
    repository.finish_call(
        call_id,
        outcome="completed",
        ended_at=ended_at,
        recording_path=f"{call_id}.wav",
        dialogue_state=state,
    )

    stored = repository.get_call(call_id)

    expected = _call(call_id)
    expected.ended_at = ended_at
    expected.outcome = "completed"
    expected.recording_path = f"{call_id}.wav"
    expected.dialogue_state = state
    expected.turns = turns
    expected.events = events
    assert stored == expected
    assert stored.started_at.tzinfo is not None and stored.started_at.utcoffset() == timedelta(0)
    assert stored.turns[0].latency_ms() == pytest.approx(500.0)
    assert stored.turns[2].latency_ms() is None


def test_start_call_keeps_turns_and_events_it_is_given(repository: CallRepository) -> None:
    record = _call("d" * 32)
    record.turns = [_turn(0)]
    record.events = [CallEventRecord(at=0.1, kind="answered")]
    repository.start_call(record)
    assert repository.get_call("d" * 32) == record


def test_other_timezones_are_stored_as_the_same_instant(repository: CallRepository) -> None:
    madrid = timezone(timedelta(hours=1))
    repository.start_call(_call("e" * 32, started_at=datetime(2025, 3, 1, 10, 30, tzinfo=madrid)))
    assert repository.get_call("e" * 32).started_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused_with_a_hint(repository: CallRepository) -> None:
    with pytest.raises(ValueError, match="started_at .* has no timezone"):
        repository.start_call(_call("f" * 32, started_at=datetime(2025, 3, 1, 9, 30)))
    assert repository.list_calls() == []
    repository.start_call(_call("f" * 32))
    with pytest.raises(ValueError, match="ended_at .* has no timezone"):
        repository.finish_call(
            "f" * 32,
            outcome="completed",
            ended_at=datetime(2025, 3, 1, 9, 31),
            recording_path=None,
            dialogue_state={},
        )
    assert repository.get_call("f" * 32).ended_at is None


def test_list_is_newest_first_and_paginates(repository: CallRepository) -> None:
    ids = [f"{n:032x}" for n in range(7)]
    for minutes, call_id in enumerate(ids):  # call n started n minutes after T0
        repository.start_call(_call(call_id, started_at=T0 + timedelta(minutes=minutes)))
    repository.add_turn(ids[6], _turn(0))

    newest_first = list(reversed(ids))
    assert [call.id for call in repository.list_calls()] == newest_first
    assert [call.id for call in repository.list_calls(limit=3)] == newest_first[:3]
    assert [call.id for call in repository.list_calls(limit=3, offset=3)] == newest_first[3:6]
    assert [call.id for call in repository.list_calls(limit=3, offset=6)] == newest_first[6:]
    assert repository.list_calls(offset=7) == []
    assert repository.list_calls(limit=1)[0].turns == []  # lists carry no turns


def test_summaries_count_turns_and_take_the_median_latency(repository: CallRepository) -> None:
    repository.start_call(_call("1" * 32, started_at=T0))
    repository.start_call(_call("2" * 32, started_at=T0 + timedelta(seconds=1)))
    for index, latency_s in enumerate([0.4, 0.9, 0.6]):
        repository.add_turn("1" * 32, _turn(index, latency_s=latency_s))
    repository.add_turn("1" * 32, TurnRecord(index=3, caller_text="", agent_text="bye"))

    quiet, busy = repository.list_summaries()
    assert (quiet.call.id, quiet.turn_count, quiet.median_latency_ms) == ("2" * 32, 0, None)
    assert (busy.call.id, busy.turn_count) == ("1" * 32, 4)
    assert busy.median_latency_ms == pytest.approx(600.0)


def test_unknown_call_ids_raise_call_not_found(repository: CallRepository) -> None:
    assert repository.get_call("0" * 32) is None
    with pytest.raises(CallNotFound, match="start_call"):
        repository.add_turn("0" * 32, _turn(0))
    with pytest.raises(CallNotFound):
        repository.add_event("0" * 32, CallEventRecord(at=1.0, kind="dtmf"))
    with pytest.raises(CallNotFound):
        repository.finish_call(
            "0" * 32, outcome="error", ended_at=T0, recording_path=None, dialogue_state={}
        )
    assert repository.list_calls() == []


def test_a_failed_write_loses_nothing_written_before(repository: CallRepository) -> None:
    call_id = "9" * 32
    repository.start_call(_call(call_id))
    repository.add_turn(call_id, _turn(0))
    repository.add_event(call_id, CallEventRecord(at=0.5, kind="dtmf", data={"digit": "1"}))
    before = repository.get_call(call_id)

    with pytest.raises(CallNotFound):
        repository.add_turn("8" * 32, _turn(1))
    with pytest.raises(TurnAlreadyRecorded, match="already has turn 0"):
        repository.add_turn(call_id, TurnRecord(index=0, caller_text="again", agent_text="x"))
    with pytest.raises(ValueError, match="unknown marks"):
        repository.add_turn(call_id, TurnRecord(1, "a", "b", marks={"speech_begin": 1.0}))
    with pytest.raises(ValueError, match="cannot be stored as JSON"):
        repository.add_event(call_id, CallEventRecord(at=1.0, kind="error", data={"x": object()}))
    with pytest.raises(CallAlreadyStarted):
        repository.start_call(_call(call_id, started_at=T0 + timedelta(hours=1)))

    assert repository.get_call(call_id) == before
    repository.add_turn(call_id, _turn(1))  # the repository still works after the failures
    assert [turn.index for turn in repository.get_call(call_id).turns] == [0, 1]


def test_concurrent_calls_write_from_threads(repository: CallRepository) -> None:
    calls, turns_per_call = 4, 15
    ids = [f"{n:032x}" for n in range(calls)]

    def run_call(call_id: str) -> None:
        repository.start_call(_call(call_id))
        for index in range(turns_per_call):
            repository.add_turn(call_id, _turn(index))
            repository.add_event(call_id, CallEventRecord(at=float(index), kind="backchannel"))
        repository.finish_call(
            call_id, outcome="completed", ended_at=T0, recording_path=None, dialogue_state={}
        )

    with ThreadPoolExecutor(calls) as pool:
        list(pool.map(run_call, ids))

    for call_id in ids:
        stored = repository.get_call(call_id)
        assert [turn.index for turn in stored.turns] == list(range(turns_per_call))
        assert len(stored.events) == turns_per_call
        assert stored.outcome == "completed"
