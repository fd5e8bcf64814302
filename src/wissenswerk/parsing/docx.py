"""Word documents (DOCX) via python-docx: headings, paragraphs and tables in document order."""

from __future__ import annotations

import io
import re

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.styles.style import CharacterStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.ooxml import PACKAGE_ERRORS, check_package, corrupt
from wissenswerk.parsing.outline import Outline
from wissenswerk.parsing.tables import table_blocks

# Built-in heading styles are stored as "heading 1" even by German Word; documents from other
# tools or with custom styles carry the localized UI name ("Überschrift 1").
_HEADING_STYLE = re.compile(r"^(?:heading|überschrift)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "titel"})


class DocxParser:
    name: str = "docx"
    extensions: tuple[str, ...] = (".docx",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        check_package(data, filename, ctx, "DOCX")
        try:
            document = docx.Document(io.BytesIO(data))
        # ValueError: "file ... is not a Word file, content type is ..."; AttributeError and
        # TypeError: required package parts missing or of the wrong kind.
        except (PackageNotFoundError, ValueError, AttributeError, TypeError) as exc:
            raise corrupt(filename, "DOCX", exc) from exc
        except PACKAGE_ERRORS as exc:
            raise corrupt(filename, "DOCX", exc) from exc
        try:
            return _read_document(document)
        # Parts are loaded lazily (styles, numbering); AttributeError and TypeError: a
        # relationship that points to a part of the wrong kind.
        except (AttributeError, TypeError, ValueError) as exc:
            raise corrupt(filename, "DOCX", exc) from exc
        except PACKAGE_ERRORS as exc:
            raise corrupt(filename, "DOCX", exc) from exc


def _read_document(document: DocxDocument) -> ParsedDocument:
    doc = ParsedDocument(title=(document.core_properties.title or "").strip() or None)
    outline = Outline()
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            doc.blocks.extend(_table_blocks(item, outline.path()))
            continue
        text = item.text.strip()
        if not text:
            continue
        level, is_title = _heading_level(item)
        if is_title and doc.title is None:
            doc.title = text
        if level:
            doc.blocks.append(outline.enter(level, text))
        else:
            doc.blocks.append(Block(text, heading_path=outline.path()))
    return doc


def _heading_level(paragraph: Paragraph) -> tuple[int, bool]:
    """(heading level or 0, whether it is the document title); follows style inheritance."""
    style: CharacterStyle | None = paragraph.style
    seen = 0
    while style is not None and seen < 10:  # based-on chains are short; guard against loops
        name = (style.name or "").strip()
        if name.lower() in _TITLE_STYLES:
            return 1, True
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1)), False
        style = style.base_style
        seen += 1
    return 0, False


def _table_blocks(table: Table, heading_path: tuple[str, ...]) -> list[Block]:
    rows: list[list[str]] = []
    for row in table.rows:
        # Leading empty grid cells keep the columns aligned with the header.
        values = [""] * row.grid_cols_before
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per spanned column; keep it once.
            values.append("" if cell is previous else cell.text)
            previous = cell
        rows.append(values)
    rows = [row for row in rows if any(value.strip() for value in row)]
    if not rows:
        return []
    # Word tables have their header in the first row by convention ("Kopfzeile").
    header, body = (rows[0], rows[1:]) if len(rows) > 1 else (None, rows)
    return table_blocks(body, header=header, heading_path=heading_path)
