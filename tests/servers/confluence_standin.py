"""A local stand-in for the Confluence REST API v1 (Cloud flavour, context path /wiki),
following the documented shapes:

- ``GET /wiki/rest/api/space/{key}?expand=permissions``: ``permissions`` entries with
  ``operation {operation, targetType}``, ``subjects {user|group: {results, size}}`` and
  ``anonymousAccess``.
- ``GET /wiki/rest/api/content?spaceKey=&type=page&start=&limit=&expand=``: ``results``,
  ``start``, ``limit``, ``size`` and ``_links {base, context, next}`` with ``next``
  relative to ``base``; pages carry ``version {number, when}``, ``ancestors`` (root
  first) and ``restrictions.read.restrictions.{user,group}`` when expanded.
- ``GET /wiki/rest/api/content/{id}?expand=body.storage,...``.
- ``GET /wiki/rest/api/content/search?cql=space="KEY" and type=attachment``.
- ``GET /wiki/rest/api/content/{id}/child/attachment?filename=``.
- ``GET /wiki/download/attachments/{page}/{file}``: the bytes.

Basic auth (e-mail + API token) is required; anything else answers 401. ``throttle_next``
makes the next requests answer 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest

EMAIL = "bot@firma.de"
API_TOKEN = "atl-token-123"


@dataclass
class Page:
    id: str
    space: str
    title: str
    parent: str | None
    body: str
    version: int = 1
    when: str = "2025-03-01T10:00:00.000Z"
    users: list[str] = field(default_factory=list)  # read restriction (usernames)
    groups: list[str] = field(default_factory=list)


@dataclass
class Attachment:
    id: str
    page: str
    filename: str
    data: bytes
    version: int = 1
    when: str = "2025-03-02T10:00:00.000Z"


@dataclass
class Space:
    key: str
    users: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    anonymous: bool = False


class ConfluenceModel:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.spaces: dict[str, Space] = {}
        self.pages: dict[str, Page] = {}
        self.attachments: dict[str, Attachment] = {}
        self.throttle_next = 0
        self.requests: list[str] = []
        self._ids = 1000

    def _id(self) -> str:
        self._ids += 1
        return str(self._ids)

    def add_space(self, key: str, users: list[str] | None = None, groups: list[str] | None = None,
                  anonymous: bool = False) -> Space:  # fmt: skip
        space = Space(key, users or [], groups or [], anonymous)
        self.spaces[key] = space
        return space

    def add_page(self, space: str, title: str, body: str, parent: Page | None = None) -> Page:
        page = Page(self._id(), space, title, parent.id if parent else None, body)
        self.pages[page.id] = page
        return page

    def attach(self, page: Page, filename: str, data: bytes) -> Attachment:
        attachment = Attachment(f"att{self._id()}", page.id, filename, data)
        self.attachments[attachment.id] = attachment
        return attachment

    def edit(self, page: Page, body: str) -> None:
        page.body = body
        page.version += 1
        page.when = f"2025-04-{page.version:02d}T08:00:00.000Z"

    def ancestors(self, page: Page) -> list[Page]:
        chain = []
        current = page
        while current.parent is not None:
            current = self.pages[current.parent]
            chain.append(current)
        return list(reversed(chain))


def _user(name: str) -> dict[str, Any]:
    return {
        "type": "known",
        "accountId": f"acc-{name}",
        "email": f"{name}@firma.de",
        "publicName": name,
        "displayName": name.title(),
    }


def _listing(results: list[Any], limit: int = 200) -> dict[str, Any]:
    return {"results": results, "start": 0, "limit": limit, "size": len(results)}


class _Handler(BaseHTTPRequestHandler):
    server: _ConfluenceServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/wiki"

    def do_GET(self) -> None:
        model = self.server.model
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = unquote(parts.path)
        with model.lock:
            model.requests.append(path)
            if model.throttle_next > 0:
                model.throttle_next -= 1
                return self._send(429, {"message": "Rate limited"}, {"Retry-After": "0"})
            expected = base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                return self._send(401, {"statusCode": 401, "message": "Unauthorized"})
            self._route(model, path.removeprefix("/wiki"), query)

    def _route(self, model: ConfluenceModel, path: str, query: dict[str, str]) -> None:
        if match := re.fullmatch(r"/rest/api/space/([^/]+)", path):
            space = model.spaces.get(match[1])
            if space is None:
                return self._send(404, {"statusCode": 404, "message": "No space"})
            return self._send(200, self._space(space, "permissions" in query.get("expand", "")))
        if path == "/rest/api/content":
            pages = [p for p in model.pages.values() if p.space == query.get("spaceKey")]
            return self._paged(pages, path, query, self._page)
        if path == "/rest/api/content/search":
            key = re.search(r'space="([^"]+)"', query.get("cql", ""))
            found = [
                a for a in model.attachments.values() if key and model.pages[a.page].space == key[1]
            ]
            return self._paged(found, path, query, self._attachment)
        if match := re.fullmatch(r"/rest/api/content/(\d+)/child/attachment", path):
            found = [
                a
                for a in model.attachments.values()
                if a.page == match[1] and a.filename == query.get("filename", a.filename)
            ]
            return self._send(200, _listing([self._attachment(a, "") for a in found]))
        if match := re.fullmatch(r"/rest/api/content/(\d+)", path):
            page = model.pages.get(match[1])
            if page is None:
                return self._send(404, {"statusCode": 404, "message": "No content"})
            return self._send(200, self._page(page, query.get("expand", "")))
        if match := re.fullmatch(r"/download/attachments/(\d+)/(.+)", path):
            for attachment in model.attachments.values():
                if attachment.page == match[1] and attachment.filename == match[2]:
                    return self._send(200, attachment.data)
        self._send(404, {"statusCode": 404, "message": f"no route {path}"})

    def _paged(self, entries: list[Any], path: str, query: dict[str, str], render: Any) -> None:
        start, limit = int(query.get("start", 0)), int(query.get("limit", 25))
        chunk = entries[start : start + limit]
        links: dict[str, str] = {"base": self.base, "context": "/wiki"}
        if start + limit < len(entries):
            links["next"] = f"{path}?{urlencode({**query, 'start': start + limit})}"
        body = {
            "results": [render(e, query.get("expand", "")) for e in chunk],
            "start": start,
            "limit": limit,
            "size": len(chunk),
            "_links": links,
        }
        self._send(200, body)

    def _space(self, space: Space, permissions: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"key": space.key, "name": space.key, "type": "global"}
        if permissions:
            body["permissions"] = [
                {
                    "operation": {"operation": "read", "targetType": "space"},
                    "subjects": {
                        "user": _listing([_user(u) for u in space.users]),
                        "group": _listing([{"type": "group", "name": g} for g in space.groups]),
                    },
                    "anonymousAccess": False,
                    "unlicensedAccess": False,
                },
                {  # anonymous access is its own permission entry
                    "operation": {"operation": "read", "targetType": "space"},
                    "anonymousAccess": space.anonymous,
                    "unlicensedAccess": False,
                },
                {  # other operations must not count as read access
                    "operation": {"operation": "administer", "targetType": "space"},
                    "subjects": {"group": _listing([{"type": "group", "name": "admins"}])},
                    "anonymousAccess": False,
                    "unlicensedAccess": False,
                },
            ]
        return body

    def _page(self, page: Page, expand: str) -> dict[str, Any]:
        model = self.server.model
        body: dict[str, Any] = {
            "id": page.id,
            "type": "page",
            "status": "current",
            "title": page.title,
            "_links": {
                "webui": f"/spaces/{page.space}/pages/{page.id}/{quote(page.title)}",
                "self": f"{self.base}/rest/api/content/{page.id}",
            },
        }
        if "version" in expand:
            body["version"] = {"number": page.version, "when": page.when}
        if "ancestors" in expand:
            body["ancestors"] = [
                {"id": a.id, "type": "page", "title": a.title} for a in model.ancestors(page)
            ]
        if "body.storage" in expand:
            body["body"] = {"storage": {"value": page.body, "representation": "storage"}}
        if "restrictions.read" in expand:
            body["restrictions"] = {
                "read": {
                    "operation": "read",
                    "restrictions": {
                        "user": _listing([_user(u) for u in page.users]),
                        "group": _listing([{"type": "group", "name": g} for g in page.groups]),
                    },
                }
            }
        return body

    def _attachment(self, attachment: Attachment, expand: str) -> dict[str, Any]:
        return {
            "id": attachment.id,
            "type": "attachment",
            "title": attachment.filename,
            "version": {"number": attachment.version, "when": attachment.when},
            "container": {"id": attachment.page, "type": "page"},
            "extensions": {"mediaType": "text/plain", "fileSize": len(attachment.data)},
            "_links": {
                "download": f"/download/attachments/{attachment.page}/{attachment.filename}"
                f"?version={attachment.version}&api=v2",
                "webui": f"/pages/viewpageattachments.action?pageId={attachment.page}",
            },
        }


class _ConfluenceServer(ThreadingHTTPServer):
    daemon_threads = True
    model: ConfluenceModel


@dataclass
class ConfluenceStandin:
    model: ConfluenceModel
    base_url: str

    def options(self, **extra: Any) -> dict[str, Any]:
        return {"username": EMAIL, "api_token": API_TOKEN, "flavour": "cloud", **extra}


@pytest.fixture
def confluence_standin() -> Iterator[ConfluenceStandin]:
    model = ConfluenceModel()
    server = _ConfluenceServer(("127.0.0.1", 0), _Handler)
    server.model = model
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield ConfluenceStandin(model, f"http://127.0.0.1:{server.server_address[1]}/wiki")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
