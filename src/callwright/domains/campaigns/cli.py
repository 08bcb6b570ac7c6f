"""`callwright campaigns` and `callwright do-not-call`: outbound campaigns from the command line.

They change the records only; `callwright serve` runs the running campaigns (it reads the
records every second), so these work beside a live server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.table import Table

from callwright.cli_calls import DatabaseUrl
from callwright.cli_records import fail, open_engine
from callwright.domains.campaigns.book import (
    STATUS_CHANGES,
    CampaignBook,
    CampaignError,
    CampaignNotFound,
)
from callwright.domains.campaigns.contacts_csv import (
    ContactListError,
    read_contacts,
    write_outcomes,
)
from callwright.domains.campaigns.progress import progress
from callwright.domains.campaigns.settings import CampaignSettings

campaigns_app = typer.Typer(
    help="Outbound campaigns: create, add contacts, start, pause, resume, cancel, follow.",
    no_args_is_help=True,
)
do_not_call_app = typer.Typer(help="Numbers never to call: list, add, remove.",
                              no_args_is_help=True)
Name = Annotated[str, typer.Argument(help="The campaign's name.")]
CampaignOption = Annotated[
    str | None, typer.Option(help="Only for this campaign (default: every campaign).")
]


def _book(database_url: str | None) -> CampaignBook:
    return CampaignBook(open_engine(database_url))


@campaigns_app.command("create")
def create(
    settings_file: Annotated[Path, typer.Argument(help="The campaign's settings (YAML).")],
    contacts: Annotated[Path | None, typer.Option(help="Its contact list (CSV).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a campaign (in draft: `start` sets it calling)."""
    try:
        settings = CampaignSettings.model_validate(yaml.safe_load(settings_file.read_text()))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        fail(f"cannot read campaign settings from {settings_file}: {error}")
    book = _book(database_url)
    try:
        book.create(settings)
    except CampaignError as error:
        fail(str(error))
    typer.echo(f"created campaign {settings.name} (draft) for agent {settings.agent}")
    if contacts is not None:
        add_contacts(settings.name, contacts, database_url)


@campaigns_app.command("contacts")
def add_contacts(
    name: Name,
    contacts: Annotated[Path, typer.Argument(help="CSV with a phone column (and timezone).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Add a contact list to a campaign; numbers already in it are skipped."""
    try:
        added, known = _book(database_url).add_contacts(
            name, read_contacts(contacts.read_text(encoding="utf-8"))
        )
    except (OSError, UnicodeDecodeError, ContactListError, CampaignError,
            CampaignNotFound) as error:
        fail(f"{contacts}: {error}")
    typer.echo(f"{name}: {added} contacts added, {known} already there")


def _status_command(action: str) -> None:
    def change(name: Name, database_url: DatabaseUrl = None) -> None:
        try:
            campaign = _book(database_url).change_status(name, action)
        except (CampaignError, CampaignNotFound) as error:
            fail(str(error))
        typer.echo(f"{name} is {campaign.status}")

    change.__doc__ = f"{action.capitalize()} the campaign."
    campaigns_app.command(action)(change)


for _action in STATUS_CHANGES:
    _status_command(_action)


@campaigns_app.command("list")
def list_campaigns(database_url: DatabaseUrl = None) -> None:
    """Every campaign with its agent and status."""
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("Name", "Agent", "Status", "Window", "At once", "Per minute"):
        table.add_column(heading)
    for campaign in _book(database_url).all():
        settings = campaign.settings
        table.add_row(campaign.name, campaign.agent, campaign.status,
                      f"{settings['window_start']}-{settings['window_end']}",
                      str(settings["max_concurrent"]), str(settings["pace_per_minute"]))
    Console().print(table)


@campaigns_app.command("status")
def show_status(name: Name, database_url: DatabaseUrl = None) -> None:
    """Progress, outcomes and rates of one campaign."""
    book = _book(database_url)
    try:
        campaign = book.get(name)
    except CampaignNotFound as error:
        fail(str(error))
    figures = progress(book.contacts(name))
    console = Console()
    console.print(f"[bold]{name}[/bold] ({campaign.agent}): {campaign.status}, "
                  f"{figures['contacts']} contacts")
    for label in ("by_state", "outcomes", "task_outcomes", "attempts"):
        counts = ", ".join(f"{key} {value}" for key, value in sorted(figures[label].items()))
        console.print(f"  {label.replace('_', ' ')}: {counts or '-'}")
    for label in ("contact_rate", "completion_rate", "opt_out_rate"):
        value = figures[label]
        console.print(f"  {label.replace('_', ' ')}: {'-' if value is None else f'{value:.0%}'}")


@campaigns_app.command("export")
def export(
    name: Name,
    out: Annotated[Path | None, typer.Option(help="Write here (default: print).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Every contact's attempts and outcomes as CSV."""
    try:
        text = write_outcomes(_book(database_url).contacts(name))
    except CampaignNotFound as error:
        fail(str(error))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)


@do_not_call_app.command("list")
def list_do_not_call(database_url: DatabaseUrl = None) -> None:
    """Every number on the do-not-call lists."""
    table = Table(box=box.SIMPLE_HEAD)
    for heading in ("Phone", "Campaign", "Reason", "Added"):
        table.add_column(heading)
    for entry, campaign in _book(database_url).do_not_call_list():
        table.add_row(entry.phone, campaign or "(all)", entry.reason,
                      entry.added_at.strftime("%Y-%m-%d %H:%M UTC"))
    Console().print(table)


@do_not_call_app.command("add")
def add_do_not_call(
    phone: str, campaign: CampaignOption = None, database_url: DatabaseUrl = None
) -> None:
    """Never call PHONE again (in every campaign, or in one)."""
    try:
        _book(database_url).add_do_not_call(phone, campaign)
    except (CampaignError, CampaignNotFound) as error:
        fail(str(error))
    typer.echo(f"{phone} will not be called" + (f" in {campaign}" if campaign else ""))


@do_not_call_app.command("remove")
def remove_do_not_call(
    phone: str, campaign: CampaignOption = None, database_url: DatabaseUrl = None
) -> None:
    """Take PHONE off a do-not-call list."""
    try:
        removed = _book(database_url).remove_do_not_call(phone, campaign)
    except (CampaignError, CampaignNotFound) as error:
        fail(str(error))
    if not removed:
        fail(f"{phone} is not on that list")
    typer.echo(f"{phone} removed")
