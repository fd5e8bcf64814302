"""Word documents (DOCX) via python-docx: headings, paragraphs and tables in document order."""

from __future__ import annotations

import io
import re

import docx
import docx.enum.style
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.styles.style import CharacterStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.hidden import TINY_TEXT_REASON, WHITE_TEXT_REASON, add_reasons
from wissenswerk.parsing.ooxml import PACKAGE_ERRORS, check_package, corrupt
from wissenswerk.parsing.outline import Outline
from wissenswerk.parsing.tables import table_blocks

# Built-in heading styles are stored as "heading 1" even by German Word; documents from other
# tools or with custom styles carry the localized UI name ("Überschrift 1").
_HEADING_STYLE = re.compile(r"^(?:heading|überschrift)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "titel"})
HIDDEN_RUN_REASON = "hidden Word text"
_TINY_HALF_POINTS = 4  # w:sz is in half-points: below 2 pt nobody reads it
_OFF = frozenset({"0", "false", "off"})
_NO_FILL = frozenset({"", "auto", "none", "ffffff"})
_MAX_STYLE_CHAIN = 10


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
    add_reasons(doc, _HiddenRuns(document).reasons())
    return doc


class _HiddenRuns:
    """Runs in the body that Word does not show: hidden (w:vanish), white on a white page, or
    smaller than 2 pt. python-docx reads their text like any other, so it stays indexed.

    A run's formatting comes from its own properties, then its character style, then its
    paragraph's style (each following w:basedOn), then the document defaults.
    """

    def __init__(self, document: DocxDocument) -> None:
        styles = document.styles.element
        self.styles = {
            style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))
        }
        self.default_paragraph_style = styles.default_for(docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
        defaults = styles.find(qn("w:docDefaults"))
        self.default_rpr = (
            defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
        )
        self.body = document.element.body
        background = document.element.find(qn("w:background"))
        colour = background.get(qn("w:color"), "") if background is not None else ""
        self.white_page = colour.lower() in _NO_FILL

    def reasons(self) -> list[str]:
        found: set[str] = set()
        for run in self.body.iter(qn("w:r")):
            if not "".join(t.text or "" for t in run.iter(qn("w:t"))).strip():
                continue
            chain = self._property_chain(run)
            if _switched_on(_first(chain, "w:vanish")) or _switched_on(
                _first(chain, "w:specVanish")
            ):
                found.add(HIDDEN_RUN_REASON)
            size = _first(chain, "w:sz")
            if size is not None and _number(size.get(qn("w:val"))) < _TINY_HALF_POINTS:
                found.add(TINY_TEXT_REASON)
            colour = _first(chain, "w:color")
            if (
                colour is not None
                and colour.get(qn("w:val"), "").lower() == "ffffff"
                and self.white_page
                and not self._shaded(run, chain)
            ):
                found.add(WHITE_TEXT_REASON)
        order = (HIDDEN_RUN_REASON, WHITE_TEXT_REASON, TINY_TEXT_REASON)
        return [reason for reason in order if reason in found]

    def _property_chain(self, run: etree._Element) -> list[etree._Element]:
        """The run properties that apply to ``run``, most specific first."""
        chain = []
        rpr = run.find(qn("w:rPr"))
        if rpr is not None:
            chain.append(rpr)
            style_id = rpr.find(qn("w:rStyle"))
            if style_id is not None:
                chain.extend(self._style_rprs(style_id.get(qn("w:val"))))
        paragraph = next(run.iterancestors(qn("w:p")), None)
        ppr = paragraph.find(qn("w:pPr")) if paragraph is not None else None
        pstyle = ppr.find(qn("w:pStyle")) if ppr is not None else None
        if pstyle is not None:
            chain.extend(self._style_rprs(pstyle.get(qn("w:val"))))
        elif self.default_paragraph_style is not None:
            chain.extend(self._style_rprs(self.default_paragraph_style.get(qn("w:styleId"))))
        if self.default_rpr is not None:
            chain.append(self.default_rpr)
        return chain

    def _style_rprs(self, style_id: str | None) -> list[etree._Element]:
        rprs = []
        for _ in range(_MAX_STYLE_CHAIN):  # based-on chains are short; guard against loops
            style = self.styles.get(style_id)
            if style is None:
                break
            rpr = style.find(qn("w:rPr"))
            if rpr is not None:
                rprs.append(rpr)
            based_on = style.find(qn("w:basedOn"))
            style_id = based_on.get(qn("w:val")) if based_on is not None else None
        return rprs

    def _shaded(self, run: etree._Element, chain: list[etree._Element]) -> bool:
        """Whether something behind the run is coloured: run shading or highlight, paragraph
        shading, or a shaded table cell."""
        highlight = _first(chain, "w:highlight")
        if highlight is not None and highlight.get(qn("w:val"), "none") not in ("none", "white"):
            return True
        shadings = [_first(chain, "w:shd")]
        for ancestor in run.iterancestors(qn("w:p"), qn("w:tc")):
            properties = ancestor.find(qn("w:pPr") if ancestor.tag == qn("w:p") else qn("w:tcPr"))
            if properties is not None:
                shadings.append(properties.find(qn("w:shd")))
        return any(
            shd is not None and shd.get(qn("w:fill"), "").lower() not in _NO_FILL
            for shd in shadings
        )


def _first(chain: list[etree._Element], tag: str) -> etree._Element | None:
    for rpr in chain:
        found = rpr.find(qn(tag))
        if found is not None:
            return found
    return None


def _switched_on(element: etree._Element | None) -> bool:
    return element is not None and element.get(qn("w:val"), "true").lower() not in _OFF


def _number(value: str | None) -> float:
    try:
        return float(value or "")
    except ValueError:
        return float("inf")


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
