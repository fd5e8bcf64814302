"""Search latency and memory on a 100k-chunk store (targets: p95 ≤ 200 ms, peak ≤ 2 GB).

Step 1 (child process) syncs a synthetic share of German text into a fresh data directory
and reports throughput and peak memory while syncing. Step 2 (another child) loads the
store, stores one random unit vector per chunk under the default embedder's key (so dense
search does its full work without hours of embedding), and times searches of several users
with different rights — query embedding by the real model included.

    python bench/search_scale.py [--chunks 100000] [--queries 300] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import german_sentences, peak_rss_mb, synthetic_documents

WORDS_PER_DOC = 700  # ~4 chunks per document with the default chunk size
GROUPS = ["technik", "vertrieb", "personal", "einkauf", "qualitaet", "it", "gf", "produktion"]


def build_share(share: Path, chunks: int) -> None:
    docs = max(1, chunks // 4)
    for i, text in enumerate(synthetic_documents(docs, WORDS_PER_DOC, seed=1)):
        folder = share / GROUPS[i % len(GROUPS)] / f"{i // 1000:03}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"dok_{i:06}.txt").write_text(text, encoding="utf-8")
    rules = ["path_prefix,groups", ",alle"] + [f"{g},{g}" for g in GROUPS[:6]]
    (share.parent / "acl.csv").write_text("\n".join(rules) + "\n", encoding="utf-8")


def child_sync(data_dir: Path, share: Path) -> None:
    from wissenswerk.app import Wissenswerk
    from wissenswerk.config.settings import EmbeddingSettings, Settings

    settings = Settings(data_dir=data_dir, embeddings=EmbeddingSettings(provider="none"))  # type: ignore[arg-type]
    app = Wissenswerk.from_settings(settings)
    app.import_users_csv("user,groups\n" + "\n".join(f"u_{g},{g}" for g in GROUPS) + "\nu_alle,\n")
    app.add_folder_source("share", share, share.parent / "acl.csv")
    t0 = time.perf_counter()
    report = app.syncer.sync(app.source("share"))
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "chunks": report.chunks_written,
                "files": report.listed,
                "seconds": seconds,
                "peak_mb": peak_rss_mb(),
            }
        )
    )


def child_search(data_dir: Path, queries: int) -> None:
    import numpy as np

    from wissenswerk.app import Wissenswerk
    from wissenswerk.config.settings import Settings

    app = Wissenswerk.from_settings(Settings(data_dir=data_dir))
    embedder = app.embedder
    assert embedder is not None
    if app.store.count_missing_embeddings(embedder.key):
        rng = np.random.default_rng(0)
        while batch := app.store.missing_embeddings(embedder.key, 5000):
            vecs = rng.standard_normal((len(batch), 384)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            app.store.put_embeddings(
                embedder.key, list(zip([h for h, _ in batch], vecs, strict=True))
            )
    rnd = random.Random(3)
    sentences = german_sentences(20000)
    users = [f"u_{g}" for g in GROUPS] + ["u_alle"]
    t0 = time.perf_counter()
    app.search.search("Aufwärmen", users[0])
    first_s = time.perf_counter() - t0
    latencies = []
    for _ in range(queries):
        words = rnd.choice(sentences).split()
        start = rnd.randrange(max(1, len(words) - 6))
        query = " ".join(words[start : start + rnd.randint(2, 6)])
        t = time.perf_counter()
        app.search.search(query, rnd.choice(users), limit=10)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    print(
        json.dumps(
            {
                "p50_ms": latencies[len(latencies) // 2],
                "p95_ms": latencies[int(len(latencies) * 0.95) - 1],
                "max_ms": latencies[-1],
                "first_query_s": first_s,
                "chunks": app.store.counts()["chunks"],
                "peak_mb": peak_rss_mb(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the store here")
    parser.add_argument("--child", choices=["sync", "search"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--share", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "sync":
        return child_sync(args.data_dir, args.share)
    if args.child == "search":
        return child_search(args.data_dir, args.queries)

    base = args.keep or Path(tempfile.mkdtemp(prefix="wissenswerk-scale-"))
    share, data_dir = base / "share", base / "data"
    me = [sys.executable, __file__]
    if not (data_dir / "wissenswerk.db").exists():
        print(f"building a share for ~{args.chunks} chunks in {share} …", flush=True)
        build_share(share, args.chunks)
        out = subprocess.run(
            [*me, "--child", "sync", "--data-dir", str(data_dir), "--share", str(share)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        sync = json.loads(out.strip().splitlines()[-1])
        print(
            f"sync: {sync['files']} files, {sync['chunks']} chunks in {sync['seconds']:.0f} s "
            f"= {sync['chunks'] / sync['seconds']:.0f} chunks/s; peak memory "
            f"{sync['peak_mb']:.0f} MB (target ≤ 2048 MB → ratio "
            f"{sync['peak_mb'] / 2048:.2f})"
        )
    out = subprocess.run(
        [*me, "--child", "search", "--data-dir", str(data_dir), "--queries", str(args.queries)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    res = json.loads(out.strip().splitlines()[-1])
    print(
        f"search on {res['chunks']} chunks, {args.queries} queries, 9 users with different "
        f"rights: p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms (target ≤ 200 ms → "
        f"ratio {res['p95_ms'] / 200:.2f}), max {res['max_ms']:.1f} ms; first query (loads "
        f"model and snapshot) {res['first_query_s']:.1f} s; peak memory {res['peak_mb']:.0f} MB "
        f"(ratio {res['peak_mb'] / 2048:.2f})"
    )


if __name__ == "__main__":
    main()
