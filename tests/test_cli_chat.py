"""`callwright chat`: the agent in a terminal."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from callwright.cli_chat import chat

DEMO_AGENT = Path(__file__).parents[1] / "agents" / "demo.yaml"

app = typer.Typer()
app.command()(chat)
runner = CliRunner()


def test_chat_answers_until_goodbye() -> None:
    result = runner.invoke(
        app,
        [str(DEMO_AGENT)],
        input="um where can I park\n/press 1\nthanks that's all\nnever read\n",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("agent: Thanks for calling Maple Street Hair Studio.")
    assert lines[1].startswith("agent: There's free customer parking")
    assert lines[2] == "agent: Anything else I can help with?"
    assert lines[3].startswith("agent: We're open Tuesday to Friday")
    assert lines[-2:] == [
        "agent: Thanks for calling Maple Street Hair Studio. Have a lovely day. Goodbye!",
        "(call ended: goodbye)",
    ]


def test_chat_silence_ladder_ends_the_call() -> None:
    result = runner.invoke(app, [str(DEMO_AGENT)], input="/silence\n/silence\n/silence\n")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "(call ended: no input)"
    assert "agent: Are you still there? How can I help?" in result.output


def test_chat_press_sends_each_digit() -> None:
    result = runner.invoke(app, [str(DEMO_AGENT)], input="/press 21\n")
    answers = [line for line in result.output.splitlines() if line.startswith("agent: We")]
    assert [a[:30] for a in answers] == [
        "agent: We're at two fourteen M",
        "agent: We're open Tuesday to F",
    ]
    assert result.output.splitlines()[-1] == "(caller hung up)"


def test_chat_explains_and_rejects_unknown_commands() -> None:
    result = runner.invoke(app, [str(DEMO_AGENT), "--explain"], input="do you take cash\n/dance\n")
    assert "  (intent: payment, " in result.output
    assert "commands: /press DIGITS" in result.output


def test_chat_bad_agent_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: shop\ngreeting: Hi.\nintents:\n  - name: hours\n    examples: [open]\n")
    result = runner.invoke(app, [str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:4: intents[0].answer: field required" in result.output
