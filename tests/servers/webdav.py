"""A real WebDAV server (WsgiDAV on cheroot) on loopback for the WebDAV connector tests.

It runs in a subprocess and serves a temporary folder below a Nextcloud-like path
(``/remote.php/dav/files/anna/``) with users from WsgiDAV's simple domain controller; Basic
and Digest logins are both accepted. Started as root, it runs without the capabilities that
let root ignore file permissions, so a folder with mode 000 fails on the server as it would on
a real one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.servers.ports import free_port

MOUNT = "/remote.php/dav/files/anna"
USERS = {"anna": "geheim", "mia": "Passwört-2025"}


@dataclass
class WebDavServer:
    host: str
    port: int
    root: Path  # the served folder on disk
    log_path: Path
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))

    def url(self, folder: str = "") -> str:
        """The WebDAV URL of a folder below the served root, with a trailing slash."""
        path = f"{MOUNT}/{folder}".rstrip("/") + "/"
        return f"http://{self.host}:{self.port}{quote(path)}"

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


def _command(config: Path) -> list[str]:
    command = [sys.executable, "-m", "wsgidav.server.server_cli", "-c", str(config)]
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0:
        if not setpriv:
            pytest.fail("setpriv not found: install the Debian package util-linux.")
        # root reads everything regardless of mode bits; without these two capabilities it
        # is refused like any other account.
        return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    return command


@contextlib.contextmanager
def running_webdav(base: Path) -> Iterator[WebDavServer]:
    if importlib.util.find_spec("wsgidav") is None or importlib.util.find_spec("cheroot") is None:
        pytest.fail("WsgiDAV is missing: install the dev extra (pip install -e '.[dev]').")
    root = base / "share"
    root.mkdir(parents=True)
    port = free_port()
    config = {
        "host": "127.0.0.1",
        "port": port,
        "server": "cheroot",
        "provider_mapping": {MOUNT: str(root)},
        "http_authenticator": {
            "domain_controller": None,  # the simple domain controller below
            "accept_basic": True,
            "accept_digest": True,
            "default_to_digest": True,  # challenge with Digest; Basic sent up front still works
        },
        "simple_dc": {"user_mapping": {"*": {u: {"password": p} for u, p in USERS.items()}}},
        "dir_browser": {"enable": False},
        "verbose": 3,
        "logging": {"enable": True},
    }
    config_path = base / "wsgidav.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    server = WebDavServer("127.0.0.1", port, root, base / "wsgidav.log")
    with server.log_path.open("wb") as log:
        process = subprocess.Popen(_command(config_path), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"WsgiDAV exited with {process.returncode}:\n{server.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"WsgiDAV did not open port {port} in 20 s:\n{server.log_tail()}")
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def webdav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDavServer]:
    with running_webdav(tmp_path_factory.mktemp("webdav")) as server:
        yield server
