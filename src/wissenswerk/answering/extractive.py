"""Extractive answers: the best supporting sentences, quoted verbatim and cited.

No language model is involved, so nothing can be invented: every sentence of the answer
is an exact quote from a document the user may read. When the evidence is weak the
answer says so instead of quoting something loosely related. Language-model answers
(a later stage) implement the same ``ask`` contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.versions import version_key, version_order
from wissenswerk.chunking.sentences import split_sentences
from wissenswerk.config.settings import AnsweringSettings
from wissenswerk.core.models import Answer, Citation, Hit
from wissenswerk.search.lexical import idf_weights
from wissenswerk.search.service import SearchService

MAX_QUOTE_CHARS = 400
PART_CREDIT = 0.6  # a compound's parts found separately count this much of the word
_WORDS = re.compile(r"\w(?:[\w.,]*\w)?")
# "wie lang", "wie viele", "how much": the word after the question word asks for the
# answer; it need not appear in the passage.
_QUESTION_WORDS = frozenset({"wie", "how"})

_TEXTS = {
    "de": {
        "intro": "Aus den Dokumenten (wörtliche Auszüge, ohne Sprachmodell):",
        "none": (
            "Dazu habe ich in den Dokumenten, die Sie lesen dürfen, keine passende Stelle "
            "gefunden. Versuchen Sie andere Begriffe oder fragen Sie die zuständige Abteilung."
        ),
        "newer": "Hinweis: Es gibt mehrere Fassungen dieses Dokuments; zitiert wird die "
        "neuere Fassung „{new}“, nicht „{old}“.",
    },
    "en": {
        "intro": "From the documents (verbatim excerpts, no language model):",
        "none": (
            "I found no passage answering this in the documents you may read. Try other "
            "words or ask the responsible department."
        ),
        "newer": "Note: several versions of this document exist; quoted is the newer "
        "version “{new}”, not “{old}”.",
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


def _quote(sentence: str, max_chars: int = MAX_QUOTE_CHARS) -> str:
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

    def ask(self, question: str, user_name: str) -> Answer:
        lang = "de" if self.analyzer.detect_language(question) != "en" else "en"
        texts = _TEXTS[lang]
        result = self.search.search(question, user_name, limit=8)
        not_found = Answer(answer=texts["none"], found=False)
        if not result.hits:
            return not_found
        service = self.search
        user = service.user(user_name)
        stats = service.snapshot.stats()
        weights = idf_weights(
            service.store,
            service.snapshot,
            result.query_terms,
            stats,
            service.readable_mask(user, stats),
        )
        groups = self._word_groups(question)
        group_weights = [max(weights.get(t, 0.0) for t in g) for g in groups]
        total_weight = sum(group_weights)

        def coverage(text: str) -> float:
            """Share of the question's words (idf-weighted) found in text; a word counts
            fully when all its terms (whole compound and parts, hyphen parts) are there,
            partly otherwise ("HX-100" is not "HX-200")."""
            if total_weight <= 0:
                return 0.0
            present = set(self.analyzer.index_terms(text))
            got = 0.0
            for group, weight in zip(groups, group_weights, strict=True):
                found = sum(t in present for t in group)
                if found == len(group):
                    got += weight
                else:
                    got += weight * PART_CREDIT * found / len(group)
            return got / total_weight

        hits, notes = self._prefer_newer_versions(result.hits, texts)
        candidates: list[_Candidate] = []
        for rank, hit in enumerate(hits):
            if not self._is_evidence(hit, coverage(f"{hit.context}\n{hit.text}")):
                continue
            rank_bonus = 1.0 / (1.0 + rank)
            for sentence in quote_units(hit.text):
                if len(sentence.split()) < 3:
                    continue
                cov = coverage(sentence)
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
                quote=_quote(c.sentence),
                document_id=c.hit.document_id,
            )
            for i, c in enumerate(chosen, start=1)
        ]
        lines = [texts["intro"]]
        lines += [f"„{c.quote}“ [{c.number}]" for c in citations]
        lines += notes
        return Answer(answer="\n".join(lines), found=True, citations=citations, notes=notes)

    def _is_evidence(self, hit: Hit, chunk_coverage: float) -> bool:
        """Enough to quote? Without vectors, the question's words must be there; with them,
        a very close passage counts alone and a close one needs the words too."""
        s = self.settings
        if hit.dense_score is None:
            return chunk_coverage >= s.min_coverage
        if hit.dense_score >= s.min_dense_similarity:
            return True
        return chunk_coverage >= s.min_coverage and hit.dense_score >= s.min_dense_with_terms

    def _word_groups(self, question: str) -> list[tuple[str, ...]]:
        """Per word of the question: its whole term first, then compound parts."""
        groups: dict[tuple[str, ...], None] = {}
        words = _WORDS.findall(question)
        for i, word in enumerate(words):
            if i > 0 and words[i - 1].lower() in _QUESTION_WORDS:
                continue
            terms = tuple(self.analyzer.query_terms(word))
            if terms:
                groups.setdefault(terms, None)
        return list(groups)

    def _prefer_newer_versions(
        self, hits: list[Hit], texts: dict[str, str]
    ) -> tuple[list[Hit], list[str]]:
        """Drop hits from older versions of a document that also has a newer version hit."""
        newest: dict[tuple[str, str], Hit] = {}
        for hit in hits:
            key = (hit.source, version_key(hit.path))
            if not key[1]:
                continue
            current = newest.get(key)
            if current is None or version_order(hit.path, hit.modified) > version_order(
                current.path, current.modified
            ):
                newest[key] = hit
        kept, notes, dropped = [], [], set()
        for hit in hits:
            winner = newest.get((hit.source, version_key(hit.path)))
            if winner is not None and winner.path != hit.path:
                if hit.path not in dropped:
                    dropped.add(hit.path)
                    notes.append(
                        texts["newer"].format(
                            new=winner.path.rsplit("/", 1)[-1], old=hit.path.rsplit("/", 1)[-1]
                        )
                    )
                continue
            kept.append(hit)
        return kept, notes
