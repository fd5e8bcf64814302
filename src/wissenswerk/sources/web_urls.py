"""URLs as the web crawler sees them: one normal form per page, and a stable item path for it.

Two spellings of one page (``HTTP://Intranet:80/a/./b#top`` and ``http://intranet/a/b``) must
be crawled once and indexed under one path, so every URL is normalised before it is queued:
scheme and host lower-case, default port dropped, dot segments resolved, fragment removed,
percent-encoding made uniform, query parameters sorted and tracking parameters dropped.

The item path is ``host/path`` with the URL's segments decoded (umlauts stay readable) and an
extension that picks the parser: ``https://intranet/handbuch/urlaub`` served as HTML becomes
``intranet/handbuch/urlaub.html``; a folder URL ``.../handbuch/`` becomes
``.../handbuch/index.html``; a query string becomes a short hash suffix
(``liste.php?seite=2`` → ``liste.php~3f1c0a9e2b.html``), stable across crawls.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import unicodedata
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Content types the built-in parsers read, and the extension that selects each parser.
CONTENT_TYPE_EXTENSIONS: dict[str, str] = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "text/markdown": ".md",
    "text/plain": ".txt",
    "message/rfc822": ".eml",
    "application/vnd.ms-outlook": ".msg",
    "application/zip": ".zip",
}
# Extensions that may stand for themselves when a server sends a generic content type.
_EXTENSION_ALIASES = {".htm": ".html", ".xhtml": ".html", ".markdown": ".md", ".text": ".txt"}
GENERIC_CONTENT_TYPES = frozenset({"application/octet-stream", "binary/octet-stream", ""})

# Query parameters that only track a visit; they never select different content.
DEFAULT_IGNORED_PARAMS = ("utm_*", "fbclid", "gclid", "mc_cid", "mc_eid", "jsessionid", "sid")

_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 characters that need no escaping inside a path segment.
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~"
_QUERY_HASH_LENGTH = 10


def normalise_url(url: str, ignored_params: Iterable[str] = DEFAULT_IGNORED_PARAMS) -> str | None:
    """The canonical spelling of an http(s) URL, or None for anything else (mailto:, ...)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a malformed port or IPv6 literal in some page's link
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _normalise_path(parts.path)
    patterns = tuple(ignored_params)
    params = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not any(fnmatch.fnmatchcase(key.lower(), p) for p in patterns)
    ]
    query = urlencode(sorted(params), quote_via=quote)
    return urlunsplit((scheme, host, path, query, ""))


def _normalise_path(path: str) -> str:
    if not path:
        return "/"
    trailing = path.endswith("/")
    resolved = posixpath.normpath(path)
    if resolved.startswith("//"):  # normpath keeps a leading '//' (POSIX); URLs do not
        resolved = "/" + resolved.lstrip("/")
    if resolved == ".":
        resolved = "/"
    segments = [quote(unquote(s), safe=_SEGMENT_SAFE) for s in resolved.split("/")]
    result = "/".join(segments)
    if trailing and not result.endswith("/"):
        result += "/"
    return result


def host_of(url: str) -> str:
    """``host`` or ``host:port`` of a normalised URL, as used in allowed hosts and item paths."""
    return urlsplit(url).netloc


def url_path(url: str) -> str:
    """The decoded path of a URL (``/Über uns/``), what include/exclude patterns match."""
    return unicodedata.normalize("NFC", unquote(urlsplit(url).path or "/"))


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True if the decoded URL path matches a pattern: a glob if it has ``*?[``, else a
    prefix (``/handbuch/`` covers everything below it)."""
    for pattern in patterns:
        if any(c in pattern for c in "*?["):
            if fnmatch.fnmatchcase(path, pattern):
                return True
        elif path.startswith(pattern):
            return True
    return False


def extension_for(content_type: str, url: str, extra: dict[str, str] | None = None) -> str | None:
    """The parser-selecting extension for a response, or None when no parser reads it.

    The content type decides; a generic type (octet-stream, missing) falls back to the
    URL's own extension if a parser knows it."""
    mapping = {**CONTENT_TYPE_EXTENSIONS, **(extra or {})}
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in mapping:
        return mapping[media_type]
    if media_type in GENERIC_CONTENT_TYPES:
        own = _url_extension(url)
        known = set(mapping.values())
        own = _EXTENSION_ALIASES.get(own, own)
        return own if own in known else None
    return None


def _url_extension(url: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def item_path(url: str, extension: str) -> str:
    """The stable, unique item path of a normalised URL whose content is ``extension``."""
    parts = urlsplit(url)
    raw_segments = parts.path.split("/")[1:]  # the path always starts with '/'
    if not raw_segments or raw_segments[-1] == "":
        raw_segments = [*raw_segments[:-1], "index"] if raw_segments else ["index"]
    segments = [_readable_segment(s) for s in raw_segments]
    name = segments[-1]
    if parts.query:
        digest = hashlib.sha256(parts.query.encode()).hexdigest()[:_QUERY_HASH_LENGTH]
        name = f"{name}~{digest}"
    own = _EXTENSION_ALIASES.get(_url_extension(url), _url_extension(url))
    if parts.query or own != extension:
        name += extension
    segments[-1] = name
    return "/".join([parts.netloc, *segments])


def _readable_segment(raw: str) -> str:
    """Percent-decoded, NFC; a segment that would decode to a '/' or to a dot name stays
    encoded so that paths remain unique and free of traversal."""
    decoded = unicodedata.normalize("NFC", unquote(raw))
    if "/" in decoded or "\\" in decoded or decoded in ("", ".", ".."):
        return raw or "%20"
    return decoded
