"""Carrier media streams: Twilio's voice webhooks, and the WebSockets over which Twilio,
Telnyx and Plivo deliver calls to an agent.

Twilio: point the number's voice webhook at POST /twilio/voice/{agent}. The answer is TwiML
that connects the call to WS /twilio/stream/{agent}, passing From and To along; when the
stream ends Twilio asks POST /twilio/after/{agent} what next: a `<Dial>` when the agent
transferred the call, else `<Hangup/>`. With an auth token set (CALLWRIGHT_TWILIO_AUTH_TOKEN)
every webhook must carry a valid X-Twilio-Signature (else 403), and a stream is only taken
with the token our TwiML gave it, so only calls Twilio sent through our webhook reach an
agent. Pending transfers live in this process: run one worker per Twilio number, or keep
Twilio's calls on the worker that answered them.

Telnyx and Plivo: start a bidirectional stream to WS /telnyx/stream/{agent} or
/plivo/stream/{agent} from your own call flow (see telephony/streams/telnyx.py, plivo.py).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import APIRouter, HTTPException, Request, Response, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from callwright.telephony.streams.events import StreamProtocolError, StreamSerializer
from callwright.telephony.streams.plivo import PlivoStream
from callwright.telephony.streams.stream_call import StreamCall, Transferring
from callwright.telephony.streams.telnyx import TelnyxStream
from callwright.telephony.streams.twilio import CALLEE_PARAMETER, CALLER_PARAMETER, TwilioStream
from callwright.telephony.transport import Transport

log = logging.getLogger("callwright.streams")

StartCall = Callable[[Transport, str], Awaitable[None]]
"""Runs a whole call of the named agent over the transport."""

TWILIO_AUTH_TOKEN_ENV = "CALLWRIGHT_TWILIO_AUTH_TOKEN"
SIGNATURE_HEADER = "X-Twilio-Signature"
TOKEN_PARAMETER = "token"  # the stream's custom parameter that proves our TwiML started it
DEFAULT_PORTS = {"http": 80, "https": 443}
TWIML = "application/xml"
TRY_AGAIN_LATER = 1013  # WebSocket close code: the server is busy


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's request signature: base64 HMAC-SHA1, keyed by the auth token, of the full
    URL followed by every POST parameter's name and value, sorted."""
    data = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def stream_token(auth_token: str, call_sid: str) -> str:
    """What our TwiML hands a call's stream, so the stream can prove where it came from."""
    return hmac.new(auth_token.encode(), call_sid.encode(), hashlib.sha256).hexdigest()


def streams_router(
    start_call: StartCall,
    agents: Collection[str],
    twilio_auth_token: str | None = None,
    admits: Callable[[], bool] = lambda: True,
) -> APIRouter:
    """The carrier routes for `agents`; `start_call(transport, agent)` runs each call.
    `admits()`: whether one call more may start now (the server's admission limit, shared
    with SIP); beyond it Twilio's webhook answers `<Reject reason="busy"/>` and a stream
    is closed with 1013 (try again later)."""
    router = APIRouter(tags=["carrier streams"])
    transfers: dict[str, str] = {}  # Twilio CallSid -> whom to dial once its stream ends

    async def twilio_request(request: Request, agent: str) -> dict[str, str]:
        body = (await request.body()).decode("utf-8", "replace")
        params = parse_qsl(body, keep_blank_values=True)
        if twilio_auth_token and not _signed(request, params, twilio_auth_token):
            raise HTTPException(403, f"missing or invalid {SIGNATURE_HEADER}")
        if agent not in agents:
            raise HTTPException(404, f"no agent named {agent!r}")
        return dict(params)

    @router.post("/twilio/voice/{agent}")
    async def twilio_voice(agent: str, request: Request) -> Response:
        """Answer a call to a Twilio number: connect it to the agent's stream."""
        params = await twilio_request(request, agent)
        if not admits():
            log.warning("Twilio call %s refused: all lines busy", params.get("CallSid", ""))
            response = Element("Response")
            SubElement(response, "Reject", reason="busy")
            return _twiml(response)
        scheme = "wss" if _scheme(request) == "https" else "ws"
        parameters = {
            CALLER_PARAMETER: params.get("From", ""),
            CALLEE_PARAMETER: params.get("To", ""),
        }
        if twilio_auth_token:
            parameters[TOKEN_PARAMETER] = stream_token(twilio_auth_token, params.get("CallSid", ""))
        response = Element("Response")
        connect = SubElement(response, "Connect", action=f"/twilio/after/{agent}")
        stream = SubElement(
            connect, "Stream", url=f"{scheme}://{_host(request)}/twilio/stream/{agent}"
        )
        for name, value in parameters.items():
            SubElement(stream, "Parameter", name=name, value=value)
        return _twiml(response)

    @router.post("/twilio/after/{agent}")
    async def twilio_after(agent: str, request: Request) -> Response:
        """The stream ended: dial the transfer target, if the agent transferred the call."""
        params = await twilio_request(request, agent)
        response = Element("Response")
        target = transfers.pop(params.get("CallSid", ""), None)
        if target is None:
            SubElement(response, "Hangup")
        else:
            dial = SubElement(response, "Dial")
            if target.startswith(("sip:", "sips:")):
                SubElement(dial, "Sip").text = target
            else:
                dial.text = target.removeprefix("tel:")
        return _twiml(response)

    def remember_transfer(call_sid: str, target: str) -> None:
        transfers[call_sid] = target

    def accepts(call: StreamCall) -> bool:
        if not twilio_auth_token:
            return True
        expected = stream_token(twilio_auth_token, call.call_id)
        return hmac.compare_digest(call.parameters.get(TOKEN_PARAMETER, ""), expected)

    twilio = _stream_endpoint(
        start_call, agents, admits, TwilioStream, remember_transfer, accepts
    )
    router.add_api_websocket_route("/twilio/stream/{agent}", twilio)
    for serializer in (TelnyxStream, PlivoStream):  # no transfers, no tokens
        endpoint = _stream_endpoint(start_call, agents, admits, serializer)
        router.add_api_websocket_route(f"/{serializer.name}/stream/{{agent}}", endpoint)
    return router


def _stream_endpoint(
    start_call: StartCall,
    agents: Collection[str],
    admits: Callable[[], bool],
    serializer: type[StreamSerializer],
    on_transfer: Transferring | None = None,
    accepts: Callable[[StreamCall], bool] = lambda call: True,
) -> Callable[[WebSocket, str], Awaitable[None]]:
    async def stream(websocket: WebSocket, agent: str) -> None:
        """Run one call over this carrier stream (a stream for no agent is refused)."""
        if agent not in agents:
            await websocket.close(code=1008)
            return
        if not admits():
            log.warning("%s stream for %s refused: all lines busy", serializer.name, agent)
            await websocket.close(code=TRY_AGAIN_LATER)
            return
        await websocket.accept()
        socket = _Socket(websocket)
        try:
            call = await StreamCall.answer(socket, serializer(), on_transfer)
        except StreamProtocolError as error:
            log.warning("%s stream for %s refused: %s", serializer.name, agent, error)
            await socket.close()
            return
        try:
            if accepts(call):
                await start_call(call, agent)
            else:
                log.warning("%s stream %s: no valid token", serializer.name, call.call_id)
        except Exception:
            log.exception("%s call %s failed", serializer.name, call.call_id)
        finally:
            await call.hangup()

    return stream


class _Socket:
    """Starlette's WebSocket as a telephony.streams.stream_call.MessageSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def receive(self) -> str | bytes | None:
        try:
            message = await self._websocket.receive()
        except RuntimeError:  # the socket had closed already
            return None
        if message["type"] == "websocket.disconnect":
            return None
        return message["text"] if message.get("text") is not None else message.get("bytes")

    async def send(self, text: str) -> None:
        await self._websocket.send_text(text)

    async def close(self) -> None:
        if self._websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the peer's crossed ours
                await self._websocket.close()


def _scheme(request: Request) -> str:
    """http or https as the carrier saw it (a TLS proxy in front says X-Forwarded-Proto)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return forwarded or request.url.scheme


def _host(request: Request) -> str:
    return request.headers.get("host") or request.url.netloc


def _signed(request: Request, params: list[tuple[str, str]], auth_token: str) -> bool:
    """Whether X-Twilio-Signature is right for this request, with or without the URL's port
    (Twilio signs https URLs without it; proxies differ)."""
    given = request.headers.get(SIGNATURE_HEADER, "")
    query = f"?{request.url.query}" if request.url.query else ""
    url = f"{_scheme(request)}://{_host(request)}{request.url.path}{query}"
    return any(
        hmac.compare_digest(given, twilio_signature(auth_token, candidate, params))
        for candidate in _with_and_without_port(url)
    )


def _with_and_without_port(url: str) -> set[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    return {
        url,
        urlunsplit(parts._replace(netloc=host)),
        urlunsplit(parts._replace(netloc=f"{host}:{port}")),
    }


def _twiml(response: Element) -> Response:
    return Response(tostring(response, encoding="unicode"), media_type=TWIML)
