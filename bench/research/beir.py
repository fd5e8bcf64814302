"""BEIR loading, engine-like chunking and trec_eval-compatible metrics for the research scripts.

Nothing here is imported by the product; it only simulates what the engine does so that the
numbers in RESULTS.md carry over (chunk long documents, score a document by its best chunk).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA = Path("/work/shared/bench/data")
SETS = ("de-pool", "mlqa-de-dev", "xquad-r-de-sent", "xquad-de2en", "scifact")

Ranking = list[tuple[str, float]]
Run = dict[str, Ranking]


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str

    @property
    def full(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass
class BeirSet:
    name: str
    docs: list[Doc]
    query_ids: list[str]
    query_texts: list[str]
    qrels: dict[str, dict[str, int]]


def load(name: str) -> BeirSet:
    root = DATA / name
    docs = []
    with (root / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs.append(
                Doc(str(d["_id"]), (d.get("title") or "").strip(), (d.get("text") or "").strip())
            )
    qrels: dict[str, dict[str, int]] = {}
    with (root / "qrels" / "test.tsv").open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0] == "query-id":
                continue
            if int(parts[2]) > 0:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    queries: dict[str, str] = {}
    with (root / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if str(q["_id"]) in qrels:
                queries[str(q["_id"])] = q["text"]
    qids = sorted(queries)
    return BeirSet(name, docs, qids, [queries[q] for q in qids], qrels)


# ------------------------------------------------------------------ chunking --

_SENT = re.compile(r"(?<=[.!?…])\s+(?=[\"„“'(\[]?[A-ZÄÖÜ0-9])")


@dataclass(frozen=True)
class Chunk:
    doc: int  # index into BeirSet.docs
    text: str  # title + "\n" + chunk body (what gets embedded / indexed)


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENT.split(text) if s.strip()]


def chunk_docs(
    docs: Sequence[Doc],
    count_tokens: Callable[[str], int],
    max_tokens: int = 300,
    with_title: bool = True,
) -> list[Chunk]:
    """Sentence-aligned chunks of at most ``max_tokens`` (balanced; title repeated per chunk).

    A document that fits is one chunk whose text equals ``Doc.full``, so its embedding is shared
    with the whole-document run through the cache.
    """
    out: list[Chunk] = []
    for i, d in enumerate(docs):
        head = f"{d.title}\n" if with_title and d.title else ""
        budget = max_tokens - (count_tokens(head) if head else 0)
        total = count_tokens(d.text)
        if total <= budget:
            out.append(Chunk(i, head + d.text))
            continue
        pieces: list[tuple[str, int]] = []
        for s in split_sentences(d.text):
            n = count_tokens(s)
            if n <= budget:
                pieces.append((s, n))
                continue
            words = s.split()  # an over-long sentence: cut by words
            step = max(1, int(len(words) * budget / n))
            for j in range(0, len(words), step):
                w = " ".join(words[j : j + step])
                pieces.append((w, count_tokens(w)))
        n_chunks = math.ceil(total / budget)
        target = total / n_chunks
        cur: list[str] = []
        cur_n = 0
        for s, n in pieces:
            if cur and (cur_n + n > budget or cur_n >= target):
                out.append(Chunk(i, head + " ".join(cur)))
                cur, cur_n = [], 0
            cur.append(s)
            cur_n += n
        if cur:
            out.append(Chunk(i, head + " ".join(cur)))
    return out


def max_per_doc(
    chunk_doc: Sequence[int], chunk_scores: Sequence[float], n_docs: int
) -> list[float]:
    """Best chunk score per document (documents without a scored chunk get -inf)."""
    best = [-math.inf] * n_docs
    for d, s in zip(chunk_doc, chunk_scores, strict=True):
        if s > best[d]:
            best[d] = s
    return best


# ------------------------------------------------------------------- metrics --


def per_query(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, dict[str, float]]:
    """nDCG@10 (trec_eval ndcg_cut: linear gain, log2 discount), R@10, R@100, MRR@10."""
    out = {}
    for qid, rel in qrels.items():
        ranked = [d for d, _ in run.get(qid, [])[:100]]
        dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        n_rel = len(rel)
        out[qid] = {
            "nDCG@10": dcg / idcg if idcg else 0.0,
            "R@10": sum(1 for d in ranked[:10] if d in rel) / n_rel,
            "R@100": sum(1 for d in ranked if d in rel) / n_rel,
            "MRR@10": next((1.0 / (i + 1) for i, d in enumerate(ranked[:10]) if d in rel), 0.0),
        }
    return out


def evaluate(qrels: dict[str, dict[str, int]], run: Run) -> dict[str, float]:
    """Means of :func:`per_query` over all queries in qrels (no result = 0)."""
    pq = per_query(qrels, run)
    keys = ("nDCG@10", "R@10", "R@100", "MRR@10")
    return {k: sum(v[k] for v in pq.values()) / len(pq) for k in keys}
