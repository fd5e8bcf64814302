"""Dense vectors catch up after the lexical index: embed every chunk that lacks a vector.

Vectors are cached by the hash of the embedded text, so this only ever embeds new text.
Each batch is committed on its own; an interrupted run continues where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wissenswerk.embeddings.base import Embedder
from wissenswerk.store.base import Store


@dataclass(slots=True)
class EmbedProgress:
    total: int
    done: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0


def embed_missing(
    store: Store,
    embedder: Embedder,
    batch_size: int = 32,
    on_progress: Callable[[EmbedProgress], None] | None = None,
    max_items: int | None = None,
) -> EmbedProgress:
    progress = EmbedProgress(total=store.count_missing_embeddings(embedder.key))
    if max_items is not None:
        progress.total = min(progress.total, max_items)
    started = time.monotonic()
    while progress.done < progress.total:
        take = min(batch_size, progress.total - progress.done)
        batch = store.missing_embeddings(embedder.key, take)
        if not batch:
            break
        vectors = embedder.embed_passages([text for _, text in batch])
        store.put_embeddings(embedder.key, list(zip((h for h, _ in batch), vectors, strict=True)))
        progress.done += len(batch)
        progress.seconds = time.monotonic() - started
        if on_progress:
            on_progress(progress)
    progress.seconds = time.monotonic() - started
    return progress
