"""The OpenAI-compatible backend against a real llama.cpp server on loopback
(tests/servers/llama_server.py), through the real ``openai`` client, and against sockets that
misbehave on purpose (silent, stalling) for the timeout paths."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.servers.llama_server import LlamaServer
from tests.servers.ports import free_port
from wissenswerk.answering.llm.base import (
    ChatChunk,
    ChatMessage,
    ContextOverflowError,
    LlmError,
    LlmTimeoutError,
    LlmUnavailableError,
    UnknownModelError,
    collect,
)
from wissenswerk.answering.llm.openai_compatible import OpenAICompatibleChatModel

pytestmark = pytest.mark.slow  # a model server subprocess

QUESTION = [
    ChatMessage("system", "Du bist ein hilfreicher Assistent. Antworte auf Deutsch."),
    ChatMessage("user", "Erkläre in zwei Sätzen, wozu eine Urlaubsregelung in einer Firma dient."),
]


@pytest.fixture
def model(llama_server: LlamaServer) -> Iterator[OpenAICompatibleChatModel]:
    chat = OpenAICompatibleChatModel(
        llama_server.url,
        llama_server.model,
        context_size=llama_server.context_size,
        timeout_s=60,
        max_retries=0,
    )
    yield chat
    chat.close()


def _warm(model: OpenAICompatibleChatModel, messages: list[ChatMessage]) -> None:
    # The server reuses the cached prompt prefix. After one request with the same prompt every
    # following one takes the same (cached) path, so greedy decoding repeats token for token.
    model.complete(messages, max_tokens=1, temperature=0)


def test_streaming_and_whole_answers_agree_and_report_usage(
    model: OpenAICompatibleChatModel,
) -> None:
    _warm(model, QUESTION)
    whole = model.complete(QUESTION, max_tokens=16, temperature=0)
    assert whole.text.strip()
    assert whole.usage is not None and not whole.usage.estimated  # the server's own numbers
    assert whole.usage.prompt_tokens > 20
    assert 1 <= whole.usage.completion_tokens <= 16

    chunks = list(model.stream(QUESTION, max_tokens=16, temperature=0))
    pieces, final = chunks[:-1], chunks[-1]
    assert len(pieces) >= 2 and all(c.text and c.usage is None for c in pieces)
    assert final.text == "" and final.usage is not None
    assert "".join(c.text for c in pieces) == whole.text
    assert final.finish_reason == whole.finish_reason
    assert final.usage.completion_tokens == whole.usage.completion_tokens
    if final.usage.estimated:  # this server sends no usage when streaming: counted here
        assert final.usage.completion_tokens == len(pieces)
        # the length-based prompt estimate errs on the safe side
        assert final.usage.prompt_tokens >= whole.usage.prompt_tokens
    else:
        assert final.usage.prompt_tokens == whole.usage.prompt_tokens


def test_max_tokens_cuts_the_answer(model: OpenAICompatibleChatModel) -> None:
    answer = collect(model.stream(QUESTION, max_tokens=3, temperature=0))
    assert answer.finish_reason == "length"
    assert answer.usage is not None and answer.usage.completion_tokens == 3


def test_stop_sequence_ends_the_answer_before_it(model: OpenAICompatibleChatModel) -> None:
    _warm(model, QUESTION)
    free = model.complete(QUESTION, max_tokens=24, temperature=0).text
    words = [w for w in free.split()[2:] if len(w) >= 3]
    assert words, f"the model's answer is too short to pick a stop word: {free!r}"
    stop = words[0]
    cut = collect(model.stream(QUESTION, max_tokens=24, temperature=0, stop=[stop]))
    assert cut.text == free[: free.index(stop)]
    assert stop not in cut.text
    assert cut.finish_reason == "stop"


def test_a_stream_closed_early_leaves_the_server_usable(model: OpenAICompatibleChatModel) -> None:
    stream = model.stream(QUESTION, max_tokens=200, temperature=0)
    first = next(stream)
    assert first.text
    stream.close()  # what a web client's disconnect does
    again = model.complete(QUESTION, max_tokens=2, temperature=0)
    assert again.usage is not None and again.usage.completion_tokens >= 1


def test_a_model_the_server_does_not_offer_is_a_clear_error(llama_server: LlamaServer) -> None:
    chat = OpenAICompatibleChatModel(llama_server.url, "gpt-4o", max_retries=0)
    with pytest.raises(UnknownModelError) as caught:
        chat.stream(QUESTION, max_tokens=4, temperature=0)
    message = str(caught.value)
    assert "'gpt-4o'" in message and "smollm2" in message and "llm.model" in message
    chat.close()


def test_an_unreachable_server_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    chat = OpenAICompatibleChatModel(url, "smollm2", timeout_s=5, max_retries=0)
    with pytest.raises(LlmUnavailableError) as caught:
        chat.stream(QUESTION, max_tokens=4, temperature=0)
    message = str(caught.value)
    assert url in message and "Cannot reach" in message and "llm.url" in message
    chat.close()


def test_context_overflow_is_detected_before_anything_is_sent() -> None:
    # Nothing listens at this URL: had the backend sent anything, it would have failed with
    # LlmUnavailableError instead.
    chat = OpenAICompatibleChatModel(
        f"http://127.0.0.1:{free_port()}/v1", "smollm2", context_size=2048, max_retries=0
    )
    long = [ChatMessage("user", "Bitte fasse zusammen: " + "Urlaubsantrag " * 400)]
    with pytest.raises(ContextOverflowError) as caught:
        chat.stream(long, max_tokens=256, temperature=0)
    error = caught.value
    assert error.context_size == 2048 and error.max_tokens == 256
    assert error.prompt_tokens > 2048 - 256
    assert "llm.context_size" in str(error) and "llm.max_tokens" in str(error)
    # A prompt that fits passes the check and only then meets the missing server.
    with pytest.raises(LlmUnavailableError):
        chat.stream([ChatMessage("user", "Hallo")], max_tokens=256, temperature=0)
    chat.close()


def test_the_servers_own_context_limit_is_an_error_too(
    llama_server: LlamaServer,
) -> None:
    # Configured larger than the server's real 2048 tokens, so only the server notices.
    chat = OpenAICompatibleChatModel(
        llama_server.url, llama_server.model, context_size=100_000, max_retries=0
    )
    long = [ChatMessage("user", "Urlaubsantrag " * 1500)]
    with pytest.raises(ContextOverflowError) as caught:  # the server's 400, translated
        chat.complete(long, max_tokens=16, temperature=0)
    assert caught.value.context_size == 100_000
    # Streaming, this server answers 200 and ends the stream empty: an error, not "".
    with pytest.raises(LlmError) as broken:
        collect(chat.stream(long, max_tokens=16, temperature=0))
    assert "without saying why" in str(broken.value) and "llm.context_size" in str(broken.value)
    chat.close()


def test_a_silent_server_times_out_with_a_clear_error() -> None:
    # The kernel accepts connections on a listening socket; nobody ever answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        chat = OpenAICompatibleChatModel(url, "smollm2", timeout_s=0.5, max_retries=0)
        started = time.monotonic()
        with pytest.raises(LlmTimeoutError) as caught:
            chat.stream(QUESTION, max_tokens=4, temperature=0)
        assert time.monotonic() - started < 5
        assert "0.5 s" in str(caught.value) and "llm.timeout_s" in str(caught.value)
        chat.close()


class _ScriptedServer(ThreadingHTTPServer):
    """A minimal OpenAI-style server that misbehaves on purpose. It lists one model; a chat
    request gets one streamed piece, then either silence ("stall") or the end of a proper
    stream ("strict": but requests carrying stream_options are refused with 422, as strict
    validating servers do)."""

    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.mode = mode
        self.release = threading.Event()
        self.bodies: list[dict[str, object]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


@contextmanager
def _scripted(mode: str) -> Iterator[_ScriptedServer]:
    server = _ScriptedServer(mode)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def _sse(content: str | None, finish_reason: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    piece = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "smollm2",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(piece)}\n\n".encode()


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: _ScriptedServer

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "smollm2", "object": "model"}]})
        self._send(200, body.encode(), "application/json")

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(request)
        if self.server.mode == "strict" and "stream_options" in request:
            detail = {"detail": [{"loc": ["body", "stream_options"], "msg": "extra field"}]}
            self._send(422, json.dumps(detail).encode(), "application/json")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(_sse("Hallo"))
        self.wfile.flush()
        if self.server.mode == "stall":
            self.server.release.wait(10)
            return
        self.wfile.write(_sse(" Welt") + _sse(None, "stop") + b"data: [DONE]\n\n")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_server_that_stops_sending_mid_answer_times_out() -> None:
    with _scripted("stall") as server:
        chat = OpenAICompatibleChatModel(server.url, "smollm2", timeout_s=0.5, max_retries=0)
        received: list[ChatChunk] = []
        with pytest.raises(LlmTimeoutError):
            for chunk in chat.stream(QUESTION, max_tokens=50, temperature=0):
                received.append(chunk)
        assert [c.text for c in received] == ["Hallo"]
        chat.close()


def test_a_strict_server_that_refuses_stream_options_still_streams() -> None:
    with _scripted("strict") as server:
        chat = OpenAICompatibleChatModel(server.url, "smollm2", timeout_s=5, max_retries=0)
        for _ in range(2):
            answer = collect(chat.stream(QUESTION, max_tokens=8, temperature=0))
            assert answer.text == "Hallo Welt" and answer.finish_reason == "stop"
            assert answer.usage is not None and answer.usage.estimated
            assert answer.usage.completion_tokens == 2
        # Refused once, then no longer sent.
        assert ["stream_options" in b for b in server.bodies] == [True, False, False]
        chat.close()
