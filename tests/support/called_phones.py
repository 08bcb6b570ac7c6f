"""The phones a campaign calls on loopback: baresip answering as people (espeak voices) and as
voicemail greetings ending in a beep (Asterisk's recorded prompts), sipp as busy lines and
phones nobody picks up; and what they tell about the calls afterwards. Used by the campaign
end-to-end test and bench/campaign.py."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav, write_wav
from tests.support.baresip import AnsweringPhone, answering_phone
from tests.support.server import ROOT, free_port, port_in_use
from tests.support.voices import speak, voiced_span

SOUNDS = Path("/usr/share/asterisk/sounds/en")
SCENARIOS = ROOT / "tests" / "e2e" / "sipp"
PHONE_LIFE_S = 600  # every phone process quits by itself this long after it starts
SIPP_LISTEN_TIMEOUT_S = 10.0
RTP_PORTS_PER_PHONE = 40
FIRST_RTP_PORT = 42000
LOUD = 600  # int16 peak of the agent's voice in what a phone heard


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE_HZ), np.int16)


def spoken(text: str, workdir: Path) -> np.ndarray:
    """`text` in an espeak voice, trimmed to its voiced part."""
    pcm = read_wav(speak(text, workdir / f"{abs(hash(text))}.wav"))[0]
    first, end = voiced_span(pcm)
    return pcm[first:end]


def voicemail_greeting() -> tuple[np.ndarray, float]:
    """An answering machine's greeting ending in its beep, and when the beep ends (s)."""
    greeting = read_wav(SOUNDS / "vm-nobodyavail.wav", target_hz=SAMPLE_RATE_HZ)[0]
    beep = read_wav(SOUNDS / "beep.wav", target_hz=SAMPLE_RATE_HZ)[0]
    pcm = np.concatenate([silence(0.3), greeting, silence(0.3), beep])
    return pcm, len(pcm) / SAMPLE_RATE_HZ


def pharmacy_only(workdir: Path) -> Path:
    """An agents folder with only the pharmacy agent and its demo data."""
    agents = workdir / "agents"
    agents.mkdir(parents=True)
    for name in ("pharmacy.yaml", "pharmacy.data.yaml"):
        shutil.copy(ROOT / "agents" / name, agents)
    return agents


def most_at_once(contacts: list[dict]) -> int:
    """The most attempts under way at once, from the API's contacts with their attempts."""
    moments = []
    for contact in contacts:
        for attempt in contact["attempts"]:
            moments.append((attempt["started_at"], 1))
            moments.append((attempt["ended_at"], -1))
    running = most = 0
    for _, step in sorted(moments, key=lambda m: (datetime.fromisoformat(m[0]), m[1])):
        running += step
        most = max(most, running)
    return most


class Phones:
    """The called phones: one baresip per answering contact, one sipp per busy or silent kind."""

    def __init__(self, workdir: Path, life_s: int = PHONE_LIFE_S) -> None:
        self.workdir = workdir
        self.life_s = life_s
        self.answering: dict[str, tuple[str, AnsweringPhone, float]] = {}
        """uri -> (name, phone, when its beep ends in s, 0 without one)."""
        self.sipps: list[subprocess.Popen] = []

    def answer(self, name: str, answer: np.ndarray, beep_end_s: float = 0.0) -> str:
        """A phone that answers at once and plays `answer` (16 kHz); its SIP URI."""
        folder = self.workdir / name
        folder.mkdir()
        wav = folder / "answer.wav"
        write_wav(wav, answer, SAMPLE_RATE_HZ)
        base = FIRST_RTP_PORT + RTP_PORTS_PER_PHONE * len(self.answering)
        phone = answering_phone(wav, folder / "phone", port=free_port(), seconds=self.life_s,
                                user=name, rtp_ports=f"{base}-{base + RTP_PORTS_PER_PHONE - 2}")
        self.answering[phone.uri] = (name, phone, beep_end_s)
        return phone.uri

    def sipp(self, scenario: str, calls: int) -> int:
        """sipp playing `scenario` (tests/e2e/sipp/) for `calls` calls; its port."""
        port = free_port()
        self.sipps.append(subprocess.Popen(
            ["sipp", "-sf", str(SCENARIOS / scenario), "-i", "127.0.0.1", "-p", str(port),
             "-mp", str(free_port()), "-t", "u1", "-m", str(calls),
             "-timeout", str(self.life_s), "-nostdin", "-trace_err"],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        deadline = time.monotonic() + SIPP_LISTEN_TIMEOUT_S
        while not port_in_use(port) and time.monotonic() < deadline:
            time.sleep(0.02)
        return port

    def stop(self) -> None:
        for _, phone, _ in self.answering.values():
            if phone.process.poll() is None:
                phone.process.send_signal(signal.SIGTERM)
        for process in self.sipps:
            process.kill()
            process.wait()

    def calls_answered(self, uri: str) -> int:
        _, phone, _ = self.answering[uri]
        return len(list(phone.workdir.glob("dump-*-dec.wav")))

    def heard(self, uri: str) -> np.ndarray:
        """What the phone heard in its last call (16 kHz, from answer on); empty if none."""
        _, phone, _ = self.answering[uri]
        dumps = sorted(phone.workdir.glob("dump-*-dec.wav"))
        return read_wav(dumps[-1], target_hz=SAMPLE_RATE_HZ)[0] if dumps else silence(0)

    def loud_s(self, uri: str) -> np.ndarray:
        """When (s after answer) the phone heard the agent's voice in its last call."""
        heard = self.heard(uri)
        return np.flatnonzero(np.abs(heard.astype(np.int32)) >= LOUD) / SAMPLE_RATE_HZ
