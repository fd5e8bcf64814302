"""What DOCX, XLSX and PPTX have in common: they are ZIP packages of XML parts.

The libraries that read them unpack parts into memory without any limit, so a crafted package
is a zip bomb like any other. The declared part sizes are checked against ParseLimits before a
library sees the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing.base import ParseContext

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
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ParseError(filename, f"not a valid {label} (truncated or corrupt)") from exc
    limits = ctx.limits
    for part in parts:
        if part.file_size > limits.max_member_bytes:
            raise LimitExceededError(
                filename,
                f"{label} part {part.filename!r} unpacks to {part.file_size} bytes, "
                f"limit is {limits.max_member_bytes}",
            )
    total = sum(part.file_size for part in parts)
    if ctx.unpacked_bytes + total > limits.max_total_unpacked_bytes:
        raise LimitExceededError(
            filename,
            f"{label} unpacks to {total} bytes, more than the {limits.max_total_unpacked_bytes} "
            "bytes allowed per file",
        )
    ctx.unpacked_bytes += total


def corrupt(filename: str, label: str, exc: Exception) -> ParseError:
    """The ParseError for a package the library could not read."""
    detail = str(exc).strip() or type(exc).__name__
    return ParseError(filename, f"not a valid {label} (truncated or corrupt: {detail})")
