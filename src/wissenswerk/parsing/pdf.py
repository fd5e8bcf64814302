"""PDF files via PDFium (pypdfium2): text per page, and which pages need OCR.

PDFium's text output has no blank lines between paragraphs, only a line break per text line.
Paragraphs are recovered from the vertical gaps between the lines' boxes instead: a gap clearly
wider than the usual line pitch starts a new paragraph.
"""

from __future__ import annotations

import itertools
import re
import statistics
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext

# PDFium is not thread-safe; concurrent calls from an indexing thread pool would crash the
# process, so all PDFium work is serialised.
_PDFIUM_LOCK = threading.Lock()

# A page with fewer letters or digits than this but with images is a scan (a stamped page
# number or a few OCR'd characters do not make a usable text layer).
_MIN_TEXT_CHARS = 16
# Text from fonts without a Unicode mapping comes out as control characters or U+FFFD; below
# this share of ordinary characters the text layer is garbage and the page needs OCR.
_MIN_USABLE_SHARE = 0.7
_PARAGRAPH_GAP = 1.5  # times the typical line pitch
# PDFium marks a hyphen at a line end as U+0002; joining the word back helps search.
_SOFT_HYPHEN_BREAK = re.compile(r"[\x02\xad]\r?\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted PDF, password required",
    pdfium_c.FPDF_ERR_SECURITY: "PDF uses an unsupported security handler (encryption)",
    pdfium_c.FPDF_ERR_FORMAT: "not a valid PDF (truncated or corrupt)",
    pdfium_c.FPDF_ERR_FILE: "not a valid PDF (file could not be read)",
}


class PdfParser:
    name: str = "pdf"
    extensions: tuple[str, ...] = (".pdf",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        with _PDFIUM_LOCK:
            try:
                pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                reason = _LOAD_ERRORS.get(exc.err_code, f"PDFium could not open the file ({exc})")
                raise ParseError(filename, reason) from exc
            try:
                return _read_document(pdf, filename)
            finally:
                pdf.close()


def _read_document(pdf: pdfium.PdfDocument, filename: str) -> ParsedDocument:
    doc = ParsedDocument(title=(pdf.get_metadata_value("Title") or "").strip() or None)
    page_count = len(pdf)
    if page_count == 0:
        raise ParseError(filename, "PDF has no pages")
    doc.metadata["pages"] = str(page_count)
    for index in range(page_count):
        number = index + 1
        try:
            page = pdf[index]
        except pdfium.PdfiumError:
            doc.warnings.append(f"page {number} could not be loaded and was skipped")
            continue
        try:
            paragraphs, has_images = _read_page(page)
        finally:
            page.close()
        if _needs_ocr(paragraphs, has_images):
            doc.needs_ocr_pages.append(number)
        else:
            doc.blocks.extend(Block(text, page=number) for text in paragraphs)
    return doc


def _read_page(page: pdfium.PdfPage) -> tuple[list[str], bool]:
    textpage = page.get_textpage()
    try:
        text = _clean(textpage.get_text_bounded())
        boxes = _line_boxes(textpage)
    finally:
        textpage.close()
    has_images = any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    return _paragraphs(text, boxes), has_images


def _clean(text: str) -> str:
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _line_boxes(textpage: pdfium.PdfTextPage) -> list[tuple[float, float]]:
    """(bottom, height) of each text line, in PDFium's reading order."""
    boxes: list[tuple[float, float]] = []
    previous: tuple[float, float] | None = None
    for index in range(textpage.count_rects()):
        _left, bottom, _right, top = textpage.get_rect(index)
        # Rectangles of one line overlap vertically; PDFium splits lines at wide spaces.
        if previous and min(top, previous[1]) - max(bottom, previous[0]) > 0.5 * (top - bottom):
            continue
        boxes.append((bottom, top - bottom))
        previous = (bottom, top)
    return boxes


def _paragraphs(text: str, boxes: list[tuple[float, float]]) -> list[str]:
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return []
    if len(boxes) != len(lines) or len(boxes) < 2:
        # Geometry and text disagree (rotated text, form fields): keep the page in one block.
        return ["\n".join(lines)]
    bottoms = [bottom for bottom, _ in boxes]
    pitches = sorted(a - b for a, b in itertools.pairwise(bottoms) if a > b)
    # The usual line pitch: the lower quartile of the pitches (most gaps are within a
    # paragraph), but never more than a line's height plus normal leading, which matters
    # on pages with only a few lines.
    line_height = statistics.median(height for _, height in boxes)
    typical = min(pitches[len(pitches) // 4] if pitches else line_height, 1.6 * line_height)
    paragraphs: list[list[str]] = [[lines[0]]]
    for line, (above, below) in zip(lines[1:], itertools.pairwise(bottoms), strict=True):
        gap = above - below
        if gap > _PARAGRAPH_GAP * typical or gap < 0:  # wide gap, or a jump to the next column
            paragraphs.append([])
        paragraphs[-1].append(line)
    return ["\n".join(p) for p in paragraphs]


def _needs_ocr(paragraphs: list[str], has_images: bool) -> bool:
    """A scan (images, next to no text) or a text layer that is garbage needs OCR.

    A page with neither text nor images is simply blank.
    """
    text = "".join("".join(p.split()) for p in paragraphs)
    if not text:
        return has_images
    ordinary = sum(ch.isalnum() or ch in ".,;:!?-–()/%€$&'\"„“”+*=§@#" for ch in text)
    if ordinary / len(text) < _MIN_USABLE_SHARE:
        return True
    return has_images and sum(ch.isalnum() for ch in text) < _MIN_TEXT_CHARS
