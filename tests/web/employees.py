"""The company share of tests/conftest.py, synced, with its users able to sign in to the web
app: anna (mitarbeiter, technik), mia (mitarbeiter, personal), chef (all groups), plus the
admin. Personal/ is readable only by the group personal. Two copies of a three-page PDF lie
in the share: one in Technik/ (everyone), one in Personal/ (personal only)."""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import ACL_MAP, DATA, USERS, make_app, write_share
from tests.web.conftest import ADMIN, ADMIN_PASSWORD, Web, login
from wissenswerk.web import create_app
from wissenswerk.web.app import build_accounts

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "Sommerfest-am-Baggersee-2025"
PUBLIC_PDF = "Technik/Wartungsbericht.pdf"
RESTRICTED_PDF = "Personal/Wartungsbericht_Personal.pdf"
RESTRICTED_MD = "Personal/Gehaltsbaender.md"
# Modification dates for the date filter: the maintenance guide is older than the rest.
OLD_FILE = "Technik/Wartung.md"
OLD_DATE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
NEW_DATE = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Office:
    web: Web
    share: Path

    def client(self, name: str) -> TestClient:
        """A browser signed in as ``name``."""
        client = TestClient(self.web.app, base_url="http://testserver", follow_redirects=False)
        password = ADMIN_PASSWORD if name == ADMIN else PASSWORD
        response = login(client, name, password)
        assert response.status_code == 303, response.text
        return client

    def document_id(self, path: str) -> int:
        """The id of an indexed document (ids count up from 1 in the store)."""
        store = self.web.ww.store
        for document_id in range(1, 100):
            info = store.document(document_id)
            if info is not None and info.path == path:
                return document_id
        raise AssertionError(f"{path} is not indexed")


def open_office(tmp_path: Path) -> Office:
    share = write_share(tmp_path / "share")
    for rel in (PUBLIC_PDF, RESTRICTED_PDF):
        shutil.copyfile(DATA / "bericht.pdf", share / rel)
    for path in share.rglob("*"):
        if path.is_file():
            when = OLD_DATE if path.relative_to(share).as_posix() == OLD_FILE else NEW_DATE
            os.utime(path, (when.timestamp(), when.timestamp()))
    acl_map = tmp_path / "acl.csv"
    acl_map.write_text(ACL_MAP, encoding="utf-8")
    ww = make_app(tmp_path / "data")
    ww.import_users_csv(USERS)
    ww.add_folder_source("share", share, acl_map)
    ww.syncer.sync(ww.source("share"))
    accounts = build_accounts(ww)
    accounts.create_first_admin(ADMIN, ADMIN_PASSWORD)
    for name in ("anna", "mia", "chef"):
        accounts.set_password(name, PASSWORD)
    return Office(Web(ww, create_app(ww, accounts)), share)
