"""HTML pages via lxml: the main content only, with headings and tables kept as structure.

Intranet pages repeat their navigation, header, footer and cookie banner on every page; indexed,
that boilerplate would match every query and crowd out the real content. It is removed by tag
(nav, header, footer, aside, ...), by ARIA role and by a few common class/id names, and if the
page marks its main content (<main>, role="main", a single <article>) only that is read.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml import html as lxml_html

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.hidden import add_reasons, html_hidden_reasons
from wissenswerk.parsing.outline import Outline
from wissenswerk.parsing.tables import looks_like_header, table_blocks
from wissenswerk.parsing.text import looks_binary

_DROP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "aside", "iframe", "svg", "canvas",
        "object", "embed", "button", "select", "input", "textarea", "dialog", "menu", "head",
    }
)  # fmt: skip
_DROP_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
)
# Whole class/id tokens (not substrings: "menu" must not remove "menukarte-2024").
_DROP_NAMES = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "sidebar",
        "cookie-banner", "cookie-consent", "cookie-notice", "cookiebanner", "skip-link",
        "skiplink", "pagination",
    }
)  # fmt: skip
# <header>/<footer> are page boilerplate unless they belong to an article or section,
# where they hold the article's own heading or author line.
_SECTIONING = frozenset({"article", "section", "main"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK_TAGS = frozenset(
    {
        "html", "body", "main", "article", "section", "div", "p", "header", "footer", "address",
        "blockquote", "figure", "figcaption", "details", "summary", "dl", "dt", "dd", "li",
        "form", "fieldset", "legend", "center", "caption", "hr", "hgroup",
    }
)  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Browsers (WHATWG encoding standard) read these labels as windows-1252; so do we.
_WINDOWS_1252_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"}
)
_MAX_COLSPAN = 50


class HtmlParser:
    name: str = "html"
    extensions: tuple[str, ...] = (".html", ".htm", ".xhtml")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        encoding = detect_encoding(data)
        text = data.decode(encoding, errors="replace").lstrip("\ufeff")
        if looks_binary(text):
            raise ParseError(filename, "binary content, not an HTML page")
        doc = parse_html_text(text)
        doc.metadata["encoding"] = encoding
        return doc


def detect_encoding(data: bytes) -> str:
    """BOM, then <meta charset>, then UTF-8 if it decodes, else windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    declared = _CHARSET.search(data[:4096])
    if declared:
        label = declared.group(1).decode("ascii").lower()
        if label in _WINDOWS_1252_LABELS:
            return "cp1252"
        try:
            return codecs.lookup(label).name
        except LookupError:
            pass  # unknown label: fall through to detection
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def parse_html_text(text: str) -> ParsedDocument:
    """Parse already decoded HTML (also used for HTML e-mail bodies)."""
    # lxml refuses str input that still declares an encoding, and any with a NUL byte or
    # another control character; browsers ignore those.
    text = _CONTROL.sub("", _XML_DECLARATION.sub("", text, count=1))
    if not text.strip():
        return ParsedDocument()
    try:
        root = lxml_html.document_fromstring(text)
    except etree.ParserError:  # only whitespace or comments
        return ParsedDocument()
    title_element = root.find(".//title")
    title = _squash(title_element.text_content()) if title_element is not None else ""
    # Before the boilerplate goes: comments and hidden elements go with it.
    hidden = html_hidden_reasons(_main_content(root))
    _drop_boilerplate(root)
    content = _main_content(root)
    content.tail = None  # text after </main> is not main content
    collector = _Collector()
    collector.walk(content)
    collector.flush()
    collector.doc.title = title or None
    add_reasons(collector.doc, hidden)
    return collector.doc


def _drop_boilerplate(root: lxml_html.HtmlElement) -> None:
    doomed = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            doomed.append(element)  # comments, processing instructions
            continue
        tag = element.tag.lower()
        names = set(element.get("class", "").lower().split()) | {element.get("id", "").lower()}
        if (
            tag in _DROP_TAGS
            or element.get("role", "").lower() in _DROP_ROLES
            or names & _DROP_NAMES
            or element.get("hidden") is not None
            or element.get("aria-hidden", "").lower() == "true"
            or (
                tag in ("header", "footer")
                and not any(a.tag in _SECTIONING for a in element.iterancestors())
            )
        ):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the element's tail text, which belongs to the parent


def _main_content(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    for query in ("//main", "//*[@role='main']"):
        found = root.xpath(query)
        if found:
            return found[0]
    articles = root.xpath("//article")
    if len(articles) == 1:
        return articles[0]
    body = root.find("body")
    return body if body is not None else root


_BR = "\x00"


class _Collector:
    def __init__(self) -> None:
        self.doc = ParsedDocument()
        self.outline = Outline()
        self.buffer: list[str] = []

    def path(self) -> tuple[str, ...]:
        return self.outline.path()

    def flush(self) -> None:
        # Newlines in HTML source are plain whitespace; only <br> breaks a line.
        lines = (" ".join(line.split()) for line in "".join(self.buffer).split(_BR))
        text = "\n".join(line for line in lines if line)
        self.buffer.clear()
        if text:
            self.doc.blocks.append(Block(text, heading_path=self.path()))

    def walk(self, element: lxml_html.HtmlElement) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _HEADINGS:
            self.flush()
            self.heading(_HEADINGS[tag], _squash(element.text_content()))
        elif tag == "table":
            self.flush()
            self.table(element)
        elif tag == "pre":
            self.flush()
            text = element.text_content().strip("\n")
            if text.strip():
                self.doc.blocks.append(Block(text, heading_path=self.path()))
        elif tag in ("ul", "ol") and not element.xpath(".//h1|.//h2|.//h3|.//h4|.//table"):
            self.flush()
            lines = _list_lines(element, 0)
            if lines:
                self.doc.blocks.append(Block("\n".join(lines), heading_path=self.path()))
        elif tag == "br":
            self.buffer.append(_BR)
        elif tag in _BLOCK_TAGS or tag in ("ul", "ol"):
            self.flush()
            self.buffer.append(element.text or "")
            for child in element:
                self.walk(child)
            self.flush()
        else:  # inline markup: its text flows into the current paragraph
            self.buffer.append(element.text or "")
            for child in element:
                self.walk(child)
        self.buffer.append(element.tail or "")

    def heading(self, level: int, text: str) -> None:
        if text:
            self.doc.blocks.append(self.outline.enter(level, text))

    def table(self, element: lxml_html.HtmlElement) -> None:
        rows: list[list[str]] = []
        header: list[str] | None = None
        for index, tr in enumerate(element.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")):
            cells = tr.xpath("./th|./td")
            row: list[str] = []
            for cell in cells:
                span = _colspan(cell)
                row.extend([_squash(cell.text_content())] * span)
            in_head = tr.getparent().tag == "thead"
            all_th = bool(cells) and all(cell.tag == "th" for cell in cells)
            if index == 0 and (in_head or all_th):
                header = row
            else:
                rows.append(row)
        if header is None and len(rows) >= 2 and looks_like_header(rows[0]):
            header = rows.pop(0)
        self.doc.blocks.extend(table_blocks(rows, header=header, heading_path=self.path()))


def _list_lines(element: lxml_html.HtmlElement, depth: int) -> list[str]:
    lines = []
    ordered = element.tag == "ol"
    for number, item in enumerate(element.xpath("./li"), start=1):
        nested = item.xpath("./ul|./ol")
        parts = [item.text or ""]
        for child in item:
            if child in nested:
                parts.append(child.tail or "")
            else:
                parts.append(child.text_content() + (child.tail or ""))
        text = _squash("".join(parts))
        if text:
            marker = f"{number}." if ordered else "-"
            lines.append(f"{'  ' * depth}{marker} {text}")
        for child in nested:
            lines.extend(_list_lines(child, depth + 1))
    return lines


def _colspan(cell: lxml_html.HtmlElement) -> int:
    try:
        return max(1, min(int(cell.get("colspan", "1")), _MAX_COLSPAN))
    except ValueError:
        return 1


def _squash(text: str) -> str:
    return " ".join(text.split())
