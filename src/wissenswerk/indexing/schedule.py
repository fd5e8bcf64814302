"""Which sources are due for a content sync or a permission refresh.

Pure decisions over the store's run history, so `sync --watch` and the web server's
background thread share them and they can be tested without waiting for the clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wissenswerk.core.models import SourceConfig
from wissenswerk.store.base import Store


@dataclass(frozen=True, slots=True)
class Job:
    source: str
    kind: str  # "content" | "permissions"


def due_jobs(store: Store, sources: list[SourceConfig], now: float | None = None) -> list[Job]:
    """Content syncs first (they refresh permissions too); a permission refresh is due only
    when no content sync of the same source is."""
    now = time.time() if now is None else now
    jobs: list[Job] = []
    for source in sources:
        content = _due(store, source.name, "content", source.sync_every_minutes, now)
        if content:
            jobs.append(Job(source.name, "content"))
            continue
        last_content = store.last_finished(source.name, "content") or 0.0
        last_perm = max(store.last_finished(source.name, "permissions") or 0.0, last_content)
        every = source.permissions_every_minutes
        if every > 0 and now - last_perm >= every * 60:
            jobs.append(Job(source.name, "permissions"))
    return jobs


def _due(store: Store, source: str, kind: str, every_minutes: int, now: float) -> bool:
    if every_minutes <= 0:
        return False
    last = store.last_finished(source, kind)
    return last is None or now - last >= every_minutes * 60
