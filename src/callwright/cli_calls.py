"""`callwright calls`: list stored calls and show one call's transcript, timings and events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from callwright.store.calls import CallRepository
from callwright.store.database import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    DEFAULT_DATA_DIR,
    DatabaseError,
    open_database,
)
from callwright.store.records import TURN_MARKS, CallRecord, TurnRecord

calls_app = typer.Typer(
    help="Stored calls: list them, or show one call's transcript and timings.",
    no_args_is_help=True,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help=f"Database URL [default: ${DATABASE_URL_ENV}, else callwright.db in the data "
        f"folder (${DATA_DIR_ENV}, default {DEFAULT_DATA_DIR}/)]",
        show_default=False,
    ),
]
LIST_TIME_FORMAT = "%Y-%m-%d %H:%M"
NOT_FINISHED = "in progress"
MISSING = "—"


@calls_app.command("list")
def list_calls(
    limit: Annotated[int, typer.Option(min=1, help="How many calls to show.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="How many newest calls to skip.")] = 0,
    database_url: DatabaseUrl = None,
) -> None:
    """List calls, newest first."""
    summaries = _repository(database_url).list_summaries(limit, offset)
    console = Console()
    if not summaries:
        console.print("No calls stored yet.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Started (UTC)", no_wrap=True)
    table.add_column("ID", no_wrap=True)
    for heading in ("Agent", "Caller", "Callee", "Outcome"):
        table.add_column(heading, min_width=len(heading), overflow="fold")
    table.add_column("Turns", justify="right")
    table.add_column("Latency p50", justify="right", no_wrap=True)
    for summary in summaries:
        call = summary.call
        table.add_row(
            call.started_at.strftime(LIST_TIME_FORMAT),
            call.id,
            call.agent,
            call.caller,
            call.callee,
            call.outcome or NOT_FINISHED,
            str(summary.turn_count),
            _milliseconds(summary.median_latency_ms),
        )
    console.print(table)


@calls_app.command("show")
def show_call(
    call_id: Annotated[str, typer.Argument(metavar="ID", help="Call id, from `calls list`.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Show one call: transcript with per-turn latency and marks, events, outcome, recording."""
    call = _repository(database_url).get_call(call_id)
    if call is None:
        Console(stderr=True).print(
            Text(
                f"No call with id {call_id!r}; see `callwright calls list` for stored ids.",
                style="red",
            )
        )
        raise typer.Exit(1)
    console = Console()
    _print_header(console, call)
    console.print(Text("\nTranscript", style="bold"))
    if not call.turns:
        console.print("  (no turns)")
    for turn in call.turns:
        _print_turn(console, turn)
    console.print(Text("\nEvents", style="bold"))
    if not call.events:
        console.print("  (no events)")
    for event in call.events:
        data = json.dumps(event.data, ensure_ascii=False) if event.data else ""
        console.print(Text.assemble(f"  {event.at:8.2f} s  ", (event.kind, "cyan"), f"  {data}"))
    if call.dialogue_state:
        console.print(Text("\nDialogue state", style="bold"))
        console.print(Text(json.dumps(call.dialogue_state, indent=2, ensure_ascii=False)))


def _repository(database_url: str | None) -> CallRepository:
    try:
        return CallRepository(open_database(database_url))
    except DatabaseError as error:
        Console(stderr=True).print(Text(str(error), style="red"))
        raise typer.Exit(1) from error


def _print_header(console: Console, call: CallRecord) -> None:
    duration = (
        f" ({(call.ended_at - call.started_at).total_seconds():.1f} s)" if call.ended_at else ""
    )
    rows = [
        ("Call", call.id),
        ("Agent", call.agent),
        ("From", call.caller),
        ("To", call.callee),
        ("Transport", call.transport),
        ("Started", _clock(call.started_at)),
        ("Ended", (_clock(call.ended_at) if call.ended_at else MISSING) + duration),
        ("Outcome", call.outcome or NOT_FINISHED),
        ("Recording", call.recording_path or "none"),
    ]
    for label, value in rows:
        console.print(Text.assemble((f"{label:<10}", "bold"), value))


def _print_turn(console: Console, turn: TurnRecord) -> None:
    console.print(Text(f"  Turn {turn.index}", style="dim"))
    console.print(Text.assemble(("  Caller: ", "bold green"), turn.caller_text))
    agent = Text.assemble(("  Agent:  ", "bold blue"), turn.agent_text)
    if turn.interrupted:
        agent.append("  [interrupted]", style="yellow")
    console.print(agent)
    marks = " · ".join(
        f"{mark} {turn.marks[mark]:.2f}s" for mark in TURN_MARKS if mark in turn.marks
    )
    timing = f"latency {_milliseconds(turn.latency_ms())}"
    console.print(Text(f"          {timing}" + (f" · {marks}" if marks else ""), style="dim"))


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _milliseconds(value: float | None) -> str:
    return MISSING if value is None else f"{value:.0f} ms"
