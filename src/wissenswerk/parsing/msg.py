"""Outlook messages (MSG): MAPI properties read from the OLE compound file via olefile.

An MSG file is an OLE storage. Each MAPI property of variable length lives in its own stream
``__substg1.0_PPPPTTTT`` (property id, property type); fixed-size ones (numbers, times) are
16-byte records in ``__properties_version1.0``. Attachments are sub-storages
``__attach_version1.0_#XXXXXXXX`` with the same layout. See [MS-OXMSG].
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from email.utils import format_datetime

import olefile

from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.email import (
    HEADER_FIELDS,
    add_member,
    attachment_name,
    body_blocks,
    header_block,
)
from wissenswerk.parsing.html import detect_encoding

# Property ids ([MS-OXPROPS]).
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENDER_NAME = 0x0C1A
PR_SENDER_EMAIL_ADDRESS = 0x0C1F
PR_DISPLAY_CC = 0x0E03
PR_DISPLAY_TO = 0x0E04
PR_MESSAGE_DELIVERY_TIME = 0x0E06
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_HTML = 0x1013
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_DISPLAY_NAME = 0x3001
PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_INTERNET_CPID = 0x3FDE
PR_MESSAGE_CODEPAGE = 0x3FFD

# Property types.
PT_LONG = 0x0003
PT_SYSTIME = 0x0040
PT_STRING8 = 0x001E  # "ANSI", in the message's code page
PT_UNICODE = 0x001F  # UTF-16LE
PT_BINARY = 0x0102
PT_OBJECT = 0x000D

ATTACH_BY_VALUE = 1
ATTACH_EMBEDDED_MSG = 5

PROPERTIES = "__properties_version1.0"
_ATTACHMENT_PREFIX = "__attach_version1.0_#"
# Bytes before the first property record in __properties_version1.0.
_TOP_LEVEL_HEADER = 32
_ATTACHMENT_HEADER = 8
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
# Windows code page numbers whose Python codec is not simply "cp<number>".
_CODE_PAGES = {65001: "utf-8", 28591: "latin-1", 28605: "iso8859-15", 20127: "ascii"}
# olefile reports most broken structures as OSError, but crafted headers also end in
# ValueError (a sector size of 2**60000, a sector cut short), IndexError and struct.error.
_OLE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    IndexError,
    OverflowError,
    struct.error,
)


class MsgParser:
    name: str = "msg"
    extensions: tuple[str, ...] = (".msg",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        if not olefile.isOleFile(data=data):
            raise ParseError(filename, "not a valid Outlook .msg file (no OLE compound file)")
        try:
            ole = olefile.OleFileIO(io.BytesIO(data))
        except _OLE_ERRORS as exc:
            raise _damaged(filename, exc) from exc
        with ole:
            if not ole.exists(PROPERTIES):
                raise ParseError(
                    filename,
                    "OLE file is not an Outlook message (no MAPI properties); "
                    "old .doc/.xls/.ppt files are not supported",
                )
            try:
                return _read_message(_Storage(ole, []), ctx)
            except ParseError:
                raise  # a ValueError too, but already the clear one
            except _OLE_ERRORS as exc:
                raise _damaged(filename, exc) from exc


def _damaged(filename: str, exc: Exception) -> ParseError:
    # olefile's OSErrors describe the damage ("incomplete OLE sector"); the other errors
    # come from arithmetic on nonsense values and would only confuse.
    detail = str(exc) if isinstance(exc, OSError) else "invalid compound file structure"
    return ParseError(filename, f"damaged Outlook .msg file ({detail})")


class _Storage:
    """One MAPI object (message or attachment) inside the OLE file."""

    def __init__(self, ole: olefile.OleFileIO, path: list[str], header: int = _TOP_LEVEL_HEADER):
        self.ole = ole
        self.path = path
        self.fixed = _fixed_properties(self._read(PROPERTIES) or b"", header)
        codepage = self.long(PR_MESSAGE_CODEPAGE) or self.long(PR_INTERNET_CPID) or 1252
        self.encoding = _CODE_PAGES.get(codepage, f"cp{codepage}")

    def _read(self, name: str) -> bytes | None:
        path = [*self.path, name]
        if not self.ole.exists(path):
            return None
        return self.ole.openstream(path).read()

    def string(self, prop: int) -> str:
        raw = self._read(f"__substg1.0_{prop:04X}{PT_UNICODE:04X}")
        if raw is not None:
            return raw.decode("utf-16-le", errors="replace").rstrip("\x00").strip()
        raw = self._read(f"__substg1.0_{prop:04X}{PT_STRING8:04X}")
        if raw is not None:
            try:
                return raw.decode(self.encoding, errors="replace").rstrip("\x00").strip()
            except LookupError:  # a code page Python does not know
                return raw.decode("cp1252", errors="replace").rstrip("\x00").strip()
        return ""

    def binary(self, prop: int) -> bytes | None:
        return self._read(f"__substg1.0_{prop:04X}{PT_BINARY:04X}")

    def long(self, prop: int) -> int | None:
        kind, value = self.fixed.get(prop, (None, b""))
        return struct.unpack("<i", value[:4])[0] if kind == PT_LONG else None

    def time(self, prop: int) -> dt.datetime | None:
        kind, value = self.fixed.get(prop, (None, b""))
        if kind != PT_SYSTIME:
            return None
        ticks = struct.unpack("<Q", value)[0]  # 100 ns steps since 1601
        try:
            return _FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)
        except OverflowError:
            return None

    def has_storage(self, name: str) -> bool:
        return self.ole.exists([*self.path, name])

    def attachments(self) -> list[_Storage]:
        names = sorted(
            entry[len(self.path)]
            for entry in self.ole.listdir(streams=False, storages=True)
            if len(entry) == len(self.path) + 1
            and entry[: len(self.path)] == self.path
            and entry[-1].startswith(_ATTACHMENT_PREFIX)
        )
        return [_Storage(self.ole, [*self.path, name], _ATTACHMENT_HEADER) for name in names]


def _fixed_properties(stream: bytes, header: int) -> dict[int, tuple[int, bytes]]:
    """Property id -> (type, 8 value bytes) from the 16-byte records of the properties stream."""
    properties = {}
    for offset in range(header, len(stream) - 15, 16):
        tag = struct.unpack_from("<I", stream, offset)[0]
        properties[tag >> 16] = (tag & 0xFFFF, stream[offset + 8 : offset + 16])
    return properties


def _read_message(message: _Storage, ctx: ParseContext) -> ParsedDocument:
    subject = message.string(PR_SUBJECT)
    sender = message.string(PR_SENDER_NAME)
    address = message.string(PR_SENDER_SMTP_ADDRESS) or message.string(PR_SENDER_EMAIL_ADDRESS)
    if address and address != sender:
        sender = f"{sender} <{address}>" if sender else address
    sent = message.time(PR_CLIENT_SUBMIT_TIME) or message.time(PR_MESSAGE_DELIVERY_TIME)
    values = {
        "From": sender,
        "To": message.string(PR_DISPLAY_TO),
        "Cc": message.string(PR_DISPLAY_CC),
        "Date": format_datetime(sent) if sent else "",
        "Subject": subject,
    }
    fields = [(name, values[name]) for name in HEADER_FIELDS]
    doc = ParsedDocument(title=subject or None)
    doc.metadata.update({name.lower(): value for name, value in fields if value})
    block = header_block(fields)
    if block:
        doc.blocks.append(block)
    body = body_blocks(message.string(PR_BODY), _html_body(message), doc)
    if not body and message.binary(PR_RTF_COMPRESSED) is not None:
        doc.warnings.append("message body is stored only as compressed RTF, not supported yet")
    doc.blocks.extend(body)

    for index, attachment in enumerate(message.attachments(), start=1):
        name = attachment_name(
            attachment.string(PR_ATTACH_LONG_FILENAME)
            or attachment.string(PR_ATTACH_FILENAME)
            or attachment.string(PR_DISPLAY_NAME),
            index,
            attachment.string(PR_ATTACH_MIME_TAG) or "application/octet-stream",
        )
        method = attachment.long(PR_ATTACH_METHOD)
        data = attachment.binary(PR_ATTACH_DATA)
        if method == ATTACH_EMBEDDED_MSG or attachment.has_storage(
            f"__substg1.0_{PR_ATTACH_DATA:04X}{PT_OBJECT:04X}"
        ):
            doc.warnings.append(f"{name}: attached Outlook item not supported yet, skipped")
        elif data is None:
            doc.warnings.append(f"{name}: attachment has no data (a link or OLE object), skipped")
        else:
            add_member(doc, data, name, ctx)
    return doc


def _html_body(message: _Storage) -> str | None:
    """PR_HTML is usually binary in the charset the HTML declares, sometimes a string."""
    raw = message.binary(PR_HTML)
    if raw is not None:
        return raw.decode(detect_encoding(raw), errors="replace")
    return message.string(PR_HTML) or None
