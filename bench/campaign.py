"""Outbound campaigns at volume: a real `callwright serve` (the pharmacy agent only) calls N real
phones on loopback through a campaign created over its HTTP API, and the run is judged from
the API, the database and what each phone recorded.

The phones (tests/support/called_phones.py): baresip answering as people who say "Hello?" and
wait, as people who answer the refill reminder's questions by voice (name, date of birth,
"yes please"), as voicemail greetings ending in a beep, and as people who ask to be taken off
the list; sipp as busy lines and phones nobody picks up.

Printed: wall time to finish the campaign; calls started per minute against the pace and the
shortest gap between two starts; the most calls at once (attempts' start and end) against the
limit; each kind's outcomes against what the phone was; refills requested against the people
who answered the questions; answering-machine decision time; for people, their hello's end to
the agent's first audio as the phone recorded it, and how many heard more than 1 s of
silence; the server's CPU and memory; the machine.

Run: .venv/bin/python bench/campaign.py [--contacts 40] [--max-concurrent 4] [--pace 30] [-v]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.latency.report import cpu_s, machine, percentiles, rss_mib  # noqa: E402
from callwright.audio.frames import SAMPLE_RATE_HZ  # noqa: E402
from tests.support.called_phones import (  # noqa: E402
    SOUNDS,
    Phones,
    most_at_once,
    pharmacy_only,
    silence,
    spoken,
    voicemail_greeting,
)
from tests.support.server import RunningServer, start_server  # noqa: E402

CAMPAIGN = "refills"
MAX_ATTEMPTS = 2
RETRY_AFTER_S = 1
RING_TIMEOUT_S = 5
LEAD_S = 0.3  # the line's silence before the callee's first sound
PERSON_WAIT_S = 6.0  # a person's silence after their hello, listening to the agent
OPT_OUT_AFTER_S = 3.0  # into the agent's greeting, the callee asks to be taken off the list
OPT_OUT_TAIL_S = 9.0
VOICE_ANSWERS = (  # (silence before, what is said) after the hello, timed to the agent's turns
    (15.0, "Maria Lopez"),  # Whisper tiny.en hears these espeak lines right at these offsets
    (4.0, "March fourteenth nineteen eighty-five"),
    (7.0, "yes please"),
)
VOICE_TAIL_S = 8.0  # listening to the confirmation before hanging up
MACHINE_RECORDS_S = 12.0
SILENCE_LIMIT_S = 1.0
SAMPLE_S = 1.0  # how often the server's CPU and memory are read
POLL_S = 0.5
TIMEOUT_PER_CONTACT_S = 20
TASK_OUTCOME = "refill_requested"
# A mix of kinds in the proportions of the e2e test plus people answering by voice; contact
# n is MIX[n % 20], so a short run has every kind.
MIX = ("voice", "hello", "machine", "busy", "no_answer", "opt_out", "voice", "hello",
       "machine", "busy", "no_answer", "voice", "hello", "machine", "opt_out", "voice",
       "hello", "machine", "busy", "no_answer")
EXPECTED = {"voice": "person", "hello": "person", "machine": "voicemail_left",
            "opt_out": "opted_out", "busy": "busy", "no_answer": "no_answer"}
SIPP_SCENARIOS = {"busy": "uas_busy.xml", "no_answer": "uas_rings_forever.xml"}


class ServerLoad(threading.Thread):
    """CPU % (per SAMPLE_S) and resident memory of the server process while it runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.running = pid, True
        self.cpu_percent: list[float] = []
        self.rss: list[float] = []

    def run(self) -> None:
        before, then = cpu_s(self.pid), time.monotonic()
        while self.running:
            time.sleep(SAMPLE_S)
            used, now = cpu_s(self.pid), time.monotonic()
            self.cpu_percent.append(100 * (used - before) / (now - then))
            self.rss.append(rss_mib(self.pid))
            before, then = used, now


@dataclass(frozen=True, slots=True)
class Contact:
    kind: str  # a key of EXPECTED
    uri: str
    hello_end_s: float | None  # when the callee's hello ends, for people


def call_phones(phones: Phones, count: int, workdir: Path) -> list[Contact]:
    """Start the phones of `count` contacts, mixed as MIX."""
    hello = spoken("Hello?", workdir)
    hello_end_s = LEAD_S + len(hello) / SAMPLE_RATE_HZ
    greeting, beep_end_s = voicemail_greeting()
    voice = [silence(LEAD_S), hello]
    for before_s, text in VOICE_ANSWERS:
        voice += [silence(before_s), spoken(text, workdir)]
    answers = {
        "hello": np.concatenate([silence(LEAD_S), hello, silence(PERSON_WAIT_S)]),
        "voice": np.concatenate([*voice, silence(VOICE_TAIL_S)]),
        "opt_out": np.concatenate([
            silence(LEAD_S), hello, silence(OPT_OUT_AFTER_S),
            spoken("Please take me off your calling list.", workdir), silence(OPT_OUT_TAIL_S),
        ]),
        "machine": np.concatenate([greeting, silence(MACHINE_RECORDS_S)]),
    }
    kinds = [MIX[n % len(MIX)] for n in range(count)]
    ports = {kind: phones.sipp(scenario, kinds.count(kind) * MAX_ATTEMPTS)
             for kind, scenario in SIPP_SCENARIOS.items() if kind in kinds}
    contacts = []
    for n, kind in enumerate(kinds):
        if kind in ports:
            contacts.append(Contact(kind, f"sip:{kind}{n}@127.0.0.1:{ports[kind]}", None))
        else:
            beep = beep_end_s if kind == "machine" else 0.0
            uri = phones.answer(f"{kind}{n}", answers[kind], beep)
            contacts.append(Contact(kind, uri, None if kind == "machine" else hello_end_s))
    return contacts


def run_campaign(server: RunningServer, contacts: list[Contact], args: argparse.Namespace,
                 timeout_s: float) -> tuple[float, list[dict]]:
    """Create and start the campaign, wait until it completes; its wall time and contacts."""
    api = f"{server.api}/api/campaigns"
    created = httpx.post(api, json={
        "name": CAMPAIGN, "agent": "pharmacy", "timezone": "UTC", "window_start": "00:00",
        "window_end": "23:59", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "max_attempts": MAX_ATTEMPTS, "retry_after_s": RETRY_AFTER_S,
        "max_concurrent": args.max_concurrent, "pace_per_minute": args.pace,
        "ring_timeout_s": RING_TIMEOUT_S, "on_machine": "leave_message",
        "voicemail": "Hello {first_name}, this is Northside Pharmacy. Please call us back.",
    }, timeout=10)
    created.raise_for_status()
    rows = "".join(f"{c.uri},Maria,4417\n" for c in contacts)
    httpx.post(f"{api}/{CAMPAIGN}/contacts", content="phone,first_name,prescription_number\n"
               + rows, headers={"Content-Type": "text/csv"}, timeout=10).raise_for_status()
    began = time.monotonic()
    httpx.post(f"{api}/{CAMPAIGN}/start", timeout=10).raise_for_status()
    while httpx.get(f"{api}/{CAMPAIGN}", timeout=10).json()["status"] != "completed":
        if time.monotonic() - began > timeout_s:
            raise RuntimeError(f"campaign not done after {timeout_s:.0f} s:\n"
                               f"{server.log()[-4000:]}")
        time.sleep(POLL_S)
    wall_s = time.monotonic() - began
    return wall_s, httpx.get(f"{api}/{CAMPAIGN}/contacts", timeout=10).json()


def start_times(shown: list[dict]) -> list[datetime]:
    return sorted(datetime.fromisoformat(a["started_at"]) for c in shown for a in c["attempts"])


def pace_lines(shown: list[dict], args: argparse.Namespace, wall_s: float) -> list[str]:
    starts = start_times(shown)
    span_s = (starts[-1] - starts[0]).total_seconds() if len(starts) > 1 else 0.0
    rate = f"{60 * (len(starts) - 1) / span_s:.1f}/min" if span_s else "-"
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    shortest = f"{min(gaps):.2f} s" if gaps else "-"
    return [
        f"campaign finished in {wall_s:.1f} s: {len(starts)} attempts on {len(shown)} contacts",
        f"calls started: {rate} over {span_s:.0f} s (pace {args.pace:g}/min); shortest gap "
        f"between starts {shortest} (pace allows {60 / args.pace:.2f} s)",
        f"most calls at once: {most_at_once(shown)} (limit {args.max_concurrent})",
    ]


def outcome_lines(contacts: list[Contact], shown: list[dict], verbose: bool) -> list[str]:
    by_uri = {c["phone"]: c for c in shown}
    lines = ["outcomes against what each phone was:"]
    for kind in dict.fromkeys(EXPECTED.values()):
        mine = [c for c in contacts if EXPECTED[c.kind] == kind]
        if not mine:
            continue
        wrong = Counter(by_uri[c.uri]["outcome"] for c in mine if by_uri[c.uri]["outcome"] != kind)
        missed = ", ".join(f"{got} {n}" for got, n in wrong.items())
        lines.append(f"  {kind:<15} {len(mine) - wrong.total()}/{len(mine)}"
                     + (f"  (got: {missed})" if missed else ""))
    voice = [c for c in contacts if c.kind == "voice"]
    reached = sum(by_uri[c.uri]["task_outcome"] == TASK_OUTCOME for c in voice)
    elsewhere = sum(by_uri[c.uri]["task_outcome"] is not None for c in contacts
                    if c.kind != "voice")
    lines.append(f"task outcome {TASK_OUTCOME}: {reached}/{len(voice)} people who answered "
                 f"the questions by voice; task outcomes on other contacts: {elsewhere}")
    if verbose:
        for contact in contacts:
            row = by_uri[contact.uri]
            results = ", ".join(f"{a['result']} ({a['detail']})" for a in row["attempts"])
            lines.append(f"    {contact.kind:<9} {contact.uri:<36} -> {row['outcome']} "
                         f"{row['task_outcome'] or ''} [{results}]")
    return lines


def timing_lines(contacts: list[Contact], shown: list[dict], phones: Phones) -> list[str]:
    decisions = [a["decision_ms"] / 1000 for c in shown for a in c["attempts"]
                 if a["decision_ms"] is not None]
    waits: list[float] = []
    silent = 0
    people = [c for c in contacts if c.hello_end_s is not None]
    for contact in people:
        loud = phones.loud_s(contact.uri)
        if len(loud):
            waits.append(max(0.0, loud[0] - contact.hello_end_s))
        silent += not len(loud) or loud[0] - contact.hello_end_s > SILENCE_LIMIT_S
    return [
        percentiles("AMD decision", decisions),
        percentiles("hello end -> agent audio", waits),
        f"people who heard > {SILENCE_LIMIT_S:g} s of silence after their hello: "
        f"{silent}/{len(people)}",
    ]


def load_lines(load: ServerLoad) -> list[str]:
    if not load.cpu_percent:
        return ["server: no samples"]
    mean = sum(load.cpu_percent) / len(load.cpu_percent)
    return [f"server CPU: mean {mean:.0f} %, peak {max(load.cpu_percent):.0f} % "
            f"(over {SAMPLE_S:g} s, 100 % = one core); RSS peak {max(load.rss):.0f} MiB, "
            f"at the end {load.rss[-1]:.0f} MiB"]


def run(args: argparse.Namespace) -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="callwright-campaign-"))
    timeout_s = 120 + TIMEOUT_PER_CONTACT_S * args.contacts
    phones = Phones(workdir / "phones", life_s=int(timeout_s) + 60)
    phones.workdir.mkdir(parents=True)
    try:
        contacts = call_phones(phones, args.contacts, workdir)
        env = {"CALLWRIGHT_MAX_CALLS": str(args.max_concurrent + 1)}
        server = start_server(workdir / "server", pharmacy_only(workdir / "server"), env)
        load = ServerLoad(server.process.pid)
        try:
            load.start()
            wall_s, shown = run_campaign(server, contacts, args, timeout_s)
        finally:
            load.running = False
            server.stop()
    finally:
        phones.stop()
    mix = Counter(c.kind for c in contacts)
    report = [
        f"machine: {machine()}",
        f"conditions: callwright serve (pharmacy agent, default speech engines) calling "
        f"{args.contacts} phones on loopback (UDP, G.711; baresip and sipp on the same "
        f"cores): {', '.join(f'{k} {n}' for k, n in mix.items())}; max_concurrent "
        f"{args.max_concurrent}, pace {args.pace:g}/min, {MAX_ATTEMPTS} attempts "
        f"{RETRY_AFTER_S} s apart, ring timeout {RING_TIMEOUT_S} s, voicemail left on machines",
        "",
        *pace_lines(shown, args, wall_s),
        *outcome_lines(contacts, shown, args.verbose),
        *timing_lines(contacts, shown, phones),
        *load_lines(load),
    ]
    if args.verbose:
        report.append(f"server log, database and phones' recordings: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=40, help="contacts called")
    parser.add_argument("--max-concurrent", type=int, default=4, help="campaign's calls at once")
    parser.add_argument("--pace", type=float, default=30, help="calls started per minute")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every contact, keep the work folder")
    args = parser.parse_args()
    if not SOUNDS.is_dir() or not shutil.which("baresip") or not shutil.which("sipp"):
        parser.error("apt-get install baresip-core sip-tester asterisk-core-sounds-en-wav")
    print("\n".join(run(args)), flush=True)


if __name__ == "__main__":
    main()
