"""The knowledge base served by a real uvicorn server on loopback, for the tests of the open
interfaces (OpenAI-compatible API, MCP): the share of tests/conftest.py synced with its ACL
map (anna: mitarbeiter/technik; mia: mitarbeiter/personal, who alone may read the salary
bands), an administrator (so setup is done), and helpers for tokens and the audit log."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from tests.conftest import ACL_MAP, USERS, make_app, write_share
from tests.web.conftest import ADMIN, ADMIN_PASSWORD
from wissenswerk.accounts import Accounts
from wissenswerk.app import Wissenswerk
from wissenswerk.web import create_app

RESTRICTED = "Personal/Gehaltsbaender.md"
SALARY_QUESTION = "Wie hoch ist das Gehaltsband für Ingenieure?"
ALL_SCOPES = ("search", "ask", "documents")


@dataclass
class Served:
    ww: Wissenswerk
    accounts: Accounts
    url: str

    @property
    def db(self) -> Path:
        return self.ww.settings.data_dir / "wissenswerk.db"

    def token(self, user: str, *scopes: str) -> str:
        plaintext, _ = self.accounts.create_api_token(user, f"test {user}", scopes or ALL_SCOPES)
        return plaintext

    def document_id(self, path: str) -> int:
        with sqlite3.connect(self.db) as conn:
            row = conn.execute("SELECT id FROM documents WHERE path = ?", (path,)).fetchone()
        assert row, path
        return int(row[0])

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Audit records of ``kind``, oldest first: actor, object, outcome and the payload."""
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute(
                "SELECT actor, object, outcome, payload FROM events WHERE kind = ? ORDER BY id",
                (kind,),
            ).fetchall()
        return [
            {"actor": a, "object": o, "outcome": oc, **json.loads(p or "{}")}
            for a, o, oc, p in rows
        ]


def knowledge_base(root: Path) -> Wissenswerk:
    share = write_share(root / "share")
    acl_map = root / "acl.csv"
    acl_map.write_text(ACL_MAP, encoding="utf-8")
    users = root / "users.csv"
    users.write_text(USERS, encoding="utf-8")
    ww = make_app(root / "data")
    ww.import_users(users)
    ww.add_folder_source("share", share, acl_map)
    ww.syncer.sync(ww.source("share"))
    return ww


@contextmanager
def served(root: Path) -> Iterator[Served]:
    """The web app of a fresh knowledge base under ``root`` on a uvicorn server (lifespan
    included, which the MCP endpoint needs)."""
    ww = knowledge_base(root)
    app = create_app(ww)
    accounts: Accounts = app.state.web.accounts
    accounts.create_first_admin(ADMIN, ADMIN_PASSWORD)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield Served(ww, accounts, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        ww.close()
