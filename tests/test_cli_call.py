"""`callwright call`: a whole call from a WAV file, no network, with the real engines."""

from __future__ import annotations

import re

import numpy as np
from typer.testing import CliRunner

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav, write_wav
from callwright.cli import app
from tests.support.voices import speak, voiced_span


def test_call_from_a_wav_prints_transcript_latency_and_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLWRIGHT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CALLWRIGHT_DATABASE_URL", raising=False)
    question, _ = read_wav(speak("Where are you located?", tmp_path / "q.wav"))
    first, end = voiced_span(question)
    silence = np.zeros(8 * SAMPLE_RATE_HZ, np.int16)
    caller = tmp_path / "caller.wav"
    write_wav(caller, np.concatenate([silence, question[first:end], silence]), SAMPLE_RATE_HZ)
    agent_audio = tmp_path / "agent.wav"

    runner = CliRunner()
    result = runner.invoke(app, ["call", "--agent", "agents/demo.yaml", "--audio", str(caller),
                                 "--save-audio", str(agent_audio)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "located" in output.lower()  # the caller's words, transcribed
    assert "Maple Street" in output  # the agent's answer
    row = next(line for line in result.output.splitlines() if "located" in line.lower())
    latency = re.findall(r"│\s*(\d+)\s*│\s*$", row)
    assert latency and 0 < int(latency[0]) < 2000
    spoken, rate = read_wav(agent_audio)
    assert rate == SAMPLE_RATE_HZ and np.abs(spoken.astype(np.int32)).max() > 1000

    listed = runner.invoke(app, ["calls", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "demo" in listed.output
