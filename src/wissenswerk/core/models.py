"""Plain dataclasses passed between stages: stored documents, chunks, hits, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class User:
    name: str
    groups: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A configured source. ``kind`` selects the connector (only "folder" so far)."""

    name: str
    kind: str
    location: str  # folder path for "folder" sources
    acl_mode: str = "posix"  # "posix" | "acl_map"
    acl_map: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path_prefix, principals)


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One file as a source lists it, before it is read. Cheap to produce."""

    path: str  # relative to the source root, "/"-separated
    size: int
    mtime_ns: int
    acl: frozenset[str]
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage with everything needed to cite it."""

    chunk_id: str  # content-derived, stable across re-ingestion
    text: str  # the passage as shown to users
    context: str  # heading path / title, indexed with the text but not quoted
    ordinal: int
    page: int | None = None
    member: str | None = None
    heading_path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result a user may read."""

    chunk_rowid: int
    score: float
    source: str
    path: str
    member: str | None
    page: int | None
    text: str
    context: str
    title: str | None
    modified: datetime | None
    document_id: int
    lexical_rank: int | None = None
    dense_rank: int | None = None
    dense_score: float | None = None  # cosine similarity of query and passage


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    source: str
    path: str
    member: str | None
    page: int | None
    quote: str


@dataclass(slots=True)
class Answer:
    answer: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    mode: str = "extractive"
    notes: list[str] = field(default_factory=list)
