"""What the crawler needs from an HTML page: its links, its canonical URL, its robots meta.

Only what decides the crawl is read here; the text is the HTML parser's business when the
sync indexes the page. Links marked ``rel="nofollow"`` are not followed, and neither are the
links of a page whose ``<meta name="robots">`` says ``nofollow``; a ``noindex`` page is
crawled for its links but not indexed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

_LINK_TAGS = ("a", "area")


@dataclass(frozen=True, slots=True)
class PageLinks:
    links: list[str] = field(default_factory=list)  # absolute, not yet normalised
    canonical: str | None = None
    noindex: bool = False
    nofollow: bool = False


def extract_links(body: bytes, url: str, charset: str | None = None) -> PageLinks:
    """Absolute link targets of an HTML page in document order, duplicates removed."""
    if not body.strip():
        return PageLinks()
    parser = lxml_html.HTMLParser(encoding=charset) if charset else None
    try:
        root = lxml_html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError, LookupError):
        # Unparseable markup or an unknown charset label: a page without links, not a
        # crawl failure; the HTML parser reports the page itself if it cannot read it.
        return PageLinks()
    base = url
    for element in root.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            base = urljoin(url, href)
        break
    robots = _robots_meta(root)
    canonical = None
    for element in root.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        href = (element.get("href") or "").strip()
        if "canonical" in rel and href:
            canonical = urljoin(base, href)
            break
    links: list[str] = []
    if "nofollow" not in robots:
        seen: set[str] = set()
        for element in root.iter(*_LINK_TAGS):
            href = (element.get("href") or "").strip()
            rel = (element.get("rel") or "").lower().split()
            if not href or "nofollow" in rel or href.startswith("#"):
                continue
            target = urljoin(base, href).split("#", 1)[0]
            if target not in seen:
                seen.add(target)
                links.append(target)
    return PageLinks(
        links=links,
        canonical=canonical,
        noindex="noindex" in robots or "none" in robots,
        nofollow="nofollow" in robots or "none" in robots,
    )


def _robots_meta(root: lxml_html.HtmlElement) -> set[str]:
    """Directives of ``<meta name="robots">`` and ``<meta name="wissenswerk">``."""
    directives: set[str] = set()
    for element in root.iter("meta"):
        name = (element.get("name") or "").strip().lower()
        if name in ("robots", "wissenswerk"):
            content = (element.get("content") or "").lower()
            directives.update(d.strip() for d in content.split(",") if d.strip())
    return directives
