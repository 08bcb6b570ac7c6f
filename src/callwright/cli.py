"""The `callwright` command line."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import typer
from rich.console import Console

from callwright.cli_calls import calls_app
from callwright.cli_cards import cards_app
from callwright.cli_chat import chat
from callwright.cli_crm import leads_app, people_app
from callwright.cli_dial import dial, transcript_table
from callwright.cli_keys import keys_app
from callwright.cli_orders import orders_app
from callwright.cli_scheduling import appointments_app
from callwright.cli_talk import talk_link
from callwright.cli_tickets import tickets_app
from callwright.cli_trunks import trunks_app
from callwright.config import ServerConfig
from callwright.domains.campaigns.cli import campaigns_app, do_not_call_app
from callwright.domains.pharmacy.cli import prescriptions_app

app = typer.Typer(
    help="callwright: an AI phone agent that answers real calls.", no_args_is_help=True
)
app.add_typer(calls_app, name="calls", help="Recorded calls: list and show.")
app.add_typer(keys_app, name="keys", help="Keys to the HTTP API: create, list, revoke.")
app.add_typer(trunks_app, name="trunks")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(do_not_call_app, name="do-not-call")
for sub_app, name in (
    (people_app, "people"), (leads_app, "leads"), (appointments_app, "appointments"),
    (tickets_app, "tickets"), (orders_app, "orders"), (prescriptions_app, "prescriptions"),
    (cards_app, "cards"),
):
    app.add_typer(sub_app, name=name)
app.command(help="Talk with an agent in text (no audio).")(chat)
app.command(help="Place a call with an agent (e.g. a refill reminder).")(dial)
app.command("talk-link", help="A signed link to call an agent from a browser.")(talk_link)
console = Console()


@app.command()
def serve(
    sip_host: str = typer.Option(None, help="SIP/RTP address (default 127.0.0.1)."),
    sip_port: int = typer.Option(None, help="SIP port, UDP and TCP (default 5060)."),
    http_host: str = typer.Option(
        None, help="HTTP API address (default 127.0.0.1; any other needs an API key)."
    ),
    http_port: int = typer.Option(None, help="HTTP API port (default 8080)."),
    agents_dir: Path = typer.Option(None, help="Folder of agent files (default agents/)."),
    database_url: str = typer.Option(None, help="SQLAlchemy URL (default SQLite in var/)."),
    max_calls: int = typer.Option(None, help="Calls held at once; more are refused (default 6)."),
    refuse_with: int = typer.Option(None, help="Refuse beyond capacity with 503 (default) or 486."),
    sip_config: Path = typer.Option(
        None, help="SIP settings: trunks, allowed sources, call targets, NAT (YAML)."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Answer SIP calls with every agent under agents/ and serve the HTTP API."""
    from callwright.server import serve as run_server

    _logging(verbose)
    try:
        config = ServerConfig.from_environment(
            sip_host=sip_host, sip_port=sip_port, http_host=http_host, http_port=http_port,
            agents_dir=agents_dir, database_url=database_url, max_calls=max_calls,
            refuse_with=refuse_with, sip_config=sip_config,
        )
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    try:
        asyncio.run(run_server(config))
    except KeyboardInterrupt:
        pass


@app.command()
def call(
    agent: Path = typer.Option(..., help="Agent file (YAML)."),
    audio: Path = typer.Option(..., help="The caller's side of the call, a WAV file."),
    save_audio: Path = typer.Option(None, help="Write what the agent said to this WAV file."),
    keys: str = typer.Option(
        "", help="Keypad presses as SECONDS=DIGITS, comma separated, e.g. 16.5=4821,30=1."
    ),
    caller_id: str = typer.Option("", help="The caller's number, e.g. +15551230001."),
    database_url: str = typer.Option(None, help="Record the call here (default as serve)."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Run a whole call from a WAV file, no network; print the transcript and latencies."""
    from callwright.offline import run_file_call

    _logging(verbose)
    try:
        presses = [(float(at), digits) for at, _, digits in
                   (item.partition("=") for item in keys.split(",") if item.strip())]
    except ValueError:
        raise typer.BadParameter("--keys takes SECONDS=DIGITS pairs, e.g. 16.5=4821") from None
    record, agent_audio = asyncio.run(
        run_file_call(agent, audio, database_url, presses, caller_id)
    )
    console.print(transcript_table(record))
    if save_audio is not None:
        from callwright.audio.frames import SAMPLE_RATE_HZ
        from callwright.audio.wav import write_wav

        write_wav(save_audio, agent_audio, SAMPLE_RATE_HZ)
        console.print(f"agent audio written to {save_audio}")


@app.command()
def seed(
    agents_dir: Path = typer.Option(Path("agents"), help="Folder of agent files."),
    database_url: str = typer.Option(None, help="SQLAlchemy URL (default SQLite in var/)."),
) -> None:
    """Reset every agent's business records to its demo data (agents/<name>.data.yaml)."""
    from callwright.actions.seed import DemoDataError, seed_demo_data
    from callwright.store.database import open_database

    try:
        seeded = seed_demo_data(open_database(database_url), agents_dir)
    except DemoDataError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"seeded demo data for: {', '.join(seeded) or 'no agent'}")


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
