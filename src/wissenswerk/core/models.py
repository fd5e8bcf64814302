"""Plain dataclasses passed between stages: stored documents, chunks, hits, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class User:
    name: str
    groups: tuple[str, ...] = ()
    active: bool = True
    origin: str = "local"  # "local" (CLI/CSV/admin) or "directory" (synced from LDAP/AD)


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """A configured source. ``kind`` selects the connector (folder, smb, imap, webdav, web,
    sql, graph, confluence, or a plugin's); ``options`` are the connector's own settings,
    validated by its factory. Secrets in options may be given indirectly (``password_env``
    or ``password_file`` instead of ``password``, see ``sources.base.secret``)."""

    name: str
    kind: str
    location: str  # folder path, server URL or DSN: what the admin sees first
    acl_mode: str = "posix"  # "posix" | "acl_map" | "source" (permissions read from the source)
    acl_map: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path_prefix, principals)
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    # Intervals for `serve` and `sync --watch`, in minutes; 0 = only on demand.
    sync_every_minutes: int = 60
    permissions_every_minutes: int = 15


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One item (file, e-mail, page, row) as a source lists it, before it is read. Cheap to
    produce: the sync compares (size, mtime_ns, version) with what it stored and reads the
    item only when one of them changed."""

    path: str  # unique within the source, "/"-separated; its extension picks the parser
    size: int  # bytes, or -1 when the listing does not tell
    mtime_ns: int  # 0 when the listing does not tell
    acl: frozenset[str]
    modified: datetime | None = None
    # The source's own change token (ETag, IMAP UIDVALIDITY/UID, Graph cTag, row hash); ""
    # when size and mtime are all the source offers.
    version: str = ""
    url: str | None = None  # where a user opens the item in its source system
    title: str | None = None  # overrides the parsed title (e-mail subject, page title)


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
    hidden_text: str = ""  # the document's hidden-text flag ("" = none found)


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    source: str
    path: str
    member: str | None
    page: int | None
    quote: str
    document_id: int | None = None  # for the viewer link; not part of the CLI's JSON
    hidden_text: str = ""  # why the cited document may hide text from its reader


@dataclass(slots=True)
class Answer:
    answer: str
    found: bool
    citations: list[Citation] = field(default_factory=list)
    mode: str = "extractive"  # or "generated" (a language model wrote it from the sources)
    notes: list[str] = field(default_factory=list)
    # Accounting of a generated answer: the model's name and tokens_in, tokens_out,
    # latency_ms over all its calls (question rewriting included); None without a model.
    model: str | None = None
    usage: dict[str, int | float] | None = None
