"""The document viewer's domain logic, shared by the web pages and the REST API.

A document a user may not read and a document that does not exist raise the same
NotFoundError, so guessing ids reveals nothing. The original is read from the source at
the moment of download and served only if it is still the indexed version: permissions are
known for that version, not for whatever the file became since.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from wissenswerk.core.acl import principals_of
from wissenswerk.core.errors import NotFoundError, ParseError, SourceError
from wissenswerk.core.models import SourceItem
from wissenswerk.parsing.pdf import render_pages
from wissenswerk.sources.base import Source
from wissenswerk.store.base import Store
from wissenswerk.store.documents import DocumentInfo

MAX_PAGE_DPI = 200


class DocumentNotFoundError(NotFoundError):
    def __init__(self, document_id: int) -> None:
        super().__init__(f"Document {document_id} does not exist or you may not read it.")
        self.document_id = document_id


class DocumentChangedError(SourceError):
    """The file in the source is no longer the indexed version."""


@dataclass(frozen=True, slots=True)
class Section:
    """Consecutive chunks of one page / attachment, as shown in the viewer."""

    page: int | None
    member: str | None
    heading_path: tuple[str, ...]
    paragraphs: list[list[tuple[str, bool]]]  # text segments, True = inside the quote


@dataclass(slots=True)
class DocumentView:
    info: DocumentInfo
    sections: list[Section] = field(default_factory=list)
    quote_found: bool = False


_SPACE = re.compile(r"\s+")


def mark(text: str, quote: str | None) -> tuple[list[tuple[str, bool]], bool]:
    """Split text into segments with the quote marked; whitespace differences are ignored
    (quotes are normalised sentences, chunk text keeps line breaks)."""
    if not quote or not quote.strip():
        return [(text, False)], False
    words = [re.escape(w) for w in quote.split()]
    pattern = re.compile(r"\s+".join(words))
    match = pattern.search(text)
    if match is None:
        return [(text, False)], False
    parts = [(text[: match.start()], False), (match.group(0), True), (text[match.end() :], False)]
    return [p for p in parts if p[0]], True


class DocumentViewer:
    def __init__(
        self,
        store: Store,
        open_source: Callable[[str], Source],
    ) -> None:
        self.store = store
        self.open_source = open_source

    def _readable(self, user_name: str, document_id: int) -> DocumentInfo:
        user = self.store.get_user(user_name)
        info = self.store.document(document_id)
        if user is None or not user.active or info is None:
            raise DocumentNotFoundError(document_id)
        classes = self.store.readable_classes(principals_of(user.name, user.groups))
        if info.acl_class_id not in classes:
            raise DocumentNotFoundError(document_id)
        return info

    def may_read(self, user_name: str, document_id: int) -> bool:
        try:
            self._readable(user_name, document_id)
        except DocumentNotFoundError:
            return False
        return True

    def view(self, user_name: str, document_id: int, quote: str | None = None) -> DocumentView:
        info = self._readable(user_name, document_id)
        view = DocumentView(info=info)
        current: tuple[int | None, str | None] | None = None
        paragraphs: list[list[tuple[str, bool]]] = []
        heading: tuple[str, ...] = ()

        def flush() -> None:
            if current is not None and paragraphs:
                view.sections.append(Section(current[0], current[1], heading, list(paragraphs)))

        for chunk in self.store.document_chunks(document_id):
            key = (chunk.page, chunk.member)
            if key != current:
                flush()
                current, paragraphs, heading = key, [], chunk.heading_path
            segments, found = mark(chunk.text, None if view.quote_found else quote)
            view.quote_found = view.quote_found or found
            paragraphs.append(segments)
        flush()
        return view

    def original(self, user_name: str, document_id: int) -> tuple[DocumentInfo, bytes]:
        info = self._readable(user_name, document_id)
        source = self.open_source(info.source)
        try:
            data = source.read(
                SourceItem(
                    path=info.path,
                    size=info.size,
                    mtime_ns=info.mtime_ns,
                    acl=frozenset(),
                    version=info.version,
                    url=info.url,
                )
            )
        finally:
            source.close()
        if info.content_hash and hashlib.sha256(data).hexdigest() != info.content_hash:
            raise DocumentChangedError(
                f"{info.path} changed in {info.source} since it was indexed; it can be "
                "downloaded again after the next sync."
            )
        return info, data

    def page_png(self, user_name: str, document_id: int, page: int, dpi: int = 110) -> bytes:
        """One PDF page as PNG (for the viewer's page image)."""
        info, data = self.original(user_name, document_id)
        if info.parser != "pdf":
            raise DocumentNotFoundError(document_id)
        try:
            [(_, image)] = list(render_pages(data, info.path, [page], min(dpi, MAX_PAGE_DPI)))
        except ParseError as exc:
            raise NotFoundError(f"{info.path}: {exc.reason}") from exc
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        image.close()
        return out.getvalue()
