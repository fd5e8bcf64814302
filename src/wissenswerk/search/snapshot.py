"""In-memory views of the store that search needs, rebuilt when the store's generation
changes: chunk lengths and access classes (for BM25 and permission masks) and the dense
matrix. Everything here is derived; the store stays the single source of truth."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from wissenswerk.store.base import ChunkStats, Store


@dataclass(frozen=True, slots=True)
class DenseMatrix:
    generation: int
    positions: np.ndarray  # index into ChunkStats arrays for every matrix row
    matrix: np.ndarray  # float32, rows L2-normalised


class SearchSnapshot:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._stats: ChunkStats | None = None
        self._dense: dict[str, DenseMatrix] = {}

    def stats(self) -> ChunkStats:
        gen = self._store.generation()
        with self._lock:
            if self._stats is None or self._stats.generation != gen:
                self._stats = self._store.chunk_stats()
            return self._stats

    def positions(self, stats: ChunkStats, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of rowids in the stats arrays, and a mask of those that exist there
        (postings written after the snapshot was taken are ignored until the next one)."""
        if len(stats.rowids) == 0:
            return np.zeros(len(rowids), dtype=np.int64), np.zeros(len(rowids), dtype=bool)
        pos = np.searchsorted(stats.rowids, rowids)
        pos = np.minimum(pos, len(stats.rowids) - 1)
        return pos, stats.rowids[pos] == rowids

    def dense(self, model: str, stats: ChunkStats) -> DenseMatrix:
        with self._lock:
            cached = self._dense.get(model)
            if cached is not None and cached.generation == stats.generation:
                return cached
        ids, matrix = self._store.vectors(model)
        pos, ok = self.positions(stats, ids)
        dense = DenseMatrix(stats.generation, pos[ok], np.ascontiguousarray(matrix[ok]))
        with self._lock:
            self._dense[model] = dense
        return dense
