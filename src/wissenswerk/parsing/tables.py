"""Tables as text: every row repeats its column headers, so a single cell stays findable.

A row renders as ``"Artikel: Schraube M8 | Preis: 0,12"``. A question like "Was kostet die
Schraube M8?" then matches one line that holds both the article and its price, even after the
chunker has cut a long table apart. All table-bearing formats (DOCX, XLSX, CSV, PPTX, HTML,
Markdown) render through this module so tables look the same whatever the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from wissenswerk.core.documents import Block, BlockKind

ROWS_PER_BLOCK = 50

# "12", "0,12", "1.250,00", "-3.5", "19 %", "2024" – a first row made of such values is data.
_NUMBER = re.compile(r"^[-+]?[\d.,' ]+\s*%?$")


def clean_cell(value: str) -> str:
    """Collapse whitespace and line breaks: one table row must stay on one line."""
    return " ".join(value.split())


def render_row(header: Sequence[str] | None, row: Sequence[str]) -> str:
    """``"H1: v1 | H2: v2"``; empty cells are left out, cells without a header stand alone."""
    parts = []
    for index, raw in enumerate(row):
        value = clean_cell(raw)
        if not value:
            continue
        name = clean_cell(header[index]) if header and index < len(header) else ""
        parts.append(f"{name}: {value}" if name else value)
    return " | ".join(parts)


def header_line(header: Sequence[str]) -> str:
    return " | ".join(name for name in map(clean_cell, header) if name)


def looks_like_header(row: Sequence[str]) -> bool:
    """A first row is a header if it has text and no cell is a bare number."""
    cells = [clean_cell(c) for c in row]
    filled = [c for c in cells if c]
    return bool(filled) and not any(_NUMBER.match(c) for c in filled)


def split_header(rows: Sequence[Sequence[str]]) -> tuple[list[str] | None, list[Sequence[str]]]:
    """Take the first row as header when it looks like one and data rows follow."""
    if len(rows) >= 2 and looks_like_header(rows[0]):
        return list(rows[0]), list(rows[1:])
    return None, list(rows)


def table_blocks(
    rows: Iterable[Sequence[str]],
    *,
    header: Sequence[str] | None,
    heading_path: tuple[str, ...] = (),
    page: int | None = None,
    rows_per_block: int = ROWS_PER_BLOCK,
) -> list[Block]:
    """Render rows into TABLE blocks of at most ``rows_per_block`` lines, each with the header.

    Splitting here (rather than in the chunker) keeps a block's rows contiguous and lets every
    block carry the header line it needs to be understood on its own.
    """
    head = header_line(header) if header else None
    blocks: list[Block] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            blocks.append(
                Block(
                    "\n".join(lines),
                    kind=BlockKind.TABLE,
                    heading_path=heading_path,
                    page=page,
                    header=head or None,
                )
            )
            lines.clear()

    for row in rows:
        line = render_row(header, row)
        if line:
            lines.append(line)
        if len(lines) >= rows_per_block:
            flush()
    flush()
    return blocks
