"""Search result snippets: a window of a passage around the first query term, with every
word that matches a query term marked.

A word matches when one of its index terms (stemmed, compound parts included, in either
language) is a query term, so "Pauschale" marks "Kilometerpauschale" and "Wartung" marks
"Wartungsintervall": the same words that made the passage a hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from wissenswerk.analysis import Analyzer

_WORD = re.compile(r"\w+(?:[-.,]\w+)*")
LANGUAGES = ("de", "en")
WINDOW_WORDS = 45
WORDS_BEFORE = 12
ELLIPSIS = "…"

Snippet = list[tuple[str, bool]]  # text segments, True = a query term


def snippet(text: str, query_terms: Iterable[str], analyzer: Analyzer) -> Snippet:
    text = " ".join(text.split())
    terms = set(query_terms)
    words = list(_WORD.finditer(text))
    if not words:
        return [(text, False)] if text else []
    matched = [i for i, w in enumerate(words) if _matches(w.group(0), terms, analyzer)]
    first = matched[0] if matched else 0
    start = max(0, first - WORDS_BEFORE)
    end = min(len(words), start + WINDOW_WORDS)
    begin = words[start].start() if start > 0 else 0
    finish = words[end - 1].end() if end < len(words) else len(text)
    segments: Snippet = [(ELLIPSIS, False)] if begin > 0 else []
    position = begin
    for i in matched:
        if not start <= i < end:
            continue
        word = words[i]
        if word.start() > position:
            segments.append((text[position : word.start()], False))
        segments.append((word.group(0), True))
        position = word.end()
    if finish > position:
        segments.append((text[position:finish], False))
    if finish < len(text):
        segments.append((ELLIPSIS, False))
    return segments


def _matches(word: str, terms: set[str], analyzer: Analyzer) -> bool:
    return any(
        term in terms for language in LANGUAGES for term in analyzer.index_terms(word, language)
    )
