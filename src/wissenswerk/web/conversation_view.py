"""Answers as the ask page shows them: citations with links into the document viewer, answer
lines with their ``[n]`` markers turned into links, and the stored form of both.

Citations name a document by source and path; the viewer wants its id. The answerer quotes
from the passages a search for the question returns, so the same search finds the ids; a
quote that is not among them (the index changed in between) is looked up by its own text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from wissenswerk.answering.sanitize import render_safe_html
from wissenswerk.core.models import Citation
from wissenswerk.search.service import SearchService
from wissenswerk.store.conversations import MessageRecord

_MARKER = re.compile(r"\[(\d+)\]")
# The answerer quotes from its best 8 passages (ExtractiveAnswerer.ask).
ANSWER_PASSAGES = 8
QUOTE_LOOKUP_LIMIT = 10

Translate = Callable[..., str]


@dataclass(frozen=True, slots=True)
class CitationLink:
    number: int
    source: str
    path: str
    member: str | None
    page: int | None
    quote: str
    document_id: int | None  # None: the document could not be found (no link)
    hidden_text: str = ""  # the document's hidden-text flag, shown as a warning

    @property
    def href(self) -> str | None:
        if self.document_id is None:
            return None
        return viewer_href(self.document_id, quote=self.quote, page=self.page, citation=True)

    def label(self, t: Translate) -> str:
        """``path › member, page n`` in the page's language."""
        text = self.path + (f" › {self.member}" if self.member else "")
        return text + (t("doc.page_suffix", page=self.page) if self.page else "")

    def as_record(self) -> dict[str, Any]:
        """The form stored with the message (store.add_message ``citations``)."""
        return {
            "number": self.number,
            "source": self.source,
            "path": self.path,
            "member": self.member,
            "page": self.page,
            "quote": self.quote,
            "document_id": self.document_id,
            "hidden_text": self.hidden_text,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CitationLink:
        document_id = record.get("document_id")
        page = record.get("page")
        return cls(
            number=int(record.get("number", 0)),
            source=str(record.get("source", "")),
            path=str(record.get("path", "")),
            member=record.get("member"),
            page=int(page) if page is not None else None,
            quote=str(record.get("quote", "")),
            document_id=int(document_id) if document_id is not None else None,
            hidden_text=str(record.get("hidden_text") or ""),
        )


def viewer_href(
    document_id: int, quote: str | None = None, page: int | None = None, citation: bool = False
) -> str:
    """The viewer's URL for a document, scrolled to the quote (or the page)."""
    params: dict[str, str | int] = {}
    if quote:
        params["quote"] = quote
    if page:
        params["page"] = page
    if citation:
        params["cite"] = 1
    query = f"?{urlencode(params)}" if params else ""
    anchor = "#quote" if quote else (f"#page-{page}" if page else "")
    return f"/documents/{document_id}{query}{anchor}"


def link_citations(
    search: SearchService, user_name: str, question: str, citations: Sequence[Citation]
) -> list[CitationLink]:
    """The citations of an answer to ``question`` with the ids of their documents."""
    ids: dict[tuple[str, str], int] = {}

    def remember(query: str, limit: int) -> None:
        for hit in search.search(query, user_name, limit=limit).hits:
            ids.setdefault((hit.source, hit.path), hit.document_id)

    if citations:
        remember(question, ANSWER_PASSAGES)
    for citation in citations:
        if (citation.source, citation.path) not in ids:
            remember(citation.quote, QUOTE_LOOKUP_LIMIT)
    return [
        CitationLink(
            number=c.number,
            source=c.source,
            path=c.path,
            member=c.member,
            page=c.page,
            quote=c.quote,
            document_id=c.document_id or ids.get((c.source, c.path)),
            hidden_text=c.hidden_text,
        )
        for c in citations
    ]


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    citation: CitationLink | None = None  # the text is a ``[n]`` marker of this citation


def answer_lines(text: str, citations: Sequence[CitationLink]) -> list[list[Segment]]:
    """The answer's lines, each split into text and citation markers."""
    by_number = {c.number: c for c in citations}
    lines: list[list[Segment]] = []
    for line in text.splitlines():
        segments: list[Segment] = []
        position = 0
        for match in _MARKER.finditer(line):
            citation = by_number.get(int(match.group(1)))
            if citation is None:
                continue
            if match.start() > position:
                segments.append(Segment(line[position : match.start()]))
            segments.append(Segment(match.group(0), citation))
            position = match.end()
        if position < len(line):
            segments.append(Segment(line[position:]))
        lines.append(segments)
    return lines


@dataclass(frozen=True, slots=True)
class MessageView:
    """One message of a conversation, ready for ``_conversation_message.html``."""

    id: int
    role: str  # "user" | "assistant"
    text: str
    found: bool | None
    citations: list[CitationLink]
    rating: int | None
    comment: str | None
    allowed_hosts: tuple[str, ...] = ()  # hosts whose links an answer may keep
    notes: list[str] = field(default_factory=list)  # what the reader should check or know

    def html(self, t: Translate) -> Markup:
        """The answer's Markdown as safe HTML, its ``[n]`` markers linked to the viewer."""
        by_number = {c.number: c for c in self.citations}

        def link(number: int) -> tuple[str, str] | None:
            citation = by_number.get(number)
            if citation is None or citation.href is None:
                return None
            return citation.href, citation.label(t)

        # render_safe_html escapes everything it does not build itself.
        return Markup(
            render_safe_html(
                self.text,
                self.allowed_hosts,
                citation_count=max(by_number, default=0),
                citation_link=link,
                line_breaks=True,
            )
        )


def message_view(record: MessageRecord, allowed_hosts: Sequence[str] = ()) -> MessageView:
    citations = [CitationLink.from_record(c) for c in record.citations]
    return MessageView(
        id=record.id,
        role=record.role,
        text=record.text,
        found=record.found,
        citations=citations,
        rating=record.rating,
        comment=record.comment,
        allowed_hosts=tuple(allowed_hosts),
        # Extractive answers carry their notes in the text already.
        notes=[n for n in record.notes if n not in record.text],
    )
