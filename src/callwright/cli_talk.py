"""`callwright talk-link`: a signed link that opens a browser call with an agent."""

from __future__ import annotations

import socket
import time
from typing import Annotated
from urllib.parse import quote

import typer
from rich.console import Console

from callwright.api.talk_links import DEFAULT_MINUTES, link_secret, link_token
from callwright.config import ServerConfig

UNSPECIFIED_HOSTS = ("", "0.0.0.0", "::")  # listening everywhere: name the machine instead


def talk_link(
    agent: Annotated[str, typer.Argument(metavar="AGENT", help="The agent's name, e.g. dental.")],
    minutes: Annotated[int, typer.Option(min=1, help="How long the link works.")] = (
        DEFAULT_MINUTES
    ),
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The server as browsers reach it, e.g. https://talk.example.com "
            "behind a TLS proxy (default: http://HTTP_HOST:HTTP_PORT of serve)."
        ),
    ] = None,
) -> None:
    """Print a link, alone on stdout, that lets a browser call AGENT for a while (no API
    key needed). The server must share this machine's data folder or CALLWRIGHT_LINK_SECRET."""
    config = ServerConfig.from_environment()
    token = link_token(link_secret(config.data_dir), agent, minutes)
    base = (base_url or _served_at(config)).rstrip("/")
    typer.echo(f"{base}/talk/{quote(agent, safe='')}?token={token}")
    expires = time.strftime("%H:%M", time.localtime(time.time() + minutes * 60))
    Console(stderr=True).print(
        f"The link works until {expires} ({minutes} min). Browsers give a page the "
        "microphone only on https or on localhost: put a TLS proxy in front for other hosts.",
        markup=False,
    )


def _served_at(config: ServerConfig) -> str:
    host = config.http_host
    if host in UNSPECIFIED_HOSTS:
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config.http_port}"
