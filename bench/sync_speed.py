"""Sync engine at share scale: new files, unchanged re-sync, permission refresh.

Prints, for a folder share of N files (default 10,000, as in issue 3):
- first sync throughput (files/s and chunks/s, lexical, parsers isolated or not),
- re-sync of the unchanged share (target ≤ 10 s on 2 cores),
- a re-sync after 1 % of the files changed,
- a permission-only refresh after an ACL map change,
- peak memory.

    python bench/sync_speed.py [--files 10000] [--words 250] [--isolate]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import peak_rss_mb, synthetic_documents

from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import EmbeddingSettings, ParsingSettings, Settings


def make_share(share: Path, files: int, words: int) -> None:
    texts = synthetic_documents(min(files, 2000), words)
    for i in range(files):
        folder = share / f"Abteilung{i % 20}" / f"Projekt{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = (".md", ".txt", ".html")[i % 3]
        text = f"Vorgang {i}. " + texts[i % len(texts)]
        if suffix == ".html":
            text = f"<html><head><title>Vorgang {i}</title></head><body><p>{text}</p></body></html>"
        (folder / f"vorgang_{i:05}{suffix}").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=250, help="words per file")
    parser.add_argument("--isolate", action="store_true", help="parse in worker processes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        share = Path(tmp) / "share"
        t0 = time.perf_counter()
        make_share(share, args.files, args.words)
        print(f"share: {args.files} files generated in {time.perf_counter() - t0:.1f} s")
        acl = Path(tmp) / "acl.csv"
        acl.write_text("path_prefix,groups\n,alle\nAbteilung3,personal\n", encoding="utf-8")
        settings = Settings(
            data_dir=Path(tmp) / "data",
            embeddings=EmbeddingSettings(provider="none"),  # type: ignore[arg-type]
            parsing=ParsingSettings(isolate=args.isolate),
        )
        app = Wissenswerk.from_settings(settings)
        app.add_folder_source("share", share, acl)

        t0 = time.perf_counter()
        first = app.syncer.sync(app.source("share"))
        first_s = time.perf_counter() - t0
        print(
            f"first sync:      {first_s:7.1f} s  {first.added / first_s:7.1f} files/s  "
            f"{first.chunks_written / first_s:7.1f} chunks/s  ({first.chunks_written} chunks)"
        )

        t0 = time.perf_counter()
        again = app.syncer.sync(app.source("share"))
        resync_s = time.perf_counter() - t0
        assert again.unchanged == args.files, again.as_dict()
        verdict = "ok" if resync_s <= 10 else "ABOVE TARGET"
        print(f"unchanged sync:  {resync_s:7.2f} s  (target ≤ 10 s: {verdict})")

        changed = sorted(share.rglob("*.md"))[: max(1, args.files // 100)]
        for path in changed:
            path.write_text(path.read_text(encoding="utf-8") + "\nNachtrag.", encoding="utf-8")
        t0 = time.perf_counter()
        partial = app.syncer.sync(app.source("share"))
        partial_s = time.perf_counter() - t0
        assert partial.updated == len(changed), partial.as_dict()
        print(f"1 % changed:     {partial_s:7.2f} s  ({partial.updated} files re-indexed)")

        acl.write_text("path_prefix,groups\n,alle\nAbteilung3,personal;technik\n", "utf-8")
        app.add_folder_source("share", share, acl)
        t0 = time.perf_counter()
        perms = app.syncer.refresh_permissions(app.source("share"))
        perms_s = time.perf_counter() - t0
        print(f"permissions:     {perms_s:7.2f} s  ({perms.permissions_changed} ACLs changed)")
        print(f"peak RSS:        {peak_rss_mb():7.0f} MB  (cores: {os.cpu_count()})")
        app.close()


if __name__ == "__main__":
    main()
