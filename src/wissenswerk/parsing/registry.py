"""Which parser reads which file, and the recursion for attachments and archive members.

The parser is chosen by content first where the content is unambiguous (``%PDF``, ZIP-based
Office packages, OLE), so a PDF saved as ``rechnung.txt`` or a DOCX mailed as ``.pdf`` is
still read correctly; otherwise by extension; files without an extension are sniffed for
HTML, e-mail and plain text.

Failure policy: a top-level file that cannot be parsed raises ParseError; a member that
cannot be parsed (an attachment, an archive entry) becomes a warning on its container, so
one broken attachment does not hide the e-mail it came with.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import olefile

from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import LimitExceededError, ParseError, UnsupportedFormatError
from wissenswerk.parsing.base import ParseContext, ParseLimits, Parser
from wissenswerk.parsing.hidden import add_reasons, clean_invisible_characters, reasons_of

logger = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# PNG, JPEG, TIFF (little- and big-endian): scans saved as pictures. Only files without an
# extension are sniffed for them; under a text extension the text parser rejects the bytes.
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_OOXML_FOLDERS = (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
_EMAIL_START = re.compile(
    rb"^(?:received|return-path|from|to|subject|date|message-id|mime-version|delivered-to"
    rb"|x-[a-z0-9-]+):",
    re.IGNORECASE,
)
# Formats recognised by content that no built-in parser reads, with advice for the user.
_KNOWN_UNSUPPORTED = {
    "ole": "legacy binary Office file (.doc/.xls/.ppt) is not supported; "
    "save it as .docx/.xlsx/.pptx",
    "odf": "OpenDocument file (.odt/.ods/.odp) is not supported; save it as .docx/.xlsx/.pptx",
    "encrypted-office": "Office document is password-protected (encrypted); it cannot be read "
    "without the password. Remove the protection to have it indexed",
}


def default_parsers() -> list[Parser]:
    """The built-in parsers. Imported here so that importing the registry stays cheap."""
    from wissenswerk.parsing.archive import ZipParser
    from wissenswerk.parsing.csv import CsvParser
    from wissenswerk.parsing.docx import DocxParser
    from wissenswerk.parsing.email import EmlParser
    from wissenswerk.parsing.html import HtmlParser
    from wissenswerk.parsing.image import ImageParser
    from wissenswerk.parsing.markdown import MarkdownParser
    from wissenswerk.parsing.msg import MsgParser
    from wissenswerk.parsing.pdf import PdfParser
    from wissenswerk.parsing.pptx import PptxParser
    from wissenswerk.parsing.text import TextParser
    from wissenswerk.parsing.xlsx import XlsxParser

    return [
        PdfParser(),
        DocxParser(),
        XlsxParser(),
        CsvParser(),
        PptxParser(),
        HtmlParser(),
        MarkdownParser(),
        TextParser(),
        EmlParser(),
        MsgParser(),
        ZipParser(),
        ImageParser(),
    ]


class ParserRegistry:
    """Maps file types to parsers. A parser registered later wins its extensions and name.

    ``ParserRegistry()`` holds the built-in parsers; pass a list to start from others (an
    empty list for none) and ``register`` plugin parsers on top.
    """

    def __init__(self, parsers: Iterable[Parser] | None = None) -> None:
        self._by_name: dict[str, Parser] = {}
        self._by_extension: dict[str, Parser] = {}
        for parser in default_parsers() if parsers is None else parsers:
            self.register(parser)

    def register(self, parser: Parser) -> None:
        for extension in parser.extensions:
            if not extension.startswith(".") or extension != extension.lower():
                raise ValueError(
                    f"parser {parser.name!r}: extension {extension!r} must be lower-case and "
                    "start with a dot, e.g. '.pdf'"
                )
        self._by_name[parser.name] = parser
        for extension in parser.extensions:
            self._by_extension[extension] = parser

    def supported_extensions(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_extension))

    def parser_for(self, data: bytes, filename: str) -> Parser:
        """The parser for this content; raises UnsupportedFormatError if there is none."""
        extension = _extension(filename)
        sniffed = sniff(data)
        if sniffed == "ole" and extension == ".msg":
            sniffed = "msg"  # let the MSG parser explain what is wrong with it
        # A plain ZIP under a foreign extension is some other package format (.jar, .epub);
        # only under a known extension is it a mislabelled archive.
        plain_zip_unknown = sniffed == "zip" and extension not in self._by_extension
        if sniffed in self._by_name and not plain_zip_unknown:
            return self._by_name[sniffed]
        if sniffed in _KNOWN_UNSUPPORTED:
            raise UnsupportedFormatError(filename, _KNOWN_UNSUPPORTED[sniffed])
        if extension in self._by_extension:
            return self._by_extension[extension]
        if not extension:
            guessed = sniffed or sniff_image(data) or sniff_text(data)
            if guessed in self._by_name:
                return self._by_name[guessed]
            raise UnsupportedFormatError(filename, "no file extension and content not recognised")
        raise UnsupportedFormatError(
            filename,
            f"unsupported file type {extension!r} "
            f"(supported: {', '.join(self.supported_extensions())})",
        )

    def parse_file(self, path: str | Path, limits: ParseLimits | None = None) -> ParsedDocument:
        path = Path(path)
        limits = limits or ParseLimits()
        try:
            size = path.stat().st_size
            _check_size(size, str(path), limits)
            data = path.read_bytes()
        except OSError as exc:
            raise ParseError(str(path), f"cannot read file ({exc.strerror or exc})") from exc
        return self.parse_bytes(data, str(path), limits)

    def parse_bytes(
        self, data: bytes, filename: str, limits: ParseLimits | None = None
    ) -> ParsedDocument:
        limits = limits or ParseLimits()
        _check_size(len(data), filename, limits)
        ctx = ParseContext(limits=limits, parse_member=self._parse_member)
        doc = self._parse(data, filename, ctx)
        add_reasons(doc, ctx.hidden_text)
        return doc

    def _parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        parser = self.parser_for(data, filename)
        try:
            doc = parser.parse(data, filename, ctx)
            doc.metadata.setdefault("parser", parser.name)
            # Every format, plugin parsers included: invisible characters never reach the index.
            clean_invisible_characters(doc)
            return doc
        except (ParseError, MemoryError):
            raise  # MemoryError: the worker reports it as the memory limit (parsing.memory_mb)
        except RecursionError as exc:
            raise ParseError(
                filename, f"{parser.name} parser: the file's structure is nested too deeply"
            ) from exc
        except Exception as exc:
            # Third-party format libraries raise anything on malformed input (IndexError,
            # AttributeError, ...). Callers get one error type for "this file is broken",
            # with the original chained for debugging.
            logger.debug("parser %s failed on %s", parser.name, filename, exc_info=True)
            raise ParseError(
                filename, f"{parser.name} parser failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _parse_member(self, data: bytes, name: str, ctx: ParseContext) -> ParsedDocument:
        """Parse one attachment or archive member; its failure becomes a warning."""
        child = dataclasses.replace(
            ctx,
            depth=ctx.depth + 1,
            unpacked_bytes=ctx.unpacked_bytes + len(data),
            member_count=ctx.member_count + 1,
        )
        try:
            _check_member(data, name, child)
            doc = self._parse(data, name, child)
        except ParseError as exc:
            logger.info("skipped member %s: %s", name, exc.reason)
            return ParsedDocument(warnings=[f"{name}: {exc.reason}"])
        finally:
            # The counters cover the whole top-level file, so they flow back up.
            ctx.unpacked_bytes = child.unpacked_bytes
            ctx.member_count = child.member_count
        ctx.hidden_text.extend(f"{name}: {reason}" for reason in reasons_of(doc))
        warnings = [f"{name}: {warning}" for warning in doc.warnings]
        if doc.needs_ocr_pages:
            pages = ", ".join(map(str, doc.needs_ocr_pages))
            warnings.append(f"{name}: pages {pages} have no text layer and need OCR")
        return ParsedDocument(
            blocks=[
                dataclasses.replace(b, member=f"{name}/{b.member}" if b.member else name)
                for b in doc.blocks
            ],
            title=doc.title,
            language=doc.language,
            warnings=warnings,
            metadata=doc.metadata,
        )


def _check_size(size: int, filename: str, limits: ParseLimits) -> None:
    if size > limits.max_file_bytes:
        raise LimitExceededError(
            filename, f"file is {size} bytes, the limit is {limits.max_file_bytes}"
        )


def _check_member(data: bytes, name: str, ctx: ParseContext) -> None:
    limits = ctx.limits
    if ctx.depth > limits.max_depth:
        raise LimitExceededError(
            name, f"nested {ctx.depth} levels deep, the limit is {limits.max_depth}; skipped"
        )
    if ctx.member_count > limits.max_members:
        raise LimitExceededError(
            name, f"more than {limits.max_members} attachments/members in one file; skipped"
        )
    if len(data) > limits.max_member_bytes:
        raise LimitExceededError(
            name, f"{len(data)} bytes, the limit per member is {limits.max_member_bytes}; skipped"
        )
    if ctx.unpacked_bytes > limits.max_total_unpacked_bytes:
        raise LimitExceededError(
            name,
            f"unpacked content exceeds {limits.max_total_unpacked_bytes} bytes for one file; "
            "skipped",
        )


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def sniff(data: bytes) -> str | None:
    """Format name from magic bytes, for formats whose content is unambiguous."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if data.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    return None


def _ole_kind(data: bytes) -> str:
    """The kind of OLE file: "msg", "encrypted-office" or "ole" (legacy Office, others)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("__properties_version1.0"):
                return "msg"
            # Word, Excel and PowerPoint store a password-protected DOCX/XLSX/PPTX as an OLE
            # file with these two streams ([MS-OFFCRYPTO] 2.3.4.4), whatever its extension.
            if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
                return "encrypted-office"
    # olefile raises more than OSError on crafted headers (ValueError, IndexError, ...);
    # sniffing must never fail, the parser chosen by extension reports the damage.
    except Exception:
        pass
    return "ole"


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = b""
            if "mimetype" in names:  # read 100 bytes, not all of a member that may be a bomb
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(100)
    except Exception:  # any damage (BadZipFile, ValueError, ...); see _ole_kind
        return None  # damaged: the extension decides, and that parser reports the damage
    if "[Content_Types].xml" in names:
        for folder, kind in _OOXML_FOLDERS:
            if any(name.startswith(folder) for name in names):
                return kind
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odf"
    return "zip"


def sniff_image(data: bytes) -> str | None:
    """The format name "image" for a PNG, JPEG or TIFF, e.g. a scan without an extension."""
    return "image" if data.startswith(_IMAGE_MAGIC) else None


def sniff_text(data: bytes) -> str | None:
    """Guess for files without an extension: HTML, an e-mail, or plain text."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = head.lower()
    if lower.startswith((b"<!doctype html", b"<html")):
        return "html"
    if _EMAIL_START.match(head):
        return "eml"
    if b"\x00" not in head:
        return "text"
    return None


def parse_file(path: str | Path, limits: ParseLimits | None = None) -> ParsedDocument:
    """Parse one file with the built-in parsers."""
    return ParserRegistry().parse_file(path, limits)


def parse_bytes(data: bytes, filename: str, limits: ParseLimits | None = None) -> ParsedDocument:
    """Parse the content of one file with the built-in parsers; ``filename`` picks the type."""
    return ParserRegistry().parse_bytes(data, filename, limits)


def supported_extensions() -> tuple[str, ...]:
    return ParserRegistry().supported_extensions()
