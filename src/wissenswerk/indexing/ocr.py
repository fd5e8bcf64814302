"""The OCR pass: recognise the text of scanned pages queued by the sync, in the background.

The sync indexes a scanned PDF's text-layer pages at once and queues the rest
(``documents.ocr = 'pending'``). This pass reads each queued file again, checks it is still
the version that was queued, runs Tesseract on the missing pages in an isolated worker
(time and memory limits as for parsing), merges the recognised paragraphs in page order
and rewrites the document in one transaction, so OCR'd passages are cited with their page.
Without Tesseract the documents are marked "unavailable" with a warning naming the Debian
packages to install; they stay listed as needing OCR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from wissenswerk.config.settings import OcrSettings
from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import ParseError, SourceError
from wissenswerk.core.models import SourceItem
from wissenswerk.indexing.sync import Syncer, SyncReport
from wissenswerk.parsing.isolation import Parsers
from wissenswerk.parsing.ocr import OcrError, OcrResult, TesseractOcr, merge_ocr, ocr_pages
from wissenswerk.sources.base import Source
from wissenswerk.store.base import OcrTask

log = logging.getLogger(__name__)

BATCH = 16


@dataclass(slots=True)
class OcrProgress:
    total_pages: int
    done_pages: int = 0
    documents: int = 0
    current: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def pages_per_minute(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done_pages / elapsed * 60 if elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if not self.done_pages:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done_pages * (self.total_pages - self.done_pages)


@dataclass(slots=True)
class OcrReport:
    documents: int = 0
    pages: int = 0
    pages_without_text: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    unavailable: str | None = None  # why Tesseract cannot run, when it cannot
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "pages": self.pages,
            "pages_without_text": self.pages_without_text,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "unavailable": self.unavailable,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class _Done:
    task: OcrTask
    parsed: ParsedDocument | None = None
    result: OcrResult | None = None
    data_hash: str | None = None
    error: str | None = None
    stale: bool = False


class OcrPass:
    def __init__(
        self,
        syncer: Syncer,
        parsers: Parsers,
        settings: OcrSettings,
        open_source: Callable[[str], Source],
        workers: int = 2,
    ) -> None:
        self.syncer = syncer
        self.store = syncer.store
        self.parsers = parsers
        self.settings = settings
        self.open_source = open_source
        self.workers = max(1, workers)
        self._sources_lock = threading.Lock()

    def run(
        self,
        on_progress: Callable[[OcrProgress], None] | None = None,
        max_documents: int | None = None,
    ) -> OcrReport:
        started = time.monotonic()
        report = OcrReport()
        engine = TesseractOcr(self.settings)
        if not engine.available():
            report.unavailable = engine.unavailable_reason or "tesseract is not available"
            self._mark_all("unavailable", f"needs OCR, but {report.unavailable}")
            return report
        pending = self.store.ocr_queue(max_documents or 1_000_000)
        progress = OcrProgress(total_pages=sum(len(t.pages) for t in pending))
        if on_progress:
            on_progress(progress)
        sources: dict[str, Source] = {}
        try:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="ocr") as pool:
                for start in range(0, len(pending), BATCH):
                    batch = pending[start : start + BATCH]
                    for done in pool.map(lambda t: self._recognise(t, sources), batch):
                        self._store(done, report)
                        progress.done_pages += len(done.task.pages)
                        progress.documents += 1
                        progress.current = done.task.path
                        if on_progress:
                            on_progress(progress)
        finally:
            for source in sources.values():
                source.close()
        report.seconds = time.monotonic() - started
        return report

    def _mark_all(self, state: str, reason: str) -> None:
        while tasks := self.store.ocr_queue(500):
            for task in tasks:
                self.store.set_ocr_state(task.source, task.path, state, reason)

    def _source(self, name: str, sources: dict[str, Source]) -> Source:
        # Threads share one connector per source; connectors serialise their own I/O.
        with self._sources_lock:
            if name not in sources:
                sources[name] = self.open_source(name)
            return sources[name]

    def _recognise(self, task: OcrTask, sources: dict[str, Source]) -> _Done:
        done = _Done(task)
        item = _item(task)
        try:
            data = self._source(task.source, sources).read(item)
        except SourceError as exc:
            done.error = f"cannot read the file for OCR: {exc}"
            return done
        done.data_hash = hashlib.sha256(data).hexdigest()
        if done.data_hash != task.content_hash:
            done.stale = True  # changed since queued: the next sync re-parses and re-queues it
            return done
        timeout = self.settings.timeout_s * max(1, len(task.pages))
        try:
            # Parse again (cheap next to OCR) rather than keeping parse results in the queue.
            done.parsed = self.parsers.parse(data, task.path)
            done.result = self.parsers.run(
                ocr_pages,
                data,
                task.path,
                list(task.pages),
                self.settings,
                name=f"{task.path} (OCR)",
                timeout_s=timeout,
            )
        except (OcrError, ParseError) as exc:
            done.error = getattr(exc, "reason", str(exc))
        return done

    def _store(self, done: _Done, report: OcrReport) -> None:
        task = done.task
        if done.stale:
            return
        if done.error is not None or done.result is None or done.parsed is None:
            reason = done.error or "OCR failed"
            self.store.set_ocr_state(task.source, task.path, "failed", f"OCR failed: {reason}")
            report.failed.append((task.path, reason))
            return
        # Only the pages still queued: the text-layer pages are in the parse already.
        parsed = dataclasses.replace(
            done.parsed, needs_ocr_pages=[p for p in done.parsed.needs_ocr_pages if p in task.pages]
        )
        merged = merge_ocr(parsed, done.result)
        assert done.data_hash is not None
        self.syncer.write_parsed(
            task.source, _item(task), None, merged, done.data_hash, SyncReport(task.source), True
        )
        report.documents += 1
        report.pages += len(task.pages)
        report.pages_without_text += len(merged.needs_ocr_pages)


def _item(task: OcrTask) -> SourceItem:
    return SourceItem(
        path=task.path,
        size=task.size,
        mtime_ns=task.mtime_ns,
        acl=task.acl,
        modified=task.modified,
        version=task.version,
        url=task.url,
        title=task.title,
    )
