"""Sitemaps (sitemaps.org): page URLs with their last change, and sitemap indexes.

Sitemaps come from the web server, so they are parsed with defusedxml (no entity expansion,
no external entities) and gzip-compressed ones are inflated with a size cap: a small
``.xml.gz`` must not unpack into gigabytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

_GZIP_MAGIC = b"\x1f\x8b"


class SitemapError(ValueError):
    """A sitemap that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class SitemapPage:
    url: str
    lastmod: datetime | None = None


@dataclass(slots=True)
class Sitemap:
    pages: list[SitemapPage] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index


def parse_sitemap(data: bytes, max_bytes: int) -> Sitemap:
    """Pages of a ``<urlset>`` or child sitemaps of a ``<sitemapindex>``; gzip allowed."""
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data, max_bytes)
    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise SitemapError(f"not a readable sitemap XML document ({exc})") from exc
    kind = _local(root.tag)
    sitemap = Sitemap()
    if kind == "urlset":
        for entry in root:
            if _local(entry.tag) == "url" and (loc := _child_text(entry, "loc")):
                sitemap.pages.append(SitemapPage(loc, parse_lastmod(_child_text(entry, "lastmod"))))
    elif kind == "sitemapindex":
        for entry in root:
            if _local(entry.tag) == "sitemap" and (loc := _child_text(entry, "loc")):
                sitemap.sitemaps.append(loc)
    else:
        raise SitemapError(f"root element <{kind}> is neither <urlset> nor <sitemapindex>")
    return sitemap


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise SitemapError(f"broken gzip data ({exc})") from exc
    if len(out) > max_bytes:
        raise SitemapError(f"unpacks to more than {max_bytes} bytes (option max_bytes)")
    return out


def parse_lastmod(text: str | None) -> datetime | None:
    """A W3C datetime (``2025-03-01`` or ``2025-03-01T09:30:00+01:00``) in UTC, or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""
