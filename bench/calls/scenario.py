"""Scripted callers: a scenario file's callers, loaded, and the reactive policy that plays one.

A `Scenario` is one caller (bench/scenarios/README.md has the format). A `ScriptedCaller`
plays it against any channel: text (`bench/calls/text_run.py`) or a real SIP call
(`bench/calls/voice_run.py`). The channel asks it for the opening, then hands it each agent
turn's words and carries out the `CallerTurn` it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
SPLITS = ("tune", "heldout")
DEFAULT_MAX_TURNS = 16
DEFAULT_FALLBACK = "Sorry, what was that?"
EXPECTATION_KEYS = frozenset({
    "booked", "rescheduled", "cancelled", "refilled", "authorization_requested", "transactions",
    "card", "returned", "lead", "handoff", "answered", "nothing",
})  # fmt: skip
_AGENT_ENDED = ("goodbye", "have a great day", "have a good day", "have a nice day", "bye")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and scenario."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One rule: when the agent's words hold any of `when`, answer with `say` or `keys`."""

    when: tuple[str, ...]
    say: tuple[str, ...] = ()  # said in turn on repeated matches; the last one repeats
    keys: str = ""
    end: bool = False
    pause_then: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    agent: str
    split: str
    opening: str
    replies: tuple[Reply, ...]
    expect: dict[str, Any]
    caller_id: str = ""
    about: str = ""
    kinds: tuple[str, ...] = ()
    fallback: str = DEFAULT_FALLBACK
    max_turns: int = DEFAULT_MAX_TURNS
    opening_pause_then: str = ""


@dataclass(frozen=True, slots=True)
class CallerTurn:
    """What the caller does next: speak `text` (and after a pause `then`), key `keys`, or
    hang up (`hang_up`, after speaking if there is text)."""

    text: str = ""
    keys: str = ""
    then: str = ""
    hang_up: bool = False


@dataclass(slots=True)
class ScriptedCaller:
    """Plays one scenario: answers each agent turn by its first matching rule."""

    scenario: Scenario
    turns: int = 0
    unanswered: int = 0  # agent turns no rule matched
    _used: dict[int, int] = field(default_factory=dict)

    def opening(self) -> CallerTurn:
        self.turns = 1
        return CallerTurn(self.scenario.opening, then=self.scenario.opening_pause_then)

    def answer(self, agent_text: str, agent_ended: bool = False) -> CallerTurn:
        """The caller's reply to the agent's turn `agent_text` (the whole turn's words)."""
        if agent_ended:
            return CallerTurn(hang_up=True)
        if self.turns >= self.scenario.max_turns:
            return CallerTurn(hang_up=True)
        heard = agent_text.lower()
        run_together = _letters_and_digits(heard)  # "Electro Mart" heard for "ElectroMart"
        for index, rule in enumerate(self.scenario.replies):
            if any(cue in heard or _letters_and_digits(cue) in run_together
                   for cue in rule.when):
                self.turns += 1
                return self._play(index, rule)
        if not heard.strip():
            return CallerTurn()  # nothing to answer: wait (the agent may still be thinking)
        if any(word in heard for word in _AGENT_ENDED) and "?" not in heard:
            return CallerTurn(hang_up=True)
        self.unanswered += 1
        if self.unanswered > 1:
            return CallerTurn(hang_up=True)
        self.turns += 1
        return CallerTurn(self.scenario.fallback)

    def next_turn(self, last: CallerTurn, agent_text: str, ended: bool) -> CallerTurn | None:
        """What the caller does after the agent answered `last` with `agent_text`, or None
        when the call is over (either side hung up, or the caller hangs up in silence). A
        turn with nothing to say or key is waiting: the agent's no-input timeout."""
        if last.hang_up or ended:
            return None
        turn = self.answer(agent_text, ended)
        return None if turn.hang_up and not turn.text else turn

    def _play(self, index: int, rule: Reply) -> CallerTurn:
        used = self._used.get(index, 0)
        self._used[index] = used + 1
        text = rule.say[min(used, len(rule.say) - 1)] if rule.say else ""
        return CallerTurn(text, keys=rule.keys, then=rule.pause_then, hang_up=rule.end)


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text)


def load_scenarios(
    splits: tuple[str, ...] = SPLITS, agents: tuple[str, ...] = (), root: Path = SCENARIOS_DIR
) -> list[Scenario]:
    """Every scenario of `splits` (for `agents`, or all), in file order."""
    scenarios: list[Scenario] = []
    seen: set[str] = set()
    for split in splits:
        for path in sorted((root / split).glob("*.yaml")):
            for scenario in _load_file(path, split):
                if scenario.id in seen:
                    raise ScenarioError(f"{path}: scenario id {scenario.id!r} used twice")
                seen.add(scenario.id)
                if not agents or scenario.agent in agents:
                    scenarios.append(scenario)
    return scenarios


def _load_file(path: Path, split: str) -> list[Scenario]:
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(items, list):
        raise ScenarioError(f"{path}: expected a list of scenarios")
    return [_scenario(path, split, item) for item in items]


def _scenario(path: Path, split: str, item: Any) -> Scenario:
    where = f"{path}: scenario {item.get('id', '?') if isinstance(item, dict) else '?'}"
    if not isinstance(item, dict) or not {"id", "agent", "opening", "expect"} <= item.keys():
        raise ScenarioError(f"{where}: needs id, agent, opening and expect")
    unknown = set(item["expect"]) - EXPECTATION_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown expectation {sorted(unknown)}")
    opening = item["opening"]
    return Scenario(
        id=str(item["id"]),
        agent=str(item["agent"]),
        split=split,
        opening=str(opening),
        opening_pause_then=str(item.get("opening_pause_then", "")),
        replies=tuple(_reply(where, rule) for rule in item.get("replies") or ()),
        expect=dict(item["expect"]),
        caller_id=str(item.get("caller_id") or ""),
        about=str(item.get("about", "")),
        kinds=tuple(item.get("kinds") or ()),
        fallback=str(item.get("fallback", DEFAULT_FALLBACK)),
        max_turns=int(item.get("max_turns", DEFAULT_MAX_TURNS)),
    )


def _reply(where: str, rule: Any) -> Reply:
    if not isinstance(rule, dict) or "when" not in rule:
        raise ScenarioError(f"{where}: each reply needs `when`")
    when = rule["when"] if isinstance(rule["when"], list) else [rule["when"]]
    say = rule.get("say", ())
    if isinstance(say, bool):  # YAML reads a bare yes or no as a boolean
        raise ScenarioError(f"{where}: quote a `say` of yes or no (YAML reads it as {say})")
    say = (say,) if isinstance(say, str) else tuple(str(s) for s in say)
    keys = str(rule.get("keys", ""))
    if not say and not keys and not rule.get("end"):
        raise ScenarioError(f"{where}: a reply needs `say`, `keys` or `end`")
    return Reply(
        when=tuple(str(cue).lower() for cue in when),
        say=say,
        keys=keys,
        end=bool(rule.get("end", False)),
        pause_then=str(rule.get("pause_then", "")),
    )
