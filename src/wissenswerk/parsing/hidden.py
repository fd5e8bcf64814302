"""Hidden text: content a reader does not see but a language model reads.

A document can carry instructions for the model that its human readers never notice: white or
tiny text, hidden Word runs, HTML comments and hidden elements, zero-width characters, bidi
overrides that make the displayed text differ from the stored one, or Unicode tag characters
that encode ASCII invisibly ("ASCII smuggling"). The parsers record what they find as short
English reasons in ``ParsedDocument.metadata["hidden_text"]`` ("; "-joined), which is shown with
every citation of the document.

The hidden content itself stays indexed: it is part of the document, and the flag warns the
reader. Only the invisible characters are removed from the indexed text, because they carry no
meaning for search and would let hidden words slip past the chunker and the analyzer.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from lxml import etree
from lxml import html as lxml_html

from wissenswerk.core.documents import ParsedDocument

METADATA_KEY = "hidden_text"
SEPARATOR = "; "

# Zero-width and invisible formatting characters: ZWSP, ZWNJ, ZWJ, word joiner, invisible
# math operators, Mongolian vowel separator, and U+FEFF (a BOM inside text).
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u180e\ufeff"
# Bidi embeddings, overrides and isolates (the "Trojan Source" characters).
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_TAGS = "\U000e0000-\U000e007f"
INVISIBLE = re.compile(f"[{_ZERO_WIDTH}{_BIDI}{_TAGS}]")
_ZERO_WIDTH_ANYWHERE = re.compile("[\u200b\u2060\u2061-\u2064\u180e\ufeff]")
# ZWNJ and ZWJ have a job in emoji sequences and in Arabic or Indic scripts, none between
# Latin letters or digits.
_JOINER_IN_LATIN = re.compile(
    "[A-Za-z0-9\u00c0-\u024f][\u200c\u200d]|[\u200c\u200d][A-Za-z0-9\u00c0-\u024f]"
)
_BIDI_CHARS = re.compile(f"[{_BIDI}]")
# Windows wraps copied phone numbers in LRE ... PDF (U+202A ... U+202C); that is harmless.
_WRAPPED_PHONE_NUMBER = re.compile("\u202a[0-9 +()/.\\-]*\u202c")
_TAG_CHARS = re.compile(f"[{_TAGS}]")
# Subdivision flag emoji (England, Scotland, Wales) are the one legitimate use of tags.
_FLAG_EMOJI = re.compile("\U0001f3f4[\U000e0061-\U000e007a]{2,7}\U000e007f")

ZERO_WIDTH_REASON = "zero-width characters"
BIDI_REASON = "bidirectional control characters"
TAG_REASON = "invisible Unicode tag characters"


def invisible_character_reasons(text: str) -> list[str]:
    """Why ``text`` counts as hiding something by invisible characters (empty if it does not)."""
    if not INVISIBLE.search(text):
        return []
    reasons = []
    if _ZERO_WIDTH_ANYWHERE.search(text) or _JOINER_IN_LATIN.search(text):
        reasons.append(ZERO_WIDTH_REASON)
    if _BIDI_CHARS.search(_WRAPPED_PHONE_NUMBER.sub("", text)):
        reasons.append(BIDI_REASON)
    if _TAG_CHARS.search(_FLAG_EMOJI.sub("", text)):
        reasons.append(TAG_REASON)
    return reasons


def remove_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def add_reasons(doc: ParsedDocument, reasons: Iterable[str]) -> None:
    """Merge ``reasons`` into the document's flag, each once, in the order found."""
    current = [r for r in doc.metadata.get(METADATA_KEY, "").split(SEPARATOR) if r]
    for reason in reasons:
        if reason and reason not in current:
            current.append(reason)
    if current:
        doc.metadata[METADATA_KEY] = SEPARATOR.join(current)


def reasons_of(doc: ParsedDocument) -> list[str]:
    return [r for r in doc.metadata.get(METADATA_KEY, "").split(SEPARATOR) if r]


def clean_invisible_characters(doc: ParsedDocument) -> None:
    """Flag and remove invisible characters in every block, heading and the title."""
    found: list[str] = []
    cleaned = []
    for block in doc.blocks:
        parts = [block.text, block.header or "", *block.heading_path]
        if not any(INVISIBLE.search(part) for part in parts):
            cleaned.append(block)
            continue
        for part in parts:
            found.extend(invisible_character_reasons(part))
        cleaned.append(
            dataclasses.replace(
                block,
                text=remove_invisible(block.text),
                header=remove_invisible(block.header) if block.header is not None else None,
                heading_path=tuple(remove_invisible(h) for h in block.heading_path),
            )
        )
    doc.blocks = cleaned
    if doc.title and INVISIBLE.search(doc.title):
        found.extend(invisible_character_reasons(doc.title))
        doc.title = remove_invisible(doc.title).strip() or None
    add_reasons(doc, found)


def page_reason(kind: str, pages: list[int]) -> str:
    """ "white text on page 2", "tiny text on pages 3, 4, 7, …"."""
    shown = ", ".join(map(str, pages[:5])) + (", …" if len(pages) > 5 else "")
    return f"{kind} on {'page' if len(pages) == 1 else 'pages'} {shown}"


# --- HTML -----------------------------------------------------------------------------------

HTML_COMMENT_REASON = "HTML comments with text"
HTML_HIDDEN_REASON = "hidden HTML elements"
TINY_TEXT_REASON = "tiny text"
WHITE_TEXT_REASON = "white text"

# A hidden element or comment counts when it holds a few words: a hidden icon ("×"), a
# "<!-- Navigation -->" label or a tracking snippet does not, an instruction does.
_MIN_WORDS = 4
_WORD = re.compile(r"[^\W\d_]{2,}")
_STYLE_HIDDEN = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)"
    r"|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$|!))",
    re.IGNORECASE,
)
_FONT_SIZE = re.compile(r"(?:^|;)\s*font-size\s*:\s*(\d*\.?\d+)\s*(px|pt|em|rem|%)?", re.I)
_COLOR = re.compile(r"(?:^|;)\s*color\s*:\s*([^;!]+)", re.IGNORECASE)
_BACKGROUND = re.compile(r"(?:^|;)\s*background(?:-color|-image)?\s*:", re.IGNORECASE)
_WHITE = re.compile(
    r"^(?:white|#fff(?:f{3})?|rgba?\(\s*255\s*,\s*255\s*,\s*255\s*(?:,\s*[\d.]+\s*)?\))$",
    re.IGNORECASE,
)
_PIXELS_PER_UNIT = {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "%": 0.16, "": 1.0}
_MIN_FONT_PX = 2.0
# Never indexed, or hidden by design until a user opens them (menus, dialogs).
_SKIP_TAGS = frozenset(
    {
        "head", "script", "style", "template", "noscript", "title", "meta", "nav", "aside",
        "menu", "dialog", "button", "select", "svg", "iframe",
    }
)  # fmt: skip


def html_hidden_reasons(root: lxml_html.HtmlElement) -> list[str]:
    """Comments with text, and hidden, tiny or white-on-white elements with text, under
    ``root`` (the page's main content: developer comments and collapsed menus in the page
    frame are everywhere and never indexed)."""
    reasons: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            if element.tag is etree.Comment and _is_prose_comment(element.text or ""):
                reasons.append(HTML_COMMENT_REASON)
            continue
        tag = element.tag.lower()
        if tag in _SKIP_TAGS or any(
            isinstance(a.tag, str) and a.tag.lower() in _SKIP_TAGS for a in element.iterancestors()
        ):
            continue
        reason = _element_reason(element, tag)
        if reason and _has_words(element.text_content()):
            reasons.append(reason)
    return list(dict.fromkeys(reasons))


def _element_reason(element: lxml_html.HtmlElement, tag: str) -> str | None:
    style = element.get("style", "")
    if (
        element.get("hidden") is not None
        or element.get("aria-hidden", "").strip().lower() == "true"
        or _STYLE_HIDDEN.search(style)
    ):
        return HTML_HIDDEN_REASON
    size = _FONT_SIZE.search(style)
    if size and float(size.group(1)) * _PIXELS_PER_UNIT[(size.group(2) or "").lower()] < (
        _MIN_FONT_PX
    ):
        return TINY_TEXT_REASON
    color = _COLOR.search(style)
    value = color.group(1).strip() if color else (element.get("color", "") if tag == "font" else "")
    if value and _WHITE.match(value) and not _has_background(element):
        return WHITE_TEXT_REASON
    return None


def _has_background(element: lxml_html.HtmlElement) -> bool:
    """Whether the element or an ancestor paints a background (white text on a colour is fine)."""
    for node in (element, *element.iterancestors()):
        if (
            node.get("bgcolor")
            or node.get("background")
            or _BACKGROUND.search(node.get("style", ""))
        ):
            return True
    return False


def _is_prose_comment(text: str) -> bool:
    stripped = text.strip()
    # Conditional comments for old Internet Explorer hold markup, not prose.
    if stripped.startswith("[if") or stripped.endswith("<![endif]"):
        return False
    return _has_words(stripped)


def _has_words(text: str) -> bool:
    return len(_WORD.findall(text)) >= _MIN_WORDS
