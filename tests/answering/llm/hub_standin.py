"""A stand-in for the Hugging Face Hub on loopback: the model-info API with LFS metadata, the
``resolve`` URL that redirects to a CDN host, and a CDN that honours range requests.

It can serve bytes that differ from the reported checksum, cut a download short, or refuse
access, so the downloader's failure paths run against real HTTP.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "5d3f1c2b9a8e7d6c5b4a39281706f5e4d3c2b1a0"


@dataclass
class Request:
    path: str
    range: str | None
    authorization: str | None


@dataclass
class HubStandin:
    port: int = 0
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    served: dict[tuple[str, str], bytes] = field(default_factory=dict)  # overrides bytes sent
    reported_sha256: dict[tuple[str, str], str] = field(default_factory=dict)
    api_status: int = 200
    cut_after: int | None = None  # CDN sends this many bytes, then drops the connection
    requests: list[Request] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, repo: str, filename: str, data: bytes) -> str:
        self.files[(repo, filename)] = data
        return hashlib.sha256(data).hexdigest()

    def cdn_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.startswith("/cdn/")]


class _Handler(BaseHTTPRequestHandler):
    hub: HubStandin  # set on the subclass made per server

    def do_GET(self) -> None:
        self.hub.requests.append(
            Request(self.path, self.headers.get("Range"), self.headers.get("Authorization"))
        )
        path = self.path.split("?")[0]
        if path.startswith("/api/models/"):
            self._model_info(path.removeprefix("/api/models/"))
        elif path.startswith("/cdn/"):
            self._cdn(path.removeprefix("/cdn/"))
        elif "/resolve/" in path:
            repo, rest = path.lstrip("/").split("/resolve/", 1)
            commit, filename = rest.split("/", 1)
            if commit != COMMIT:
                self._send(404, b"unknown revision")
                return
            # Like the Hub: a redirect to another host (the CDN), here "localhost".
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.hub.port}/cdn/{repo}/{filename}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"not found")

    def _model_info(self, rest: str) -> None:
        if self.hub.api_status != 200:
            self._send(self.hub.api_status, b'{"error": "Access to this model is restricted"}')
            return
        repo, _, _revision = rest.partition("/revision/")
        siblings = []
        for (file_repo, filename), data in self.hub.files.items():
            if file_repo != repo:
                continue
            sha = self.hub.reported_sha256.get((repo, filename), hashlib.sha256(data).hexdigest())
            siblings.append(
                {
                    "rfilename": filename,
                    "size": len(data),
                    "lfs": {"sha256": sha, "size": len(data), "pointerSize": 134},
                }
            )
        if not siblings:
            self._send(404, b'{"error": "Repository not found"}')
            return
        body = json.dumps({"id": repo, "sha": COMMIT, "siblings": siblings}).encode()
        self._send(200, body, "application/json")

    def _cdn(self, rest: str) -> None:
        owner, name, filename = rest.split("/", 2)
        key = (f"{owner}/{name}", filename)
        data = self.hub.served.get(key, self.hub.files.get(key))
        if data is None:
            self._send(404, b"no such object")
            return
        start = 0
        requested = self.headers.get("Range")
        if requested:
            start = int(requested.removeprefix("bytes=").split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.hub.cut_after is not None:
            body = body[: self.hub.cut_after]
            self.close_connection = True
        self.wfile.write(body)

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def running_hub() -> Iterator[HubStandin]:
    hub = HubStandin()
    handler = type("Handler", (_Handler,), {"hub": hub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    hub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
