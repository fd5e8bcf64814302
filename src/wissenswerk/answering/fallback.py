"""Quotes instead of nothing when the language model cannot answer.

A model server that is down, overloaded or misconfigured should not leave employees without
an answer: if the model fails before it wrote anything, the question is answered
extractively (verbatim quotes, no model) with a note saying why. Once the model has started
writing, its pieces are out (they are never taken back, see ``events``), so a failure after
that is raised as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.base import Answerer, answer_language
from wissenswerk.answering.events import AnswerEvent, final_answer
from wissenswerk.answering.llm.base import ChatMessage, LlmError
from wissenswerk.core.models import Answer

log = logging.getLogger(__name__)

_NOTE = {
    "de": (
        "Das Sprachmodell war nicht erreichbar; die Antwort besteht deshalb aus wörtlichen "
        "Auszügen. Bitte informieren Sie die IT, falls das länger so bleibt."
    ),
    "en": (
        "The language model could not be reached, so this answer consists of verbatim "
        "excerpts. Please tell IT if this persists."
    ),
}


class FallbackAnswerer:
    def __init__(self, primary: Answerer, fallback: Answerer, analyzer: Analyzer) -> None:
        self.primary = primary
        self.fallback = fallback
        self.analyzer = analyzer

    def ask(self, question: str, user_name: str, history: Sequence[ChatMessage] = ()) -> Answer:
        return final_answer(self.stream(question, user_name, history))

    def stream(
        self, question: str, user_name: str, history: Sequence[ChatMessage] = ()
    ) -> Iterator[AnswerEvent]:
        wrote = False
        try:
            for event in self.primary.stream(question, user_name, history):
                wrote = wrote or (event.kind == "delta" and bool(event.text))
                yield event
            return
        except LlmError as exc:
            if wrote:
                raise
            log.warning(
                "The language model failed for a question of %s; answering with quotes instead: %s",
                user_name,
                exc,
            )
        language = answer_language(self.analyzer, question)
        yield AnswerEvent("status", "fallback")
        for event in self.fallback.stream(question, user_name, history):
            if event.kind == "done" and event.answer is not None:
                event.answer.notes.insert(0, _NOTE[language])
            yield event
