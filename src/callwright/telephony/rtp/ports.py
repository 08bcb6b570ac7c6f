"""The UDP socket of an RTP session: an even port (RTCP would take the next), anywhere or
within the range a firewall or NAT forwards."""

from __future__ import annotations

import asyncio
import secrets
import socket

EVEN_PORT_ATTEMPTS = 32


async def bind_even_port(loop: asyncio.AbstractEventLoop, host: str) -> socket.socket:
    """A free even port of `host`, as the OS hands ports out."""
    family = (await loop.getaddrinfo(host, 0, type=socket.SOCK_DGRAM))[0][0]
    odd: list[socket.socket] = []  # kept open until done so the OS offers other ports
    try:
        for _ in range(EVEN_PORT_ATTEMPTS):
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.bind((host, 0))
            except OSError:
                sock.close()
                raise
            if sock.getsockname()[1] % 2 == 0:
                sock.setblocking(False)
                return sock
            odd.append(sock)
    finally:
        for sock in odd:
            sock.close()
    raise OSError(
        f"no even UDP port free on {host} after {EVEN_PORT_ATTEMPTS} tries; "
        "free some ports or check the media address"
    )


async def bind_in_range(loop: asyncio.AbstractEventLoop, host: str, ports: range) -> socket.socket:
    """An even port of `ports` free on `host`, tried from a random one on."""
    family = (await loop.getaddrinfo(host, 0, type=socket.SOCK_DGRAM))[0][0]
    even = [port for port in ports if port % 2 == 0]
    start = secrets.randbelow(len(even)) if even else 0
    for port in even[start:] + even[:start]:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            continue
        sock.setblocking(False)
        return sock
    raise OSError(
        f"no even UDP port free on {host} in {ports.start}-{ports.stop - 1}: "
        "every media port of the configured range is in use"
    )
