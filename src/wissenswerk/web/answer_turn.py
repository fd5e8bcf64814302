"""One question answered for a caller of the open interfaces (OpenAI-compatible API, MCP).

``AnswerTurn(ww, who, via).run(question, history)`` yields the answer text as the configured
answerer streams it (``TurnText``), then the result (``TurnResult``): the final answer, its
citations linked to document ids and the tokens used. Both ends are audited as the web app
does it (question.asked, answer.given), marked with ``via`` ("openai-api", "mcp"). The
answerer searches only what the caller may read, so nothing here filters again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wissenswerk.answering.events import AnswerEvent
from wissenswerk.answering.llm.base import ChatMessage, Usage
from wissenswerk.app import Wissenswerk
from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.core.models import Answer, Citation
from wissenswerk.web.activity import document_object
from wissenswerk.web.api.auth import ApiCaller
from wissenswerk.web.conversation_view import CitationLink, Translate, link_citations


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens a language model used for one answer; 0 and 0 for extractive answers, which
    need no model."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @classmethod
    def of(cls, answer: Answer, streamed: Usage | None) -> TokenUsage:
        if streamed is not None:
            return cls(streamed.prompt_tokens, streamed.completion_tokens)
        if answer.usage:
            return cls(
                int(answer.usage.get("tokens_in", 0)), int(answer.usage.get("tokens_out", 0))
            )
        return cls()


@dataclass(frozen=True, slots=True)
class TurnText:
    """The next piece of the answer as the answerer produces it (provisional: see
    answering.events; the result's answer is the checked one)."""

    text: str


@dataclass(frozen=True, slots=True)
class TurnResult:
    answer: Answer
    citations: list[CitationLink]
    usage: TokenUsage


def footnotes(citations: Sequence[CitationLink], t: Translate) -> str:
    """``[1] Technik/Wartung.md, S. 3`` per citation, one per line ("" without citations);
    a source with hidden text gets its flag (`` ⚠ versteckter Text: white text``): the chat
    front-end's reader sees only this text, not the ``sources`` field."""
    return "  \n".join(f"[{c.number}] {c.label(t)}{_flag(c, t)}" for c in citations)


def _flag(citation: CitationLink, t: Translate) -> str:
    if not citation.hidden_text:
        return ""
    return t("doc.hidden_text_suffix", reasons=citation.hidden_text)


def linked(
    ww: Wissenswerk, user_name: str, question: str, citations: Sequence[Citation]
) -> list[CitationLink]:
    """The citations with the ids of their documents (looked up only where the answerer did
    not set them)."""
    if all(c.document_id is not None for c in citations):
        return [
            CitationLink(
                c.number, c.source, c.path, c.member, c.page, c.quote, c.document_id, c.hidden_text
            )
            for c in citations
        ]
    return link_citations(ww.search, user_name, question, citations)


class AnswerTurn:
    def __init__(self, ww: Wissenswerk, who: ApiCaller, via: str) -> None:
        self.ww = ww
        self.who = who
        self.via = via

    def audit(self, kind: str, /, *, object: str | None = None, **details: object) -> None:
        self.ww.audit.record(
            kind,
            self.who.name,
            object=object,
            outcome=Outcome.SUCCESS,
            ip=self.who.ip,
            via=self.via,
            **details,
        )

    def run(
        self, question: str, history: Sequence[ChatMessage] = (), **asked: object
    ) -> Iterator[TurnText | TurnResult]:
        """The answer's text pieces, then its result. ``asked`` adds details to the
        question.asked record (e.g. ``stream=True``)."""
        self.audit(
            Kind.QUESTION_ASKED, object=None, question=question, history=len(history), **asked
        )
        started = time.monotonic()
        final: AnswerEvent | None = None
        for event in self.ww.answerer.stream(question, self.who.name, history):
            if event.kind == "delta" and event.text:
                yield TurnText(event.text)
            elif event.kind == "done":
                final = event
        if final is None or final.answer is None:
            raise WissenswerkError(
                f"The answerer ended without an answer to {question!r}; see the server log."
            )
        answer = final.answer
        citations = linked(self.ww, self.who.name, question, answer.citations)
        usage = TokenUsage.of(answer, final.usage)
        self.audit(
            Kind.ANSWER_GIVEN,
            found=answer.found,
            cited=[document_object(c.source, c.path) for c in citations],
            mode=answer.mode,
            model=answer.model,
            tokens_in=usage.prompt_tokens,
            tokens_out=usage.completion_tokens,
            latency_ms=round((time.monotonic() - started) * 1000),
        )
        yield TurnResult(answer, citations, usage)

    def answer(
        self, question: str, history: Sequence[ChatMessage] = (), **asked: object
    ) -> TurnResult:
        """The result alone (the text pieces are dropped)."""
        for item in self.run(question, history, **asked):
            if isinstance(item, TurnResult):
                return item
        raise AssertionError("AnswerTurn.run always ends with its result")
