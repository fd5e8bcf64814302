"""Syncs started from the browser: one background thread per source, live progress.

The store's source lock is what guarantees one sync per source, across processes too; the
runner only keeps the live state of the syncs this process started (phase, counts, ETA) and
turns a lock held elsewhere into SyncBusyError before the page answers.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from wissenswerk.app import Wissenswerk
from wissenswerk.core.errors import SyncBusyError
from wissenswerk.indexing import EmbedProgress
from wissenswerk.indexing.ocr import OcrProgress
from wissenswerk.indexing.sync import SyncProgress

log = logging.getLogger(__name__)

# How long a request waits for the thread to hold the source lock (or learn it is taken).
START_WAIT_S = 10.0


@dataclass(slots=True)
class SyncJob:
    """The live state of one background sync (copied out for readers)."""

    source: str
    actor: str | None
    started_at: float = field(default_factory=time.time)
    status: str = "starting"  # starting | running | completed | failed | busy
    phase: str = "listing"  # listing | indexing | ocr | embedding | done
    done: int = 0
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    current: str = ""
    eta_seconds: float | None = None
    finished_at: float | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.status in ("starting", "running")


class SyncRunner:
    def __init__(self, ww: Wissenswerk) -> None:
        self.ww = ww
        self._jobs: dict[str, SyncJob] = {}
        self._lock = threading.Lock()
        # OCR and vectors are store-wide passes: one at a time, whichever source triggered it.
        self._after_sync = threading.Lock()

    def start(self, source: str, actor: str | None) -> SyncJob:
        """Start syncing ``source`` in a background thread; SyncBusyError when a sync of it
        runs already (here or in another process, e.g. the command line)."""
        with self._lock:
            existing = self._jobs.get(source)
            if existing is not None and existing.running:
                raise SyncBusyError(f"Source {source!r} is being synced already.")
            job = SyncJob(source=source, actor=actor)
            self._jobs[source] = job
        holding = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(job, holding), name=f"admin-sync-{source}", daemon=True
        )
        thread.start()
        holding.wait(START_WAIT_S)
        if job.status == "busy":
            raise SyncBusyError(job.error or f"Source {source!r} is being synced already.")
        return self.job(source) or job

    def job(self, source: str) -> SyncJob | None:
        """A copy of the latest job of ``source`` started here, None if there was none."""
        with self._lock:
            job = self._jobs.get(source)
            return dataclasses.replace(job, counts=dict(job.counts)) if job else None

    def forget(self, source: str) -> None:
        """Drop a finished job (its source was removed)."""
        with self._lock:
            job = self._jobs.get(source)
            if job is not None and not job.running:
                del self._jobs[source]

    def _update(self, job: SyncJob, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)

    def _run(self, job: SyncJob, holding: threading.Event) -> None:
        def on_sync(progress: SyncProgress) -> None:
            self._update(
                job,
                status="running",
                phase=progress.phase,
                done=progress.done,
                total=progress.total,
                counts=dict(progress.counts),
                current=progress.current,
                eta_seconds=progress.eta_seconds,
            )
            holding.set()  # the first call comes right after the lock is held

        try:
            report = self.ww.sync_source(job.source, on_sync)
            if report.added or report.updated:
                self._after(job)
            self._update(job, status="completed", phase="done", counts=report.counts())
        except SyncBusyError as exc:
            self._update(job, status="busy", phase="done", error=str(exc))
        except Exception as exc:  # a thread has no caller to raise to: record, never lose
            log.exception("Sync of %s started by %s failed", job.source, job.actor)
            self._update(job, status="failed", phase="done", error=str(exc))
            try:
                self.ww.emit(
                    "sync.failed",
                    job.actor,
                    {"source": job.source, "error": str(exc)},
                    object=f"source:{job.source}",
                    outcome="failure",
                )
            except Exception:  # the store itself is gone (app shut down)
                log.warning("Could not record the failed sync of %s", job.source, exc_info=True)
        finally:
            self._update(job, finished_at=time.time(), eta_seconds=None)
            holding.set()

    def _after(self, job: SyncJob) -> None:
        """What a sync leaves for later, as the scheduler does it: OCR, then vectors."""
        with self._after_sync:
            if self.ww.settings.ocr.enabled and self.ww.store.count_ocr_pending():
                self._update(job, phase="ocr", done=0, total=0)

                def on_ocr(p: OcrProgress) -> None:
                    self._update(job, done=p.done_pages, total=p.total_pages, current=p.current)

                self.ww.run_ocr(on_ocr)
            if self.ww.embedders:
                self._update(job, phase="embedding", done=0, total=0, current="")

                def on_embed(p: EmbedProgress) -> None:
                    eta = (p.total - p.done) / p.per_second if p.per_second else None
                    self._update(job, done=p.done, total=p.total, eta_seconds=eta)

                self.ww.embed_missing(on_embed)


STATE_KEY = "admin_sync_runner"


def sync_runner(conn: HTTPConnection) -> SyncRunner:
    """The app's runner, made on first use. Should two first requests race, the store's
    source lock still keeps one sync per source; only one runner's live view is kept."""
    state = conn.app.state
    runner: SyncRunner | None = getattr(state, STATE_KEY, None)
    if runner is None:
        runner = SyncRunner(conn.app.state.web.ww)
        setattr(state, STATE_KEY, runner)
    return runner
