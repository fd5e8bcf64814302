"""Fusion of the lexical and dense rankings into one.

Two methods: weighted reciprocal rank fusion (robust, ignores score scales) and a convex
combination of per-query normalised scores (uses how *much* better a hit is). Inputs and
outputs are (positions, scores) arrays, best first.
"""

from __future__ import annotations

import numpy as np

Ranking = tuple[np.ndarray, np.ndarray]


def rrf(rankings: list[tuple[Ranking, float]], k: int = 60) -> Ranking:
    fused: dict[int, float] = {}
    for (positions, _scores), weight in rankings:
        for rank, pos in enumerate(positions.tolist(), start=1):
            fused[pos] = fused.get(pos, 0.0) + weight / (k + rank)
    return _sorted(fused)


def convex(rankings: list[tuple[Ranking, float]]) -> Ranking:
    """Sum of weight * min-max-normalised score; a missing hit contributes 0."""
    fused: dict[int, float] = {}
    for (positions, scores), weight in rankings:
        if len(scores) == 0:
            continue
        hi, lo = float(scores.max()), float(scores.min())
        span = hi - lo
        for pos, score in zip(positions.tolist(), scores.tolist(), strict=True):
            norm = (score - lo) / span if span > 0 else 1.0
            fused[pos] = fused.get(pos, 0.0) + weight * norm
    return _sorted(fused)


def convex_z(rankings: list[tuple[Ranking, float]], depth: int = 0) -> Ranking:
    """Sum of weight * z-score, each ranking normalised over its top ``depth`` candidates.

    Per ranking: z = (score - mean) / std over its top ``depth`` scores, where a retriever
    that found fewer candidates (BM25 for a rare term) counts the rest as score 0; then
    shifted so the weakest of the ``depth`` scores is 0. A passage missing from a ranking
    contributes 0 there. Unlike RRF this keeps *how much* better a passage is, which lets a
    confident retriever outvote an unsure one (bench/research/RESULTS.md)."""
    fused: dict[int, float] = {}
    for (positions, scores), weight in rankings:
        if len(scores) == 0 or weight == 0:
            continue
        values = scores.astype(np.float64)
        padded = np.concatenate([values, np.zeros(max(0, depth - len(values)))])
        if len(padded) < 2:
            continue
        mean, std = float(padded.mean()), max(float(padded.std()), 1e-9)
        z = (values - mean) / std - (float(padded.min()) - mean) / std
        for pos, value in zip(positions.tolist(), z.tolist(), strict=True):
            fused[pos] = fused.get(pos, 0.0) + weight * value
    return _sorted(fused)


def _sorted(fused: dict[int, float]) -> Ranking:
    if not fused:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    items = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
    return (
        np.fromiter((p for p, _ in items), dtype=np.int64, count=len(items)),
        np.fromiter((s for _, s in items), dtype=np.float32, count=len(items)),
    )
