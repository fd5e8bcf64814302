"""BM25 over the chunks one user may read.

Document frequencies, the number of documents and the average length are computed over
the readable chunks only: a user's scores never reveal what is in documents they cannot
open (global statistics would leak term counts of restricted files).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from wissenswerk.search.snapshot import SearchSnapshot
from wissenswerk.store.base import ChunkStats, Store


class LexicalRetriever:
    def __init__(self, store: Store, snapshot: SearchSnapshot, k1: float = 1.2, b: float = 0.75):
        self.store = store
        self.snapshot = snapshot
        self.k1 = k1
        self.b = b

    def search(
        self, terms: Sequence[str], stats: ChunkStats, readable: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Top-k (positions into stats, scores) and the number of readable matching chunks.

        ``readable`` is a boolean mask over the stats arrays."""
        n_docs = int(readable.sum())
        if n_docs == 0 or not terms:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32), 0
        avgdl = float(stats.lengths[readable].mean()) or 1.0
        scores = np.zeros(len(stats.rowids), dtype=np.float32)
        matched = np.zeros(len(stats.rowids), dtype=bool)
        for term, qtf in Counter(terms).items():
            ids, tfs = self.store.postings(term)
            if len(ids) == 0:
                continue
            pos, ok = self.snapshot.positions(stats, ids)
            ok &= readable[pos]
            df = int(ok.sum())
            if df == 0:
                continue
            pos, tf = pos[ok], tfs[ok]
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            dl = stats.lengths[pos].astype(np.float32)
            norm = tf + self.k1 * (1.0 - self.b + self.b * dl / avgdl)
            scores[pos] += qtf * idf * tf * (self.k1 + 1.0) / norm
            matched[pos] = True
        total = int(matched.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32), 0
        candidates = np.flatnonzero(matched)
        if len(candidates) > k:
            part = np.argpartition(-scores[candidates], k - 1)[:k]
            candidates = candidates[part]
        order = np.argsort(-scores[candidates], kind="stable")
        top = candidates[order]
        return top, scores[top], total


def idf_weights(
    store: Store,
    snapshot: SearchSnapshot,
    terms: Sequence[str],
    stats: ChunkStats,
    readable: np.ndarray,
) -> dict[str, float]:
    """BM25 idf of each term over the readable chunks. A term found nowhere gets the
    highest possible idf: a question about something absent must not look well covered."""
    n_docs = int(readable.sum())
    weights: dict[str, float] = {}
    for term in dict.fromkeys(terms):
        ids, _ = store.postings(term)
        pos, ok = snapshot.positions(stats, ids)
        df = int((ok & readable[pos]).sum()) if len(ids) else 0
        weights[term] = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    return weights
