"""Sentence splitting for German and English business text.

A regex splitter is enough here and fast; what matters is not breaking after the
abbreviations and number formats German documents are full of ("z. B.", "Nr. 5",
"01.03.2025", "2.000 Stunden", "Abs. 3").
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """
    abs abt allg anm bd bspw bzgl bzw ca co dipl dr dt etc evtl excl exkl fa ff gem ggf
    gmbh hr hrn inkl insb ing jh jr kap kfm lt max min mio mrd nr nrn o.ä od pkt prof
    rd s sog st str tel usw u.a u.ä vgl vs z.b z.t zb zt zzgl zzt e.g i.e mr mrs ms no
    jan feb mär apr jun jul aug sep sept okt nov dez
    """.split()
)

# Candidate boundary: end punctuation, optional closing quote/bracket, whitespace, then an
# upper-case letter, digit or opening quote.
_BOUNDARY = re.compile(r"([.!?…]+[\"'»«“”)\]]*)(\s+)(?=[\"'„“»(\[]?[A-ZÄÖÜ0-9])")
_LINE_BREAKS = re.compile(r"\n\s*\n+")


def _ends_with_abbreviation(text: str) -> bool:
    tail = text.rstrip(".").rsplit(None, 1)[-1].lower() if text.strip() else ""
    tail = tail.lstrip("(\"'„")
    if tail in _ABBREVIATIONS:
        return True
    # Single letters ("A. Müller") and ordinal numbers ("1. Januar", "3. Abs") are not ends.
    return len(tail) == 1 or (tail.isdigit() and len(tail) <= 2)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; paragraphs (blank lines) always end a sentence."""
    sentences: list[str] = []
    for paragraph in _LINE_BREAKS.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            candidate = paragraph[start : match.end(1)]
            if match.group(1).startswith(".") and _ends_with_abbreviation(candidate):
                continue
            sentences.append(candidate.strip())
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            sentences.append(rest)
    return sentences
