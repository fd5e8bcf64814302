"""Helpers shared by the benchmarks: realistic German text and memory readings."""

from __future__ import annotations

import json
import random
import resource
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "data"


def german_sentences(limit: int | None = None) -> list[str]:
    """Sentences from the public German pool (news + Wikipedia paragraphs)."""
    corpus = SHARED / "de-pool" / "corpus.jsonl"
    if not corpus.exists():
        raise SystemExit(f"{corpus} not found: the benchmarks need ../shared/bench/data")
    sentences: list[str] = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            sentences.extend(s.strip() + "." for s in text.split(". ") if len(s.split()) > 4)
            if limit and len(sentences) >= limit:
                break
    return sentences


def synthetic_documents(n_docs: int, words_per_doc: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    pool = german_sentences()
    docs = []
    for _ in range(n_docs):
        out: list[str] = []
        count = 0
        while count < words_per_doc:
            sentence = rng.choice(pool)
            out.append(sentence)
            count += len(sentence.split())
        # paragraphs of ~4 sentences, like real documents
        docs.append("\n\n".join(" ".join(out[i : i + 4]) for i in range(0, len(out), 4)))
    return docs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
