"""Parsing: the bytes of one file in, a ParsedDocument of structured blocks out.

    from wissenswerk.parsing import parse_file
    doc = parse_file("Handbuch.docx")

``ParserRegistry`` picks the parser by content and extension; ``default_parsers()`` lists the
built-in ones (PDF, DOCX, XLSX, CSV, PPTX, HTML, Markdown, text, EML, MSG, ZIP, and
PNG/JPEG/TIFF images). Scanned pages and images are listed in ``needs_ocr_pages``;
``wissenswerk.parsing.ocr`` recognises their text with Tesseract.
"""

from wissenswerk.parsing.base import ParseContext, ParseLimits, Parser
from wissenswerk.parsing.registry import (
    ParserRegistry,
    default_parsers,
    parse_bytes,
    parse_file,
    supported_extensions,
)

__all__ = [
    "ParseContext",
    "ParseLimits",
    "Parser",
    "ParserRegistry",
    "default_parsers",
    "parse_bytes",
    "parse_file",
    "supported_extensions",
]
