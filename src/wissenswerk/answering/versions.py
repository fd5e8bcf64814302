"""Recognise versions of the same document ("Reisekostenrichtlinie_2023.docx" and
"..._2025.docx", "Handbuch v2.pdf" and "Handbuch v3.pdf") and tell which is newer."""

from __future__ import annotations

import re
from datetime import datetime

_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
_NOISE = re.compile(
    r"(?<![a-z])(v(er(sion)?)?\.?\s*\d+([._]\d+)*|stand|final|entwurf|draft|neu|alt|old|new|"
    r"(19[89]\d|20\d\d)([-_.]\d{1,2}){0,2}|\d{1,2}[-_.]\d{1,2}[-_.](19|20)?\d\d)(?![a-z])"
)
_VERSION_NUMBER = re.compile(r"(?<![a-z])v(?:er(?:sion)?)?\.?\s*(\d+(?:[._]\d+)*)")


def version_key(path: str) -> str:
    """Folder plus file stem without dates and version markers; equal keys = versions."""
    folder, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0].lower()
    stem = _NOISE.sub(" ", stem)
    stem = re.sub(r"[\s_\-.()\[\]]+", " ", stem).strip()
    return f"{folder}/{stem}" if stem else ""


def version_order(path: str, modified: datetime | None) -> tuple[int, tuple[int, ...], float]:
    """Sort key: a year in the name first, then a version number, then the file date."""
    name = path.rsplit("/", 1)[-1].lower()
    years = [int(y) for y in _YEAR.findall(name)]
    number = _VERSION_NUMBER.search(name)
    version = tuple(int(x) for x in re.split(r"[._]", number.group(1))) if number else ()
    return (max(years) if years else 0, version, modified.timestamp() if modified else 0.0)
