"""ZIP archives: every member parsed through the registry, inside the unpack limits.

Nothing is extracted to disk, so "../" member names cannot escape anywhere; the danger of an
archive is its size after unpacking. Limits are checked on the sizes the archive declares
before anything is decompressed, and again while reading, because declared sizes can lie:

* compression ratio of a member (the classic zip bomb: gigabytes of zeros in kilobytes),
* bytes of one member, and bytes unpacked for the whole top-level file,
* number of members, and nesting depth (checked by the registry).

A ratio or total-size violation rejects the archive: it is hostile or useless. A single
member that is too big, encrypted or damaged is skipped with a warning, and the rest of the
archive is still indexed.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing.base import ParseContext, ParseLimits

# Small files compress well without being bombs (a 2 KB text of spaces reaches 100:1);
# the ratio only says something about members bigger than this.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
# Written by macOS and Windows Explorer next to the real files; never content.
_JUNK_PREFIXES = ("__MACOSX/",)
_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


class ZipParser:
    name: str = "zip"
    extensions: tuple[str, ...] = (".zip",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        # ValueError: offsets in the directory that point before the start of the file.
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ParseError(filename, "not a valid ZIP archive (truncated or corrupt)") from exc
        with archive:
            members = [info for info in archive.infolist() if not _skip(info)]
            _check_archive(members, len(data), filename, ctx)
            doc = ParsedDocument(metadata={"members": str(len(members))})
            for info in members:
                if info.flag_bits & 0x1:
                    doc.warnings.append(f"{info.filename}: encrypted, skipped")
                    continue
                try:
                    content = _read_member(archive, info, filename, ctx)
                except _MemberError as exc:
                    doc.warnings.append(f"{info.filename}: {exc}")
                    continue
                member = ctx.parse_member(content, info.filename, ctx)
                doc.blocks.extend(member.blocks)
                doc.warnings.extend(member.warnings)
        return doc


class _MemberError(Exception):
    """One member cannot be read; the archive goes on without it."""


def _skip(info: zipfile.ZipInfo) -> bool:
    if info.is_dir() or info.filename.startswith(_JUNK_PREFIXES):
        return True
    return info.filename.rsplit("/", 1)[-1].lower() in _JUNK_NAMES


def _check_archive(
    members: list[zipfile.ZipInfo], archive_bytes: int, filename: str, ctx: ParseContext
) -> None:
    limits = ctx.limits
    if len(members) > limits.max_members:
        raise LimitExceededError(
            filename, f"archive has {len(members)} members, the limit is {limits.max_members}"
        )
    for info in members:
        _check_ratio(info.filename, info.file_size, info.compress_size, filename, limits)
    declared = sum(info.file_size for info in members if not info.flag_bits & 0x1)
    _check_total(ctx.unpacked_bytes + declared, filename, limits)
    _check_ratio("(all members)", declared, archive_bytes, filename, limits)


def _check_ratio(member: str, size: int, packed: int, filename: str, limits: ParseLimits) -> None:
    if size < RATIO_CHECK_MIN_BYTES:
        return
    ratio = size / max(packed, 1)
    if ratio > limits.max_compression_ratio:
        raise LimitExceededError(
            filename,
            f"member {member!r} unpacks {size} bytes from {packed} ({ratio:.0f}:1, the limit is "
            f"{limits.max_compression_ratio:.0f}:1); rejected as a possible zip bomb",
        )


def _check_total(total: int, filename: str, limits: ParseLimits) -> None:
    if total > limits.max_total_unpacked_bytes:
        raise LimitExceededError(
            filename,
            f"archive unpacks to {total} bytes, more than the "
            f"{limits.max_total_unpacked_bytes} bytes allowed per file",
        )


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, ctx: ParseContext
) -> bytes:
    limits = ctx.limits
    if info.file_size > limits.max_member_bytes:
        raise _MemberError(
            f"unpacks to {info.file_size} bytes, the limit per member is "
            f"{limits.max_member_bytes}; skipped"
        )
    # Read at most one byte more than allowed: a member whose header understates its size is
    # caught here without ever holding more than the limit in memory.
    remaining = max(limits.max_total_unpacked_bytes - ctx.unpacked_bytes, 0)
    allowed = min(limits.max_member_bytes, remaining)
    try:
        with archive.open(info) as stream:
            content = stream.read(allowed + 1)
    except NotImplementedError as exc:  # e.g. Deflate64 or bzip2 variants zipfile lacks
        raise _MemberError(f"compression method not supported ({exc}); skipped") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise _MemberError(f"damaged in the archive ({exc}); skipped") from exc
    if len(content) > allowed:
        _check_total(ctx.unpacked_bytes + len(content), filename, limits)
        raise _MemberError(f"unpacks to more than {allowed} bytes; skipped")
    _check_ratio(info.filename, len(content), info.compress_size, filename, limits)
    return content
