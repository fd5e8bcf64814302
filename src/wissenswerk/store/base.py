"""The store protocol: everything callers may ask of a storage backend.

SQLite (embedded default) implements it today; a PostgreSQL backend will implement the
same methods, proven by the contract suite in ``tests/store/contract.py``. Callers never
write SQL. Every write method is one transaction: after a crash the store holds either the
old or the new state of a document, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from wissenswerk.core.models import SourceConfig, User
from wissenswerk.store.accounts import AccountsStore
from wissenswerk.store.audit import AuditStore
from wissenswerk.store.conversations import ConversationsStore
from wissenswerk.store.documents import DocumentsStore


@dataclass(frozen=True, slots=True)
class DocumentState:
    """What the store remembers of an item to decide cheaply whether it changed."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    acl_key: str
    status: str  # "indexed" | "needs_ocr" | "error" | "pending" (never read successfully)
    version: str = ""
    failures: int = 0  # consecutive failed reads/parses since the last success
    retry_at: float | None = None  # unix time before which no retry is made
    ocr: str = ""  # "" | "pending" | "done" | "unavailable" | "failed"


@dataclass(frozen=True, slots=True)
class FailedItem:
    """An item whose last read or parse failed; dead-lettered once failures reach the limit."""

    source: str
    path: str
    failures: int
    retry_at: float | None
    last_error: str


@dataclass(frozen=True, slots=True)
class OcrTask:
    """A stored document with pages still to OCR, and what is needed to rewrite it."""

    source: str
    path: str
    size: int
    mtime_ns: int
    version: str
    content_hash: str | None
    pages: tuple[int, ...]
    acl: frozenset[str]
    title: str | None
    modified: datetime | None
    url: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    source: str
    kind: str  # "content" | "permissions"
    status: str  # "running" | "completed" | "failed" | "interrupted"
    started_at: str
    finished_at: str | None
    phase: str
    total: int
    done: int
    counts: dict[str, int]
    error: str | None


@dataclass(slots=True)
class ChunkRecord:
    chunk_key: str  # content-derived id
    ordinal: int
    text: str
    context: str
    page: int | None
    member: str | None
    heading_path: tuple[str, ...]
    terms: dict[str, int]  # analysed term -> frequency
    length: int  # number of analysed terms (BM25 document length)
    embed_hash: str  # hash of the text the embedder sees; vectors are cached by it


@dataclass(slots=True)
class DocumentRecord:
    source: str
    path: str
    size: int
    mtime_ns: int
    content_hash: str
    acl: frozenset[str]
    title: str | None
    modified: datetime | None
    language: str | None
    status: str  # "indexed" | "needs_ocr"
    parser: str
    warnings: list[str] = field(default_factory=list)
    chunks: list[ChunkRecord] = field(default_factory=list)
    version: str = ""
    url: str | None = None
    ocr: str = ""  # "pending" queues the document for the OCR pass
    ocr_pages: tuple[int, ...] = ()  # pages without text layer, still to OCR
    hidden_text: str = ""  # why the file may hide text from its reader ("" = nothing found)


@dataclass(frozen=True, slots=True)
class StoredChunk:
    rowid: int
    document_id: int
    source: str
    path: str
    title: str | None
    modified: datetime | None
    text: str
    context: str
    page: int | None
    member: str | None
    heading_path: tuple[str, ...]
    hidden_text: str = ""  # the document's hidden-text flag, shown with citations


LANGUAGES = ("de", "en")


def language_code(language: str | None) -> int:
    return LANGUAGES.index(language) if language in LANGUAGES else -1


@dataclass(frozen=True, slots=True)
class ChunkStats:
    """Snapshot of per-chunk numbers the in-memory search structures need."""

    generation: int
    rowids: np.ndarray  # int64, ascending
    acl_classes: np.ndarray  # int32, parallel to rowids
    lengths: np.ndarray  # int32, parallel to rowids
    languages: np.ndarray  # int8 index into LANGUAGES (-1 = other/unknown), parallel to rowids


@dataclass(frozen=True, slots=True)
class ProblemRecord:
    source: str
    path: str
    status: str  # "error" | "needs_ocr" | "warning"
    reason: str


class Store(AccountsStore, AuditStore, ConversationsStore, DocumentsStore, Protocol):
    # --- lifecycle -------------------------------------------------------------------
    def close(self) -> None: ...

    def generation(self) -> int:
        """A number that changes whenever indexed content or permissions change."""
        ...

    # --- users and groups ------------------------------------------------------------
    def upsert_user(
        self, name: str, groups: Iterable[str], active: bool = True, origin: str = "local"
    ) -> User: ...

    def deactivate_users(self, origin: str, keep: Iterable[str]) -> list[str]:
        """Deactivate active users of ``origin`` not named in ``keep``; return their names."""
        ...

    def get_user(self, name: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    # --- sources ---------------------------------------------------------------------
    def add_source(self, source: SourceConfig) -> None: ...

    def get_source(self, name: str) -> SourceConfig | None: ...

    def list_sources(self) -> list[SourceConfig]: ...

    def remove_source(self, name: str) -> None: ...

    # --- documents -------------------------------------------------------------------
    def document_states(self, source: str) -> dict[str, DocumentState]: ...

    def write_document(self, record: DocumentRecord) -> None:
        """Insert or replace a document with its chunks and postings, atomically."""
        ...

    def record_problem(
        self,
        source: str,
        path: str,
        size: int,
        mtime_ns: int,
        acl: frozenset[str],
        status: str,
        reason: str,
        content_hash: str | None = None,
        version: str = "",
    ) -> None:
        """Remember a file that cannot be indexed as it is (its old chunks are removed);
        it is tried again only when it changes."""
        ...

    def record_failure(
        self,
        source: str,
        path: str,
        size: int,
        mtime_ns: int,
        version: str,
        acl: frozenset[str],
        reason: str,
        failures: int,
        retry_at: float | None,
    ) -> None:
        """Remember a failed read or parse that may succeed later. An indexed older version
        stays searchable; a new item is kept as "pending" without chunks."""
        ...

    def failed_items(self, source: str | None = None) -> list[FailedItem]: ...

    def reset_failures(self, source: str | None = None) -> int:
        """Make failed and dead-lettered items due for retry at the next sync."""
        ...

    def touch_document(
        self, source: str, path: str, size: int, mtime_ns: int, version: str = ""
    ) -> None:
        """Record a new mtime/version for an item whose content did not change."""
        ...

    def set_document_acl(self, source: str, path: str, acl: frozenset[str]) -> None: ...

    def delete_documents(self, source: str, paths: Sequence[str]) -> int: ...

    def problems(self, source: str | None = None) -> list[ProblemRecord]: ...

    def counts(self) -> dict[str, int]: ...

    # --- lexical index ---------------------------------------------------------------
    def chunk_stats(self) -> ChunkStats: ...

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(chunk rowids, term frequencies) of one analysed term."""
        ...

    def readable_classes(self, principals: Iterable[str]) -> list[int]: ...

    # --- dense index -----------------------------------------------------------------
    def missing_embeddings(self, model: str, limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` (embed_hash, text) pairs of chunks without a vector for model."""
        ...

    def count_missing_embeddings(self, model: str) -> int: ...

    def put_embeddings(self, model: str, items: Sequence[tuple[str, np.ndarray]]) -> None: ...

    def vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(chunk rowids ascending, float32 matrix) of all chunks embedded with model."""
        ...

    # --- reading chunks back ---------------------------------------------------------
    def get_chunks(self, rowids: Sequence[int]) -> dict[int, StoredChunk]: ...

    # --- OCR queue -------------------------------------------------------------------
    def ocr_queue(self, limit: int) -> list[OcrTask]: ...

    def count_ocr_pending(self) -> int: ...

    def set_ocr_state(self, source: str, path: str, state: str, reason: str | None = None) -> None:
        """Mark a queued document as OCR "unavailable" or "failed" (with a warning)."""
        ...

    # --- sync runs -------------------------------------------------------------------
    def lock_source(self, source: str) -> AbstractContextManager[None]:
        """Hold the sync lock of a source (one sync per source at a time, across processes);
        raises SyncBusyError at once when another sync holds it. Released on exit or when
        the holding process dies."""
        ...

    def start_run(self, source: str, kind: str = "content") -> int: ...

    def update_run(
        self, run_id: int, phase: str, total: int, done: int, counts: dict[str, int]
    ) -> None: ...

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, int], error: str | None = None
    ) -> None: ...

    def runs(self, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Latest runs first."""
        ...

    def last_finished(self, source: str, kind: str) -> float | None:
        """Unix time of the last completed run of that kind, None if there was none."""
        ...
