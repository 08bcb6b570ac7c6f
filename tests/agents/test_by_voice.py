"""A task agent through the whole voice loop: the caller is a WAV file of a synthetic voice,
heard by the real VAD and Whisper, answered by Piper; the records change in the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav, write_wav
from callwright.offline import run_file_call
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


async def test_dental_pharmacy_retail_and_bank_by_voice_at_once(tmp_path):
    """Four calls at the same time, each a caller from a known number (or keyed digits),
    each ending with the task's record in the database. (Sales by voice, a longer call, is
    measured in bench/call_eval.py --voice; its dialogue is tested in text.)"""
    from callwright.actions.seed import seed_demo_data
    from callwright.domains.pharmacy.models import Prescription
    from callwright.store.business.crm import Person
    from callwright.store.business.orders import Order, OrderReturn
    from callwright.store.business.scheduling import Appointment

    engine = open_database()
    seed_demo_data(engine, AGENTS)
    calls = {
        "dental": (["I need to cancel my appointment.", 12.0, "Yes.", 10.0], [],
                   "+15551230001"),
        "pharmacy": (["I need a refill please.", 18.0, "Yes.", 10.0], [(18.0, "4417")],
                     "+15551230001"),
        "retail": (["I want to return an order.", 14.0, "It is too small.", 12.0, "Yes.",
                    12.0], [(7.0, "100587")], ""),
        # the fraud callback: the card digits and birth date are keyed, as many callers do;
        # the answers are spoken
        "bank": ([26.0, "Yes.", 16.0, "No.", 12.0], [(4.5, "4821"), (13.5, "07211990")], ""),
    }

    async def one(name: str):
        parts, keys, caller_id = calls[name]
        (tmp_path / name).mkdir()
        wav = caller_wav(tmp_path / name, [10.0, *parts])
        keys = [(at + 10.0 + 1.5, digits) for at, digits in keys]
        record, _ = await run_file_call(AGENTS / f"{name}.yaml", wav, keys=keys,
                                        caller_id=caller_id)
        return name, record

    results = dict(await asyncio.gather(*(one(name) for name in calls)))

    def transcript(name: str) -> list[tuple[str, str]]:
        return [(t.caller_text, t.agent_text[:40]) for t in results[name].turns]

    with Session(engine) as session:
        statuses = dict(session.execute(
            select(Person.first_name, Appointment.status).join(
                Person, Appointment.person_id == Person.id)).all())
        # only the caller's (Maria's) appointment is cancelled; another patient's stays
        assert statuses == {"Maria": "cancelled", "Siobhan": "booked"}, transcript("dental")
        rx = session.scalars(select(Prescription).where(Prescription.number == "4417")).one()
        assert rx.refills_left == 1, transcript("pharmacy")
        returned = list(session.scalars(
            select(Order.number).join(OrderReturn, OrderReturn.order_id == Order.id)))
        assert returned == ["100587"], transcript("retail")
        card = session.scalars(select(Card).where(Card.last_four == "4821")).one()
        charges = {t.merchant: t.status for t in session.scalars(select(CardTransaction))}
    assert card.status == "locked", transcript("bank")
    assert charges["ElectroMart Online"] == "confirmed", transcript("bank")
    assert charges["Coffee Corner"] == "disputed", transcript("bank")
    states = [turn.dialogue_state.get("task", {}) for turn in results["bank"].turns]
    assert any(state.get("verified") for state in states)  # recorded after every turn


async def test_a_caller_who_goes_on_after_a_pause_is_heard_as_one_sentence(tmp_path):
    # the pause is long enough for the agent to take the first half as a whole turn and
    # start answering it; the rest comes during the reply's first words
    caller = caller_wav(tmp_path, [4.0, "I'd like to book a checkup.", 0.6,
                                   "With Doctor Patel, please.", 8.0])
    record, _ = await run_file_call(AGENTS / "dental.yaml", caller, caller_id="+15551230001")
    said = [turn.caller_text for turn in record.turns if turn.caller_text]
    joined = [event.data for event in record.events if event.kind == "joined"]
    assert len(said) == 1 and joined, (said, joined)
    assert "checkup" in said[0].lower() and "patel" in said[0].lower(), said
    assert record.turns[-1].dialogue_state["task"]["slots"]["provider"] == "Dr. Omar Patel"
