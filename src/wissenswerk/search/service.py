"""Hybrid search for one user: resolve principals, pre-filter, retrieve, fuse.

Default fusion (bench/research/RESULTS.md): 0.3 x z-score(BM25, k1 0.9) + 0.7 x z-score(e5), each
normalised per query over its top candidates. Optionally the lexical weight shrinks when
the question's language differs from the language of the passages the dense retriever finds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from wissenswerk.analysis import Analyzer
from wissenswerk.config.settings import SearchSettings
from wissenswerk.core.acl import principals_of
from wissenswerk.core.errors import PermissionDeniedError, UnknownUserError
from wissenswerk.core.models import Hit, User
from wissenswerk.embeddings.base import Embedder
from wissenswerk.search.dense import dense_search
from wissenswerk.search.fusion import Ranking, convex_z, rrf
from wissenswerk.search.lexical import LexicalRetriever
from wissenswerk.search.snapshot import SearchSnapshot
from wissenswerk.store.base import ChunkStats, Store, language_code

log = logging.getLogger(__name__)

# How many of the best dense passages decide whether the question's language matches.
LANGUAGE_PROBE = 20


@dataclass(slots=True)
class SearchResult:
    hits: list[Hit]
    total: int  # readable chunks matching the query lexically
    query_terms: list[str]
    dense_used: bool


@dataclass(frozen=True, slots=True)
class DenseRetriever:
    embedder: Embedder
    weight: float


class SearchService:
    def __init__(
        self,
        store: Store,
        analyzer: Analyzer,
        dense: list[DenseRetriever],
        settings: SearchSettings,
    ) -> None:
        self.store = store
        self.analyzer = analyzer
        self.dense = dense
        self.settings = settings
        self.snapshot = SearchSnapshot(store)
        self.lexical = LexicalRetriever(store, self.snapshot, settings.bm25_k1, settings.bm25_b)

    def user(self, name: str) -> User:
        user = self.store.get_user(name)
        if user is None:
            raise UnknownUserError(name)
        if not user.active:
            raise PermissionDeniedError(
                f"User {name!r} is deactivated; an administrator can reactivate the account."
            )
        return user

    def readable_mask(self, user: User, stats: ChunkStats) -> np.ndarray:
        classes = self.store.readable_classes(principals_of(user.name, user.groups))
        return np.isin(stats.acl_classes, np.asarray(classes, dtype=np.int32))

    def _lexical_weight(self, query: str, stats: ChunkStats, dense_top: np.ndarray) -> float:
        weight = self.settings.lexical_weight
        if not self.settings.adaptive_lexical_weight or len(dense_top) == 0:
            return weight
        probe = stats.languages[dense_top[:LANGUAGE_PROBE]]
        same = float(np.mean(probe == language_code(self.analyzer.detect_language(query))))
        return weight * same

    def search(
        self,
        query: str,
        user_name: str,
        limit: int | None = None,
        candidates: int | None = None,
    ) -> SearchResult:
        """Up to ``limit`` readable passages, best first. ``candidates`` (default: the
        setting, at least ``limit``) is how many each retriever contributes to the fusion."""
        user = self.user(user_name)
        limit = limit or self.settings.default_limit
        stats = self.snapshot.stats()
        readable = self.readable_mask(user, stats)
        terms = self.analyzer.query_terms(query)
        k = candidates or max(self.settings.candidates, limit)
        lex_pos, lex_scores, total = self.lexical.search(terms, stats, readable, k)
        lexical: Ranking = (lex_pos, lex_scores)
        dense_rankings: list[tuple[Ranking, float]] = []
        for retriever in self.dense:
            matrix = self.snapshot.dense(retriever.embedder.key, stats)
            if matrix.matrix.size == 0:
                continue  # no vectors yet (embedding still catching up): lexical carries
            qvec = retriever.embedder.embed_queries([query])[0]
            dense_rankings.append((dense_search(matrix, qvec, readable, k), retriever.weight))
        if dense_rankings:
            first_dense = dense_rankings[0][0][0]
            weight = self._lexical_weight(query, stats, first_dense)
            rankings = [(lexical, weight), *dense_rankings]
            if self.settings.fusion == "rrf":
                fused = rrf(rankings, self.settings.rrf_k)
            else:
                fused = convex_z(rankings, depth=min(k, int(readable.sum())))
        else:
            fused = lexical
        return SearchResult(
            hits=self._hits(stats, fused, lexical, dense_rankings, limit),
            total=total,
            query_terms=terms,
            dense_used=bool(dense_rankings),
        )

    def _hits(
        self,
        stats: ChunkStats,
        fused: Ranking,
        lexical: Ranking,
        dense_rankings: list[tuple[Ranking, float]],
        limit: int,
    ) -> list[Hit]:
        lex_rank = {int(p): r for r, p in enumerate(lexical[0].tolist(), start=1)}
        dense_rank: dict[int, int] = {}
        dense_score: dict[int, float] = {}
        if dense_rankings:
            (d_pos, d_scores), _ = dense_rankings[0]
            for r, (p, s) in enumerate(zip(d_pos.tolist(), d_scores.tolist(), strict=True), 1):
                dense_rank[int(p)] = r
                dense_score[int(p)] = float(s)
        top_pos, top_scores = fused[0][:limit], fused[1][:limit]
        rowids = stats.rowids[top_pos]
        chunks = self.store.get_chunks(rowids.tolist())
        hits = []
        for pos, rowid, score in zip(
            top_pos.tolist(), rowids.tolist(), top_scores.tolist(), strict=True
        ):
            chunk = chunks.get(rowid)
            if chunk is None:  # deleted since the snapshot; skip rather than fail
                continue
            hits.append(
                Hit(
                    chunk_rowid=rowid,
                    score=float(score),
                    source=chunk.source,
                    path=chunk.path,
                    member=chunk.member,
                    page=chunk.page,
                    text=chunk.text,
                    context=chunk.context,
                    title=chunk.title,
                    modified=chunk.modified,
                    document_id=chunk.document_id,
                    lexical_rank=lex_rank.get(pos),
                    dense_rank=dense_rank.get(pos),
                    dense_score=dense_score.get(pos),
                    hidden_text=chunk.hidden_text,
                )
            )
        return hits
