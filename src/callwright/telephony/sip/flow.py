"""Flows: where SIP messages come from and go out (a UDP address or one TCP connection).

Also the transport-level rules: responses go back per Via (received/rport, RFC 3581) over
UDP and on the same connection over TCP, and a TCP byte stream is cut into messages by
Content-Length (RFC 3261 §18.3).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from callwright.telephony.sip.address import DEFAULT_SIP_PORT, split_header_values
from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.message import SipRequest, find_message_length

log = logging.getLogger("callwright.sip")

TCP_READ_BYTES = 65_536
TCP_PARTIAL_MESSAGE_TIMEOUT_S = 30.0  # a message begun but not finished by then is abandoned
KEEPALIVE_PING = b"\r\n\r\n"  # RFC 5626 §3.5.1: answered with a single CRLF
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


@dataclass(slots=True, eq=False)
class UdpFlow:
    """Datagrams from our UDP socket to one address."""

    socket: asyncio.DatagramTransport
    remote: tuple[str, int]
    transport: str = "UDP"
    reliable: bool = False

    @property
    def closed(self) -> bool:
        return self.socket.is_closing()

    def send(self, data: bytes) -> None:
        if not self.socket.is_closing():
            self.socket.sendto(data, self.remote)


@dataclass(slots=True, eq=False)
class TcpFlow:
    """One TCP connection; responses and in-dialog requests go back on it."""

    writer: asyncio.StreamWriter
    remote: tuple[str, int]
    transport: str = "TCP"
    reliable: bool = True

    @property
    def closed(self) -> bool:
        return self.writer.is_closing()

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def local(self) -> tuple[str, int]:
        return self.writer.get_extra_info("sockname")[:2]


SipFlow = UdpFlow | TcpFlow
Receive = Callable[[bytes, SipFlow], None]


class UdpReceiver(asyncio.DatagramProtocol):
    """Hands every datagram, with the flow back to its sender, to `receive`."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._socket: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.DatagramTransport) -> None:  # type: ignore[override]
        self._socket = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._socket is not None:
            self._receive(data, UdpFlow(self._socket, addr[:2]))

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)


async def read_stream(
    reader: asyncio.StreamReader,
    flow: TcpFlow,
    receive: Receive,
    reject: Callable[[bytes, TcpFlow, SipParseError], None],
) -> None:
    """Cut a TCP byte stream into messages for `receive`; on a stream that cannot be framed,
    call `reject` and close the connection."""
    buffer = b""
    try:
        while True:
            if buffer:
                chunk = await asyncio.wait_for(
                    reader.read(TCP_READ_BYTES), TCP_PARTIAL_MESSAGE_TIMEOUT_S
                )
            else:
                chunk = await reader.read(TCP_READ_BYTES)
            if not chunk:
                return
            buffer += chunk
            while True:
                if buffer.startswith(KEEPALIVE_PING):
                    flow.send(b"\r\n")
                buffer = buffer.lstrip(b"\r\n")
                try:
                    length = find_message_length(buffer)
                except SipParseError as error:
                    reject(buffer, flow, error)
                    return
                if length is None:
                    break
                message, buffer = buffer[:length], buffer[length:]
                receive(message, flow)
    except TimeoutError:
        log.warning(
            "closing TCP connection from %s:%d: message unfinished after %.0f s",
            *flow.remote,
            TCP_PARTIAL_MESSAGE_TIMEOUT_S,
        )
    except OSError as error:
        log.debug("TCP connection from %s:%d closed: %s", *flow.remote, error)
    finally:
        flow.writer.close()


def reply_flow(request: SipRequest, flow: SipFlow) -> SipFlow:
    """Stamp the top Via with received/rport and pick where responses go (RFC 3581)."""
    first_line = request.headers.get("Via") or ""
    via = request.vias[0]
    source_host, source_port = flow.remote
    stamped = False
    if via.host != source_host:
        via.params["received"] = source_host
        stamped = True
    if "rport" in via.params and via.params["rport"] is None:
        via.params["rport"] = str(source_port)
        stamped = True
    if stamped:
        rest = split_header_values(first_line)[1:]
        request.headers.replace("Via", ", ".join([via.serialize(), *rest]))
    if isinstance(flow, TcpFlow):
        return flow
    host = via.params.get("received") or via.host
    rport = via.params.get("rport")
    port = int(rport) if rport and rport.isdigit() else via.port or DEFAULT_SIP_PORT
    return UdpFlow(flow.socket, (host, port))


def local_ip(bound_host: str, flow: SipFlow) -> str:
    """The address the peer of `flow` reaches us at (for Contact, Via and SDP)."""
    if bound_host not in WILDCARD_HOSTS:
        return bound_host
    if isinstance(flow, TcpFlow):
        return flow.local()[0]
    family = socket.AF_INET6 if ":" in flow.remote[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:  # connect() sends nothing
        probe.connect((flow.remote[0], flow.remote[1] or DEFAULT_SIP_PORT))
        return probe.getsockname()[0]


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
