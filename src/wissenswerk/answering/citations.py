"""Check a generated answer's citation markers against the sources the model was given.

A model may cite a source that does not exist ("[7]" with five sources), or one that says
nothing of the kind. Markers are therefore checked after generation: numbers without a source
are removed, the rest renumbered 1..k in order of first use (so the reader sees [1], [2], ...
whatever the prompt's numbering), and a citation whose passage lacks the statement's words is
flagged. Support is measured as overlap of analysed terms (stemmed, stopwords dropped,
compounds split): cheap, language-aware and strict enough to catch a number pointing at an
unrelated passage; it cannot tell a paraphrase that changes the meaning.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from wissenswerk.analysis import Analyzer
from wissenswerk.chunking.sentences import split_sentences

MIN_SUPPORT = 0.3  # share of a statement's terms its cited passage must contain
# "[1]", "[1, 2]", "[1; 3]", "[Quelle 2]", "[Source 2]". In "[1](url)" the number is checked
# and renumbered too; the Markdown sanitiser then drops the link and keeps the marker.
MARKER = re.compile(
    r"\[(?:(?:Quellen?|Sources?)\s*)?(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]", re.IGNORECASE
)
_SPACED_MARKER = re.compile(rf"([ \t]*){MARKER.pattern}", re.IGNORECASE)
_LEADING_MARKERS = re.compile(rf"^(?:\s*{MARKER.pattern})+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Statement:
    """A sentence of the answer and the source numbers it cites (as the model wrote them)."""

    text: str  # without its markers
    numbers: tuple[int, ...]


@dataclass(slots=True)
class CitationCheck:
    text: str  # the answer with invalid markers removed and the rest renumbered
    cited: list[int]  # prompt source numbers in the order of the new numbers 1..k
    invalid: list[int] = field(default_factory=list)  # numbers no source has, as written
    unsupported: list[tuple[int, str]] = field(default_factory=list)  # (new number, statement)
    uncited: list[str] = field(default_factory=list)  # statements with words but no marker
    markers: int = 0  # citations checked: (statement, number) pairs
    valid: int = 0  # of those, pointing at an existing source that has supporting words

    @property
    def validity(self) -> float | None:
        """Share of checked citations that exist and are supported; None without any."""
        return self.valid / self.markers if self.markers else None


def strip_markers(text: str) -> str:
    """``text`` without citation markers (and the space before each)."""
    return _SPACED_MARKER.sub("", text)


def marker_numbers(marker_body: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", marker_body)]


def statements(text: str) -> list[Statement]:
    """The answer's sentences with their markers; markers opening a sentence ("... Ende.
    [2] Weiter") belong to the sentence before."""
    out: list[Statement] = []
    for line in text.split("\n"):
        for sentence in split_sentences(line):
            lead = _LEADING_MARKERS.match(sentence)
            if lead and out:
                prev = out[-1]
                extra = tuple(
                    n for m in MARKER.finditer(lead.group(0)) for n in marker_numbers(m.group(1))
                )
                out[-1] = Statement(prev.text, prev.numbers + extra)
                sentence = sentence[lead.end() :]
            numbers = tuple(
                n for m in MARKER.finditer(sentence) for n in marker_numbers(m.group(1))
            )
            bare = " ".join(strip_markers(sentence).split())
            if bare or numbers:
                out.append(Statement(bare, numbers))
    return out


def support(analyzer: Analyzer, statement: str, passage_terms: set[str]) -> tuple[int, int]:
    """(terms of the statement found in the passage, terms of the statement)."""
    terms = set(analyzer.query_terms(statement))
    return len(terms & passage_terms), len(terms)


def check_citations(
    text: str, passages: Sequence[str], analyzer: Analyzer, min_support: float = MIN_SUPPORT
) -> CitationCheck:
    """Validate the markers of ``text`` against ``passages`` (source n is passages[n-1])."""
    checker = CitationChecker(passages, analyzer, min_support)
    checker.check(text)
    return checker.result


class CitationChecker:
    """Checks an answer piece by piece as it streams; ``result`` covers all pieces so far.

    Numbers keep the order of first use across pieces, so a piece's markers, once rewritten,
    never change: what was streamed stays true.
    """

    def __init__(
        self, passages: Sequence[str], analyzer: Analyzer, min_support: float = MIN_SUPPORT
    ) -> None:
        self.passages = passages
        self.analyzer = analyzer
        self.min_support = min_support
        self.result = CitationCheck(text="", cited=[])
        self._terms: dict[int, set[str]] = {}

    def check(self, text: str) -> str:
        """``text`` with invalid markers removed and the rest renumbered."""
        result, count = self.result, len(self.passages)
        for st in statements(text):
            numbers = list(dict.fromkeys(st.numbers))
            if not numbers:
                if support(self.analyzer, st.text, set())[1]:
                    result.uncited.append(st.text)
                continue
            for n in numbers:
                result.markers += 1
                if not 1 <= n <= count:
                    if n not in result.invalid:
                        result.invalid.append(n)
                    continue
                if n not in result.cited:
                    result.cited.append(n)
                if n not in self._terms:
                    self._terms[n] = set(self.analyzer.query_terms(self.passages[n - 1]))
                found, total = support(self.analyzer, st.text, self._terms[n])
                # A statement drawing on several passages needs only its share from each.
                needed = max(1, math.ceil(self.min_support * total / len(numbers))) if total else 0
                if found >= needed:
                    result.valid += 1
                else:
                    result.unsupported.append((result.cited.index(n) + 1, st.text))
        renumber = {old: new for new, old in enumerate(result.cited, start=1)}
        checked = _rewrite_markers(text, renumber)
        result.text += checked
        return checked


def _rewrite_markers(text: str, renumber: dict[int, int]) -> str:
    def replace(match: re.Match[str]) -> str:
        kept = [renumber[n] for n in marker_numbers(match.group(2)) if n in renumber]
        # A removed marker takes the space before it along ("Satz [9]." -> "Satz.").
        return match.group(1) + "".join(f"[{n}]" for n in dict.fromkeys(kept)) if kept else ""

    return _SPACED_MARKER.sub(replace, text)
