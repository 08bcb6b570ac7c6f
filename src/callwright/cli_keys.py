"""`callwright keys`: create, list and revoke the HTTP API's keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from callwright.cli_calls import LIST_TIME_FORMAT, DatabaseUrl
from callwright.cli_records import MISSING, fail, open_engine
from callwright.store.api_keys import ApiKeyNotFound, ApiKeyRepository, ApiKeyScope

keys_app = typer.Typer(
    help="Keys to the HTTP API (/api, /metrics): create, list, revoke.", no_args_is_help=True
)


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Who uses the key, e.g. grafana.")],
    scope: Annotated[
        ApiKeyScope, typer.Option(help="read: GET and HEAD only; write: every method.")
    ] = ApiKeyScope.READ,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key and print it once, alone on stdout: only its hash is stored."""
    try:
        record, key = _repository(database_url).create(name, scope)
    except ValueError as error:  # a bad name, or ApiKeyNameTaken
        fail(str(error))
    typer.echo(key)
    Console(stderr=True).print(
        f"Created {record.scope} key {record.name!r} (prefix {record.prefix}). Copy it now: "
        "callwright keeps only its hash and cannot show it again. Send it as "
        "`Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        markup=False,
    )


@keys_app.command("list")
def list_keys(database_url: DatabaseUrl = None) -> None:
    """List keys, oldest first, revoked ones included; secrets are never shown."""
    records = _repository(database_url).list_keys()
    console = Console()
    if not records:
        console.print("No API keys yet; create one with `callwright keys create NAME`.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Name", min_width=len("Name"), overflow="fold")
    for heading in ("Prefix", "Scope", "Created (UTC)", "Last used (UTC)", "Revoked (UTC)"):
        table.add_column(heading, no_wrap=True)
    for record in records:
        table.add_row(
            record.name,
            record.prefix,
            record.scope,
            _moment(record.created_at),
            _moment(record.last_used_at),
            _moment(record.revoked_at),
        )
    console.print(table)


@keys_app.command("revoke")
def revoke_key(
    name_or_prefix: Annotated[
        str, typer.Argument(metavar="NAME_OR_PREFIX", help="From `callwright keys list`.")
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke an active key: requests with it get 401 from now on."""
    try:
        record = _repository(database_url).revoke(name_or_prefix)
    except ApiKeyNotFound as error:
        fail(str(error))
    Console().print(f"Revoked key {record.name!r} (prefix {record.prefix}).", markup=False)


def _repository(database_url: str | None) -> ApiKeyRepository:
    return ApiKeyRepository(open_engine(database_url))


def _moment(moment: datetime | None) -> str:
    return MISSING if moment is None else moment.strftime(LIST_TIME_FORMAT)
