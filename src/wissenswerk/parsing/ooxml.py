"""What DOCX, XLSX and PPTX have in common: they are ZIP packages of XML parts.

The libraries that read them unpack parts into memory without any limit, so a crafted package
is a zip bomb like any other. The declared part sizes and compression ratios are checked
against ParseLimits before a library sees the file (zipfile never returns more bytes than a
part declares, so the declared sizes are an upper bound).

Office packages never contain a document type declaration (the Open Packaging Conventions
forbid DTDs in parts); one that does is built to attack the XML parser with entity expansion
("billion laughs") or external entities that read local files. libxml2 and defusedxml would
stop both, but with a confusing message, so such a package is rejected up front.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing.archive import RATIO_CHECK_MIN_BYTES
from wissenswerk.parsing.base import ParseContext

# A DTD must come before the root element, so the first bytes of a part are enough; a prolog
# padded beyond this still meets libxml2's own entity limits.
_PROLOG_BYTES = 64 * 1024
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)

# What python-docx, python-pptx and openpyxl raise on a damaged package, besides their own
# "not a package" errors: a broken zip, a missing part, a broken XML part.
PACKAGE_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    etree.LxmlError,
)


def check_package(data: bytes, filename: str, ctx: ParseContext, label: str) -> None:
    """Raise ParseError unless ``data`` is a readable ZIP within the unpack limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            _check_sizes(parts, filename, ctx, label)
            _check_no_dtd(package, parts, filename, label)
    except ParseError:
        raise  # a ValueError too, but already the clear one
    # NotImplementedError: a compression method zipfile lacks (Deflate64, ...); ValueError:
    # offsets in the directory that point before the start of the file.
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        NotImplementedError,
        ValueError,
    ) as exc:
        raise ParseError(filename, f"not a valid {label} (truncated or corrupt)") from exc
    ctx.unpacked_bytes += sum(part.file_size for part in parts)


def _check_sizes(
    parts: list[zipfile.ZipInfo], filename: str, ctx: ParseContext, label: str
) -> None:
    limits = ctx.limits
    for part in parts:
        if part.file_size > limits.max_member_bytes:
            raise LimitExceededError(
                filename,
                f"{label} part {part.filename!r} unpacks to {part.file_size} bytes, "
                f"limit is {limits.max_member_bytes}",
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_compression_ratio:
            raise LimitExceededError(
                filename,
                f"{label} part {part.filename!r} unpacks {part.file_size} bytes from "
                f"{part.compress_size} ({ratio:.0f}:1, the limit is "
                f"{limits.max_compression_ratio:.0f}:1); rejected as a possible zip bomb",
            )
    total = sum(part.file_size for part in parts)
    if ctx.unpacked_bytes + total > limits.max_total_unpacked_bytes:
        raise LimitExceededError(
            filename,
            f"{label} unpacks to {total} bytes, more than the {limits.max_total_unpacked_bytes} "
            "bytes allowed per file",
        )


def _check_no_dtd(
    package: zipfile.ZipFile, parts: list[zipfile.ZipInfo], filename: str, label: str
) -> None:
    for part in parts:
        name = part.filename.lower()
        if not name.endswith((".xml", ".rels", ".vml")) or part.flag_bits & 0x1:
            continue  # encrypted parts: the library reports the package as unreadable
        with package.open(part) as stream:
            prolog = stream.read(_PROLOG_BYTES)
        if _DTD.search(prolog):
            raise ParseError(
                filename,
                f"{label} part {part.filename!r} contains an XML document type declaration, "
                "which Office files never have; rejected as a possible XML entity attack",
            )


def corrupt(filename: str, label: str, exc: Exception) -> ParseError:
    """The ParseError for a package the library could not read."""
    detail = str(exc).strip() or type(exc).__name__
    return ParseError(filename, f"not a valid {label} (truncated or corrupt: {detail})")
