"""`callwright calls list|show` against a temporary SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwright.cli_calls import calls_app
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import CallEventRecord, CallRecord, TurnRecord

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
OLD_ID, NEW_ID = "a" * 32, "b" * 32
WIDE_TERMINAL = {"COLUMNS": "200"}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    engine = open_database(url)
    repository = CallRepository(engine)
    for call_id, started_at in ((OLD_ID, T0), (NEW_ID, T0 + timedelta(hours=1))):
        repository.start_call(
            CallRecord(
                id=call_id,
                agent="dental",
                caller="+15550001",
                callee="+15550002",
                transport="sip",
                started_at=started_at,
            )
        )
    repository.add_turn(
        OLD_ID,
        TurnRecord(
            0,
            "Can I book [bold]Tuesday[/bold]?",
            "Tuesday at nine works",
            interrupted=True,
            marks={"speech_start": 0.5, "speech_end": 2.0, "first_audio_sent": 2.45},
        ),
    )
    repository.add_event(OLD_ID, CallEventRecord(at=3.25, kind="dtmf", data={"digit": "5"}))
    repository.finish_call(
        OLD_ID,
        outcome="completed",
        ended_at=T0 + timedelta(seconds=42),
        recording_path="recordings/aaaa.wav",
        dialogue_state={"slots": {"day": "tuesday"}},
    )
    engine.dispose()
    return url


def test_list_shows_calls_newest_first(database_url: str) -> None:
    result = CliRunner().invoke(
        calls_app, ["list", "--database-url", database_url], env=WIDE_TERMINAL
    )
    assert result.exit_code == 0, result.output
    assert result.output.index(NEW_ID) < result.output.index(OLD_ID)
    old_row = next(line for line in result.output.splitlines() if OLD_ID in line)
    assert "2025-03-01 09:30" in old_row
    assert "completed" in old_row
    assert "450 ms" in old_row
    new_row = next(line for line in result.output.splitlines() if NEW_ID in line)
    assert "in progress" in new_row


def test_list_limit_and_offset(database_url: str) -> None:
    result = CliRunner().invoke(
        calls_app,
        ["list", "--limit", "1", "--offset", "1", "--database-url", database_url],
        env=WIDE_TERMINAL,
    )
    assert result.exit_code == 0, result.output
    assert OLD_ID in result.output and NEW_ID not in result.output


def test_show_prints_transcript_timings_events_and_recording(database_url: str) -> None:
    result = CliRunner().invoke(
        calls_app, ["show", OLD_ID, "--database-url", database_url], env=WIDE_TERMINAL
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Caller: Can I book [bold]Tuesday[/bold]?" in out  # caller text is not markup
    assert "Agent:  Tuesday at nine works  [interrupted]" in out
    assert "latency 450 ms · speech_start 0.50s · speech_end 2.00s · first_audio_sent 2.45s" in out
    assert "3.25 s  dtmf" in out and '"digit": "5"' in out
    assert "completed" in out
    assert "recordings/aaaa.wav" in out
    assert "(42.0 s)" in out
    assert '"day": "tuesday"' in out


def test_show_unknown_id_exits_1(database_url: str) -> None:
    result = CliRunner().invoke(calls_app, ["show", "0" * 32, "--database-url", database_url])
    assert result.exit_code == 1
    assert "No call with id" in result.output


def test_bad_database_url_exits_1_with_a_hint() -> None:
    result = CliRunner().invoke(calls_app, ["list", "--database-url", "mysql://x@y/z"])
    assert result.exit_code == 1
    assert "CALLWRIGHT_DATABASE_URL" in result.output
