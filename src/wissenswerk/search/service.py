"""Hybrid search for one user: resolve principals, pre-filter, retrieve, fuse."""

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
from wissenswerk.search.fusion import rrf
from wissenswerk.search.lexical import LexicalRetriever
from wissenswerk.search.snapshot import SearchSnapshot
from wissenswerk.store.base import ChunkStats, Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SearchResult:
    hits: list[Hit]
    total: int  # readable chunks matching the query lexically
    query_terms: list[str]
    dense_used: bool


class SearchService:
    def __init__(
        self,
        store: Store,
        analyzer: Analyzer,
        embedder: Embedder | None,
        settings: SearchSettings,
    ) -> None:
        self.store = store
        self.analyzer = analyzer
        self.embedder = embedder
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

    def search(self, query: str, user_name: str, limit: int | None = None) -> SearchResult:
        user = self.user(user_name)
        limit = limit or self.settings.default_limit
        stats = self.snapshot.stats()
        readable = self.readable_mask(user, stats)
        terms = self.analyzer.query_terms(query)
        k = max(self.settings.candidates, limit)
        lex_pos, lex_scores, total = self.lexical.search(terms, stats, readable, k)
        rankings = [((lex_pos, lex_scores), self.settings.lexical_weight)]
        dense_used = False
        if self.embedder is not None:
            dense = self.snapshot.dense(self.embedder.key, stats)
            if dense.matrix.size:
                qvec = self.embedder.embed_queries([query])[0]
                rankings.append(
                    (dense_search(dense, qvec, readable, k), self.settings.dense_weight)
                )
                dense_used = True
        fused_pos, fused_scores = (
            rrf(rankings, self.settings.rrf_k) if dense_used else (lex_pos, lex_scores)
        )
        lex_rank = {int(p): r for r, p in enumerate(lex_pos.tolist(), start=1)}
        dense_rank: dict[int, int] = {}
        dense_score: dict[int, float] = {}
        if dense_used:
            (d_pos, d_scores), _ = rankings[1]
            for r, (p, s) in enumerate(zip(d_pos.tolist(), d_scores.tolist(), strict=True), 1):
                dense_rank[int(p)] = r
                dense_score[int(p)] = float(s)
        top_pos = fused_pos[:limit]
        rowids = stats.rowids[top_pos]
        chunks = self.store.get_chunks(rowids.tolist())
        hits = []
        for pos, rowid, score in zip(
            top_pos.tolist(), rowids.tolist(), fused_scores[:limit].tolist(), strict=True
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
                )
            )
        return SearchResult(hits=hits, total=total, query_terms=terms, dense_used=dense_used)
