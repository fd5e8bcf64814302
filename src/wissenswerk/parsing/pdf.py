"""PDF files via PDFium (pypdfium2): text per page, which pages need OCR, and page images.

PDFium's text output has no blank lines between paragraphs, only a line break per text line.
Paragraphs are recovered from the vertical gaps between the lines' boxes instead: a gap clearly
wider than the usual line pitch starts a new paragraph.

A page needs OCR when it has no usable text layer: a scan (images, next to no text), a page
mostly covered by an image with only a stamp or header line as text, or a text layer that is
garbage. ``render_pages`` draws such pages as grey images for the OCR engine.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import math
import re
import statistics
import threading
from collections.abc import Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.hidden import TINY_TEXT_REASON, WHITE_TEXT_REASON, add_reasons, page_reason

logger = logging.getLogger(__name__)

# PDFium is not thread-safe; concurrent calls from an indexing thread pool would crash the
# process, so all PDFium work is serialised (rendering for OCR included).
PDFIUM_LOCK = threading.Lock()

# A page with fewer letters or digits than this but with images is a scan (a stamped page
# number or a few OCR'd characters do not make a usable text layer).
_MIN_TEXT_CHARS = 16
# A page mostly covered by images (a scan with a scanner's header line or an "Eingang" stamp
# as text) needs OCR unless its text layer carries at least this many letters or digits; a
# searchable scan (scan plus invisible OCR text) has far more.
_SCAN_COVERAGE = 0.5
_SCAN_MAX_TEXT_CHARS = 100
# Rendering limit per page for OCR: A2 at 300 dpi. Larger pages (plans, posters, hostile
# MediaBoxes) are rendered at a lower resolution instead of exhausting memory.
_MAX_RENDER_PIXELS = 40_000_000
# Text from fonts without a Unicode mapping comes out as control characters or U+FFFD; below
# this share of ordinary characters the text layer is garbage and the page needs OCR.
_MIN_USABLE_SHARE = 0.7
_PARAGRAPH_GAP = 1.5  # times the typical line pitch
# PDFium marks a hyphen at a line end as U+0002; joining the word back helps search.
_SOFT_HYPHEN_BREAK = re.compile(r"[\x02\xad]\r?\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

# Hidden text: smaller than this (in points, after scaling) nobody reads it; fill colours with
# every channel at least this light vanish on the usual white page.
_TINY_TEXT_PT = 2.0
_WHITE_LEVEL = 240
_INVISIBLE_TEXT_REASON = "invisible text"
# Text render modes (PDF 32000-1, 9.3.6): 3 draws nothing, 7 only clips; 1 and 5 only stroke.
_INVISIBLE_MODES = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, 7})
_STROKE_ONLY_MODES = frozenset({1, 5})

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
        with PDFIUM_LOCK:
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
    hidden: dict[str, list[int]] = {}
    for index in range(page_count):
        number = index + 1
        try:
            page = pdf[index]
        except pdfium.PdfiumError:
            doc.warnings.append(f"page {number} could not be loaded and was skipped")
            continue
        try:
            paragraphs, image_count, image_share, hidden_kinds = _read_page(page)
        finally:
            page.close()
        for kind in hidden_kinds:
            hidden.setdefault(kind, []).append(number)
        has_images = image_count > 0
        if _needs_ocr(paragraphs, has_images, image_share):
            doc.needs_ocr_pages.append(number)
        if _usable_text(paragraphs, has_images):
            # Also on a page queued for OCR: a stamp or header line is real text, and it
            # stays searchable when OCR is off or finds nothing.
            doc.blocks.extend(Block(text, page=number) for text in paragraphs)
    add_reasons(doc, (page_reason(kind, pages) for kind, pages in sorted(hidden.items())))
    return doc


def _read_page(page: pdfium.PdfPage) -> tuple[list[str], int, float, set[str]]:
    """Paragraphs, the number of images, the share of the page the images cover, and the
    kinds of hidden text on the page."""
    textpage = page.get_textpage()
    try:
        text = _clean(textpage.get_text_bounded())
        boxes = _line_boxes(textpage)
        hidden = _hidden_text(page, textpage)
    finally:
        textpage.close()
    width, height = page.get_size()
    covered = 0.0
    count = 0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        count += 1
        left, bottom, right, top = image.get_bounds()
        # Clipped to the page; overlapping images count twice, hence the cap below.
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    share = min(1.0, covered / (width * height)) if width > 0 and height > 0 else 0.0
    return _paragraphs(text, boxes), count, share, hidden


def _hidden_text(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> set[str]:
    """Kinds of text on the page that a reader does not see: invisible, tiny, white.

    Invisible or white text over a picture is not hidden: a searchable scan puts its OCR text
    invisibly over the scanned image, and a brochure prints white text on a photo or a
    coloured box. Only what lies on bare page counts.
    """
    kinds: set[str] = set()
    backgrounds: list[tuple[float, float, float, float]] | None = None
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
        kind = _hidden_kind(obj)
        if kind is None or kind in kinds or not _has_text(obj):
            continue
        if kind != TINY_TEXT_REASON:
            if backgrounds is None:
                backgrounds = _backgrounds(page)
            bounds = obj.get_bounds()
            if any(_overlaps(bounds, box) for box in backgrounds):
                continue
        kinds.add(kind)
    return kinds


def _hidden_kind(obj: pdfium.PdfObject) -> str | None:
    mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj)
    if mode in _INVISIBLE_MODES:
        return _INVISIBLE_TEXT_REASON
    size = ctypes.c_float()
    if pdfium_c.FPDFTextObj_GetFontSize(obj, size):
        a, b, c, d, _e, _f = obj.get_matrix().get()
        if size.value * math.sqrt(abs(a * d - b * c)) < _TINY_TEXT_PT:
            return TINY_TEXT_REASON
    colour = _colour(obj, stroke=mode in _STROKE_ONLY_MODES)
    if colour is not None:
        red, green, blue, alpha = colour
        if alpha == 0:
            return _INVISIBLE_TEXT_REASON
        if min(red, green, blue) >= _WHITE_LEVEL:
            return WHITE_TEXT_REASON
    return None


def _colour(obj: pdfium.PdfObject, *, stroke: bool = False) -> tuple[int, int, int, int] | None:
    channels = [ctypes.c_uint() for _ in range(4)]
    get = pdfium_c.FPDFPageObj_GetStrokeColor if stroke else pdfium_c.FPDFPageObj_GetFillColor
    if not get(obj, *channels):
        return None
    red, green, blue, alpha = (channel.value for channel in channels)
    return red, green, blue, alpha


def _has_text(obj: pdfium.PdfObject) -> bool:
    try:
        return bool(obj.extract().strip())
    except pdfium.PdfiumError:
        return False


def _backgrounds(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    """Bounds of what can sit behind text: images, shadings, form XObjects (logos, wrapped
    scans) and filled shapes that are not white. Only the top level: bounds inside a form
    XObject are in the form's own coordinates."""
    boxes = []
    kinds = [
        pdfium_c.FPDF_PAGEOBJ_IMAGE,
        pdfium_c.FPDF_PAGEOBJ_PATH,
        pdfium_c.FPDF_PAGEOBJ_SHADING,
        pdfium_c.FPDF_PAGEOBJ_FORM,
    ]
    for obj in page.get_objects(filter=kinds, max_depth=1):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            fill_mode = ctypes.c_int()
            stroke = ctypes.c_int()
            if not pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke) or (
                fill_mode.value == pdfium_c.FPDF_FILLMODE_NONE
            ):
                continue
            colour = _colour(obj)
            if colour is None or colour[3] == 0 or min(colour[:3]) >= _WHITE_LEVEL:
                continue
        boxes.append(obj.get_bounds())
    return boxes


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


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


def _needs_ocr(paragraphs: list[str], has_images: bool, image_share: float = 0.0) -> bool:
    """A scan (images, next to no text) or a text layer that is garbage needs OCR.

    ``image_share`` is the part of the page covered by images (0..1). A page with neither
    text nor images is simply blank.
    """
    text = "".join("".join(p.split()) for p in paragraphs)
    if not text:
        return has_images
    if _is_garbage(text):
        return True
    letters = sum(ch.isalnum() for ch in text)
    if image_share >= _SCAN_COVERAGE and letters < _SCAN_MAX_TEXT_CHARS:
        return True
    return has_images and letters < _MIN_TEXT_CHARS


def _usable_text(paragraphs: list[str], has_images: bool) -> bool:
    """Whether the text layer is worth indexing: not garbage, and on a page with images more
    than a stamped page number."""
    text = "".join("".join(p.split()) for p in paragraphs)
    if not text or _is_garbage(text):
        return False
    return not has_images or sum(ch.isalnum() for ch in text) >= _MIN_TEXT_CHARS


def _is_garbage(text: str) -> bool:
    """Text from fonts without a Unicode mapping: mostly control characters or U+FFFD."""
    ordinary = sum(ch.isalnum() or ch in ".,;:!?-–()/%€$&'\"„“”+*=§@#" for ch in text)
    return ordinary / len(text) < _MIN_USABLE_SHARE


def render_pages(
    data: bytes, filename: str, pages: list[int], dpi: int
) -> Iterator[tuple[int, Image.Image]]:
    """Yield (page number, greyscale image) for the given 1-based pages, one at a time.

    PDFium runs under the lock, but the lock is released while the caller works on a page
    (OCR takes seconds), so other threads can parse PDFs meanwhile. Pages that do not exist
    or cannot be rendered raise ParseError.
    """
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            reason = _LOAD_ERRORS.get(exc.err_code, f"PDFium could not open the file ({exc})")
            raise ParseError(filename, reason) from exc
    try:
        for number in pages:
            with PDFIUM_LOCK:
                image = _render_page(pdf, number, dpi, filename)
            yield number, image
    finally:
        with PDFIUM_LOCK:
            pdf.close()


def _render_page(pdf: pdfium.PdfDocument, number: int, dpi: int, filename: str) -> Image.Image:
    if not 1 <= number <= len(pdf):
        raise ParseError(filename, f"page {number} does not exist (the PDF has {len(pdf)})")
    try:
        page = pdf[number - 1]
    except pdfium.PdfiumError as exc:
        raise ParseError(filename, f"page {number} could not be loaded ({exc})") from exc
    try:
        width, height = page.get_size()
        scale = dpi / 72
        pixels = width * height * scale * scale
        if pixels > _MAX_RENDER_PIXELS:
            scale *= (_MAX_RENDER_PIXELS / pixels) ** 0.5
            logger.info(
                "%s: page %d is %.0fx%.0f pt; rendered at %.0f dpi instead of %d",
                filename, number, width, height, scale * 72, dpi,
            )  # fmt: skip
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            image = bitmap.to_pil().convert("L")  # a copy: the bitmap's buffer is freed below
        finally:
            bitmap.close()
    finally:
        page.close()
    return image
