"""A task agent through the whole voice loop: the caller is a WAV file of a synthetic voice,
heard by the real VAD and Whisper, answered by Piper; the records change in the database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav, write_wav
from callwright.call.offline import run_file_call
from callwright.store.business.cards import Card, CardTransaction
from callwright.store.database import open_database
from tests.support.voices import speak, voiced_span

pytestmark = pytest.mark.e2e
AGENTS = Path(__file__).resolve().parents[2] / "agents"


def caller_wav(workdir: Path, parts: list[str | float]) -> Path:
    pieces = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            pcm, _ = read_wav(speak(part, workdir / f"p{index}.wav", rate_wpm=150))
            first, end = voiced_span(pcm)
            pieces.append(pcm[first:end])
        else:
            pieces.append(np.zeros(int(part * SAMPLE_RATE_HZ), np.int16))
    path = workdir / "caller.wav"
    write_wav(path, np.concatenate(pieces), SAMPLE_RATE_HZ)
    return path


async def test_fraud_callback_by_voice_disputes_one_charge_and_confirms_the_other(tmp_path):
    # the card digits and birth date are keyed, as many callers do; the answers are spoken
    caller = caller_wav(tmp_path, [36.0, "No.", 30.0, "Yes.", 8.0])
    keys = [(16.0, "4821"), (25.0, "07211990")]
    record, _ = await run_file_call(AGENTS / "bank.yaml", caller, keys=keys)

    with Session(open_database()) as session:
        card = session.scalars(select(Card).where(Card.last_four == "4821")).one()
        statuses = {t.merchant: t.status for t in session.scalars(select(CardTransaction))}
    assert card.status == "locked", [(t.caller_text, t.agent_text[:80]) for t in record.turns]
    assert statuses["ElectroMart Online"] == "disputed"
    turns = [(e.at, e.kind, e.data) for e in record.events if e.kind != "dtmf"]
    assert statuses["Coffee Corner"] == "confirmed", turns
    states = [turn.dialogue_state.get("task", {}) for turn in record.turns]
    assert any(state.get("verified") for state in states)  # recorded after every turn
