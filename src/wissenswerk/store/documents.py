"""The documents part of the store protocol: one stored document and its chunks, for the
document viewer and downloads. Permission checks happen in the caller (``viewer``), which
compares the document's access class with the user's readable classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # base.py imports this module for the Store protocol
    from wissenswerk.store.base import StoredChunk


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    id: int
    source: str
    path: str
    title: str | None
    modified: datetime | None
    size: int
    mtime_ns: int
    version: str
    url: str | None
    parser: str | None
    status: str
    language: str | None
    content_hash: str | None
    acl_class_id: int
    warnings: list[str] = field(default_factory=list)
    hidden_text: str = ""  # why the document may hide text from its reader ("" = none found)


class DocumentsStore(Protocol):
    def document(self, document_id: int) -> DocumentInfo | None: ...

    def document_chunks(self, document_id: int) -> list[StoredChunk]:
        """The document's chunks in reading order."""
        ...
