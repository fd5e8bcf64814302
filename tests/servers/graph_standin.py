"""A local stand-in for Microsoft Graph (drives, delta, permissions, content) and the
Entra ID token endpoint, following the documented wire formats:

- ``POST /{tenant}/oauth2/v2.0/token`` (client credentials) -> ``access_token``/``expires_in``;
  wrong credentials -> 401 ``{"error": "invalid_client", "error_description": ...}``.
- ``GET /v1.0/sites/{hostname}:/{path}``, ``/sites/{id}/drives`` (paged), ``/drives/{id}``.
- ``GET /v1.0/drives/{id}/root/delta``: pages of driveItems with absolute
  ``@odata.nextLink``s, ``@odata.deltaLink`` only on the last page; items carry ``file`` /
  ``folder`` / ``root`` facets, ``eTag`` (no ``cTag``, as OneDrive for Business delta
  omits it), ``parentReference`` without ``path``; deletions have the ``deleted`` facet and
  no name; changed parents are returned with their changed children; sharing changes carry
  ``@microsoft.graph.sharedChanged`` when asked for with ``Prefer``. Expired tokens answer
  410 Gone with a ``Location`` to a fresh enumeration.
- ``GET /v1.0/drives/{d}/items/{i}/permissions``: the item's own permissions, or (when it
  inherits) its parent's with ``inheritedFrom`` (switchable off, as SharePoint omits it).
- ``GET /v1.0/drives/{d}/items/{i}/content``: 302 to a second server (another port) that
  serves the bytes and records any request that carries an Authorization header.
- ``GET /v1.0/users/{id-or-upn}`` and ``/users/{upn}/drive``.
- Throttling on demand: the next N Graph requests answer 429 with ``Retry-After``.

The test mutates ``GraphModel`` directly; every change bumps a sequence number that the
delta tokens refer to.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

TENANT = "contoso-tenant"
CLIENT_ID = "app-1234"
CLIENT_SECRET = "s3cret-value"
HOSTNAME = "contoso.sharepoint.com"
SITE_PATH = "sites/Team"
SITE_ID = "contoso.sharepoint.com,site-guid,web-guid"


@dataclass
class Node:
    id: str
    name: str
    parent: str | None
    folder: bool
    content: bytes = b""
    modified: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    etag: int = 1
    seq: int = 0
    shared_seq: int = -1
    unique: bool = False  # False: inherits its parent's permissions
    perms: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Drive:
    id: str
    name: str
    root: str
    nodes: dict[str, Node] = field(default_factory=dict)


class GraphModel:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.seq = 0
        self.min_valid_seq = 0
        self.page_size = 2
        self.throttle_next = 0
        self.retry_after = "0"
        self.report_inherited_from = True
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.requests: list[str] = []  # "GET /v1.0/..." paths, for efficiency assertions
        self.download_violations: list[str] = []
        self.drives: dict[str, Drive] = {}
        self.cursors: dict[str, tuple[list[dict[str, Any]], int, str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.user_drives: dict[str, str] = {}  # upn -> drive id
        self._ids = 0

    # -- building the tenant -------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:04d}"

    def add_drive(self, name: str, owner_upn: str | None = None) -> Drive:
        with self.lock:
            drive_id = self._next_id("b!drive")
            root = Node(self._next_id("root"), "root", None, True, unique=True)
            drive = Drive(drive_id, name, root.id, {root.id: root})
            self.drives[drive_id] = drive
            self._touch(root)
            if owner_upn:
                self.user_drives[owner_upn] = drive_id
            return drive

    def add_user(self, upn: str, mail: str | None = None, name: str = "") -> dict[str, Any]:
        user_id = self._next_id("user-")
        user: dict[str, Any] = {
            "id": user_id,
            "userPrincipalName": upn,
            "mail": mail,
            "displayName": name or upn,
        }
        self.users[user_id] = user
        return user

    def _touch(self, node: Node) -> None:
        self.seq += 1
        node.seq = self.seq

    def find(self, drive: Drive, path: str) -> Node:
        node = drive.nodes[drive.root]
        for part in [p for p in path.split("/") if p]:
            node = next(
                n
                for n in drive.nodes.values()
                if n.parent == node.id and n.name == part and not n.deleted
            )
        return node

    def add(self, drive: Drive, path: str, content: bytes | None = None) -> Node:
        """A file (content given) or folder at ``path``; missing folders are created."""
        with self.lock:
            parent_path, _, name = path.rpartition("/")
            parent = self.find(drive, "")
            for part in [p for p in parent_path.split("/") if p]:
                try:
                    parent = self.find(drive, f"{self._path(drive, parent)}/{part}")
                except StopIteration:
                    parent = self.add(drive, f"{self._path(drive, parent)}/{part}")
            node = Node(self._next_id("item"), name, parent.id, content is None, content or b"")
            drive.nodes[node.id] = node
            self._touch(node)
            return node

    def _path(self, drive: Drive, node: Node) -> str:
        parts = []
        while node.parent is not None:
            parts.append(node.name)
            node = drive.nodes[node.parent]
        return "/".join(reversed(parts))

    def change(self, drive: Drive, path: str, content: bytes) -> None:
        with self.lock:
            node = self.find(drive, path)
            node.content = content
            node.etag += 1
            node.modified += timedelta(minutes=5)
            self._touch(node)

    def move(self, drive: Drive, path: str, new_parent: str, new_name: str | None = None) -> None:
        with self.lock:
            node = self.find(drive, path)
            node.parent = self.find(drive, new_parent).id
            node.name = new_name or node.name
            node.etag += 1
            self._touch(node)

    def delete(self, drive: Drive, path: str) -> None:
        with self.lock:
            node = self.find(drive, path)
            todo = [node]
            while todo:
                current = todo.pop()
                current.deleted = True
                self._touch(current)
                todo.extend(
                    n for n in drive.nodes.values() if n.parent == current.id and not n.deleted
                )

    def share(self, drive: Drive, path: str, perms: list[dict[str, Any]]) -> None:
        """Give the item unique permissions (breaks inheritance)."""
        with self.lock:
            node = self.find(drive, path)
            node.unique = True
            node.perms = [{"id": self._next_id("perm"), **p} for p in perms]
            node.shared_seq = self.seq + 1
            self._touch(node)

    def expire_delta_tokens(self) -> None:
        with self.lock:
            self.min_valid_seq = self.seq + 1

    # -- answers -------------------------------------------------------------------------

    def effective_perms(self, drive: Drive, node: Node) -> list[dict[str, Any]]:
        if node.unique or node.parent is None:
            return [dict(p) for p in node.perms]
        parent = drive.nodes[node.parent]
        inherited = self.effective_perms(drive, parent)
        if self.report_inherited_from:
            for perm in inherited:
                perm.setdefault(
                    "inheritedFrom",
                    {"driveId": drive.id, "id": parent.id, "path": self._path(drive, parent)},
                )
        return inherited

    def item_json(self, drive: Drive, node: Node, since: int, sharing: bool) -> dict[str, Any]:
        parent_ref = {"driveId": drive.id, "driveType": "documentLibrary"}
        if node.parent:
            parent_ref["id"] = node.parent
        if node.deleted:
            return {"id": node.id, "deleted": {"state": "deleted"}, "parentReference": parent_ref}
        body: dict[str, Any] = {
            "id": node.id,
            "name": node.name,
            "eTag": f'"{{{node.id}}},{node.etag}"',
            "lastModifiedDateTime": node.modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "webUrl": f"https://{HOSTNAME}/{SITE_PATH}/{drive.name}/{self._path(drive, node)}",
            "parentReference": parent_ref,
            "size": len(node.content),
        }
        if node.parent is None:
            body["root"] = {}
        if node.folder:
            body["folder"] = {"childCount": 0}
        else:
            body["file"] = {"mimeType": "application/octet-stream"}
        if sharing and node.shared_seq > since:
            body["@microsoft.graph.sharedChanged"] = "True"
        return body

    def delta_entries(self, drive: Drive, since: int | None, sharing: bool) -> list[Any]:
        order = {n.id: self._depth(drive, n) for n in drive.nodes.values()}
        if since is None:
            chosen = [n for n in drive.nodes.values() if not n.deleted]
        else:
            changed = [n for n in drive.nodes.values() if n.seq > since]
            ids = {n.id for n in changed}
            for node in changed:  # changed items come with their (live) ancestors
                current = node
                while current.parent is not None and not node.deleted:
                    current = drive.nodes[current.parent]
                    ids.add(current.id)
            chosen = [drive.nodes[i] for i in ids]
        chosen.sort(key=lambda n: (order[n.id], n.id))
        return [self.item_json(drive, n, since or -1, sharing) for n in chosen]

    def _depth(self, drive: Drive, node: Node) -> int:
        depth = 0
        while node.parent is not None:
            depth += 1
            node = drive.nodes[node.parent]
        return depth


class _Handler(BaseHTTPRequestHandler):
    server: _GraphServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the model, not the log."""

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"error": {"code": code, "message": message}})

    def do_POST(self) -> None:
        model = self.server.model
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path != f"/{TENANT}/oauth2/v2.0/token":
            return self._send(404, {"error": "invalid_request", "error_description": "tenant"})
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return self._send(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
            )
        with model.lock:
            token = secrets.token_hex(8)
            model.tokens.add(token)
            model.token_requests += 1
        self._send(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    def do_GET(self) -> None:
        model = self.server.model
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = unquote(parts.path)
        with model.lock:
            model.requests.append(f"GET {path}")
            if model.throttle_next > 0:
                model.throttle_next -= 1
                self._send(
                    429,
                    {"error": {"code": "TooManyRequests", "message": "slow down"}},
                    {"Retry-After": model.retry_after},
                )
                return
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in model.tokens:
                return self._error(401, "InvalidAuthenticationToken", "Access token is empty.")
            self._route(model, path.removeprefix("/v1.0"), query)

    def _base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1.0"

    def _route(self, model: GraphModel, path: str, query: dict[str, str]) -> None:
        segments = path.strip("/").split("/")
        if path == f"/sites/{HOSTNAME}:/{SITE_PATH}":
            return self._send(200, {"id": SITE_ID, "displayName": "Team", "webUrl": "x"})
        if path == f"/sites/{SITE_ID}/drives":
            drives = [
                {"id": d.id, "name": d.name, "driveType": "documentLibrary"}
                for d in model.drives.values()
                if d.id not in model.user_drives.values()
            ]
            return self._paged(drives, f"/sites/{SITE_ID}/drives", query)
        if segments[0] == "users" and len(segments) == 3 and segments[2] == "drive":
            drive_id = model.user_drives.get(segments[1])
            if drive_id is None:
                return self._error(404, "itemNotFound", "The user has no OneDrive.")
            return self._send(200, {"id": drive_id, "name": "OneDrive"})
        if segments[0] == "users" and len(segments) == 2:
            user = model.users.get(segments[1]) or next(
                (u for u in model.users.values() if u["userPrincipalName"] == segments[1]), None
            )
            if user is None:
                return self._error(404, "Request_ResourceNotFound", "no such user")
            return self._send(200, user)
        if segments[0] != "drives" or segments[1] not in model.drives:
            return self._error(404, "itemNotFound", f"no route {path}")
        drive = model.drives[segments[1]]
        rest = segments[2:]
        if not rest:
            return self._send(200, {"id": drive.id, "name": drive.name})
        if rest == ["root", "delta"]:
            return self._delta(model, drive, query)
        if len(rest) == 3 and rest[0] == "items" and rest[1] in drive.nodes:
            node = drive.nodes[rest[1]]
            if node.deleted:
                return self._error(404, "itemNotFound", "The resource could not be found.")
            if rest[2] == "permissions":
                return self._send(200, {"value": model.effective_perms(drive, node)})
            if rest[2] == "content":
                location = (
                    f"http://127.0.0.1:{self.server.download_port}/download/{drive.id}/"
                    f"{node.id}?tempauth={secrets.token_hex(6)}"
                )
                return self._send(302, None, {"Location": location})
        self._error(404, "itemNotFound", f"no route {path}")

    def _paged(self, entries: list[Any], path: str, query: dict[str, str]) -> None:
        skip = int(query.get("$skiptoken", 0))
        size = self.server.model.page_size
        body: dict[str, Any] = {"value": entries[skip : skip + size]}
        if skip + size < len(entries):
            body["@odata.nextLink"] = f"{self._base()}{path}?$skiptoken={skip + size}"
        self._send(200, body)

    def _delta(self, model: GraphModel, drive: Drive, query: dict[str, str]) -> None:
        token = query.get("token")
        sharing = "deltashowsharingchanges" in self.headers.get("Prefer", "")
        link = f"{self._base()}/drives/{drive.id}/root/delta"
        if token and token.startswith("page-"):
            if token not in model.cursors:
                return self._error(400, "invalidRequest", "unknown page token")
            entries, final_seq, _ = model.cursors.pop(token)
        else:
            since = None
            if token:
                since = int(token.removeprefix("seq-"))
                if since < model.min_valid_seq:
                    return self._send(
                        410,
                        {
                            "error": {
                                "code": "resyncChangesApplyDifferences",
                                "message": "Resync required: replace local items.",
                            }
                        },
                        {"Location": link},
                    )
            entries, final_seq = model.delta_entries(drive, since, sharing), model.seq
        page, rest = entries[: model.page_size], entries[model.page_size :]
        body: dict[str, Any] = {"value": page}
        if rest:
            cursor = f"page-{secrets.token_hex(6)}"
            model.cursors[cursor] = (rest, final_seq, drive.id)
            body["@odata.nextLink"] = f"{link}?token={cursor}"
        else:
            body["@odata.deltaLink"] = f"{link}?token=seq-{final_seq}"
        self._send(200, body)


class _DownloadHandler(BaseHTTPRequestHandler):
    server: _DownloadServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        model = self.server.model
        parts = urlsplit(self.path).path.strip("/").split("/")
        if self.headers.get("Authorization"):
            model.download_violations.append(self.path)
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with model.lock:
            node = model.drives[parts[1]].nodes.get(parts[2])
        data = node.content if node and not node.deleted else b""
        self.send_response(200 if node else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _GraphServer(ThreadingHTTPServer):
    daemon_threads = True
    model: GraphModel
    download_port: int


class _DownloadServer(ThreadingHTTPServer):
    daemon_threads = True
    model: GraphModel


@dataclass
class GraphStandin:
    model: GraphModel
    graph_url: str
    token_url: str

    def options(self, **extra: Any) -> dict[str, Any]:
        return {
            "tenant_id": TENANT,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "site": f"{HOSTNAME}:/{SITE_PATH}",
            "graph_url": self.graph_url,
            "token_url": self.token_url,
            **extra,
        }


def _start(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


@pytest.fixture
def graph_standin() -> Iterator[GraphStandin]:
    model = GraphModel()
    downloads = _DownloadServer(("127.0.0.1", 0), _DownloadHandler)
    downloads.model = model
    graph = _GraphServer(("127.0.0.1", 0), _Handler)
    graph.model = model
    graph.download_port = downloads.server_address[1]
    threads = [_start(downloads), _start(graph)]
    port = graph.server_address[1]
    try:
        yield GraphStandin(
            model,
            f"http://127.0.0.1:{port}/v1.0",
            f"http://127.0.0.1:{port}/{{tenant}}/oauth2/v2.0/token",
        )
    finally:
        for server in (graph, downloads):
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
