"""Which retrieved passages support an answer: shared by the extractive and the generated mode.

Both modes must refuse in the same situations: a question whose words (idf-weighted) are not
in any readable passage, or that no passage is semantically close to, gets "nothing found"
rather than a quote of something loosely related or a model's guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.versions import version_key, version_order
from wissenswerk.config.settings import AnsweringSettings
from wissenswerk.core.models import Hit
from wissenswerk.search.lexical import idf_weights
from wissenswerk.search.service import SearchService

PART_CREDIT = 0.6  # a compound's parts found separately count this much of the word
RETRIEVED = 8  # passages considered per question
_WORDS = re.compile(r"\w(?:[\w.,]*\w)?")
# "wie lang", "wie viele", "how much": the word after the question word asks for the
# answer; it need not appear in the passage.
_QUESTION_WORDS = frozenset({"wie", "how"})

NEWER_VERSION_NOTE = {
    "de": "Hinweis: Es gibt mehrere Fassungen dieses Dokuments; zitiert wird die "
    "neuere Fassung „{new}“, nicht „{old}“.",
    "en": "Note: several versions of this document exist; quoted is the newer "
    "version “{new}”, not “{old}”.",
}


@dataclass(slots=True)
class Evidence:
    """The passages retrieved for a question, and how well each covers it."""

    hits: list[Hit]  # best first; older versions of a document dropped
    coverage: Callable[[str], float]  # share of the question's weighted words in a text
    supports: Callable[[Hit], bool]  # does this passage count as evidence?
    notes: list[str] = field(default_factory=list)  # which older versions were left out

    @property
    def passages(self) -> list[Hit]:
        """The hits that count as evidence, best first."""
        return [hit for hit in self.hits if self.supports(hit)]


class EvidenceFinder:
    def __init__(
        self, search: SearchService, analyzer: Analyzer, settings: AnsweringSettings
    ) -> None:
        self.search = search
        self.analyzer = analyzer
        self.settings = settings

    def find(
        self, question: str, user_name: str, language: str, limit: int = RETRIEVED
    ) -> Evidence:
        """Search as ``user_name`` and judge each passage against ``question``; notes are
        written in ``language`` ("de" or "en")."""
        result = self.search.search(question, user_name, limit=limit)
        if not result.hits:
            return Evidence([], lambda _text: 0.0, lambda _hit: False)
        service = self.search
        stats = service.snapshot.stats()
        weights = idf_weights(
            service.store,
            service.snapshot,
            result.query_terms,
            stats,
            service.readable_mask(service.user(user_name), stats),
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

        def supports(hit: Hit) -> bool:
            return self._is_evidence(hit, coverage(f"{hit.context}\n{hit.text}"))

        hits, notes = prefer_newer_versions(result.hits, NEWER_VERSION_NOTE[language])
        return Evidence(hits, coverage, supports, notes)

    def _is_evidence(self, hit: Hit, chunk_coverage: float) -> bool:
        """Without vectors, the question's words must be there; with them, a very close
        passage counts alone and a close one needs the words too."""
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


def prefer_newer_versions(hits: list[Hit], note: str) -> tuple[list[Hit], list[str]]:
    """Drop hits from older versions of a document that also has a newer version hit;
    ``note`` (with {new} and {old}) says which were dropped."""
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
                    note.format(new=winner.path.rsplit("/", 1)[-1], old=hit.path.rsplit("/", 1)[-1])
                )
            continue
        kept.append(hit)
    return kept, notes
