"""The model's text, checked piece by piece as it streams, so nothing unchecked is ever shown.

A chat front-end renders every piece it gets and cannot take one back; a terminal cannot
either. So the answer is not streamed as the model writes it but in pieces that are complete
enough to check on their own: a sentence of a prose line, a whole line, a whole table, a whole
fenced code block. Each piece gets the same treatment the whole answer would get (citation
markers checked and renumbered in order of first use, Markdown rebuilt by the sanitiser), and
the answer is exactly the pieces joined.

Cuts are placed where Markdown cannot join across them: at line ends outside tables and code
fences, and inside a prose line only after a sentence end followed by a letter, with brackets,
parentheses, code spans and emphasis markers balanced before it. A link or emphasis cut apart
anyway is escaped in each half (shown as text, never followed), so a cut can make the answer
look plainer, never let an image or foreign link through. ``result`` checks the joined
answer once more (defence in depth).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wissenswerk.analysis import Analyzer
from wissenswerk.answering.citations import CitationCheck, CitationChecker
from wissenswerk.answering.sanitize import sanitize_markdown
from wissenswerk.chunking.sentences import split_sentences

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A letter opening the next sentence (a digit or a Markdown character there could start a
# list or heading when the piece stands alone).
_OPENS_SENTENCE = re.compile(r"[^\W\d_]")
_MIN_PIECE = 20  # characters: shorter sentences wait for the next one


@dataclass(frozen=True, slots=True)
class CheckedText:
    """The whole checked answer, as the pieces joined."""

    text: str
    check: CitationCheck  # over all pieces
    removed: list[str]  # what the sanitiser took out ("image: https://…")


class CheckedStream:
    """``feed`` the model's text as it comes and get the checked pieces ready to show."""

    def __init__(
        self,
        passages: Sequence[str],
        analyzer: Analyzer,
        *,
        allowed_hosts: Iterable[str] = (),
        language: str = "de",
    ) -> None:
        self.checker = CitationChecker(passages, analyzer)
        self.allowed_hosts = tuple(allowed_hosts)
        self.language = language
        self.removed: list[str] = []
        self._buffer = ""
        self._pieces: list[str] = []

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        return self._drain(final=False)

    def flush(self) -> list[str]:
        """The rest of the buffer, checked: the last pieces once the model is done."""
        return self._drain(final=True)

    def result(self) -> CheckedText:
        """The whole answer: the pieces so far joined (call ``flush`` first)."""
        text = "".join(self._pieces).strip()
        # Each piece was safe alone; the joined text is checked once more in case a construct
        # formed across a cut. If anything had to go, the re-checked text is what the user keeps.
        again = sanitize_markdown(
            text,
            self.allowed_hosts,
            citation_count=len(self.checker.result.cited),
            language=self.language,
        )
        removed = list(self.removed)
        if again.removed:
            removed.extend(again.removed)
            text = again.text
        return CheckedText(text, self.checker.result, removed)

    # -------------------------------------------------------------------------- pieces --

    def _drain(self, *, final: bool) -> list[str]:
        out: list[str] = []
        if not self._pieces:  # the answer starts at its first word
            self._buffer = self._buffer.lstrip()
        while self._buffer:
            cut = _next_cut(self._buffer, final=final)
            if cut is None:
                break
            end, after = cut
            content, separator = self._buffer[:end], self._buffer[end:after]
            self._buffer = self._buffer[after:]
            piece = self._check(content) + separator
            if piece:
                self._pieces.append(piece)
                out.append(piece)
        return out

    def _check(self, content: str) -> str:
        if not content.strip():
            return content
        marked = self.checker.check(content)
        clean = sanitize_markdown(
            marked,
            self.allowed_hosts,
            citation_count=len(self.checker.result.cited),
            language=self.language,
        )
        self.removed.extend(clean.removed)
        return clean.text


def _next_cut(buffer: str, *, final: bool) -> tuple[int, int] | None:
    """(end of the next piece, end of the whitespace after it) in ``buffer``, or None while
    the next piece may still grow."""
    blank = len(buffer) - len(buffer.lstrip("\n"))
    if blank:  # line breaks between pieces pass through as they are
        return 0, blank
    first_line, newline, _rest = buffer.partition("\n")
    fence = _FENCE.match(first_line)
    if fence:
        return _fence_end(buffer, fence.group(1), final)
    if first_line.lstrip().startswith("|"):
        return _table_end(buffer, final)
    if newline:
        return len(first_line), len(first_line) + 1
    cut = _sentence_cut(first_line)
    if cut is not None:
        return cut
    return (len(buffer), len(buffer)) if final else None


def _fence_end(buffer: str, opening: str, final: bool) -> tuple[int, int] | None:
    """After the line closing the fenced code block that opens ``buffer``."""
    lines = buffer.split("\n")
    offset = len(lines[0]) + 1
    for line in lines[1:-1]:  # complete lines only
        offset += len(line) + 1
        closing = _FENCE.match(line)
        if closing and closing.group(1)[0] == opening[0] and len(closing.group(1)) >= len(opening):
            return offset - 1, offset
    return (len(buffer), len(buffer)) if final else None


def _table_end(buffer: str, final: bool) -> tuple[int, int] | None:
    """Before the first line of ``buffer`` that is not a table row."""
    lines = buffer.split("\n")
    offset = len(lines[0]) + 1
    last = len(lines) - 1
    for i, line in enumerate(lines[1:], start=1):
        other_line = bool(line.strip()) and not line.lstrip().startswith("|")
        blank_line = not line.strip() and i < last  # complete, empty: the table ended
        if other_line or blank_line:
            return offset - 1, offset
        offset += len(line) + 1
    return (len(buffer), len(buffer)) if final else None


def _sentence_cut(line: str) -> tuple[int, int] | None:
    """After the last complete sentence of a prose line that can be checked on its own."""
    if line.startswith(("    ", "\t")):  # indented code: wait for the line end
        return None
    best = None
    position = 0
    # The chunker's sentence splitter knows abbreviations and ordinals ("z. B.", "am 3. Mai").
    sentences = split_sentences(line)
    for sentence in sentences[:-1]:  # the last one may still grow
        start = line.find(sentence, position)
        if start < 0:
            return best
        end = start + len(sentence)
        after = end + len(line[end:]) - len(line[end:].lstrip())
        position = after
        if (
            end >= _MIN_PIECE
            and after > end
            and after < len(line)
            and _OPENS_SENTENCE.match(line, after)
            and _balanced(line[:end])
        ):
            best = end, after
    return best


def _balanced(text: str) -> bool:
    """No link, code span or emphasis left open at the end of ``text``."""
    return (
        text.count("[") == text.count("]")
        and text.count("(") == text.count(")")
        and text.count("`") % 2 == 0
        and text.count("**") % 2 == 0
        and text.count("__") % 2 == 0
        and "<" not in text
    )
