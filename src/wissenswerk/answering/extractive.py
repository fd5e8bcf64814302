"""Extractive answers: the best supporting sentences, quoted verbatim and cited.

No language model is involved, so nothing can be invented: every sentence of the answer
is an exact quote from a document the user may read. When the evidence is weak the
answer says so instead of quoting something loosely related. Language-model answers
(a later stage) implement the same ``ask`` contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.versions import version_key, version_order
from wissenswerk.chunking.sentences import split_sentences
from wissenswerk.config.settings import AnsweringSettings
from wissenswerk.core.models import Answer, Citation, Hit
from wissenswerk.search.lexical import idf_weights
from wissenswerk.search.service import SearchService

MAX_QUOTE_CHARS = 400

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
        total_weight = sum(weights.values())

        def coverage(text: str) -> float:
            if total_weight <= 0:
                return 0.0
            present = set(self.analyzer.index_terms(text))
            return sum(w for t, w in weights.items() if t in present) / total_weight

        hits, notes = self._prefer_newer_versions(result.hits, texts)
        candidates: list[_Candidate] = []
        for rank, hit in enumerate(hits):
            chunk_cov = coverage(f"{hit.context}\n{hit.text}")
            dense_ok = (hit.dense_score or 0.0) >= self.settings.min_dense_similarity
            if chunk_cov < self.settings.min_coverage and not dense_ok:
                continue
            rank_bonus = 1.0 / (1.0 + rank)
            for sentence in split_sentences(hit.text):
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
            )
            for i, c in enumerate(chosen, start=1)
        ]
        lines = [texts["intro"]]
        lines += [f"„{c.quote}“ [{c.number}]" for c in citations]
        lines += notes
        return Answer(answer="\n".join(lines), found=True, citations=citations, notes=notes)

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
