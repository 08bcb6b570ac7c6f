"""A language model behind an OpenAI-compatible chat-completions endpoint.

Ollama (``http://127.0.0.1:11434/v1``), vLLM and llama.cpp's server all speak it:
``POST {base_url}/chat/completions``, answering JSON, or server-sent events when streaming.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx

from callwright.agent.llm.client import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TIMEOUT_S,
    LanguageModelError,
    LanguageModelTimeout,
    Message,
)

CONNECT_TIMEOUT_S = 2.0
STREAM_CHUNK_TIMEOUT_S = 10.0  # longest wait between two streamed chunks
ERROR_DETAIL_CHARS = 200  # how much of an error answer goes into the exception
SSE_DATA = "data:"
SSE_DONE = "[DONE]"


class OpenAICompatibleModel:
    def __init__(self, base_url: str, model: str, api_key_env: str | None = None) -> None:
        """Raises LanguageModelError when `api_key_env` names an unset variable."""
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._headers: dict[str, str] = {}
        if api_key_env:
            if api_key_env not in os.environ:
                raise LanguageModelError(
                    f"the language model at {base_url} needs its API key in the environment "
                    f"variable {api_key_env}; set it before starting callwright"
                )
            self._headers["Authorization"] = f"Bearer {os.environ[api_key_env]}"
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"OpenAICompatibleModel({self.url!r}, {self.model!r})"

    def _http(self) -> httpx.AsyncClient:
        """One pooled client per event loop (a pooled connection cannot cross loops)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            timeout = httpx.Timeout(STREAM_CHUNK_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
            self._client = httpx.AsyncClient(headers=self._headers, timeout=timeout)
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _request(
        self, messages: list[Message], max_tokens: int, temperature: float, stream: bool
    ) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": stream,
        }

    def _unreachable(self, error: httpx.HTTPError) -> LanguageModelError:
        if isinstance(error, httpx.TimeoutException):
            return LanguageModelTimeout(f"{self.url} stopped answering ({type(error).__name__})")
        return LanguageModelError(
            f"cannot reach the language model at {self.url} ({type(error).__name__}); "
            "check base_url and that the server is running"
        )

    def _refused(self, status: int, text: str) -> LanguageModelError:
        detail = " ".join(text.split())[:ERROR_DETAIL_CHARS]
        hint = "check api_key_env" if status in (401, 403) else "check model and base_url"
        return LanguageModelError(f"{self.url} answered {status}: {detail} ({hint})")

    async def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> str:
        request = self._request(messages, max_tokens, temperature, stream=False)
        try:
            async with asyncio.timeout(timeout_s):
                response = await self._http().post(self.url, json=request)
        except TimeoutError:
            raise LanguageModelTimeout(
                f"the language model at {self.url} did not answer within {timeout_s} s"
            ) from None
        except httpx.HTTPError as error:
            raise self._unreachable(error) from error
        if response.status_code != 200:
            raise self._refused(response.status_code, response.text)
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LanguageModelError(
                f"{self.url} answered without choices[0].message.content; is it an "
                "OpenAI-compatible chat-completions endpoint?"
            ) from None
        return content or ""

    async def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> AsyncIterator[str]:
        request = self._request(messages, max_tokens, temperature, stream=True)
        try:
            async with self._http().stream("POST", self.url, json=request) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise self._refused(response.status_code, response.text)
                async for line in response.aiter_lines():
                    if not line.startswith(SSE_DATA):
                        continue  # blank separators, comments, "event:" lines
                    data = line[len(SSE_DATA) :].strip()
                    if data == SSE_DONE:
                        return
                    delta = self._delta(data)
                    if delta:
                        yield delta
        except httpx.HTTPError as error:
            raise self._unreachable(error) from error

    def _delta(self, data: str) -> str | None:
        try:
            chunk = json.loads(data)
        except ValueError:
            raise LanguageModelError(f"{self.url} streamed an event that is not JSON") from None
        if "error" in chunk:
            detail = str(chunk["error"])[:ERROR_DETAIL_CHARS]
            raise LanguageModelError(f"{self.url} reported an error while streaming: {detail}")
        choices = chunk.get("choices") or [{}]
        return (choices[0].get("delta") or {}).get("content")
