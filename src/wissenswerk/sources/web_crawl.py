"""One crawl of a web site: breadth-first from the start URLs and sitemaps, politely.

Cheap on re-crawl: every page known from the previous crawl is requested conditionally
(If-None-Match / If-Modified-Since). A 304 answer reuses the page's stored link list, so
the crawl goes on through unchanged pages without downloading them. Changed pages are
downloaded once; their bodies wait in the state folder for the sync to read them.

What the sync may delete follows from what the crawl could see: a 404/410 page is gone,
but a page that failed (5xx, timeout, 401/403) is reported in ``errors`` with its path
prefix, and the crawl continues through the links it had last time, so nothing below or
behind it is deleted because of one bad answer.
"""

from __future__ import annotations

import hashlib
import logging
import time
import urllib.robotparser
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from wissenswerk.core.errors import SourceError
from wissenswerk.sources.sitemap import SitemapError, parse_sitemap
from wissenswerk.sources.web_pages import extract_links
from wissenswerk.sources.web_state import CrawlState, PageRecord
from wissenswerk.sources.web_urls import (
    extension_for,
    host_of,
    item_path,
    matches,
    normalise_url,
    url_path,
)

log = logging.getLogger(__name__)

ROBOTS_TOKEN = "wissenswerk"  # the name robots.txt rules address us by
_MAX_REDIRECTS = 10
_MAX_SITEMAPS = 1000  # sitemap files per crawl, including the children of indexes
_GONE = frozenset({404, 410})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Links to these are layout, never documents; not even requested.
_ASSET_EXTENSIONS = frozenset(
    {
        "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp",
        "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "webm", "avi", "mov", "wav",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CrawlRules:
    """The validated options a crawl follows (built by ``WebSource`` from its options)."""

    start_urls: tuple[str, ...]  # normalised
    allowed_hosts: frozenset[str]  # "host" or "host:port", lower-case
    sitemaps: tuple[str, ...] = ()
    sitemaps_from_robots: bool = True
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ignored_params: tuple[str, ...] = ()
    max_pages: int = 5000
    max_depth: int = 20
    max_bytes: int = 50_000_000
    delay_s: float = 0.25
    max_crawl_delay_s: float = 10.0
    respect_robots: bool = True
    trust_sitemap_lastmod: bool = True
    content_types: tuple[tuple[str, str], ...] = ()  # extra content type → extension


@dataclass(slots=True)
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: unreachable, fetch nothing
    delay_s: float = 0.0


@dataclass(slots=True)
class _Download:
    """The final answer to a page request, after redirects, with the body if wanted."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""
    too_large: bool = False


@dataclass(slots=True)
class Crawler:
    name: str  # the source's name, for messages
    client: httpx.Client
    rules: CrawlRules
    state: CrawlState
    previous: dict[str, PageRecord]
    pages: dict[str, PageRecord] = field(default_factory=dict)  # the state after this crawl
    errors: list[tuple[str, str]] = field(default_factory=list)
    _queue: deque[tuple[str, int]] = field(default_factory=deque)
    _seen: set[str] = field(default_factory=set)
    _paths: dict[str, str] = field(default_factory=dict)  # item path → URL, for collisions
    _robots: dict[str, _Robots] = field(default_factory=dict)
    _last_request: dict[str, float] = field(default_factory=dict)
    _sitemap_lastmod: dict[str, str] = field(default_factory=dict)
    _answered: int = 0  # requests that got any HTTP answer
    _unreachable: list[str] = field(default_factory=list)

    def run(self) -> Iterator[PageRecord]:
        """Records of the indexable pages, in crawl order."""
        for url in self.rules.start_urls:
            self._enqueue(url, 0, start=True)
        self._read_sitemaps()
        fetched = 0
        while self._queue:
            if fetched >= self.rules.max_pages:
                self.errors.append(
                    (
                        "",
                        f"crawl stopped after max_pages={self.rules.max_pages} pages with "
                        f"{len(self._queue)} more queued; nothing was deleted. Raise "
                        "max_pages or narrow the crawl with include/exclude.",
                    )
                )
                break
            url, depth = self._queue.popleft()
            if not self._robots_allow(url):
                continue
            fetched += 1
            yield from self._visit(url, depth)
        if self._answered == 0 and self._unreachable:
            raise SourceError(
                f"Source {self.name!r}: no page could be fetched ({self._unreachable[0]}). "
                "Nothing was changed in the index; check the start URLs, the network and "
                "the proxy settings."
            )

    # -- queue ---------------------------------------------------------------------------

    def _enqueue(self, url: str, depth: int, start: bool = False) -> None:
        normal = normalise_url(url, self.rules.ignored_params)
        if normal is None or normal in self._seen or _asset(normal):
            return
        if host_of(normal) not in self.rules.allowed_hosts:
            return
        # Start URLs are crawled for their links even if the filters exclude them.
        if not start and not self._wanted(normal):
            return
        self._seen.add(normal)
        self._queue.append((normal, depth))

    def _wanted(self, url: str) -> bool:
        path = url_path(url)
        if self.rules.include and not matches(path, self.rules.include):
            return False
        return not matches(path, self.rules.exclude)

    def _follow(self, links: list[str], depth: int) -> None:
        if depth < self.rules.max_depth:
            for link in links:
                self._enqueue(link, depth + 1)

    # -- one page ------------------------------------------------------------------------

    def _visit(self, url: str, depth: int) -> Iterator[PageRecord]:
        before = self.previous.get(url)
        listed = self._sitemap_lastmod.get(url)
        if (
            self.rules.trust_sitemap_lastmod
            and before is not None
            and listed is not None
            and before.sitemap_lastmod == listed
            and not (before.etag or before.last_modified)
        ):
            # No validators to ask the server with, but the sitemap vouches for no change.
            yield from self._reuse(before, depth)
            return
        try:
            answer = self._download(url)
        except httpx.HTTPError as exc:
            self._unreachable.append(f"{url}: {_describe(exc)}")
            self._failed(url, depth, f"request failed ({_describe(exc)}); retried next sync")
            return
        if answer is None:
            return  # redirected off the site, or to a page already crawled
        self._answered += 1
        previous = self.previous.get(answer.url)
        if answer.status == 304 and previous is not None:
            yield from self._reuse(previous, depth)
        elif answer.status == 200:
            yield from self._fresh(answer, depth)
        elif answer.status in _GONE:
            log.debug("Source %s: %s is gone (HTTP %s)", self.name, answer.url, answer.status)
        elif answer.status in (401, 403):
            self._failed(
                answer.url,
                depth,
                f"access denied (HTTP {answer.status}); check the source's username/password "
                "or headers and that the account may read this page",
            )
        else:
            self._failed(answer.url, depth, f"HTTP {answer.status}; retried next sync")

    def _reuse(self, record: PageRecord, depth: int) -> Iterator[PageRecord]:
        listed = self._sitemap_lastmod.get(record.url)
        if listed:
            record.sitemap_lastmod = listed
        self.pages[record.url] = record
        self._follow(record.links, depth)
        if record.path and self._claim(record.path, record.url):
            yield record

    def _fresh(self, answer: _Download, depth: int) -> Iterator[PageRecord]:
        content_type = answer.headers.get("content-type", "")
        extension = extension_for(content_type, answer.url, dict(self.rules.content_types))
        if extension is None:
            # Nothing a parser reads; remembered with its validators so that the next
            # crawl asks for it conditionally instead of downloading it again.
            self.pages[answer.url] = PageRecord(
                url=answer.url,
                path=None,
                content_type=content_type,
                etag=answer.headers.get("etag"),
                last_modified=answer.headers.get("last-modified"),
            )
            return
        path = self._path_for(answer.url, extension)
        if answer.too_large:
            self.errors.append(
                (
                    path,
                    f"larger than max_bytes={self.rules.max_bytes}; not downloaded. Raise "
                    "max_bytes or exclude the page",
                )
            )
            return
        links: list[str] = []
        indexable = self._wanted(answer.url)
        if extension == ".html":
            page = extract_links(answer.body, answer.url, _charset(content_type))
            links = page.links
            canonical = (
                normalise_url(page.canonical, self.rules.ignored_params)
                if (page.canonical)
                else None
            )
            if (
                canonical
                and canonical != answer.url
                and host_of(canonical) in (self.rules.allowed_hosts)
            ):
                # Index the page once, under the URL its authors declared as the real one.
                self._enqueue(canonical, depth, start=True)
                indexable = False
            if page.noindex:
                indexable = False
        self._follow(links, depth)
        previous = self.previous.get(answer.url)
        content_hash = hashlib.sha256(answer.body).hexdigest()
        same = previous is not None and previous.content_hash == content_hash
        last_modified = answer.headers.get("last-modified")
        modified = _http_date(last_modified) or self._sitemap_lastmod.get(answer.url)
        record = PageRecord(
            url=answer.url,
            path=path if indexable else None,
            content_type=content_type,
            etag=answer.headers.get("etag"),
            last_modified=last_modified,
            content_hash=content_hash,
            size=len(answer.body),
            first_seen_ns=previous.first_seen_ns if same and previous else time.time_ns(),
            modified=modified,
            sitemap_lastmod=self._sitemap_lastmod.get(answer.url),
            links=links,
        )
        self.pages[answer.url] = record
        if record.path and self._claim(record.path, record.url):
            self.state.write_body(record.path, record.version, answer.body)
            yield record

    def _failed(self, url: str, depth: int, reason: str) -> None:
        """Protect the page and what lies below it from deletion, and crawl on through the
        links it had last time."""
        prefix = host_of(url) + url_path(url).rstrip("/")
        self.errors.append((prefix, reason))
        previous = self.previous.get(url)
        if previous is None:
            return
        if previous.path and not previous.path.startswith(prefix + "/"):
            self.errors.append((previous.path, reason))
        self.pages[url] = previous
        self._follow(previous.links, depth)

    def _path_for(self, url: str, extension: str) -> str:
        path = item_path(url, extension)
        owner = self._paths.get(path)
        if owner is None or owner == url:
            return path
        # Two URLs for one path (``/a/b`` and ``/a/b.html``, both HTML): the later one gets
        # a suffix from its URL so that both stay indexed.
        stem, dot, ext = path.rpartition(".")
        return f"{stem}~{hashlib.sha256(url.encode()).hexdigest()[:10]}{dot}{ext}"

    def _claim(self, path: str, url: str) -> bool:
        owner = self._paths.setdefault(path, url)
        return owner == url

    # -- HTTP ----------------------------------------------------------------------------

    def _download(self, url: str) -> _Download | None:
        """GET with the stored validators, following redirects within the allowed hosts."""
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            headers: dict[str, str] = {}
            before = self.previous.get(current)
            if before is not None:
                if before.etag:
                    headers["If-None-Match"] = before.etag
                if before.last_modified:
                    headers["If-Modified-Since"] = before.last_modified
            self._wait(current)
            with self.client.stream("GET", current, headers=headers) as response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    target = normalise_url(
                        urljoin(current, response.headers["location"]), self.rules.ignored_params
                    )
                    if (
                        target is None
                        or host_of(target) not in self.rules.allowed_hosts
                        or (target in self._seen and target != url)
                        or not self._robots_allow(target)
                    ):
                        return None
                    self._seen.add(target)
                    current = target
                    continue
                answer = _Download(current, response.status_code, response.headers)
                if response.status_code == 200:
                    answer.body, answer.too_large = self._body(response)
                return answer
        self._failed(url, 0, f"more than {_MAX_REDIRECTS} redirects")
        return None

    def _body(self, response: httpx.Response) -> tuple[bytes, bool]:
        content_type = response.headers.get("content-type", "")
        if extension_for(content_type, str(response.url), dict(self.rules.content_types)) is None:
            return b"", False  # not a document: do not download it at all
        return self._read_capped(response)

    def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        """The body, or (b"", True) if it is larger than max_bytes."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.rules.max_bytes:
            return b"", True
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.rules.max_bytes:
                return b"", True
            chunks.append(chunk)
        return b"".join(chunks), False

    def _wait(self, url: str) -> None:
        host = host_of(url)
        delay = max(self.rules.delay_s, self._robots_for(url).delay_s)
        last = self._last_request.get(host)
        if last is not None and delay > 0:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last_request[host] = time.monotonic()

    def fetch_small(self, url: str) -> _Download:
        """GET for robots.txt and sitemaps: redirects within the allowed hosts only, the
        body capped at max_bytes."""
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            self._last_request[host_of(current)] = time.monotonic()
            with self.client.stream("GET", current) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    target = normalise_url(urljoin(current, location))
                    if target is None or host_of(target) not in self.rules.allowed_hosts:
                        return _Download(current, response.status_code, response.headers)
                    current = target
                    continue
                answer = _Download(current, response.status_code, response.headers)
                answer.body, answer.too_large = self._read_capped(response)
                return answer
        raise httpx.TooManyRedirects(f"more than {_MAX_REDIRECTS} redirects from {url}")

    # -- robots.txt and sitemaps ---------------------------------------------------------

    def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self._robots:
            return self._robots[origin]
        robots = _Robots(urllib.robotparser.RobotFileParser())
        if self.rules.respect_robots:
            robots = self._fetch_robots(origin)
        self._robots[origin] = robots
        return robots

    def _fetch_robots(self, origin: str) -> _Robots:
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            response = self.fetch_small(origin + "/robots.txt")
        except httpx.HTTPError as exc:
            return self._robots_unreachable(origin, _describe(exc))
        if response.status >= 500 or response.status == 429 or response.too_large:
            return self._robots_unreachable(origin, f"HTTP {response.status}")
        # RFC 9309: a missing robots.txt (any 4xx) allows everything.
        text = response.body.decode("utf-8", errors="replace")
        lines = text.splitlines() if response.status == 200 else []
        parser.parse(lines)
        delay = parser.crawl_delay(ROBOTS_TOKEN)
        capped = min(float(delay), self.rules.max_crawl_delay_s) if delay else 0.0
        return _Robots(parser, capped)

    def _robots_unreachable(self, origin: str, reason: str) -> _Robots:
        # RFC 9309: an unreachable robots.txt means "crawl nothing" for now, and nothing
        # on the host may be deleted because of it.
        host = urlsplit(origin).netloc
        self.errors.append((host, f"robots.txt not readable ({reason}); host skipped this time"))
        self._unreachable.append(f"{origin}/robots.txt: {reason}")
        return _Robots(None)

    def _robots_allow(self, url: str) -> bool:
        robots = self._robots_for(url)
        if robots.parser is None:
            return False
        return robots.parser.can_fetch(ROBOTS_TOKEN, url)

    def _read_sitemaps(self) -> None:
        pending = list(self.rules.sitemaps)
        if self.rules.sitemaps_from_robots:
            for url in self.rules.start_urls:
                parser = self._robots_for(url).parser
                pending.extend((parser.site_maps() or []) if parser else [])
        done: set[str] = set()
        while pending and len(done) < _MAX_SITEMAPS:
            normal = normalise_url(pending.pop(0))
            if normal is None or normal in done or host_of(normal) not in self.rules.allowed_hosts:
                continue
            url = normal
            done.add(url)
            try:
                response = self.fetch_small(url)
                if response.status != 200:
                    raise SitemapError(f"HTTP {response.status}")
                if response.too_large:
                    raise SitemapError(f"larger than max_bytes={self.rules.max_bytes}")
                sitemap = parse_sitemap(response.body, self.rules.max_bytes)
            except (httpx.HTTPError, SitemapError) as exc:
                reason = _describe(exc) if isinstance(exc, httpx.HTTPError) else str(exc)
                self.errors.append(
                    (host_of(url), f"sitemap {url} not readable ({reason}); retried next sync")
                )
                continue
            self._answered += 1
            pending.extend(sitemap.sitemaps)
            for page in sitemap.pages:
                normal = normalise_url(page.url, self.rules.ignored_params)
                if normal and page.lastmod:
                    self._sitemap_lastmod[normal] = page.lastmod.isoformat()
                self._enqueue(page.url, 0)


def _asset(url: str) -> bool:
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    return "." in name and name.rsplit(".", 1)[-1] in _ASSET_EXTENSIONS


def _describe(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


def _http_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def record_mtime_ns(record: PageRecord) -> int:
    """Last-Modified if the server sends it, else when this content was first downloaded."""
    if record.last_modified and (iso := _http_date(record.last_modified)):
        return int(datetime.fromisoformat(iso).timestamp()) * 1_000_000_000
    return record.first_seen_ns
