"""Generated answers, grounded in the passages the asking user may read.

The flow of one question:

1. A follow-up in a conversation is rewritten into a standalone query (``followup``).
2. Retrieval runs as the user; the same evidence test as the extractive mode decides whether
   any passage supports an answer. If none does, the answer says so and no model is called.
3. The model gets the supporting passages, numbered and datamarked (``prompt``), and no
   tools: it can only write text, never fetch a URL or act.
4. Its text streams out in pieces that are checked before they leave (``checked_stream``):
   citation markers checked against the passages and renumbered (``citations``), Markdown
   sanitised (no images, no links except citations and allowed hosts). The answer is the
   pieces joined, so what was streamed never has to be taken back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.base import answer_language
from wissenswerk.answering.checked_stream import CheckedStream, CheckedText
from wissenswerk.answering.citations import CitationCheck, statements
from wissenswerk.answering.events import AnswerEvent, final_answer
from wissenswerk.answering.evidence import EvidenceFinder
from wissenswerk.answering.extractive import clip_quote, quote_units
from wissenswerk.answering.followup import (
    REWRITE_MAX_TOKENS,
    clean_rewrite,
    concatenated_query,
    rewrite_messages,
)
from wissenswerk.answering.llm.base import ChatMessage, ChatModel, LlmError, Usage, prompt_tokens
from wissenswerk.answering.prompt import Prompt, build_prompt, unmark
from wissenswerk.config.settings import AnsweringSettings, LlmSettings
from wissenswerk.core.models import Answer, Citation, Hit
from wissenswerk.search.service import SearchService

log = logging.getLogger(__name__)

MAX_SOURCES = 6  # passages put into the prompt at most (fewer when the context is small)

_TEXTS = {
    "de": {
        "none": (
            "Dazu habe ich in den Dokumenten, die Sie lesen dürfen, keine Stelle gefunden, die "
            "eine Antwort stützt. Versuchen Sie andere Begriffe oder fragen Sie die zuständige "
            "Abteilung."
        ),
        "invalid": "Quellenangabe [{n}] entfernt: Eine solche Quelle gab es nicht.",
        "unsupported": "Prüfen: Quelle [{n}] enthält die Wörter der Aussage „{s}“ kaum.",
        "uncited": "Prüfen: {k} Aussage(n) ohne Quellenangabe.",
        "no_citation": "Die Antwort nennt keine gültige Quelle; bitte mit Vorsicht lesen.",
        "sanitized": "{k} Link(s) oder Bild(er) aus der Antwort entfernt.",
    },
    "en": {
        "none": (
            "I found nothing in the documents you may read that supports an answer. Try other "
            "words or ask the responsible department."
        ),
        "invalid": "Citation [{n}] removed: there was no such source.",
        "unsupported": "Check: source [{n}] hardly contains the words of “{s}”.",
        "uncited": "Check: {k} statement(s) without a source.",
        "no_citation": "The answer cites no valid source; read it with caution.",
        "sanitized": "{k} link(s) or image(s) removed from the answer.",
    },
}


@dataclass(frozen=True, slots=True)
class Trace:
    """What happened inside one generated answer, for tests and benchmarks."""

    prompt: Prompt  # the exact messages the model got, and which passage is which number
    raw: str  # the model's text as it came (markers turned back into spaces)
    check: CitationCheck  # the citation check of that text


@dataclass(slots=True)
class _Tally:
    """Tokens and time over all model calls of one answer."""

    tokens_in: int = 0
    tokens_out: int = 0
    started: float = 0.0
    estimated: bool = False  # some call reported no usage; counted on our side

    def add(
        self, usage: Usage | None, prompt: Sequence[ChatMessage], output: str, model: ChatModel
    ) -> None:
        if usage is None:  # a backend that reports nothing: count on our side
            usage = Usage(prompt_tokens(model, prompt), model.count_tokens(output), estimated=True)
        self.tokens_in += usage.prompt_tokens
        self.tokens_out += usage.completion_tokens
        self.estimated = self.estimated or usage.estimated

    def usage(self) -> Usage:
        return Usage(self.tokens_in, self.tokens_out, estimated=self.estimated)

    def record(self) -> dict[str, int | float]:
        latency = round((time.monotonic() - self.started) * 1000, 1)
        record: dict[str, int | float] = {
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "latency_ms": latency,
        }
        if self.estimated:
            record["estimated"] = 1
        return record


class GroundedAnswerer:
    """Answers written by ``model`` from the passages ``search`` finds for the user.

    ``datamarking`` is on in every real use; the injection benchmark turns it off to show
    what it is worth. ``trace``, if given, is called with each generated answer's prompt, raw
    text and citation check (tests and benchmarks look inside with it).
    """

    def __init__(
        self,
        search: SearchService,
        analyzer: Analyzer,
        model: ChatModel,
        settings: LlmSettings,
        answering: AnsweringSettings,
        *,
        datamarking: bool = True,
        trace: Callable[[Trace], None] | None = None,
    ) -> None:
        self.search = search
        self.analyzer = analyzer
        self.model = model
        self.settings = settings
        self.answering = answering
        self.datamarking = datamarking
        self.trace = trace
        self.evidence = EvidenceFinder(search, analyzer, answering)

    def ask(self, question: str, user_name: str, history: Sequence[ChatMessage] = ()) -> Answer:
        return final_answer(self.stream(question, user_name, history))

    def stream(
        self, question: str, user_name: str, history: Sequence[ChatMessage] = ()
    ) -> Iterator[AnswerEvent]:
        tally = _Tally(started=time.monotonic())
        previous = [m.content for m in history if m.role == "user"]
        # A short follow-up ("Und 2024?") says little about its language; its context does.
        language = answer_language(self.analyzer, " ".join([*previous[-1:], question]))
        query = question
        if previous:
            yield AnswerEvent("status", "rewriting")
            query = self.standalone_query(question, history, language, tally)
        yield AnswerEvent("status", "searching")
        evidence = self.evidence.find(query, user_name, language)
        passages = evidence.passages[:MAX_SOURCES]
        if not passages:
            answer = Answer(answer=_TEXTS[language]["none"], found=False, mode="generated")
            spent = tally.usage() if tally.tokens_in else None  # only a rewrite costs tokens
            if spent is not None:
                answer.model, answer.usage = self.model.name, tally.record()
            yield AnswerEvent("delta", answer.answer)
            yield AnswerEvent("done", answer=answer, usage=spent)
            return
        prompt = self.prompt(query, passages, language)
        yield AnswerEvent("status", "generating")
        checked = CheckedStream(
            [h.text for h in prompt.passages],
            self.analyzer,
            allowed_hosts=self.settings.allowed_link_hosts,
            language=language,
        )
        parts: list[str] = []
        usage: Usage | None = None
        for chunk in self.model.stream(
            prompt.messages,
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature,
        ):
            if chunk.text:
                parts.append(chunk.text)
                for piece in checked.feed(unmark(chunk.text)):
                    yield AnswerEvent("delta", piece)
            if chunk.usage is not None:
                usage = chunk.usage
        for piece in checked.flush():
            yield AnswerEvent("delta", piece)
        raw = "".join(parts)
        tally.add(usage, prompt.messages, raw, self.model)
        result = checked.result()
        if self.trace is not None:
            self.trace(Trace(prompt, unmark(raw).strip(), result.check))
        answer = self.finish(result, prompt, language, evidence.notes)
        answer.model, answer.usage = self.model.name, tally.record()
        yield AnswerEvent("citations", citations=answer.citations)
        yield AnswerEvent("done", answer=answer, usage=tally.usage())

    # ------------------------------------------------------------------ the steps --

    def standalone_query(
        self,
        question: str,
        history: Sequence[ChatMessage],
        language: str,
        tally: _Tally | None = None,
    ) -> str:
        """``question`` rewritten to stand alone; the concatenation if the model fails."""
        messages = rewrite_messages(question, history, language)
        try:
            parts, usage = [], None
            for chunk in self.model.stream(
                messages, max_tokens=REWRITE_MAX_TOKENS, temperature=0.0, stop=["\n"]
            ):
                parts.append(chunk.text)
                usage = chunk.usage or usage
        except LlmError as exc:
            log.warning(
                "Rewriting the follow-up %r failed; searching with the previous question and it "
                "joined: %s",
                question,
                exc,
            )
            return concatenated_query(question, history)
        output = "".join(parts)
        if tally is not None:
            tally.add(usage, messages, output, self.model)
        rewritten = clean_rewrite(output, question, history)
        return rewritten if rewritten is not None else concatenated_query(question, history)

    def prompt(self, question: str, passages: Sequence[Hit], language: str) -> Prompt:
        # Room for the answer, and a margin for the chat template's own tokens.
        budget = self.model.context_size - self.settings.max_tokens - 64
        return build_prompt(
            question,
            passages,
            language,
            count_tokens=self.model.count_tokens,
            budget=budget,
            marked=self.datamarking,
        )

    def finish(
        self, checked: CheckedText, prompt: Prompt, language: str, notes: Sequence[str] = ()
    ) -> Answer:
        """The checked answer as the user gets it, with its citations and what to check."""
        texts = _TEXTS[language]
        check = checked.check
        flags = [texts["invalid"].format(n=n) for n in check.invalid]
        flags += [texts["unsupported"].format(n=n, s=_short(s)) for n, s in check.unsupported]
        if check.uncited:
            flags.append(texts["uncited"].format(k=len(check.uncited)))
        if not check.cited:
            flags.append(texts["no_citation"])
        if checked.removed:
            flags.append(texts["sanitized"].format(k=len(checked.removed)))
        return Answer(
            answer=checked.text,
            found=bool(check.cited),
            citations=self._citations(check, prompt.passages),
            mode="generated",
            notes=[*notes, *flags],
        )

    def _citations(self, check: CitationCheck, passages: Sequence[Hit]) -> list[Citation]:
        """One citation per cited passage, quoting the sentence of it that best matches the
        statements citing it."""
        citing: dict[int, list[str]] = {}
        for st in statements(check.text):
            for n in st.numbers:
                citing.setdefault(n, []).append(st.text)
        citations = []
        for number, old in enumerate(check.cited, start=1):
            hit = passages[old - 1]
            wanted = set(self.analyzer.query_terms(" ".join(citing.get(number, []))))
            units = quote_units(hit.text) or [hit.text]
            best = max(units, key=lambda u: len(wanted & set(self.analyzer.query_terms(u))))
            citations.append(
                Citation(
                    number=number,
                    source=hit.source,
                    path=hit.path,
                    member=hit.member,
                    page=hit.page,
                    quote=clip_quote(best),
                    document_id=hit.document_id,
                    hidden_text=hit.hidden_text,
                )
            )
        return citations


def _short(statement: str, limit: int = 80) -> str:
    return statement if len(statement) <= limit else statement[:limit].rsplit(" ", 1)[0] + " …"
