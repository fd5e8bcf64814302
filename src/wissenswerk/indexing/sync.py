"""Sync one source into the store: list, compare, read, parse, chunk, analyse, write.

Cheap checks first (size, mtime and the source's change token), content hash second, so
unchanged items are never re-parsed. Each document is written in its own transaction; a
crash loses at most the documents in flight, and the next run picks up exactly there.
Items that vanished from the listing are deleted from the index, except below folders that
could not be listed. A failed read is retried with exponential backoff at later syncs and
dead-lettered after ``max_attempts``; a file that cannot be parsed is recorded with its
reason and tried again only when it changes. Dense vectors and OCR are filled in afterwards
(``embedding.py``, ``ocr.py``): text becomes searchable lexically as soon as its document
is committed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from wissenswerk.analysis import Analyzer
from wissenswerk.chunking import StructuredChunker
from wissenswerk.core.acl import acl_key
from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import ParseError, SourceError
from wissenswerk.core.models import Chunk, SourceItem
from wissenswerk.parsing.base import ParseLimits
from wissenswerk.sources.base import Source
from wissenswerk.store.base import ChunkRecord, DocumentRecord, DocumentState, Store

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0  # how often a run's progress is written for other processes


class ParseBackend(Protocol):
    """Parses one file: in-process or in isolated worker processes (parsing.isolation)."""

    def parse(self, data: bytes, filename: str) -> ParsedDocument: ...


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    max_attempts: int = 5
    retry_base_s: float = 300.0
    workers: int = 2  # items read and parsed concurrently
    ocr: bool = False  # queue scanned pages for the OCR pass


@dataclass(slots=True)
class SyncProgress:
    """Handed to the progress callback after every item."""

    source: str
    total: int
    phase: str = "listing"  # listing | indexing | deleting | permissions
    done: int = 0
    current: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    @property
    def eta_seconds(self) -> float | None:
        if self.done == 0:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done)


@dataclass(slots=True)
class SyncReport:
    source: str
    kind: str = "content"
    listed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    permissions_changed: int = 0
    chunks_written: int = 0
    retry_scheduled: int = 0  # read/parse failed now, retried at a later sync
    waiting: int = 0  # failed earlier, retry not yet due
    dead: int = 0  # gave up after max_attempts (dead-letter list)
    ocr_queued: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    needs_ocr: list[str] = field(default_factory=list)
    without_readers: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.as_dict().items() if isinstance(v, int)}

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "kind": self.kind,
            "listed": self.listed,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "permissions_changed": self.permissions_changed,
            "chunks_written": self.chunks_written,
            "retry_scheduled": self.retry_scheduled,
            "waiting": self.waiting,
            "dead": self.dead,
            "ocr_queued": self.ocr_queued,
            "errors": [{"path": p, "reason": r} for p, r in self.errors],
            "needs_ocr": self.needs_ocr,
            "without_readers": self.without_readers,
            "seconds": round(self.seconds, 3),
        }


def chunk_records(chunks: list[Chunk], analyzer: Analyzer, language: str) -> list[ChunkRecord]:
    """Analyse chunks into what the store indexes: term frequencies and embedding keys."""
    records = []
    for chunk in chunks:
        indexed_text = f"{chunk.context}\n{chunk.text}"
        terms = analyzer.index_terms(indexed_text, language)
        records.append(
            ChunkRecord(
                chunk_key=chunk.chunk_id,
                ordinal=chunk.ordinal,
                text=chunk.text,
                context=chunk.context,
                page=chunk.page,
                member=chunk.member,
                heading_path=chunk.heading_path,
                terms=dict(Counter(terms)),
                length=len(terms),
                # Must hash exactly what the embedder sees (store.missing_embeddings).
                embed_hash=hashlib.sha256(indexed_text.encode()).hexdigest()[:32],
            )
        )
    return records


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _under(path: str, prefixes: list[str]) -> bool:
    return any(p == "" or path == p or path.startswith(p + "/") for p in prefixes)


def _changed(item: SourceItem, state: DocumentState) -> bool:
    return (item.size, item.mtime_ns, item.version) != (state.size, state.mtime_ns, state.version)


@dataclass(slots=True)
class _Fetched:
    """What a worker thread hands back for one item: bytes and parse, or why not."""

    item: SourceItem
    state: DocumentState | None
    content_hash: str | None = None
    parsed: ParsedDocument | None = None
    unchanged: bool = False
    error: str | None = None
    transient: bool = False


class Syncer:
    def __init__(
        self,
        store: Store,
        parsers: ParseBackend,
        chunker: StructuredChunker,
        analyzer: Analyzer,
        limits: ParseLimits,
        policy: SyncPolicy | None = None,
    ) -> None:
        self.store = store
        self.parsers = parsers
        self.chunker = chunker
        self.analyzer = analyzer
        self.limits = limits
        self.policy = policy or SyncPolicy()
        self.clock: Callable[[], float] = time.time  # wall clock for retry times (tests move it)

    # --- content sync ----------------------------------------------------------------
    def sync(
        self, source: Source, on_progress: Callable[[SyncProgress], None] | None = None
    ) -> SyncReport:
        """Bring the index of one source up to date. Raises SyncBusyError when another
        process syncs the same source, SourceError when the source is unreachable."""
        with self.store.lock_source(source.name):
            return self._run(source, "content", on_progress)

    def refresh_permissions(
        self, source: Source, on_progress: Callable[[SyncProgress], None] | None = None
    ) -> SyncReport:
        """Only compare the listed ACLs with the stored ones; reads and parses nothing.
        Cheap enough to run far more often than the content sync."""
        with self.store.lock_source(source.name):
            return self._run(source, "permissions", on_progress)

    def _run(
        self,
        source: Source,
        kind: str,
        on_progress: Callable[[SyncProgress], None] | None,
    ) -> SyncReport:
        started = time.monotonic()
        report = SyncReport(source=source.name, kind=kind)
        run_id = self.store.start_run(source.name, kind)
        progress = SyncProgress(source=source.name, total=0, phase="listing")
        last_written = 0.0

        def tick(force: bool = False) -> None:
            nonlocal last_written
            progress.counts = report.counts()
            if on_progress:
                on_progress(progress)
            now = time.monotonic()
            if force or now - last_written >= PROGRESS_EVERY_S:
                last_written = now
                self.store.update_run(
                    run_id, progress.phase, progress.total, progress.done, progress.counts
                )

        status, error = "failed", None
        try:
            tick(force=True)
            states = self.store.document_states(source.name)
            items = list(source.list_items())  # SourceError here: fatal, nothing deleted
            report.listed = len(items)
            progress.total = len(items)
            progress.phase = "indexing" if kind == "content" else "permissions"
            progress.started = time.monotonic()
            if kind == "content":
                for done in self._sync_items(source, items, states, report):
                    progress.current = done
                    progress.done += 1
                    tick()
                self._delete_vanished(source, items, states, report)
            else:
                for item in items:
                    state = states.get(item.path)
                    if state is not None:
                        self._refresh_acl(source, item, state, report)
                    progress.current = item.path
                    progress.done += 1
                    tick()
            status = "completed"
        except BaseException as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            report.seconds = time.monotonic() - started
            progress.phase = "done"
            self.store.finish_run(run_id, status, report.counts(), error)
            try:
                source.close()
            except Exception:  # closing must not hide the sync's own outcome
                log.warning("Closing source %s failed", source.name, exc_info=True)
        return report

    def _delete_vanished(
        self,
        source: Source,
        items: list[SourceItem],
        states: dict[str, DocumentState],
        report: SyncReport,
    ) -> None:
        unlisted = [prefix for prefix, _ in source.listing_errors]
        report.errors.extend((prefix or "/", reason) for prefix, reason in source.listing_errors)
        seen = {item.path for item in items}
        gone = sorted(p for p in states if p not in seen and not _under(p, unlisted))
        report.deleted = self.store.delete_documents(source.name, gone)

    # --- per item --------------------------------------------------------------------
    def _sync_items(
        self,
        source: Source,
        items: list[SourceItem],
        states: dict[str, DocumentState],
        report: SyncReport,
    ) -> Iterator[str]:
        """Decide per item; read and parse changed ones on worker threads (I/O and the
        isolated parser processes run in parallel) and write them in listing order."""
        now = self.clock()
        pending: deque[Future[_Fetched]] = deque()
        window = max(1, self.policy.workers) * 2
        with ThreadPoolExecutor(
            max_workers=max(1, self.policy.workers), thread_name_prefix=f"sync-{source.name}"
        ) as pool:
            for item in items:
                state = states.get(item.path)
                if not item.acl:
                    report.without_readers.append(item.path)
                if state is not None:
                    # Before any read: a revoked permission applies even if the read fails.
                    self._refresh_acl(source, item, state, report)
                if not self._due(item, state, now, report):
                    yield item.path
                    continue
                pending.append(pool.submit(self._fetch, source, item, state))
                while len(pending) >= window:
                    yield self._store_fetched(source, pending.popleft().result(), report)
            while pending:
                yield self._store_fetched(source, pending.popleft().result(), report)

    def _due(
        self, item: SourceItem, state: DocumentState | None, now: float, report: SyncReport
    ) -> bool:
        if state is None:
            return True
        changed = _changed(item, state)
        if state.failures > 0 and not changed:
            if state.failures >= self.policy.max_attempts:
                report.dead += 1
                return False
            if state.retry_at is not None and state.retry_at > now:
                report.waiting += 1
                return False
            return True
        if not changed:
            report.unchanged += 1
            return False
        return True

    def _fetch(self, source: Source, item: SourceItem, state: DocumentState | None) -> _Fetched:
        """Runs on a worker thread: read and parse, never touch the store."""
        out = _Fetched(item=item, state=state)
        if item.size > self.limits.max_file_bytes:
            out.error = (
                f"file is {item.size / 1e6:.0f} MB, above the limit of "
                f"{self.limits.max_file_bytes / 1e6:.0f} MB (setting parsing.max_file_mb)"
            )
            return out
        try:
            data = source.read(item)
        except SourceError as exc:
            out.error, out.transient = str(exc), True
            return out
        except Exception as exc:  # a connector bug is treated like a failed read
            log.exception("Reading %s from source %s failed", item.path, source.name)
            out.error = f"reading failed ({type(exc).__name__}: {exc})"
            out.transient = True
            return out
        out.content_hash = hashlib.sha256(data).hexdigest()
        if (
            state is not None
            and state.content_hash == out.content_hash
            and state.status in ("indexed", "needs_ocr")
        ):
            # Touched but not changed (copied back, re-saved, new ETag): no re-parse.
            out.unchanged = True
            return out
        try:
            out.parsed = self.parsers.parse(data, item.path)
        except ParseError as exc:  # also time/memory limits and crashed parser workers
            out.error = exc.reason
        except Exception as exc:  # a parser bug must not stop the batch; it is recorded
            log.exception("Parser crashed on %s in source %s", item.path, source.name)
            out.error = f"internal parser error ({type(exc).__name__}: {exc}); please report"
        return out

    def _store_fetched(self, source: Source, fetched: _Fetched, report: SyncReport) -> str:
        item, state = fetched.item, fetched.state
        if fetched.unchanged:
            self.store.touch_document(
                source.name, item.path, item.size, item.mtime_ns, item.version
            )
            report.unchanged += 1
        elif fetched.error is not None and fetched.transient:
            self._failed(source, item, state, fetched.error, report)
        elif fetched.error is not None:
            self.store.record_problem(
                source.name,
                item.path,
                item.size,
                item.mtime_ns,
                item.acl,
                "error",
                fetched.error,
                fetched.content_hash,
                item.version,
            )
            report.errors.append((item.path, fetched.error))
        else:
            assert fetched.parsed is not None and fetched.content_hash is not None
            self.write_parsed(
                source.name, item, state, fetched.parsed, fetched.content_hash, report
            )
        return item.path

    def _failed(
        self,
        source: Source,
        item: SourceItem,
        state: DocumentState | None,
        reason: str,
        report: SyncReport,
    ) -> None:
        changed = state is None or _changed(item, state)
        failures = 1 if changed or state is None else state.failures + 1
        delay = self.policy.retry_base_s * 2 ** (failures - 1)
        self.store.record_failure(
            source.name,
            item.path,
            item.size,
            item.mtime_ns,
            item.version,
            item.acl,
            reason,
            failures,
            self.clock() + delay,
        )
        if failures >= self.policy.max_attempts:
            report.dead += 1
            reason = f"{reason} (gave up after {failures} attempts; see 'wissenswerk failed')"
        else:
            report.retry_scheduled += 1
            reason = f"{reason} (attempt {failures} of {self.policy.max_attempts}, will retry)"
        report.errors.append((item.path, reason))

    def write_parsed(
        self,
        source: str,
        item: SourceItem,
        state: DocumentState | None,
        parsed: ParsedDocument,
        content_hash: str,
        report: SyncReport,
        ocr_done: bool = False,
    ) -> None:
        """Chunk, analyse and store one parsed document in one transaction. Pages without
        text layer are queued for OCR unless ``ocr_done`` (the OCR pass writes its result
        through here too)."""
        chunks = self.chunker.chunk(parsed)
        warnings = list(parsed.warnings)
        ocr = ""
        if parsed.needs_ocr:
            pages = ", ".join(map(str, parsed.needs_ocr_pages[:10]))
            noun = "page" if len(parsed.needs_ocr_pages) == 1 else "pages"
            report.needs_ocr.append(item.path)
            if ocr_done:
                ocr = "done"
            elif self.policy.ocr:
                ocr = "pending"
                report.ocr_queued += 1
                warnings.append(f"{noun} {pages} without text layer (scanned): queued for OCR")
            else:
                warnings.append(f"{noun} {pages} without text layer (scanned): needs OCR")
        elif not chunks:
            warnings.append("no text found in the file")
        language = parsed.language or self.analyzer.detect_language(parsed.text[:5000])
        records = chunk_records(chunks, self.analyzer, language)
        if ocr_done and not parsed.needs_ocr:
            ocr = "done"
        self.store.write_document(
            DocumentRecord(
                source=source,
                path=item.path,
                size=item.size,
                mtime_ns=item.mtime_ns,
                content_hash=content_hash,
                acl=item.acl,
                title=item.title or parsed.title,
                modified=item.modified,
                language=language,
                status="needs_ocr" if not chunks and parsed.needs_ocr else "indexed",
                parser=parsed.metadata.get("parser") or _extension(item.path),
                warnings=warnings,
                chunks=records,
                version=item.version,
                url=item.url,
                ocr=ocr,
                ocr_pages=tuple(parsed.needs_ocr_pages),
                hidden_text=parsed.metadata.get("hidden_text", ""),
            )
        )
        report.chunks_written += len(records)
        if state is None or state.status == "pending":
            report.added += 1
        else:
            report.updated += 1

    def _refresh_acl(
        self, source: Source, item: SourceItem, state: DocumentState, report: SyncReport
    ) -> None:
        if state.acl_key != acl_key(item.acl):
            self.store.set_document_acl(source.name, item.path, item.acl)
            report.permissions_changed += 1
