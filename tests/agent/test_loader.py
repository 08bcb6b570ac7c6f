"""Loading agents from files and directories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callwright.agent.spec.agent_file import AgentFileError
from callwright.agent.spec.loader import load_agent, load_agents

AGENTS_DIR = Path(__file__).parents[2] / "agents"
AGENT_PACKAGE = Path(__file__).parents[2] / "src" / "callwright" / "agent"


def test_load_agents_keys_by_name(tmp_path: Path) -> None:
    shutil.copy(AGENTS_DIR / "demo.yaml", tmp_path / "demo.yaml")
    (tmp_path / "bakery.yml").write_text(
        "name: bakery\ngreeting: Hi.\nintents:\n"
        "  - {name: hours, examples: [when are you open], answer: Seven to three.}\n"
    )
    (tmp_path / "notes.txt").write_text("not an agent")
    agents = load_agents(tmp_path)
    assert sorted(agents) == ["bakery", "demo"]
    assert agents["demo"].spec.business == "Maple Street Hair Studio"


def test_duplicate_names_name_both_files(tmp_path: Path) -> None:
    shutil.copy(AGENTS_DIR / "demo.yaml", tmp_path / "a.yaml")
    shutil.copy(AGENTS_DIR / "demo.yaml", tmp_path / "b.yaml")
    with pytest.raises(AgentFileError) as caught:
        load_agents(tmp_path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{tmp_path / 'b.yaml'}:4: name: 'demo' is already the name")
    assert str(tmp_path / "a.yaml") in problem


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("name: one\n")
    (tmp_path / "two.yaml").write_text("name: [\n")
    with pytest.raises(AgentFileError) as caught:
        load_agents(tmp_path)
    text = str(caught.value)
    assert f"{tmp_path / 'one.yaml'}:1: greeting: field required" in text
    assert f"{tmp_path / 'two.yaml'}:" in text and "YAML syntax error" in text


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(AgentFileError, match="not a directory of agent files"):
        load_agents(tmp_path / "missing")


def test_load_agent_builds_a_front_desk() -> None:
    agent = load_agent(AGENTS_DIR / "demo.yaml")
    assert agent.name == "demo"
    assert agent.matcher.understand("where do I park").intent == "parking"


def test_agent_package_never_imports_speech_or_telephony() -> None:
    for source in AGENT_PACKAGE.glob("*.py"):
        text = source.read_text()
        assert "callwright.speech" not in text and "callwright.telephony" not in text, source


def test_a_default_task_that_is_no_task_is_an_agent_file_error(tmp_path: Path) -> None:
    text = (AGENTS_DIR / "sales.yaml").read_text()
    broken = tmp_path / "sales.yaml"
    broken.write_text(text.replace("default_task: qualify", "default_task: qualifyy"))
    with pytest.raises(AgentFileError, match="default_task: no task named 'qualifyy'"):
        load_agent(broken)
