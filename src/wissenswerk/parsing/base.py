"""The parser protocol: bytes of one file in, a ParsedDocument out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from wissenswerk.core.documents import ParsedDocument


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Guards against hostile input (zip bombs, huge attachments, deep nesting)."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_member_bytes: int = 100 * 1024 * 1024  # one unpacked archive member / attachment
    max_total_unpacked_bytes: int = 500 * 1024 * 1024  # all members of one file together
    max_compression_ratio: float = 100.0
    max_depth: int = 3  # archive in e-mail in archive ...
    max_members: int = 2000


@dataclass(slots=True)
class ParseContext:
    """Per-file state handed to every parser, also to the ones called for members."""

    limits: ParseLimits
    # Parses an embedded file (attachment, archive member) through the registry. The parser
    # of the container calls it with the member's name; the returned blocks already carry that
    # name in ``Block.member`` ("/"-joined when nested), and a member that fails to parse comes
    # back as an empty document with a warning, so the container can simply merge the result.
    parse_member: Callable[[bytes, str, ParseContext], ParsedDocument]
    depth: int = 0
    # Counters over the whole top-level file, members of members included.
    unpacked_bytes: int = 0
    member_count: int = 0
    # Hidden-text reasons of members ("Anhang.docx: hidden Word text"); containers keep only
    # their members' blocks and warnings, so the registry adds these to the top-level flag.
    hidden_text: list[str] = field(default_factory=list)


class Parser(Protocol):
    """One file format. ``extensions`` are lower-case, with the dot (".pdf")."""

    name: str
    extensions: tuple[str, ...]

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        """Return the document's blocks; raise ParseError with a clear reason on failure."""
        ...
