"""The open headings of a document while a parser walks it (shared by DOCX, HTML, Markdown)."""

from __future__ import annotations

from wissenswerk.core.documents import Block, BlockKind


class Outline:
    """Headings currently open, outermost first; a new heading closes those at its level or
    deeper, so every block can carry the path of headings above it."""

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []

    def path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._open)

    def enter(self, level: int, text: str) -> Block:
        """Open a heading and return its block (its path holds only its parents)."""
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        block = Block(text, kind=BlockKind.HEADING, heading_path=self.path(), level=level)
        self._open.append((level, text))
        return block
