"""The HTTP API over a temporary SQLite database."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from callwright.api.app import create_app
from callwright.api.metrics import CALLS_TOTAL, TURN_LATENCY_SECONDS
from callwright.audio.wav import write_wav
from callwright.store.calls import CallRepository
from callwright.store.database import open_database
from callwright.store.records import TURN_MARKS, CallEventRecord, CallRecord, TurnRecord

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
RECORDING_HZ = 8000
DONE_ID, LIVE_ID, ESCAPED_ID = "d" * 32, "e" * 32, "f" * 32


def _call(call_id: str, started_at: datetime) -> CallRecord:
    return CallRecord(
        id=call_id,
        agent="dental",
        caller="+15550001",
        callee="+15550002",
        transport="sip",
        started_at=started_at,
    )


@pytest.fixture
def recordings_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir()
    return folder


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[CallRepository]:
    engine = open_database(f"sqlite:///{tmp_path / 'calls.db'}")
    yield CallRepository(engine)
    engine.dispose()


@pytest.fixture
def client(repository: CallRepository, recordings_dir: Path, tmp_path: Path) -> TestClient:
    # A finished call with a stereo recording, two turns and an event.
    stereo = np.stack([np.arange(800, dtype=np.int16), -np.arange(800, dtype=np.int16)], axis=1)
    write_wav(recordings_dir / f"{DONE_ID}.wav", stereo, RECORDING_HZ)
    repository.start_call(_call(DONE_ID, T0))
    repository.add_turn(
        DONE_ID,
        TurnRecord(
            0,
            "I need an appointment",
            "Sure, which day?",
            marks={"speech_start": 0.5, "speech_end": 2.0, "first_audio_sent": 2.45},
        ),
    )
    repository.add_turn(
        DONE_ID,
        TurnRecord(
            1,
            "Tuesday",
            "Tuesday at",
            interrupted=True,
            marks={"speech_end": 6.0, "first_audio_sent": 6.65},
        ),
    )
    repository.add_event(DONE_ID, CallEventRecord(at=7.0, kind="barge_in", data={"turn": 1}))
    repository.finish_call(
        DONE_ID,
        outcome="completed",
        ended_at=T0 + timedelta(seconds=30),
        recording_path=f"{DONE_ID}.wav",
        dialogue_state={"slots": {"day": "tuesday"}},
    )
    # A call still in progress, started later.
    repository.start_call(_call(LIVE_ID, T0 + timedelta(minutes=5)))
    # A call whose recording path points outside the recordings folder.
    (tmp_path / "secret.wav").write_bytes(b"RIFF")
    repository.start_call(_call(ESCAPED_ID, T0 - timedelta(minutes=5)))
    repository.finish_call(
        ESCAPED_ID,
        outcome="error",
        ended_at=T0,
        recording_path="../secret.wav",
        dialogue_state={},
    )
    # Dev mode (a loopback server with no key) is open; tests/api/test_api_keys.py has keys.
    return TestClient(create_app(repository, recordings_dir, open_without_keys=True))


def test_list_is_newest_first_with_turn_figures(client: TestClient) -> None:
    response = client.get("/api/calls")
    assert response.status_code == 200
    calls = response.json()
    assert [call["id"] for call in calls] == [LIVE_ID, DONE_ID, ESCAPED_ID]
    live, done = calls[0], calls[1]
    assert (live["outcome"], live["ended_at"], live["turn_count"]) == (None, None, 0)
    assert live["median_latency_ms"] is None
    assert done["outcome"] == "completed"
    assert done["turn_count"] == 2
    assert done["median_latency_ms"] == pytest.approx(550.0)  # median of 450 and 650
    assert datetime.fromisoformat(done["started_at"]) == T0
    assert set(done) >= {"agent", "caller", "callee", "ended_at"}


def test_list_paginates(client: TestClient) -> None:
    page = client.get("/api/calls", params={"limit": 1, "offset": 1}).json()
    assert [call["id"] for call in page] == [DONE_ID]
    assert client.get("/api/calls", params={"offset": 3}).json() == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": "many"}, {"offset": -1}])
def test_bad_list_parameters_are_422(client: TestClient, params: dict) -> None:
    assert client.get("/api/calls", params=params).status_code == 422


def test_show_has_transcript_marks_latency_events_and_recording_url(client: TestClient) -> None:
    response = client.get(f"/api/calls/{DONE_ID}")
    assert response.status_code == 200
    call = response.json()
    assert call["outcome"] == "completed"
    assert call["dialogue_state"] == {"slots": {"day": "tuesday"}}
    assert call["recording_url"] == f"/api/calls/{DONE_ID}/recording"
    first, second = call["turns"]
    assert (first["caller_text"], first["agent_text"]) == (
        "I need an appointment",
        "Sure, which day?",
    )
    assert first["interrupted"] is False and second["interrupted"] is True
    assert set(first["marks"]) == set(TURN_MARKS)
    assert first["marks"]["speech_start"] == 0.5
    assert first["marks"]["end_of_turn"] is None
    assert first["latency_ms"] == pytest.approx(450.0)
    assert second["latency_ms"] == pytest.approx(650.0)
    assert call["events"] == [{"at": 7.0, "kind": "barge_in", "data": {"turn": 1}}]


def test_recording_downloads_as_stereo_wav(client: TestClient) -> None:
    response = client.get(f"/api/calls/{DONE_ID}/recording")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getnframes()) == (2, RECORDING_HZ, 800)
        samples = np.frombuffer(wav.readframes(800), dtype="<i2").reshape(-1, 2)
    assert samples[10].tolist() == [10, -10]


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (f"/api/calls/{'0' * 32}", "no call with id"),
        (f"/api/calls/{'0' * 32}/recording", "no call with id"),
        (f"/api/calls/{LIVE_ID}/recording", "has no recording"),
        (f"/api/calls/{ESCAPED_ID}/recording", "not in the recordings folder"),
    ],
)
def test_missing_things_are_404_with_a_detail(client: TestClient, path: str, detail: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert detail in response.json()["detail"]


def test_recording_path_as_the_call_layer_writes_it(
    client: TestClient,
    repository: CallRepository,
    recordings_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The call layer stores the path it saved to, relative to its working directory.
    monkeypatch.chdir(recordings_dir.parent)
    repository.finish_call(
        LIVE_ID,
        outcome="completed",
        ended_at=T0 + timedelta(minutes=6),
        recording_path=f"recordings/{DONE_ID}.wav",
        dialogue_state={},
    )
    response = client.get(f"/api/calls/{LIVE_ID}/recording")
    assert response.status_code == 200
    assert response.content == (recordings_dir / f"{DONE_ID}.wav").read_bytes()


def test_recording_file_gone_is_404(client: TestClient, recordings_dir: Path) -> None:
    (recordings_dir / f"{DONE_ID}.wav").unlink()
    assert client.get(f"/api/calls/{DONE_ID}/recording").status_code == 404


def test_healthz_reports_the_database(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}

    unreachable = CallRepository(create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}"))
    response = TestClient(create_app(unreachable, tmp_path)).get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_metrics_expose_call_counters(client: TestClient) -> None:
    CALLS_TOTAL.labels(agent="metrics-test", outcome="completed").inc()
    TURN_LATENCY_SECONDS.labels(agent="metrics-test").observe(0.45)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert 'callwright_calls_total{agent="metrics-test",outcome="completed"} 1.0' in body
    assert 'callwright_turn_latency_seconds_bucket{agent="metrics-test",le="0.5"} 1.0' in body
    assert "callwright_calls_active" in body
