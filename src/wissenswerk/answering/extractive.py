"""Extractive answers: the best supporting sentences, quoted verbatim and cited.

No language model is involved, so nothing can be invented: every sentence of the answer
is an exact quote from a document the user may read. When the evidence is weak the
answer says so instead of quoting something loosely related. Language-model answers
(a later stage) implement the same ``ask`` contract.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.base import answer_language
from wissenswerk.answering.events import AnswerEvent
from wissenswerk.answering.evidence import EvidenceFinder
from wissenswerk.answering.sanitize import sanitize_markdown
from wissenswerk.chunking.sentences import split_sentences
from wissenswerk.config.settings import AnsweringSettings
from wissenswerk.core.models import Answer, Citation, Hit
from wissenswerk.search.service import SearchService

if TYPE_CHECKING:
    from wissenswerk.answering.llm.base import ChatMessage

MAX_QUOTE_CHARS = 400

_TEXTS = {
    "de": {
        "intro": "Aus den Dokumenten (wörtliche Auszüge, ohne Sprachmodell):",
        "none": (
            "Dazu habe ich in den Dokumenten, die Sie lesen dürfen, keine passende Stelle "
            "gefunden. Versuchen Sie andere Begriffe oder fragen Sie die zuständige Abteilung."
        ),
    },
    "en": {
        "intro": "From the documents (verbatim excerpts, no language model):",
        "none": (
            "I found no passage answering this in the documents you may read. Try other "
            "words or ask the responsible department."
        ),
    },
}


@dataclass(slots=True)
class _Candidate:
    hit: Hit
    sentence: str
    score: float
    coverage: float


def quote_units(text: str) -> list[str]:
    """What can be quoted: table rows as they are, prose split into sentences."""
    units: list[str] = []
    for line in text.split("\n"):
        if " | " in line:
            if ": " in line:  # a rendered row; a bare header line says nothing
                units.append(line.strip())
        else:
            units.extend(split_sentences(line))
    return units


def clip_quote(sentence: str, max_chars: int = MAX_QUOTE_CHARS) -> str:
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[:max_chars]
    return cut[: cut.rfind(" ")] if " " in cut else cut


class ExtractiveAnswerer:
    def __init__(
        self, search: SearchService, analyzer: Analyzer, settings: AnsweringSettings
    ) -> None:
        self.search = search
        self.analyzer = analyzer
        self.settings = settings
        self.evidence = EvidenceFinder(search, analyzer, settings)

    def ask(self, question: str, user_name: str, history: Sequence[ChatMessage] = ()) -> Answer:
        """Quotes answering ``question`` from what ``user_name`` may read. Quotes need no
        conversation context: ``history`` is accepted for the contract all answerers share."""
        lang = answer_language(self.analyzer, question)
        texts = _TEXTS[lang]
        not_found = Answer(answer=texts["none"], found=False)
        evidence = self.evidence.find(question, user_name, lang)
        candidates: list[_Candidate] = []
        for rank, hit in enumerate(evidence.hits):
            if not evidence.supports(hit):
                continue
            rank_bonus = 1.0 / (1.0 + rank)
            for sentence in quote_units(hit.text):
                if len(sentence.split()) < 3:
                    continue
                cov = evidence.coverage(sentence)
                # Sentence coverage decides; the passage's rank breaks ties.
                candidates.append(_Candidate(hit, sentence, cov + 0.35 * rank_bonus, cov))
        if not candidates:
            return not_found
        candidates.sort(key=lambda c: -c.score)
        best = candidates[0].score
        chosen: list[_Candidate] = []
        seen_docs: set[tuple[str, str, str | None]] = set()
        for cand in candidates:
            if len(chosen) >= self.settings.max_citations or cand.score < 0.7 * best:
                break
            doc = (cand.hit.source, cand.hit.path, cand.hit.member)
            if doc in seen_docs and len(chosen) >= 1 and cand.coverage < 0.5:
                continue
            seen_docs.add(doc)
            chosen.append(cand)
        citations = [
            Citation(
                number=i,
                source=c.hit.source,
                path=c.hit.path,
                member=c.hit.member,
                page=c.hit.page,
                quote=clip_quote(c.sentence),
                document_id=c.hit.document_id,
                hidden_text=c.hit.hidden_text,
            )
            for i, c in enumerate(chosen, start=1)
        ]
        lines = [texts["intro"]]
        lines += [f"„{c.quote}“ [{c.number}]" for c in citations]
        lines += evidence.notes
        # Quotes are a document's words: a front-end rendering the answer as Markdown must
        # not fetch an image or follow a link that a document put there.
        text = sanitize_markdown(
            "\n".join(lines), citation_count=len(citations), language=lang
        ).text
        return Answer(answer=text, found=True, citations=citations, notes=evidence.notes)

    def stream(
        self, question: str, user_name: str, history: Sequence[ChatMessage] = ()
    ) -> Iterator[AnswerEvent]:
        """The same answer as ``ask`` as events: one delta per line."""
        yield AnswerEvent("status", "searching")
        answer = self.ask(question, user_name)
        lines = answer.answer.split("\n")
        for i, line in enumerate(lines):
            yield AnswerEvent("delta", line + ("\n" if i < len(lines) - 1 else ""))
        yield AnswerEvent("citations", citations=answer.citations)
        yield AnswerEvent("done", answer=answer)
