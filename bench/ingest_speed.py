"""How fast does a new file become searchable?

Prints lexical end-to-end throughput (list → read → parse → chunk → analyse → commit; chunks
per second, target ≥ 30 on 2 cores), dense embedding throughput of the default embedder,
incremental re-sync time of unchanged files, and peak memory.

    python bench/ingest_speed.py [--docs 400] [--embed-sample 128]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import peak_rss_mb, synthetic_documents

from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import EmbeddingSettings, Settings
from wissenswerk.embeddings import build_embedder
from wissenswerk.indexing import embed_missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--words", type=int, default=700, help="words per document")
    parser.add_argument("--embed-sample", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        share = Path(tmp) / "share"
        for i, text in enumerate(synthetic_documents(args.docs, args.words)):
            folder = share / f"Abteilung{i % 8}"
            folder.mkdir(parents=True, exist_ok=True)
            suffix = ".md" if i % 2 else ".txt"
            (folder / f"dokument_{i:05}{suffix}").write_text(text, encoding="utf-8")
        settings = Settings(
            data_dir=Path(tmp) / "data",
            embeddings=EmbeddingSettings(provider="none"),  # type: ignore[arg-type]
        )
        app = Wissenswerk.from_settings(settings)
        app.add_folder_source("share", share, None)
        t0 = time.perf_counter()
        report = app.syncer.sync(app.source("share"))
        lexical_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = app.syncer.sync(app.source("share"))
        resync_s = time.perf_counter() - t0
        assert again.unchanged == args.docs

        embed_settings = EmbeddingSettings(threads=args.threads)
        t0 = time.perf_counter()
        embedder = build_embedder(embed_settings)
        load_s = time.perf_counter() - t0
        assert embedder is not None
        done = embed_missing(app.store, embedder, 32, max_items=args.embed_sample)
        app.close()

    chunks = report.chunks_written
    print(f"documents                      {args.docs} × ~{args.words} words")
    print(f"chunks                         {chunks}")
    print(f"lexical sync                   {lexical_s:.2f} s")
    print(
        f"lexical throughput             {chunks / lexical_s:.1f} chunks/s "
        f"({args.docs / lexical_s:.1f} files/s)  target ≥ 30 chunks/s → "
        f"ratio {chunks / lexical_s / 30:.1f}×"
    )
    print(f"re-sync of unchanged files     {resync_s:.3f} s for {args.docs} files")
    print(f"embedder load                  {load_s:.2f} s")
    print(
        f"dense embedding ({args.threads} threads)     {done.per_second:.1f} chunks/s "
        f"({done.done} chunks in {done.seconds:.1f} s)"
    )
    print(f"peak memory (RSS)              {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
