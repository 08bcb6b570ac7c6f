"""`callwright trunks`: check the SIP settings file, and see the running server's registrations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from callwright.config_sip import load_sip_settings

trunks_app = typer.Typer(
    help="SIP trunks: check the settings file, show registration state.", no_args_is_help=True
)
API_KEY_ENV = "CALLWRIGHT_API_KEY"


@trunks_app.command("check")
def check(
    sip_config: Annotated[Path, typer.Argument(help="The SIP settings file (YAML).")],
) -> None:
    """Validate the SIP settings file (passwords from the environment) and list its trunks."""
    console = Console()
    try:
        settings = load_sip_settings(sip_config)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    for trunk in settings.trunks:
        registers = f"registers for {trunk.expires_s} s" if trunk.register else "no REGISTER"
        console.print(f"trunk {trunk.name}: {trunk.address_of_record} via {trunk.registrar}, "
                      f"{registers}, answered by {trunk.agent}, calls from "
                      f"{', '.join(str(n) for n in trunk.networks) or 'its registrar'}")
    allowed = ", ".join(str(n) for n in settings.access.allow) or "anyone"
    console.print(f"calls in from: {allowed} (others: {settings.access.unknown_sources})")
    console.print(f"calls out to: {', '.join(settings.access.call_targets) or 'any target'}")


@trunks_app.command("status")
def status(
    api: Annotated[str, typer.Option(help="The running server's HTTP API.")] = (
        "http://127.0.0.1:8080"
    ),
    key: Annotated[
        str | None, typer.Option(help=f"An API key [default: ${API_KEY_ENV}].", show_default=False)
    ] = None,
) -> None:
    """Show each trunk's registration on the running server (GET /api/sip/trunks)."""
    console = Console()
    key = key or os.environ.get(API_KEY_ENV)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.get(f"{api.rstrip('/')}/api/sip/trunks", headers=headers, timeout=5)
    except httpx.HTTPError as error:
        console.print(f"[red]cannot reach the server at {api}: {error}[/red]")
        raise typer.Exit(1) from None
    if response.status_code != 200:
        console.print(f"[red]{api} answered {response.status_code}: {response.text}[/red]")
        raise typer.Exit(1)
    trunks = response.json()
    if not trunks:
        console.print("No trunk registers on this server.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("Trunk", "State", "Registrar's answer", "Expires (UTC)", "OK", "Failed"):
        table.add_column(heading, overflow="fold")
    for trunk in trunks:
        table.add_row(
            trunk["name"], trunk["state"], trunk["reason"], trunk["expires_at"] or "-",
            str(trunk["registered_count"]), str(trunk["failures"]),
        )
    console.print(table)
