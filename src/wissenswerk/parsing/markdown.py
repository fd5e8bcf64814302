"""Markdown files via markdown-it-py: headings, paragraphs, lists, tables and code blocks."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from markdown_it.token import Token

from wissenswerk.core.documents import Block, BlockKind, ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.hidden import add_reasons, html_hidden_reasons
from wissenswerk.parsing.outline import Outline
from wissenswerk.parsing.tables import table_blocks
from wissenswerk.parsing.text import decode_text, looks_binary, normalize_newlines

# YAML front matter as written by static site generators and wikis; only "title:" is used.
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.MULTILINE)
# A tag cannot contain "<": without it, every "<" of an unclosed run ("<a <a <a ...") would
# rescan the rest of the text, which takes minutes on a few hundred kilobytes.
_HTML_TAG = re.compile(r"<[^<>]+>")


class MarkdownParser:
    name: str = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        text, encoding = decode_text(data)
        if looks_binary(text):
            raise ParseError(filename, "binary content, not a Markdown file")
        text = normalize_newlines(text)
        front_title = None
        front = _FRONT_MATTER.match(text)
        if front:
            title_line = _FRONT_MATTER_TITLE.search(front.group(1))
            front_title = title_line.group(1).strip("\"'") if title_line else None
            text = text[front.end() :]
        markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
        tokens = markdown.parse(text)
        doc = _Collector().collect(tokens)
        add_reasons(doc, _hidden_html(markdown, tokens))
        doc.title = front_title or next(
            (b.text for b in doc.blocks if b.kind is BlockKind.HEADING and b.level == 1), None
        )
        doc.metadata["encoding"] = encoding
        return doc


class _Collector:
    """Walks markdown-it's flat token stream and builds blocks."""

    def __init__(self) -> None:
        self.doc = ParsedDocument()
        self.outline = Outline()
        self.list_lines: list[str] = []
        # One entry per open list: whether it is ordered, and the marker the open item still
        # has to print ("-", "3.") or "" once its first paragraph is out.
        self.lists: list[bool] = []
        self.markers: list[str] = []

    def path(self) -> tuple[str, ...]:
        return self.outline.path()

    def emit(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if self.lists:  # inside a list: collect, the outermost list emits one block
            indent = "  " * (len(self.lists) - 1)
            marker = self.markers[-1] or "  "
            self.list_lines.append(f"{indent}{marker} {text}")
            self.markers[-1] = ""  # later paragraphs of the same item are indented only
        else:
            self.doc.blocks.append(Block(text, heading_path=self.path()))

    def collect(self, tokens: Sequence[Token]) -> ParsedDocument:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                self.heading(int(token.tag[1]), _inline_text(tokens[index + 1]))
                index += 2
            elif kind == "inline":
                self.emit(_inline_text(token))
            elif kind in ("fence", "code_block"):
                self.emit(token.content)
            elif kind == "html_block":
                self.emit(_strip_html(token.content))
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.lists.append(kind == "ordered_list_open")
                self.markers.append("")
            elif kind == "list_item_open":
                self.markers[-1] = f"{token.info}." if self.lists[-1] else "-"
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                self.markers.pop()
                if not self.lists and self.list_lines:
                    self.doc.blocks.append(
                        Block("\n".join(self.list_lines), heading_path=self.path())
                    )
                    self.list_lines.clear()
            elif kind == "table_open":
                index = self.table(tokens, index)
            index += 1
        return self.doc

    def heading(self, level: int, text: str) -> None:
        if text:
            self.doc.blocks.append(self.outline.enter(level, text))

    def table(self, tokens: Sequence[Token], index: int) -> int:
        """Consume tokens up to table_close; return its index."""
        header: list[str] | None = None
        rows: list[list[str]] = []
        in_head = False
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open":
                rows.append([])
            elif token.type == "inline":
                rows[-1].append(_inline_text(token))
            elif token.type == "tr_close" and in_head:
                header = rows.pop()
            index += 1
        self.doc.blocks.extend(table_blocks(rows, header=header, heading_path=self.path()))
        return index


def _hidden_html(markdown: MarkdownIt, tokens: Sequence[Token]) -> list[str]:
    """Comments and hidden elements in the file's raw HTML (README files hide instructions in
    ``<!-- -->``). Rendered first, so HTML shown in code blocks is text, not markup."""
    has_html = any(
        token.type == "html_block"
        or any(child.type == "html_inline" for child in token.children or [])
        for token in tokens
    )
    if not has_html:
        return []
    try:
        root = lxml_html.document_fromstring(markdown.renderer.render(tokens, markdown.options, {}))
    except (etree.ParserError, ValueError):
        return []
    return html_hidden_reasons(root)


def _inline_text(token: Token) -> str:
    """Plain text of an inline token: markup dropped, link texts and image alt texts kept."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):  # an image's content is its alt text
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "".join(parts).strip()


def _strip_html(source: str) -> str:
    text = _HTML_TAG.sub(" ", _drop_comments(source))
    return " ".join(html.unescape(text).split())


def _drop_comments(source: str) -> str:
    """Remove ``<!-- ... -->``; an unclosed comment runs to the end, as in browsers.

    A scan with str.find instead of the regex ``<!--.*?-->``: the regex searches the whole
    remaining text again for every unclosed "<!--", quadratic time on hostile input.
    """
    parts = []
    position = 0
    while (start := source.find("<!--", position)) != -1:
        parts.append(source[position:start])
        end = source.find("-->", start + 4)
        if end == -1:
            return "".join(parts)
        position = end + 3
    parts.append(source[position:])
    return "".join(parts)
