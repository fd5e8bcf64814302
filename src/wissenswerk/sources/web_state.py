"""What the crawler remembers between crawls, below ``data_dir/sources/<name>/``.

``crawl.json`` holds one record per crawled URL: its validators (ETag, Last-Modified) for
conditional requests, the links it had (so a page answered with 304 Not Modified still leads
the crawl on without being downloaded) and what the item looked like. It is replaced
atomically at the end of a crawl; a crawl that breaks off leaves the previous one.

``bodies/`` holds the pages downloaded by the current crawl until the sync reads them, so a
page is fetched once per change, not once to list it and again to index it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_STATE_FORMAT = 1


@dataclass(slots=True)
class PageRecord:
    url: str  # normalised, after redirects
    path: str | None  # item path; None for pages only crawled for links (noindex, canonical)
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None  # the header as sent, for If-Modified-Since
    content_hash: str = ""
    size: int = -1
    first_seen_ns: int = 0  # when this content was first downloaded
    modified: str | None = None  # ISO datetime: Last-Modified or sitemap lastmod
    sitemap_lastmod: str | None = None
    links: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        """The change token: ETag, else Last-Modified, else the content hash."""
        if self.etag:
            return f"etag:{self.etag}"
        if self.last_modified:
            return f"last-modified:{self.last_modified}"
        return f"sha256:{self.content_hash[:32]}"


class CrawlState:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "crawl.json"
        self.bodies = folder / "bodies"

    def load(self) -> dict[str, PageRecord]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Losing the state costs one full download of the site, nothing else.
            log.warning("Ignoring unreadable crawl state %s (%s); crawling afresh", self.file, exc)
            return {}
        if not isinstance(raw, dict) or raw.get("format") != _STATE_FORMAT:
            return {}
        pages: dict[str, PageRecord] = {}
        for url, record in raw.get("pages", {}).items():
            try:
                pages[url] = PageRecord(**record)
            except TypeError:
                continue
        return pages

    def save(self, pages: dict[str, PageRecord]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = {"format": _STATE_FORMAT, "pages": {u: asdict(r) for u, r in pages.items()}}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".crawl.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(self.file)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def clear_bodies(self) -> None:
        """Bodies of the previous crawl were read by the previous sync (or are stale)."""
        shutil.rmtree(self.bodies, ignore_errors=True)

    def _body_file(self, path: str) -> Path:
        return self.bodies / hashlib.sha256(path.encode()).hexdigest()[:40]

    def write_body(self, path: str, version: str, data: bytes) -> None:
        self.bodies.mkdir(parents=True, exist_ok=True)
        target = self._body_file(path)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(version.encode() + b"\n" + data)
        tmp.replace(target)

    def read_body(self, path: str, version: str) -> bytes | None:
        """The body downloaded by this crawl, if it is still the listed version."""
        try:
            stored = self._body_file(path).read_bytes()
        except OSError:
            return None
        header, _, data = stored.partition(b"\n")
        return data if header == version.encode() else None
