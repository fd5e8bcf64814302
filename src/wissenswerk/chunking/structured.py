"""Structure-following chunker: sections stay together, tables keep their header row.

Rules, in order of importance:
1. A chunk never spans two pages or two members (attachments / archive members), so its
   citation names exactly one place.
2. A heading starts a new chunk; the heading path travels with every chunk as context.
3. Small neighbouring paragraphs of one section are packed up to ``target_words``; a long
   paragraph is split at sentence boundaries, repeating ``overlap_sentences``.
4. A table is split between rows, each piece starting with the header row.
Chunk ids hash the content and locator, so unchanged input gives identical ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from wissenswerk.chunking.sentences import split_sentences
from wissenswerk.core.documents import Block, BlockKind, ParsedDocument
from wissenswerk.core.models import Chunk


def _words(text: str) -> int:
    return len(text.split())


def context_line(title: str | None, heading_path: tuple[str, ...]) -> str:
    parts = [p for p in (title, *heading_path) if p]
    # Drop a first heading that repeats the title (common in DOCX and Markdown).
    deduped: list[str] = []
    for part in parts:
        if not deduped or deduped[-1].strip().lower() != part.strip().lower():
            deduped.append(part)
    return " › ".join(deduped)


@dataclass(slots=True)
class _Buffer:
    page: int | None
    member: str | None
    heading_path: tuple[str, ...]
    parts: list[str] = field(default_factory=list)
    words: int = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.words += _words(text)


class StructuredChunker:
    def __init__(self, target_words: int = 180, max_words: int = 260, overlap: int = 1) -> None:
        if target_words < 20 or max_words < target_words:
            raise ValueError(
                f"Chunk sizes target_words={target_words}, max_words={max_words} are invalid: "
                "need target_words >= 20 and max_words >= target_words."
            )
        self.target_words = target_words
        self.max_words = max_words
        self.overlap = max(0, overlap)

    def chunk(self, doc: ParsedDocument) -> list[Chunk]:
        pieces: list[tuple[str, int | None, str | None, tuple[str, ...]]] = []
        buf: _Buffer | None = None

        def flush() -> None:
            nonlocal buf
            if buf is not None and buf.parts:
                pieces.append(("\n".join(buf.parts), buf.page, buf.member, buf.heading_path))
            buf = None

        for block in doc.blocks:
            text = block.text.strip()
            if not text:
                continue
            if block.kind is BlockKind.HEADING:
                flush()
                continue
            path = block.heading_path
            if buf is not None and (
                buf.page != block.page or buf.member != block.member or buf.heading_path != path
            ):
                flush()
            if block.kind is BlockKind.TABLE:
                flush()
                for piece in self._split_table(block):
                    pieces.append((piece, block.page, block.member, path))
                continue
            n = _words(text)
            if n > self.max_words:
                flush()
                for piece in self._split_long(text):
                    pieces.append((piece, block.page, block.member, path))
                continue
            if buf is not None and buf.words + n > self.target_words:
                flush()
            if buf is None:
                buf = _Buffer(block.page, block.member, path)
            buf.add(text)
        flush()

        chunks = []
        for ordinal, (text, page, member, path) in enumerate(pieces):
            context = context_line(doc.title, path)
            key = hashlib.sha256(
                "\x1f".join([member or "", str(page or ""), context, text]).encode("utf-8")
            ).hexdigest()[:32]
            chunks.append(
                Chunk(
                    chunk_id=key,
                    text=text,
                    context=context,
                    ordinal=ordinal,
                    page=page,
                    member=member,
                    heading_path=path,
                )
            )
        return chunks

    def _split_long(self, text: str) -> list[str]:
        sentences = split_sentences(text)
        out: list[str] = []
        current: list[str] = []
        words = 0
        fresh = 0  # sentences in ``current`` not yet emitted in an earlier chunk
        for sentence in sentences:
            n = _words(sentence)
            if n > self.max_words:  # one giant "sentence" (lists, logs): cut by words
                if fresh:
                    out.append(" ".join(current))
                current, words, fresh = [], 0, 0
                tokens = sentence.split()
                step = self.target_words
                out.extend(" ".join(tokens[i : i + step]) for i in range(0, len(tokens), step))
                continue
            if fresh and words + n > self.target_words:
                out.append(" ".join(current))
                current = current[-self.overlap :] if self.overlap else []
                words = sum(_words(s) for s in current)
                fresh = 0
            current.append(sentence)
            words += n
            fresh += 1
        if fresh:
            out.append(" ".join(current))
        return out

    def _split_table(self, block: Block) -> list[str]:
        header = (block.header or "").strip()
        header_words = _words(header)
        rows = [r for r in block.text.split("\n") if r.strip()]
        if header and rows and rows[0].strip() == header:
            rows = rows[1:]
        out: list[str] = []
        current: list[str] = []
        words = header_words
        for row in rows:
            n = _words(row)
            if current and words + n > self.target_words:
                out.append("\n".join(([header] if header else []) + current))
                current, words = [], header_words
            current.append(row)
            words += n
        if current or not out:
            out.append("\n".join(([header] if header else []) + current))
        return out
