"""Retrieval research: analyzers, BM25 parameters, dense models, fusion rules; one default.

Everything is computed as query × document score matrices. Documents are chunked the way the
engine chunks them (sentence-aligned, <= 300 e5 tokens, title repeated in every chunk; see
``beir.chunk_docs``) and a document scores by its best chunk, for BM25 and dense alike.
Dense embeddings come from the cache that ``embed.py`` fills (run it first).

    .venv/bin/python bench/research/fusion.py --experiments all --out bench/research/results.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from beir import SETS, BeirSet, Chunk, chunk_docs, evaluate, load
from embcache import EmbCache
from embed import CHUNK_TOKENS, token_counter

from wissenswerk.analysis import Analyzer

TOP = 100
Terms = Callable[[str], list[str]]


# ---------------------------------------------------------------------- BM25 --


class BM25:
    """Lucene BM25 over chunks: idf = ln(1 + (N - df + .5) / (df + .5))."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        self.dl = np.zeros(len(docs), dtype=np.float64)
        for i, terms in enumerate(docs):
            self.dl[i] = len(terms)
            counts: dict[int, int] = {}
            for t in terms:
                tid = self.vocab.setdefault(t, len(self.vocab))
                counts[tid] = counts.get(tid, 0) + 1
            for tid, c in counts.items():
                rows.append(tid)
                cols.append(i)
                tfs.append(c)
        order = np.argsort(np.asarray(rows), kind="stable")
        self.term = np.asarray(rows)[order]
        self.doc = np.asarray(cols)[order]
        self.tf = np.asarray(tfs, dtype=np.float64)[order]
        self.offsets = np.searchsorted(self.term, np.arange(len(self.vocab) + 1))
        self.n = len(docs)
        self.df = np.diff(self.offsets).astype(np.float64)
        self.weights = self.tf
        self.set_params(1.2, 0.75)

    def set_params(self, k1: float, b: float) -> None:
        avgdl = max(float(self.dl.mean()), 1e-9)
        norm = k1 * (1 - b + b * self.dl[self.doc] / avgdl)
        idf = np.log(1 + (self.n - self.df + 0.5) / (self.df + 0.5))
        self.weights = idf[self.term] * self.tf * (k1 + 1) / (self.tf + norm)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        s = np.zeros(self.n, dtype=np.float64)
        for t in query:
            tid = self.vocab.get(t)
            if tid is None:
                continue
            a, z = self.offsets[tid], self.offsets[tid + 1]
            s[self.doc[a:z]] += self.weights[a:z]
        return s


# ------------------------------------------------------------------- prepared --


@dataclass
class Prepared:
    ds: BeirSet
    chunks: list[Chunk]
    starts: np.ndarray  # index of each doc's first chunk (chunks are in doc order)
    chunk_lang: list[str]
    query_lang: list[str]
    cache: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_docs(self) -> int:
        return len(self.ds.docs)

    def to_docs(self, chunk_scores: np.ndarray) -> np.ndarray:
        """Q × chunks → Q × docs by the best chunk."""
        return np.maximum.reduceat(chunk_scores, self.starts, axis=1)


def prepare(name: str, max_tokens: int = CHUNK_TOKENS, with_title: bool = True) -> Prepared:
    ds = load(name)
    chunks = chunk_docs(ds.docs, token_counter(), max_tokens, with_title)
    doc_of = np.asarray([c.doc for c in chunks])
    starts = np.searchsorted(doc_of, np.arange(len(ds.docs)))
    assert (np.diff(doc_of) >= 0).all() and len(set(doc_of)) == len(ds.docs)
    probe = Analyzer()
    return Prepared(
        ds,
        chunks,
        starts,
        [probe.detect_language(c.text) for c in chunks],
        [probe.detect_language(q) for q in ds.query_texts],
    )


def bm25_matrix(
    p: Prepared,
    index_terms: Callable[[str], list[str]],
    query_terms: Terms,
    k1: float = 1.2,
    b: float = 0.75,
    key: str = "",
) -> np.ndarray:
    ck = f"bm25:{key}:{k1}:{b}"
    if key and ck in p.cache:
        return p.cache[ck]
    ik = f"bm25index:{key}"
    bm = p.cache.get(ik) if key else None
    if bm is None:
        bm = BM25([index_terms(c.text) for c in p.chunks])
        if key:
            p.cache[ik] = bm  # type: ignore[assignment]
    bm.set_params(k1, b)  # type: ignore[union-attr]
    out = np.stack([bm.scores(query_terms(q)) for q in p.ds.query_texts])  # type: ignore[union-attr]
    m = p.to_docs(out)
    if key:
        p.cache[ck] = m
    return m


def dense_matrix(p: Prepared, model: str) -> np.ndarray:
    ck = f"dense:{model}"
    if ck not in p.cache:
        cache = EmbCache(model)
        passages = cache.get("passage", [c.text for c in p.chunks])
        queries = cache.get("query", p.ds.query_texts)
        p.cache[ck] = p.to_docs(queries @ passages.T)
    return p.cache[ck]


# -------------------------------------------------------------------- fusion --


def top_mask(m: np.ndarray, k: int = TOP) -> np.ndarray:
    """Boolean Q × D: each query's top-k documents."""
    k = min(k, m.shape[1])
    idx = np.argpartition(-m, k - 1, axis=1)[:, :k]
    mask = np.zeros_like(m, dtype=bool)
    np.put_along_axis(mask, idx, True, axis=1)
    return mask


def ranks(m: np.ndarray) -> np.ndarray:
    """1-based rank of each document per query (ties by document order)."""
    order = np.argsort(-m, axis=1, kind="stable")
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.arange(1, m.shape[1] + 1)[None, :], axis=1)
    return r


def rrf(parts: Sequence[tuple[np.ndarray, np.ndarray | float]], k: int = 60) -> np.ndarray:
    """sum_i w_i / (k + rank_i), over each component's top-100 (w may be per query)."""
    out = np.zeros_like(parts[0][0])
    for m, w in parts:
        valid = top_mask(m) & (m > 0 if m.min() >= 0 else True)
        out += np.where(valid, np.asarray(w).reshape(-1, 1) / (k + ranks(m)), 0.0)
    return out


def normalise(m: np.ndarray, how: str, k: int = TOP) -> np.ndarray:
    """Per-query score normalisation over the top-k (100); documents outside it get 0."""
    mask = top_mask(m, k)
    vals = np.where(mask, m, np.nan)
    if how == "minmax":
        lo, hi = np.nanmin(vals, axis=1, keepdims=True), np.nanmax(vals, axis=1, keepdims=True)
        out = (m - lo) / np.maximum(hi - lo, 1e-9)
    elif how == "max":  # divide by the best score (keeps 0 at 0 for BM25)
        hi = np.nanmax(vals, axis=1, keepdims=True)
        out = m / np.maximum(hi, 1e-9)
    elif how == "z":
        mu, sd = np.nanmean(vals, axis=1, keepdims=True), np.nanstd(vals, axis=1, keepdims=True)
        out = (m - mu) / np.maximum(sd, 1e-9)
        out = out - np.nanmin(np.where(mask, out, np.nan), axis=1, keepdims=True)
    else:
        raise ValueError(how)
    return np.where(mask, out, 0.0)


def convex(parts: Sequence[tuple[np.ndarray, np.ndarray | float]], how: str) -> np.ndarray:
    out = np.zeros_like(parts[0][0])
    for m, w in parts:
        out += np.asarray(w).reshape(-1, 1) * normalise(m, how)
    return out


def lexical_trust(p: Prepared, dense: np.ndarray, k: int = 20) -> np.ndarray:
    """Per query: share of its top-k dense documents whose text is in the query's language.

    Lexical matching across languages is useless, so the BM25 weight is scaled by this share
    (1.0 for a German question over German documents, ~0 for German over English)."""
    doc_lang = np.asarray([p.chunk_lang[s] for s in p.starts])
    top = np.argsort(-dense, axis=1)[:, :k]
    qlang = np.asarray(p.query_lang)
    return (doc_lang[top] == qlang[:, None]).mean(axis=1)


# --------------------------------------------------------------- evaluation --


def run_of(p: Prepared, m: np.ndarray) -> dict[str, list[tuple[str, float]]]:
    k = min(TOP, m.shape[1])
    idx = np.argpartition(-m, k - 1, axis=1)[:, :k]
    run = {}
    for qi, qid in enumerate(p.ds.query_ids):
        cand = idx[qi]
        order = cand[np.lexsort((cand, -m[qi, cand]))]
        run[qid] = [(p.ds.docs[d].id, float(m[qi, d])) for d in order if m[qi, d] > -math.inf]
    return run


def score(p: Prepared, m: np.ndarray) -> dict[str, float]:
    return evaluate(p.ds.qrels, run_of(p, m))


# ----------------------------------------------------------------- analyzers --


def baseline_terms(lang: str) -> Callable[[str], list[str]]:
    """eval_baselines.py's bm25-stem (re-implemented): \\w\\w+, stop-words + bm25s lists."""
    import re

    import bm25s.stopwords as bst
    import Stemmer

    stop = set({"de": bst.STOPWORDS_GERMAN, "en": bst.STOPWORDS_EN}[lang])
    extra = Path(f"/work/main/.cache/stopwords-pkg/{ {'de': 'german', 'en': 'english'}[lang] }.txt")
    if extra.exists():
        stop |= set(extra.read_text(encoding="utf-8").split())
    stop = {w.lower() for w in stop}
    stem = Stemmer.Stemmer({"de": "german", "en": "english"}[lang])
    word = re.compile(r"\b\w\w+\b", re.UNICODE)
    cache: dict[str, str] = {}

    def terms(text: str) -> list[str]:
        out = []
        for w in word.findall(text.lower()):
            if w in stop:
                continue
            s = cache.get(w)
            if s is None:
                s = cache[w] = stem.stemWord(w)
            out.append(s)
        return out

    return terms


RESULTS = Path(__file__).resolve().parent / "results.json"


class Recorder:
    """config → set → metrics, persisted to results.json after every row."""

    def __init__(self, path: Path = RESULTS) -> None:
        self.path = path
        self.rows: dict[str, dict[str, dict[str, float]]] = (
            json.loads(path.read_text()) if path.exists() else {}
        )

    def add(self, config: str, p: Prepared, m: np.ndarray) -> dict[str, float]:
        res = {k: round(v, 4) for k, v in score(p, m).items()}
        self.rows.setdefault(config, {})[p.ds.name] = res
        self.path.write_text(json.dumps(self.rows, indent=1, sort_keys=True))
        print(
            f"{config:60s} {p.ds.name:16s} nDCG@10={res['nDCG@10']:.4f} "
            f"R@10={res['R@10']:.4f} R@100={res['R@100']:.4f} MRR@10={res['MRR@10']:.4f}",
            flush=True,
        )
        return res


def analyzer_fns(**kw: object) -> tuple[Callable[[str], list[str]], Terms]:
    a = Analyzer(**kw)  # type: ignore[arg-type]
    return a.index_terms, a.query_terms


def exp_lexical(rec: Recorder, sets: Sequence[str]) -> None:
    from wissenswerk.analysis.compounds import CompoundSplitter

    for name in sets:
        p = prepare(name)
        whole = Prepared(
            p.ds, [Chunk(i, d.full) for i, d in enumerate(p.ds.docs)], np.arange(p.n_docs), [], []
        )
        lang = "en" if name == "scifact" else "de"  # only for the re-implemented baseline
        bt = baseline_terms(lang)
        rec.add(
            "bm25 baseline-stem (k1=1.5,b=.75, whole docs, lang given)",
            whole,
            bm25_matrix(whole, bt, bt, 1.5, 0.75),
        )
        rec.add(
            "bm25 baseline-stem (k1=1.5,b=.75, chunks, lang given)",
            p,
            bm25_matrix(p, bt, bt, 1.5, 0.75),
        )
        variants: dict[str, dict[str, object]] = {
            "stem": {"decompound": False},
            "stem+decomp": {},
            "stem+decomp gain0": {"splitter": CompoundSplitter(min_gain=0.0)},
            "stem+decomp q=both": {"query_mode": "both"},
            "nostem+decomp": {"stem": False},
        }
        for vname, kw in variants.items():
            it, qt = analyzer_fns(**kw)
            for k1, b in ((1.2, 0.75), (1.5, 0.75)):
                m = bm25_matrix(p, it, qt, k1, b, key=vname)
                rec.add(f"bm25 ours:{vname} (k1={k1},b={b})", p, m)
        it, qt = analyzer_fns()
        for k1 in (0.6, 0.9, 1.2, 1.5, 2.0):
            for b in (0.3, 0.5, 0.75, 0.9):
                m = bm25_matrix(p, it, qt, k1, b, key="stem+decomp")
                rec.add(f"bm25 ours:stem+decomp (k1={k1},b={b})", p, m)
        wt = Analyzer()
        rec.add(
            "bm25 ours:stem+decomp (k1=1.2,b=.75, whole docs)",
            whole,
            bm25_matrix(whole, wt.index_terms, wt.query_terms, 1.2, 0.75),
        )


def rrf_part(m: np.ndarray, k: int = 60) -> np.ndarray:
    """1 / (k + rank) for each query's top-100 documents (BM25: only documents that match)."""
    valid = top_mask(m)
    if m.min() >= 0:
        valid &= m > 0
    return np.where(valid, 1.0 / (k + ranks(m)), 0.0)


def fusion_grid(rec: Recorder, p: Prepared, lex: np.ndarray, prefix: str) -> None:
    """Single components and fusion rules over BM25 (L), e5small (E), USE (U)."""
    mats = {"L": lex, "E": dense_matrix(p, "e5small"), "U": dense_matrix(p, "use")}
    trust = lexical_trust(p, mats["E"])
    for name in ("E", "U"):
        rec.add(f"dense {'e5small' if name == 'E' else 'use'}", p, mats[name])
    rr = {n: rrf_part(m) for n, m in mats.items()}
    norm = {how: {n: normalise(m, how) for n, m in mats.items()} for how in ("minmax", "z", "max")}
    for wl in (0.5, 0.75, 1.0):
        for wu in (0.0, 0.25, 0.5, 1.0):
            for adapt in (False, True):
                w = wl * trust if adapt else wl
                m = w[:, None] * rr["L"] if adapt else wl * rr["L"]
                m = m + rr["E"] + wu * rr["U"]
                tag = " adaptive" if adapt else ""
                rec.add(f"{prefix} RRF60 L={wl} E=1 U={wu}{tag}", p, m)
    for how, nm in norm.items():
        for wl in (0.2, 0.3, 0.4, 0.5):
            for wu in (0.0, 0.15, 0.3):
                for adapt in (False, True):
                    wlq = wl * trust if adapt else np.full(len(trust), wl)
                    we = 1.0 - wl - wu
                    m = wlq[:, None] * nm["L"] + we * nm["E"] + wu * nm["U"]
                    tag = " adaptive" if adapt else ""
                    rec.add(f"{prefix} convex-{how} L={wl} E={we:.2f} U={wu}{tag}", p, m)


def fine_grid(rec: Recorder, p: Prepared, lex: np.ndarray) -> None:
    """Finer convex grid; adapt: 0 = fixed weights, 1 = L scaled by lexical trust, .5 = half."""
    mats = {"L": lex, "E": dense_matrix(p, "e5small"), "U": dense_matrix(p, "use")}
    trust = lexical_trust(p, mats["E"])
    for how in ("z", "minmax"):
        nm = {n: normalise(m, how) for n, m in mats.items()}
        for wl in (0.2, 0.25, 0.3, 0.35, 0.4):
            for wu in (0.0, 0.05, 0.1, 0.15):
                for adapt in (0.0, 0.5, 1.0):
                    wlq = wl * (1 - adapt + adapt * trust)
                    we = 1.0 - wl - wu
                    m = wlq[:, None] * nm["L"] + we * nm["E"] + wu * nm["U"]
                    rec.add(f"fine convex-{how} L={wl} E={we:.2f} U={wu} adapt={adapt}", p, m)


def exp_fusion(rec: Recorder, sets: Sequence[str], fine: bool = False) -> None:
    for name in sets:
        p = prepare(name)
        a = Analyzer()
        lex = bm25_matrix(p, a.index_terms, a.query_terms, 1.2, 0.75, key="default")
        rec.add("bm25 ours:stem+decomp (k1=1.2,b=0.75)", p, lex)
        if fine:
            fine_grid(rec, p, lex)
        else:
            fusion_grid(rec, p, lex, "fuse")


def exp_truncate(rec: Recorder, sets: Sequence[str], limits: Sequence[int]) -> None:
    """e5small with each chunk truncated to its first N tokens for embedding (BM25 sees all)."""
    from embed import E5Model
    from speed import truncate

    model = E5Model(1)
    for name in sets:
        p = prepare(name)
        a = Analyzer()
        lex = bm25_matrix(p, a.index_terms, a.query_terms, 1.2, 0.75, key="default")
        cache = EmbCache("e5small")
        queries = cache.get("query", p.ds.query_texts)
        for n in limits:
            texts = [truncate(model, c.text, n) for c in p.chunks]
            try:
                dense = p.to_docs(queries @ cache.get("passage", texts).T)
            except KeyError:
                print(f"{name}: no embeddings for chunks truncated to {n} tokens; skipped")
                continue
            rec.add(f"dense e5small passages truncated to {n} tokens", p, dense)
            m = 0.3 * normalise(lex, "z") + 0.7 * normalise(dense, "z")
            rec.add(f"fuse convex-z L=0.3 E=0.70 U=0.0 (e5 truncated to {n})", p, m)


DEFAULT = "DEFAULT: convex-z 0.3*BM25(ours,k1=0.9,b=.75) + 0.7*e5small, chunks<=300 tok + title"


K1, B = 0.9, 0.75


def recommended(p: Prepared, analyzer: Analyzer | None = None) -> np.ndarray:
    """The recommended default (see RESULTS.md): z-score convex fusion of BM25 and e5small."""
    a = analyzer or Analyzer()
    lex = bm25_matrix(p, a.index_terms, a.query_terms, K1, B)
    dense = dense_matrix(p, "e5small")
    return 0.3 * normalise(lex, "z") + 0.7 * normalise(dense, "z")


def exp_default(rec: Recorder, sets: Sequence[str]) -> None:
    for name in sets:
        p = prepare(name)
        rec.add(DEFAULT, p, recommended(p))
        rec.add(
            "ablation: DEFAULT without decompounding",
            p,
            recommended(p, Analyzer(decompound=False)),
        )
        a = Analyzer()
        lex = bm25_matrix(p, a.index_terms, a.query_terms, K1, B)
        dense = dense_matrix(p, "e5small")
        rec.add("ablation: DEFAULT fused by RRF60 (1:1)", p, rrf_part(lex) + rrf_part(dense))
        bt = baseline_terms("en" if name == "scifact" else "de")
        base = bm25_matrix(p, bt, bt, 1.5, 0.75)
        rec.add(
            "ablation: DEFAULT with baseline BM25 analyzer (lang given)",
            p,
            0.3 * normalise(base, "z") + 0.7 * normalise(dense, "z"),
        )


def exp_chunks(rec: Recorder, sets: Sequence[str], size: int) -> None:
    """DEFAULT with a different chunk budget (BM25 and e5 both see the new chunks)."""
    for name in sets:
        p = prepare(name, max_tokens=size)
        try:
            m = recommended(p)
        except KeyError:
            print(f"{name}: no embeddings for {size}-token chunks; skipped")
            continue
        rec.add(f"ablation: DEFAULT with chunks <= {size} tokens", p, m)
        rec.add(f"dense e5small, chunks <= {size} tokens", p, dense_matrix(p, "e5small"))


def paired(p: Prepared, a: np.ndarray, b: np.ndarray, seed: int = 0) -> str:
    """Mean nDCG@10 difference a - b, two-sided paired randomization p, bootstrap CI of a."""
    from beir import per_query

    qa = per_query(p.ds.qrels, run_of(p, a))
    qb = per_query(p.ds.qrels, run_of(p, b))
    x = np.asarray([qa[q]["nDCG@10"] for q in p.ds.qrels])
    d = x - np.asarray([qb[q]["nDCG@10"] for q in p.ds.qrels])
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(10000, len(d)))
    pval = float((np.abs((signs * d).mean(axis=1)) >= abs(d.mean()) - 1e-12).mean())
    boot = x[rng.integers(0, len(x), size=(2000, len(x)))].mean(axis=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return f"a={x.mean():.4f} [95% CI {lo:.4f}-{hi:.4f}] delta={d.mean():+.4f} p={pval:.4f}"


def exp_signif(sets: Sequence[str]) -> None:
    """DEFAULT vs the best baseline method of each set, re-computed here."""
    for name in sets:
        p = prepare(name)
        default = recommended(p)
        dense = dense_matrix(p, "e5small")
        bt = baseline_terms("en" if name == "scifact" else "de")
        base = bm25_matrix(p, bt, bt, 1.5, 0.75)
        refs = {
            "e5small alone": dense,
            "RRF(baseline bm25-stem + e5small)": rrf_part(base) + rrf_part(dense),
            "use alone": dense_matrix(p, "use"),
            "baseline bm25-stem": base,
        }
        for label, m in refs.items():
            print(f"{name:16s} DEFAULT vs {label:36s} {paired(p, default, m)}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--exp", default="lexical")
    ap.add_argument("--check", action="store_true", help="reproduce baseline bm25-stem rows")
    args = ap.parse_args()
    sets = args.sets.split(",")
    rec = Recorder()
    if "lexical" in args.exp:
        exp_lexical(rec, sets)
    if "fusion" in args.exp:
        exp_fusion(rec, sets)
    if "fine" in args.exp:
        exp_fusion(rec, sets, fine=True)
    if "chunk192" in args.exp:
        exp_chunks(rec, sets, 192)
    if "signif" in args.exp:
        exp_signif(sets)
    if "default" in args.exp:
        exp_default(rec, sets)
    if "truncate" in args.exp:
        exp_truncate(rec, sets, (64, 128, 192))
    if args.check:
        for name, lang in (("xquad-de", "de"), ("scifact", "en"), ("de-pool", "de")):
            ds = load(name)
            t0 = time.perf_counter()
            # whole documents (title + text) as the baseline did: one "chunk" per document
            p = Prepared(
                ds,
                [Chunk(i, d.full) for i, d in enumerate(ds.docs)],
                np.arange(len(ds.docs)),
                [],
                [],
            )
            terms = baseline_terms(lang)
            m = bm25_matrix(p, terms, terms, 1.5, 0.75)
            print(
                name,
                {k: round(v, 4) for k, v in score(p, m).items()},
                f"{time.perf_counter() - t0:.1f}s",
                flush=True,
            )
        return


if __name__ == "__main__":
    main()
