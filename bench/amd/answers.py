"""The labelled answers of the answering-machine benchmark (bench/amd.py), as the phone plays
them: 16 kHz int16 from the moment it answers.

Machines are Asterisk's recorded prompts (voicemail greetings and carrier announcements, with
or without its beep) and synthetic greetings in the bench caller voices, some pausing early
("Hi! ... you've reached Sam") and some ending in silence. People are short hellos, names,
business-line answers of 2-4 s, a hello and a second hello after a pause, and a few on a
noisy line (white or babble noise at NOISY_SNR_DB, from answer to hang-up). The held-out
half uses other prompts, voices, wordings and beeps than the tune half: never tune on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.calls.caller_voices import SPEECH_RMS, CallerVoice, speak, telephone_band
from callwright.audio.frames import SAMPLE_RATE_HZ
from callwright.audio.wav import read_wav
from tests.support.tones import tone

SOUNDS = Path("/usr/share/asterisk/sounds/en")
LEAD_S = 0.4  # the line before the callee's first sound
PERSON_WAIT_S = 4.0  # a person's silence after their answer, waiting for us
MACHINE_RECORDS_S = 9.0  # a machine's silence after its beep: it records the message
NOISY_SNR_DB = 15.0  # a noisy line: noise this far below the speech
BABBLE_TALKERS = 5  # voices in the babble of a busy room


@dataclass(frozen=True, slots=True)
class Answer:
    name: str
    label: str  # "person" or "machine"
    half: str  # "tune" or "held-out"
    pcm: np.ndarray  # 16 kHz, what the phone plays from answer on
    speech_end_s: float  # a person's last word; a machine's beep end (0: no beep)


def _prompt(*names: str) -> np.ndarray:
    parts = [read_wav(SOUNDS / f"{name}.wav", target_hz=SAMPLE_RATE_HZ)[0] for name in names]
    return np.concatenate(parts)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE_HZ), np.int16)


def _voice(engine: str, name: str, rate_wpm: int = 160) -> CallerVoice:
    return CallerVoice(engine, name, rate_wpm, "white", None, 0)


def _say(*parts: str | float, voice: CallerVoice) -> np.ndarray:
    """Words in `voice`, a float among them a pause of that many seconds."""
    return np.concatenate([_silence(p) if isinstance(p, float) else speak(p, voice)
                           for p in parts])


def _beep(hz: float, seconds: float) -> np.ndarray:
    return (tone(hz, seconds) * 0.8).astype(np.int16)


def _machine(name: str, half: str, greeting: np.ndarray, beep: np.ndarray | None) -> Answer:
    parts = [_silence(LEAD_S), greeting, _silence(0.3)]
    beep_end = 0.0
    if beep is not None:
        parts.append(beep)
        beep_end = sum(len(p) for p in parts) / SAMPLE_RATE_HZ
    parts.append(_silence(MACHINE_RECORDS_S))
    return Answer(name, "machine", half, np.concatenate(parts), beep_end)


def _person(name: str, half: str, speech: np.ndarray, lead_s: float = LEAD_S,
            noise: np.ndarray | None = None) -> Answer:
    """A person's answer then their wait; `noise` (a loop) under all of it when given."""
    pcm = np.concatenate([_silence(lead_s), speech, _silence(PERSON_WAIT_S)])
    if noise is not None:
        looped = np.resize(noise, len(pcm)).astype(np.float64)
        pcm = np.clip(pcm + looped, -32768, 32767).astype(np.int16)
    return Answer(name, "person", half, pcm, lead_s + len(speech) / SAMPLE_RATE_HZ)


def white_noise(seed: int, seconds: float = 7.3) -> np.ndarray:
    """Telephone-band white noise at NOISY_SNR_DB under the speech."""
    noise = telephone_band(np.random.default_rng(seed).standard_normal(
        int(seconds * SAMPLE_RATE_HZ)))
    return _at_snr(noise)


def babble(lines: list[tuple[str, CallerVoice]], seed: int) -> np.ndarray:
    """A busy room: BABBLE_TALKERS talkers saying `lines` at once, each looped from its own
    offset, at NOISY_SNR_DB under the speech."""
    rng = np.random.default_rng(seed)
    talks = [speak(text, voice).astype(np.float64) for text, voice in lines]
    length = max(len(t) for t in talks)
    mix = sum(np.roll(np.resize(t, length), int(rng.integers(length))) for t in talks)
    return _at_snr(mix)


def _at_snr(noise: np.ndarray) -> np.ndarray:
    target = SPEECH_RMS / 10 ** (NOISY_SNR_DB / 20)
    return noise * (target / float(np.sqrt(np.mean(noise**2))))


def held_out_answers() -> list[Answer]:
    """The held-out half: its own prompts, voices (flite slt/rms/awb, espeak en-us+m3,
    en-gb-scotland, en-029), wordings and beeps."""
    slt, rms, awb = _voice("flite", "slt"), _voice("flite", "rms"), _voice("flite", "awb")
    m3, scot = _voice("espeak-ng", "en-us+m3", 175), _voice("espeak-ng", "en-gb-scotland")
    carib = _voice("espeak-ng", "en-029", 150)
    fast_awb, fast_rms = _voice("flite", "awb", 190), _voice("flite", "rms", 190)
    beep = _prompt("beep")
    digits = _prompt("digits/2", "digits/0", "digits/4")
    room = babble([("So I told him we would meet on Friday after lunch.", slt),
                   ("The order should be here by the end of next week.", m3),
                   ("Can you pass me the blue folder on the desk?", rms),
                   ("We are out of coffee again, somebody has to go.", scot),
                   ("I think the meeting moved to three o'clock.", awb)], seed=11)
    h = "held-out"
    return [
        _machine("ext-on-phone", h, np.concatenate(
            [_prompt("vm-theperson"), digits, _prompt("vm-isonphone", "vm-intro")]), beep),
        _machine("nobody-no-intro", h, _prompt("vm-nobodyavail"), beep),
        _machine("not-answering", h, _prompt("number-not-answering", "please-try-call-later"),
                 None),
        _machine("no-service", h, _prompt("ss-noservice"), None),
        _machine("flite-greeting", h, _say(
            "Hello, you have reached the Morgan family. We are not home right now. Leave us "
            "a message and we will call you back.", voice=slt), _beep(1400, 0.3)),
        _machine("circuits-busy", h, _prompt("all-circuits-busy-now", "please-try-call-later"),
                 None),
        _machine("cannot-complete", h, _prompt("cannot-complete-as-dialed",
                                               "check-number-dial-again"), None),
        _machine("mailbox-full", h, _prompt("vm-mailboxfull", "vm-goodbye"), None),
        _machine("rms-early-pause", h, _say("Hey!", 1.0, "This is Chris. Sorry I missed you, "
                                            "leave your name and number after the beep.",
                                            voice=rms), _beep(950, 0.6)),
        _machine("awb-no-beep", h, _say("Hi, this is Jordan. I'm away from my phone. Send me "
                                        "a text or try me later. Thanks.", voice=awb), None),
        _machine("scot-business-vm", h, _say(
            "Thank you for calling Harbour Accounting. Our office is closed. Please leave "
            "a message with your name and number.", voice=scot), beep),
        _machine("m3-early-pause", h, _say("Yo.", 0.8, "It's Marcus. Can't pick up, you know "
                                           "what to do.", voice=m3), _beep(1200, 0.5)),
        _machine("carib-greeting", h, _say("Good day, you've reached Anita. I am unable to "
                                           "take your call right now.", voice=carib),
                 _beep(850, 0.45)),
        _machine("slt-silence-end", h, _say("Hello.", 0.9, "The Nguyens can't come to the "
                                            "phone. Please leave a message.", voice=slt), None),
        _person("hello-recorded", h, _prompt("hello")),
        _person("dana-slt", h, _say("Hello, Dana speaking.", voice=slt)),
        _person("yes-rms", h, _say("Yes?", voice=rms), 1.0),
        _person("hi-espeak-m3", h, _say("Hi, who's calling?", voice=m3)),
        _person("vet-awb", h, _say("Good morning, Lakeside Veterinary Clinic, Priya speaking, "
                                   "how can I help?", voice=fast_awb)),
        _person("realty-rms", h, _say("Thank you for calling Summit Realty, this is Carol, "
                                      "what can I do for you?", voice=fast_rms)),
        _person("office-slt", h, _say("Doctor Patel's office, this is Maria.", voice=slt)),
        _person("front-desk-scot", h, _say("Front desk, how may I help you?", voice=scot)),
        _person("hello-pause-slt", h, _say("Hello?", 1.0, "Hello? Who's there?", voice=slt)),
        _person("hello-pause-m3", h, _say("Hello?", 1.4, "Hello, anybody there?", voice=m3)),
        _person("hey-carib", h, _say("Hey.", voice=carib), 0.7),
        _person("yes-hello-noisy", h, _say("Yes, hello?", voice=awb), noise=white_noise(7)),
        _person("morgan-babble", h, _say("Hi, Morgan here.", voice=m3), noise=room),
        _person("garage-babble", h, _say("Green Valley Auto, this is Luis, what can I do for "
                                         "you?", voice=awb), noise=room),
    ]


def tune_answers() -> list[Answer]:
    """The tune half: its own prompts, voices (espeak en-us/en-us+f3/en-gb/en-us+f2, flite
    kal), wordings and beeps."""
    us, f3 = _voice("espeak-ng", "en-us"), _voice("espeak-ng", "en-us+f3")
    gb, f2 = _voice("espeak-ng", "en-gb"), _voice("espeak-ng", "en-us+f2", 145)
    kal = _voice("flite", "kal")
    beep = _prompt("beep")  # Asterisk's: 700 Hz, 0.42 s
    digits = _prompt("digits/5", "digits/1", "digits/7")
    office = babble([("Did anyone see where I left my keys this morning?", us),
                     ("The printer on the second floor is jammed again.", f3),
                     ("Let's push the review to Tuesday if that works.", gb),
                     ("I need those numbers before the end of the day.", kal),
                     ("Lunch is on the table in the kitchen.", f2)], seed=5)
    t = "tune"
    return [
        _machine("ext-unavailable", t, np.concatenate(
            [_prompt("vm-theperson"), digits, _prompt("vm-isunavail", "vm-intro")]), beep),
        _machine("nobody-available", t, _prompt("vm-nobodyavail", "vm-intro"), beep),
        _machine("intro-only", t, _prompt("vm-intro"), beep),
        _machine("espeak-greeting", t, _say(
            "Hi, you've reached Dana. I can't take your call right now, please leave a "
            "message after the tone.", voice=f3), _beep(1000, 0.5)),
        _machine("invalid-ext", t, _prompt("pbx-invalid"), None),
        _machine("feature-not-avail", t, _prompt("feature-not-avail-line", "vm-goodbye"), None),
        _machine("household-busy", t, _prompt("tt-allbusy"), None),
        _machine("nobody-no-beep", t, _prompt("vm-nobodyavail"), None),
        _machine("us-early-pause", t, _say("Hi!", 1.0, "You've reached Sam. Leave a message "
                                           "and I'll get back to you.", voice=us), beep),
        _machine("kal-early-pause", t, _say("Hello.", 0.9, "This is Pat. I'm not available, "
                                            "please leave a message.", voice=kal),
                 _beep(1000, 0.4)),
        _machine("gb-no-beep", t, _say("Hello, this is Oliver. I'm not able to answer right "
                                       "now. Ring me back later.", voice=gb), None),
        _machine("f2-business-vm", t, _say(
            "You have reached Acme Dental. We are closed for the day. Please leave your "
            "message after the tone.", voice=f2), _beep(800, 0.5)),
        _machine("kal-silence-end", t, _say("Hi, it's Lee. Leave me a message.", voice=kal),
                 None),
        _person("hello-espeak", t, _say("Hello?", voice=us)),
        _person("dana-espeak", t, _say("Hi, this is Dana.", voice=f3)),
        _person("yeah-espeak", t, _say("Yeah?", voice=gb), 0.9),
        _person("hello-kal", t, _say("Hello, who is this?", voice=kal)),
        _person("dental-f3", t, _say("Acme Dental, this is Dana speaking, how can I help "
                                     "you?", voice=f3)),
        _person("plumbing-kal", t, _say("Good afternoon, Riverside Plumbing, Mike speaking.",
                                        voice=kal)),
        _person("smiles-gb", t, _say("Thanks for calling Bright Smiles, this is Jen, how may "
                                     "I help you?", voice=gb)),
        _person("robert-us", t, _say("This is Robert.", voice=us)),
        _person("hello-pause-us", t, _say("Hello?", 1.2, "Hello, who is this?", voice=us)),
        _person("hello-pause-kal", t, _say("Hello?", 0.7, "Hello?", voice=kal)),
        _person("tom-f2", t, _say("Hi, it's Tom, what's up?", voice=f2), 0.6),
        _person("hello-noisy", t, _say("Hello?", voice=us), noise=white_noise(3)),
        _person("dana-babble", t, _say("Hi, this is Dana.", voice=f3), noise=office),
        _person("dental-babble", t, _say("Acme Dental, Dana speaking.", voice=gb),
                noise=office),
    ]


def labelled_answers() -> list[Answer]:
    """The evaluation set: the tune half, then the held-out half."""
    return tune_answers() + held_out_answers()
