"""What a parser hands to the chunker: a document as a flat list of structured blocks.

Parsers know formats, chunkers know sizes; this module is the contract between them.
Every block carries its own locator (page, member, heading path) so a citation can point
at the exact place in the original file without re-parsing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    HEADING = "heading"
    TEXT = "text"
    TABLE = "table"  # text = one rendered row per line; header = the header line


@dataclass(frozen=True, slots=True)
class Block:
    """One unit of content, e.g. a paragraph, a heading, a table, a slide's notes."""

    text: str
    kind: BlockKind = BlockKind.TEXT
    heading_path: tuple[str, ...] = ()  # enclosing headings, outermost first
    page: int | None = None  # 1-based page (PDF) or slide number (PPTX)
    member: str | None = None  # attachment / archive member, "/"-joined when nested
    level: int = 0  # heading level (1 = top) for HEADING blocks
    header: str | None = None  # TABLE: header line to repeat when a table is split


@dataclass(slots=True)
class ParsedDocument:
    """The parse result of one file, including everything found inside it."""

    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    language: str | None = None
    # Pages (1-based) without a usable text layer; OCR fills them in later.
    needs_ocr_pages: list[int] = field(default_factory=list)
    # Non-fatal problems, e.g. one broken attachment inside an otherwise fine e-mail.
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def needs_ocr(self) -> bool:
        return bool(self.needs_ocr_pages)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)
