"""Plain text files, and the encoding detection every text-like format shares.

German offices produce text in four encodings: UTF-8 (with or without BOM), UTF-16 with BOM
(Windows "Unicode" exports), Windows-1252 (older Windows tools, Excel CSV exports) and
sometimes code page 850 (DOS and ERP exports). Statistical detectors are unreliable on short
German text (charset-normalizer happily reports cp1250 or mac_iceland for "Größe"), so fixed
rules go first and the detector is only asked when the rules find no German text.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Single-byte code pages tried for text that is not UTF-8, most likely first.
_LEGACY_CANDIDATES = ("cp1252", "cp850")
# Non-ASCII characters that are common in German business text. A decoding that turns most
# non-ASCII bytes into these is the right one; the wrong code page yields box drawing or
# accented letters that German does not use.
_GERMAN_NON_ASCII = frozenset("äöüÄÖÜß€„“”‚‘’–—…§°µ²³½éèàáçñ·•×")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n\s*\n")


def decode_text(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``; never fails, undecodable bytes become U+FFFD."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    # Before UTF-8: ASCII-only UTF-16 is valid UTF-8 too (NUL is a legal UTF-8 byte).
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = _german_code_page(data)
    if legacy:
        return data.decode(legacy), legacy
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        return str(guess), guess.encoding
    return data.decode("cp1252", errors="replace"), "cp1252"


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 has a NUL in every other byte; which half tells the byte order."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _german_code_page(data: bytes) -> str | None:
    best: tuple[int, str] | None = None
    for encoding in _LEGACY_CANDIDATES:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        non_ascii = [ch for ch in text if ord(ch) > 0x7F]
        score = sum(ch in _GERMAN_NON_ASCII for ch in non_ascii)
        if non_ascii and score * 2 >= len(non_ascii) and (best is None or score > best[0]):
            best = (score, encoding)
    return best[1] if best else None


def looks_binary(text: str) -> bool:
    """Control characters other than tab/newline/form feed do not occur in real text."""
    sample = text[:8192]
    return bool(sample) and len(_CONTROL.findall(sample)) > 0.05 * len(sample)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; surrounding whitespace is dropped."""
    parts = _BLANK_LINES.split(normalize_newlines(text))
    return [p.strip() for p in parts if p.strip()]


class TextParser:
    name: str = "text"
    extensions: tuple[str, ...] = (".txt", ".text", ".log")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        text, encoding = decode_text(data)
        if looks_binary(text):
            raise ParseError(filename, "binary content, not a text file")
        blocks = [Block(paragraph) for paragraph in split_paragraphs(text)]
        return ParsedDocument(blocks=blocks, metadata={"encoding": encoding})
