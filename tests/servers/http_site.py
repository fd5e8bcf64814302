"""A small intranet on loopback for crawler tests: stdlib http.server in a thread.

Pages can be added, changed, removed or made to fail while the server runs. It answers
conditional requests (ETag / Last-Modified → 304), protects pages with basic auth on request,
redirects, and counts every answer per path so tests can prove what was (not) downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Page:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: bool = True
    last_modified: float | None = 1_700_000_000.0  # epoch seconds; None: no header
    redirect: str | None = None
    auth: tuple[str, str] | None = None  # (user, password) required via basic auth


class Site:
    """The pages of the test server, keyed by request path (with query string)."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.answers: Counter[tuple[str, int]] = Counter()  # (path, status) → count
        self.lock = threading.Lock()
        self.base_url = ""  # set once the server listens

    def html(self, path: str, body: str, **page: object) -> None:
        self.pages[path] = Page(body=body.encode("utf-8"), **page)  # type: ignore[arg-type]

    def downloads(self, path: str) -> int:
        """How often the page was sent with its body (HTTP 200)."""
        return self.answers[(path, 200)]

    def requests(self, path: str) -> int:
        return sum(n for (p, _), n in self.answers.items() if p == path)

    def reset_counts(self) -> None:
        with self.lock:
            self.answers.clear()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "TestIntranet/1.0"

        def do_GET(self) -> None:
            page = site.pages.get(self.path)
            status = self._answer(page)
            with site.lock:
                site.answers[(self.path, status)] += 1

        def _answer(self, page: Page | None) -> int:
            if page is None:
                return self._send(404, b"nicht gefunden", "text/plain")
            if page.auth is not None:
                token = base64.b64encode(":".join(page.auth).encode()).decode()
                if self.headers.get("Authorization") != f"Basic {token}":
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="Intranet"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return 401
            if page.redirect is not None:
                self.send_response(301)
                self.send_header("Location", page.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 301
            if page.status != 200:
                return self._send(page.status, b"Fehler", "text/plain")
            etag = _etag(page.body) if page.etag else None
            if etag and self.headers.get("If-None-Match") == etag:
                return self._not_modified()
            since = self.headers.get("If-Modified-Since")
            if (
                not etag
                and since
                and page.last_modified is not None
                and parsedate_to_datetime(since).timestamp() >= int(page.last_modified)
            ):
                return self._not_modified()
            extra = {"ETag": etag} if etag else {}
            if page.last_modified is not None:
                extra["Last-Modified"] = formatdate(page.last_modified, usegmt=True)
            return self._send(200, page.body, page.content_type, extra)

        def _not_modified(self) -> int:
            self.send_response(304)
            self.end_headers()
            return 304

        def _send(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> int:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
            return status

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the counters tell the tests what happened."""

    return Handler


@pytest.fixture
def http_site() -> Iterator[Site]:
    """An empty site on 127.0.0.1:<free port>; tests add pages to ``site.pages``."""
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="http-site", daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
