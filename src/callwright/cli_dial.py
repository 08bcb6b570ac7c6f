"""`callwright dial TARGET_URI --agent AGENT_FILE`: place a call and let the agent talk.

For outbound work such as a pharmacy's refill reminder. The runtime loads as for
`callwright serve` (the agent's folder, its demo data, the speech engines), the call runs
through the same CallSession and is recorded like an answered one; the transcript is
printed as `callwright call` prints it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from callwright.agent.spec.agent_file import AgentFileError, load_agent_spec
from callwright.config import ServerConfig
from callwright.config_sip import load_sip_settings
from callwright.store.records import CallRecord
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.outbound import DIAL_TIMEOUT_S, CallFailed

EXIT_CALL_FAILED = 1
EXIT_BAD_AGENT_FILE = 2
FAILURE_MEANINGS = {  # SIP final status -> what it means to the person dialing
    404: "no such number",
    408: "no answer",
    480: "unavailable",
    486: "busy",
    487: "no answer",
    488: "no common audio codec",
    600: "busy",
    603: "declined",
}


def dial(
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET_URI",
            help="Who to call, e.g. sip:alice@192.0.2.10:5060 (add ;transport=tcp for TCP).",
        ),
    ],
    agent: Annotated[
        Path, typer.Option(help="Agent file (YAML) that talks, e.g. agents/pharmacy.yaml.")
    ],
    sip_host: Annotated[
        str, typer.Option(help="Our SIP/RTP address, as the callee must reach it.")
    ] = "127.0.0.1",
    sip_port: Annotated[int, typer.Option(help="Our SIP port, UDP and TCP (0: any free).")] = 0,
    ring_timeout: Annotated[
        float, typer.Option(help="Seconds to let it ring before giving up.")
    ] = DIAL_TIMEOUT_S,
    database_url: Annotated[
        str | None, typer.Option(help="Record the call here (default as serve).")
    ] = None,
    trunk: Annotated[
        str | None,
        typer.Option(help="Call through this trunk of --sip-config (TARGET may be a number)."),
    ] = None,
    sip_config: Annotated[
        Path | None, typer.Option(help="SIP settings: trunks, call targets, NAT (YAML).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Call TARGET_URI with an agent; print the transcript and latencies."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = ServerConfig.from_environment(
        sip_host=sip_host, sip_port=sip_port, database_url=database_url, sip_config=sip_config
    )
    console = Console()
    try:
        record = asyncio.run(place_call(target, agent, config, ring_timeout, trunk))
    except AgentFileError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(EXIT_BAD_AGENT_FILE) from None
    except CallFailed as failure:
        meaning = FAILURE_MEANINGS.get(failure.status, "call failed")
        console.print(
            f"[red]{target}: {meaning} ({failure.status} {failure.reason}); "
            "nobody talked to the agent.[/red]"
        )
        raise typer.Exit(EXIT_CALL_FAILED) from None
    except (SipParseError, OSError, ValueError) as error:
        console.print(f"[red]cannot call {target}: {error}[/red]")
        raise typer.Exit(EXIT_CALL_FAILED) from None
    console.print(transcript_table(record))


async def place_call(
    target: str,
    agent_file: Path,
    config: ServerConfig,
    ring_timeout_s: float = DIAL_TIMEOUT_S,
    trunk: str | None = None,
) -> CallRecord:
    """Dial `target` as the agent in `agent_file` (through `trunk` when named) and run the
    call to its end; return its record. Raises CallFailed when nobody answers,
    AgentFileError for a bad agent file, ValueError for bad SIP settings or trunk name."""
    from callwright.server import load_runtime  # FastAPI, engines: only here
    from callwright.sip_setup import person_dialer, sip_server

    settings = load_sip_settings(config.sip_config)
    name = load_agent_spec(agent_file).name
    runtime = await load_runtime(dataclasses.replace(config, agents_dir=agent_file.parent), name)
    agent = runtime.agents[name]

    async def no_incoming_calls(call: object) -> None:
        raise AssertionError("a dialing SipServer accepts no calls")

    sip = sip_server(config, settings, accepts=lambda user: False, on_call=no_incoming_calls)
    await sip.start()
    try:
        call = await sip.dial(
            target, from_user=agent.name, timeout_s=ring_timeout_s, trunk=trunk
        )
        await runtime.run_call(call, agent, person_dialer(sip, agent.name))
    finally:
        await sip.stop()
    record = runtime.calls.get_call(call.call_id)
    assert record is not None, "CallSession records every call it runs"
    return record


def transcript_table(record: CallRecord) -> Table:
    """Turns with caller text, agent text and latency, as `callwright call` prints them."""
    table = Table(title=f"call {record.id} ({record.outcome})")
    for column in ("turn", "caller", "agent", "latency ms"):
        table.add_column(column)
    for turn in record.turns:
        latency = turn.latency_ms()
        table.add_row(
            str(turn.index),
            turn.caller_text,
            turn.agent_text + (" [interrupted]" if turn.interrupted else ""),
            "" if latency is None else f"{latency:.0f}",
        )
    return table
