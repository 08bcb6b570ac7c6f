"""Loading agents from agent files: one file, or every agent in a directory."""

from __future__ import annotations

from pathlib import Path

from callwright.actions.http import HttpActionConfigError
from callwright.agent.dialogue.front_desk_agent import ActionsFactory, FrontDeskAgent
from callwright.agent.spec.agent_file import AgentFileError, load_agent_spec
from callwright.agent.spec.yaml_lines import load_yaml

AGENT_FILE_PATTERNS = ("*.yaml", "*.yml")
DEMO_DATA_SUFFIX = ".data.yaml"  # an agent's demo records (callwright seed), not an agent


def load_agent(path: Path | str, actions: ActionsFactory | None = None) -> FrontDeskAgent:
    """The agent described by one agent file; raises AgentFileError. Without `actions` its
    tasks cannot reach the business's systems and say so."""
    spec = load_agent_spec(path)
    try:
        return FrontDeskAgent(spec, actions=actions)
    except HttpActionConfigError as error:  # e.g. a secret's environment variable is unset
        raise AgentFileError([f"{path}: actions: {error}"]) from None


def load_agents(
    directory: Path | str, actions: ActionsFactory | None = None
) -> dict[str, FrontDeskAgent]:
    """Every agent in `directory`'s agent files, by name; raises AgentFileError naming every
    problem in every file, and two files that give the same name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise AgentFileError([f"{directory}: not a directory of agent files (*.yaml)"])
    paths = sorted(
        p
        for pattern in AGENT_FILE_PATTERNS
        for p in directory.glob(pattern)
        if not p.name.endswith(DEMO_DATA_SUFFIX)
    )
    agents: dict[str, FrontDeskAgent] = {}
    origin: dict[str, Path] = {}
    problems: list[str] = []
    for path in paths:
        try:
            agent = load_agent(path, actions)
        except AgentFileError as error:
            problems.extend(error.problems)
            continue
        if agent.name in agents:
            line = load_yaml(path.read_text(encoding="utf-8")).line_of(("name",))
            problems.append(
                f"{path}:{line}: name: '{agent.name}' is already the name of the agent in "
                f"{origin[agent.name]}; each agent needs its own name (its SIP user)"
            )
            continue
        agents[agent.name] = agent
        origin[agent.name] = path
    if problems:
        raise AgentFileError(problems)
    return agents
