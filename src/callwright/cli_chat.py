"""`callwright chat AGENT_FILE`: talk to an agent in the terminal, as a caller would, no audio.

Type what the caller says. ``/press 12`` keys digits (one keypad event each, as on a call),
``/silence`` stays quiet past the agent's no-input timeout, ``/hangup`` or end of input hangs up.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import typer

from callwright.actions.backends import demo_ready_actions
from callwright.agent.conversation import (
    AgentAction,
    CallerInput,
    CallerKeyed,
    CallerSaid,
    CallerSilent,
    Conversation,
    EndCall,
    Say,
    Transfer,
    TransferFailed,
)
from callwright.agent.dialogue.front_desk_agent import FrontDeskAgent
from callwright.agent.spec.agent_file import AgentFileError
from callwright.agent.spec.loader import load_agent
from callwright.store.database import open_database

EXIT_BAD_AGENT_FILE = 2
NO_PHONE_LINE = "a text chat has no phone line"
HELP = "commands: /press DIGITS, /silence, /hangup; anything else is what the caller says"


def chat(
    agent_file: Annotated[Path, typer.Argument(help="The agent file (YAML) to talk to.")],
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the intent understood for each line.")
    ] = False,
    caller: Annotated[
        str, typer.Option(help="Caller id, e.g. +15551230001 (agents may recognise it).")
    ] = "",
    database_url: Annotated[
        str | None, typer.Option(help="Business records (default: as callwright serve).")
    ] = None,
) -> None:
    """Talk to an agent in the terminal: type what a caller would say."""
    try:
        agent = load_agent(agent_file, demo_ready_actions(open_database(database_url),
                                                          agent_file.parent))
    except AgentFileError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(EXIT_BAD_AGENT_FILE) from None
    asyncio.run(_chat(agent, explain, caller))


async def _chat(agent: FrontDeskAgent, explain: bool, caller: str = "") -> None:
    conversation = agent.start_conversation(caller)
    if await _show(conversation.greet(), conversation):
        return
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            typer.echo("you: ", nl=False)
        line = sys.stdin.readline()
        if not line or line.strip() == "/hangup":
            typer.echo("(caller hung up)")
            return
        inputs = _caller_inputs(line.strip(), agent)
        if inputs is None:
            typer.echo(HELP, err=True)
            continue
        for caller_input in inputs:
            if explain and isinstance(caller_input, CallerSaid):
                understood = agent.matcher.understand(caller_input.text)
                typer.echo(f"  (intent: {understood.intent}, {understood.confidence:.2f})")
            if await _show(conversation.respond(caller_input), conversation):
                return


def _caller_inputs(line: str, agent: FrontDeskAgent) -> list[CallerInput] | None:
    """What one typed line means; [] for a blank line, None for an unknown command."""
    if not line:
        return []
    if line == "/silence":
        return [CallerSilent(agent.no_input_timeout_s)]
    if line.startswith("/press"):
        digits = line.removeprefix("/press").replace(" ", "")
        if digits and all(d in "0123456789*#" for d in digits):
            return [CallerKeyed(digit) for digit in digits]
        return None
    if line.startswith("/"):
        return None
    return [CallerSaid(line)]


async def _show(actions: AsyncIterator[AgentAction], conversation: Conversation) -> bool:
    """Print a reply; True when the agent ended the call. A text chat has no phone line to
    transfer on, so a transfer is shown and then fails, as when nobody answers."""
    async for action in actions:
        if isinstance(action, Say):
            typer.echo(f"agent: {action.text}")
        elif isinstance(action, EndCall):
            typer.echo(f"(call ended: {action.reason})")
            return True
        elif isinstance(action, Transfer):
            typer.echo(f"(transfer, {action.mode}, to {action.target}: {action.summary})")
            typer.echo("(a text chat cannot be transferred: the agent hears that nobody answered)")
            conversation.handoff_result(False, NO_PHONE_LINE)
            return await _show(conversation.respond(TransferFailed(NO_PHONE_LINE)), conversation)
    return False
