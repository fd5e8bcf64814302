"""The contract every answerer keeps: extractive quotes and generated answers alike."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.events import AnswerEvent
from wissenswerk.answering.llm.base import ChatMessage
from wissenswerk.core.models import Answer


class Answerer(Protocol):
    def ask(self, question: str, user_name: str, history: Sequence[ChatMessage] = ()) -> Answer:
        """The answer to ``question`` from what ``user_name`` may read; ``history`` is the
        conversation so far (earlier questions and answers, oldest first)."""
        ...

    def stream(
        self, question: str, user_name: str, history: Sequence[ChatMessage] = ()
    ) -> Iterator[AnswerEvent]:
        """The same answer as events: status, deltas, citations, and done with the Answer."""
        ...


def answer_language(analyzer: Analyzer, text: str) -> str:
    """The language an answer to ``text`` is written in: English if it is English, German
    otherwise (the texts of our answers exist in these two)."""
    return "en" if analyzer.detect_language(text) == "en" else "de"
