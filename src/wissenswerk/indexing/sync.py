"""Sync one source into the store: list, compare, parse, chunk, analyse, write.

Cheap checks first (size + mtime), content hash second, so unchanged files are never
re-parsed. Each document is written in its own transaction; a crash loses at most the
document in flight, and the next run picks up exactly there. Files that vanished from the
listing are deleted from the index, except below folders that could not be listed.
Dense vectors are filled in afterwards (see ``embedding.py``): text becomes searchable
lexically as soon as its document is committed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from wissenswerk.analysis import Analyzer
from wissenswerk.chunking import StructuredChunker
from wissenswerk.core.acl import acl_key
from wissenswerk.core.errors import ParseError, SourceError
from wissenswerk.core.models import Chunk, SourceItem
from wissenswerk.parsing import ParserRegistry
from wissenswerk.parsing.base import ParseLimits
from wissenswerk.sources.base import Source
from wissenswerk.store.base import ChunkRecord, DocumentRecord, DocumentState, Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SyncProgress:
    """Handed to the progress callback after every item."""

    source: str
    total: int
    done: int = 0
    current: str = ""
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
    listed: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    permissions_changed: int = 0
    chunks_written: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    needs_ocr: list[str] = field(default_factory=list)
    without_readers: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "listed": self.listed,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "permissions_changed": self.permissions_changed,
            "chunks_written": self.chunks_written,
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


class Syncer:
    def __init__(
        self,
        store: Store,
        parsers: ParserRegistry,
        chunker: StructuredChunker,
        analyzer: Analyzer,
        limits: ParseLimits,
    ) -> None:
        self.store = store
        self.parsers = parsers
        self.chunker = chunker
        self.analyzer = analyzer
        self.limits = limits

    def sync(
        self, source: Source, on_progress: Callable[[SyncProgress], None] | None = None
    ) -> SyncReport:
        started = time.monotonic()
        report = SyncReport(source=source.name)
        run_id = self.store.start_run(source.name)
        status = "failed"
        try:
            states = self.store.document_states(source.name)
            items = list(source.list_items())  # SourceError here: fatal, nothing deleted
            report.listed = len(items)
            progress = SyncProgress(source=source.name, total=len(items))
            for item in items:
                progress.current = item.path
                self._sync_item(source, item, states.get(item.path), report)
                progress.done += 1
                if on_progress:
                    on_progress(progress)
            unlisted = [prefix for prefix, _ in source.listing_errors]
            report.errors.extend(
                (prefix or "/", reason) for prefix, reason in source.listing_errors
            )
            seen = {item.path for item in items}
            gone = sorted(p for p in states if p not in seen and not _under(p, unlisted))
            report.deleted = self.store.delete_documents(source.name, gone)
            status = "completed"
        finally:
            report.seconds = time.monotonic() - started
            self.store.finish_run(
                run_id, status, {k: v for k, v in report.as_dict().items() if isinstance(v, int)}
            )
        return report

    def _sync_item(
        self, source: Source, item: SourceItem, state: DocumentState | None, report: SyncReport
    ) -> None:
        if not item.acl:
            report.without_readers.append(item.path)
        if state and state.size == item.size and state.mtime_ns == item.mtime_ns:
            self._refresh_acl(source, item, state, report)
            report.unchanged += 1
            return
        if item.size > self.limits.max_file_bytes:
            reason = (
                f"file is {item.size / 1e6:.0f} MB, above the limit of "
                f"{self.limits.max_file_bytes / 1e6:.0f} MB (setting parsing.max_file_mb)"
            )
            self._problem(source, item, "error", reason, None, report)
            return
        try:
            data = source.read(item)
        except SourceError as exc:
            self._problem(source, item, "error", str(exc), None, report)
            return
        content_hash = hashlib.sha256(data).hexdigest()
        if state and state.content_hash == content_hash and state.status != "error":
            # Touched but not changed (copied back, re-saved unchanged): no re-parse.
            self.store.touch_document(source.name, item.path, item.size, item.mtime_ns)
            self._refresh_acl(source, item, state, report)
            report.unchanged += 1
            return
        try:
            parsed = self.parsers.parse_bytes(data, item.path, self.limits)
        except ParseError as exc:
            self._problem(source, item, "error", exc.reason, content_hash, report)
            return
        except Exception as exc:  # a parser bug must not stop the batch; it is recorded
            log.exception("Parser crashed on %s in source %s", item.path, source.name)
            reason = f"internal parser error ({type(exc).__name__}: {exc}); please report"
            self._problem(source, item, "error", reason, content_hash, report)
            return
        chunks = self.chunker.chunk(parsed)
        if not chunks and parsed.needs_ocr:
            pages = ", ".join(map(str, parsed.needs_ocr_pages[:10]))
            self._problem(
                source,
                item,
                "needs_ocr",
                f"no text layer (scanned) on pages {pages}; needs OCR",
                content_hash,
                report,
            )
            report.needs_ocr.append(item.path)
            return
        warnings = list(parsed.warnings)
        if parsed.needs_ocr:
            pages = ", ".join(map(str, parsed.needs_ocr_pages[:10]))
            noun = "page" if len(parsed.needs_ocr_pages) == 1 else "pages"
            warnings.append(f"{noun} {pages} without text layer (scanned): needs OCR")
            report.needs_ocr.append(item.path)
        if not chunks:
            warnings.append("no text found in the file")
        language = parsed.language or self.analyzer.detect_language(parsed.text[:5000])
        records = chunk_records(chunks, self.analyzer, language)
        self.store.write_document(
            DocumentRecord(
                source=source.name,
                path=item.path,
                size=item.size,
                mtime_ns=item.mtime_ns,
                content_hash=content_hash,
                acl=item.acl,
                title=parsed.title,
                modified=item.modified,
                language=language,
                status="indexed",
                parser=parsed.metadata.get("parser") or _extension(item.path),
                warnings=warnings,
                chunks=records,
            )
        )
        report.chunks_written += len(records)
        if state is None:
            report.added += 1
        else:
            report.updated += 1

    def _refresh_acl(
        self, source: Source, item: SourceItem, state: DocumentState, report: SyncReport
    ) -> None:
        if state.acl_key != acl_key(item.acl):
            self.store.set_document_acl(source.name, item.path, item.acl)
            report.permissions_changed += 1

    def _problem(
        self,
        source: Source,
        item: SourceItem,
        status: str,
        reason: str,
        content_hash: str | None,
        report: SyncReport,
    ) -> None:
        self.store.record_problem(
            source.name,
            item.path,
            item.size,
            item.mtime_ns,
            item.acl,
            status,
            reason,
            content_hash,
        )
        if status == "error":
            report.errors.append((item.path, reason))
