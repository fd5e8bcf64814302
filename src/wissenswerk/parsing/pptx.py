"""PowerPoint presentations (PPTX) via python-pptx: one page per slide, notes included.

Speaker notes often hold the actual explanation behind terse bullet points, so they are
indexed too, marked with "Notizen" in the heading path so an answer can say where it came from.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError
from pptx.shapes.autoshape import Shape
from pptx.shapes.base import BaseShape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

from wissenswerk.core.documents import Block, BlockKind, ParsedDocument
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.ooxml import PACKAGE_ERRORS, check_package, corrupt
from wissenswerk.parsing.tables import table_blocks

NOTES_HEADING = "Notizen"
# Repeated on every slide and meaningless on their own.
_BOILERPLATE_PLACEHOLDERS = frozenset(
    {PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER}
)


class PptxParser:
    name: str = "pptx"
    extensions: tuple[str, ...] = (".pptx",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        check_package(data, filename, ctx, "PPTX")
        try:
            presentation = Presentation(io.BytesIO(data))
        # ValueError: wrong content type (e.g. a .pptm); AttributeError and TypeError:
        # required package parts missing or of the wrong kind.
        except (PackageNotFoundError, ValueError, AttributeError, TypeError) as exc:
            raise corrupt(filename, "PPTX", exc) from exc
        except PACKAGE_ERRORS as exc:
            raise corrupt(filename, "PPTX", exc) from exc
        try:
            doc = ParsedDocument(title=(presentation.core_properties.title or "").strip() or None)
            for number, slide in enumerate(presentation.slides, start=1):
                doc.blocks.extend(_slide_blocks(slide, number))
        except PACKAGE_ERRORS as exc:  # slides and notes are loaded lazily
            raise corrupt(filename, "PPTX", exc) from exc
        if doc.title is None:
            doc.title = next((b.text for b in doc.blocks if b.kind is BlockKind.HEADING), None)
        doc.metadata["slides"] = str(len(presentation.slides))
        return doc


def _slide_blocks(slide: Slide, number: int) -> list[Block]:
    blocks: list[Block] = []
    title_shape = slide.shapes.title
    title = _text(title_shape.text_frame.text) if title_shape is not None else ""
    path: tuple[str, ...] = ()
    if title:
        blocks.append(Block(title, kind=BlockKind.HEADING, level=1, page=number))
        path = (title,)
    title_id = title_shape.shape_id if title_shape is not None else None
    for shape in _content_shapes(slide.shapes):
        if shape.shape_id == title_id:
            continue
        if isinstance(shape, GraphicFrame) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            header, body = (rows[0], rows[1:]) if len(rows) > 1 else (None, rows)
            blocks.extend(table_blocks(body, header=header, heading_path=path, page=number))
        elif isinstance(shape, Shape) and shape.has_text_frame:
            text = _text(shape.text_frame.text)
            if text:
                blocks.append(Block(text, heading_path=path, page=number))
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        notes = _text(frame.text) if frame is not None else ""
        if notes:
            blocks.append(Block(notes, heading_path=(*path, NOTES_HEADING), page=number))
    return blocks


def _content_shapes(shapes: Iterable[BaseShape]) -> Iterator[BaseShape]:
    """Shapes in reading order (top to bottom, left to right), groups flattened."""

    def position(shape: BaseShape) -> tuple[int, int]:
        return (shape.top or 0, shape.left or 0)

    for shape in sorted(shapes, key=position):
        if isinstance(shape, GroupShape):
            yield from _content_shapes(shape.shapes)
        elif not (
            shape.is_placeholder and shape.placeholder_format.type in _BOILERPLATE_PLACEHOLDERS
        ):
            yield shape


def _text(text: str) -> str:
    # python-pptx renders a line break inside a paragraph as a vertical tab.
    lines = (line.strip() for line in text.replace("\v", "\n").splitlines())
    return "\n".join(line for line in lines if line)
