"""The agent file: defaults, and errors that name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwright.agent.spec.agent_file import AgentFileError, load_agent_spec

DEMO_AGENT = Path(__file__).parents[2] / "agents" / "demo.yaml"

MINIMAL = """\
name: corner-bakery
greeting: Hello, Corner Bakery here.
intents:
  - name: hours
    examples: [when are you open]
    answer: We open at seven.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(AgentFileError) as caught:
        load_agent_spec(path)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_minimal_file_gets_defaults(tmp_path: Path) -> None:
    spec = load_agent_spec(write(tmp_path, MINIMAL))
    assert spec.name == "corner-bakery"
    assert spec.business == "Corner Bakery"
    assert spec.voice == "joe"
    assert spec.no_input.timeout_s == 6
    assert len(spec.no_input.reprompts) >= 1
    assert len(spec.not_understood.prompts) >= 2
    assert spec.goodbye.say


def test_missing_field_names_line_and_field(tmp_path: Path) -> None:
    text = MINIMAL + "  - name: address\n    examples: [where are you]\n"
    assert problems(tmp_path, text) == [
        f"{tmp_path / 'agent.yaml'}:7: intents[1].answer: field required"
    ]


def test_wrong_type_names_line_and_field(tmp_path: Path) -> None:
    text = MINIMAL + "no_input:\n  timeout_s: soon\n"
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'agent.yaml'}:8: no_input.timeout_s: ")
    assert "number" in problem


def test_yes_no_as_text_says_to_quote_it(tmp_path: Path) -> None:
    text = MINIMAL.replace("We open at seven.", "yes")
    (problem,) = problems(tmp_path, text)
    assert ":6: intents[0].answer:" in problem
    assert "quotes" in problem


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = MINIMAL.replace("    answer:", "    anser:")
    found = problems(tmp_path, text)
    assert any(
        ":6: intents[0].anser: unknown key 'anser' (did you mean 'answer'?)" in p for p in found
    )
    assert any(":4: intents[0].answer: field required" in p for p in found)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    text = 'name: x\ngreeting: "Hello\nintents:\n  - name: [\n'
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'agent.yaml'}:")
    assert "YAML syntax error" in problem
    assert "line 2" in problem  # where the unclosed quote starts


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = (
        "name: Bad Name\n"  # 1
        "greeting: Hi {busines}\n"  # 2
        "colour: red\n"  # 3
        "intents:\n"  # 4
        "  - name: hours\n"  # 5
        "    examples: [when]\n"  # 6
        "    answer: Seven.\n"  # 7
        "    keypad: 12\n"  # 8
    )
    found = problems(tmp_path, text)
    assert [p.split(": ")[0].rsplit(":", 1)[1] for p in found] == ["1", "2", "3", "8"]
    assert "lowercase slug" in found[0]
    assert "{busines}" in found[1]
    assert "unknown key 'colour'" in found[2]
    assert "intents[0].keypad" in found[3]


def test_duplicate_key_and_duplicate_intents(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, MINIMAL + "greeting: again\n")
    assert ":7: duplicate key 'greeting' (first given on line 2)" in problem
    twice = MINIMAL + "  - name: hours\n    examples: [open]\n    answer: Seven.\n"
    (problem,) = problems(tmp_path, twice)
    assert ":7: intents[1].name: intent name 'hours' is already used by intents[0]" in problem


def test_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, "- just\n- a list\n")
    assert problem.endswith(
        ":1: an agent file is a mapping of keys such as name:, greeting: and intents:"
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AgentFileError, match="cannot read the agent file"):
        load_agent_spec(tmp_path / "absent.yaml")


def test_demo_agent_loads() -> None:
    spec = load_agent_spec(DEMO_AGENT)
    assert spec.name == "demo"
    assert 8 <= len(spec.intents) <= 12
    assert all(6 <= len(intent.examples) <= 12 for intent in spec.intents)
    assert {i.keypad: i.name for i in spec.intents if i.keypad}.items() >= {
        "1": "hours", "2": "address", "3": "prices"
    }.items()  # fmt: skip
    spoken = [i.answer for i in spec.intents] + [f.answer for f in spec.faq]
    assert not any(ch in text for text in spoken for ch in "$%&/0123456789")


def test_a_broken_handoff_section_names_each_problem(tmp_path: Path) -> None:
    found = problems(tmp_path, MINIMAL + """\
handoff:
  target: frontdesk@192.0.2.7
  mode: sideways
  hours: {days: [mon, funday], open: "17:00", close: "09:00"}
  webhook: ftp://crm.example/hook
  reasons:
    Bad-Name: {say: Hi}
""")
    text = "\n".join(found)
    assert "agent.yaml:8: handoff.target: " in text and "must be a SIP URI" in text
    assert "agent.yaml:9: handoff.mode: " in text
    assert "handoff.hours.days[1]" in text
    assert "handoff.webhook" in text and "must start with http://" in text
    assert "handoff.reasons" in text and "not a reason name" in text


def test_closing_hours_before_opening_is_an_error(tmp_path: Path) -> None:
    found = problems(tmp_path, MINIMAL + """\
handoff:
  hours: {open: "17:00", close: "09:00"}
""")
    assert any("handoff.hours" in p and "must be after open" in p for p in found), found


def test_handoff_target_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    spec = load_agent_spec(write(tmp_path, MINIMAL + 'handoff: {target: "${DESK_URI}"}\n'))
    monkeypatch.delenv("DESK_URI", raising=False)
    assert spec.handoff.route("asked_for_human").target is None  # unset: take a message
    monkeypatch.setenv("DESK_URI", "sip:desk@192.0.2.7")
    assert spec.handoff.route("asked_for_human").target == "sip:desk@192.0.2.7"
