"""A Windows share end to end, against a real Samba AD domain controller: users and nested
groups from the directory, NTFS allow/deny applied in search and answers, a membership
removed in AD revoking access at the next permission refresh, a deleted file leaving the
index at the next sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.servers.samba_ad import SambaAD, samba_ad
from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import (
    DirectorySettings,
    EmbeddingSettings,
    ParsingSettings,
    Settings,
)

__all__ = ["samba_ad"]  # the session fixture, imported to be found by pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def app(samba_ad: SambaAD, tmp_path: Path) -> Iterator[Wissenswerk]:
    settings = Settings(
        data_dir=tmp_path / "data",
        embeddings=EmbeddingSettings(provider="none"),  # type: ignore[arg-type]
        parsing=ParsingSettings(isolate=False),
        directory=DirectorySettings(
            url=samba_ad.ldaps_url,
            kind="ad",
            bind_dn=samba_ad.admin_dn,
            bind_password=SecretStr(samba_ad.admin_password),
            base_dn=samba_ad.base_dn,
            verify_tls=False,
        ),
    )
    ww = Wissenswerk.from_settings(settings)
    ww.add_source(
        "dateien",
        "smb",
        f"smb://{samba_ad.address}/{samba_ad.share}",
        {"username": "Administrator", "domain": samba_ad.domain, "password_env": "WW_SMB_PW"},
    )
    yield ww
    ww.close()


@pytest.fixture(autouse=True)
def _password(samba_ad: SambaAD, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WW_SMB_PW", samba_ad.admin_password)


def found(app: Wissenswerk, query: str, user: str) -> set[str]:
    return {h.path for h in app.search.search(query, user, limit=20).hits}


def test_ntfs_permissions_and_directory_groups_decide_what_users_find(
    app: Wissenswerk, samba_ad: SambaAD
) -> None:
    directory = app.sync_directory()
    assert directory.users >= 5
    assert "Personal" in app.store.get_user("carla").groups  # type: ignore[union-attr]
    report = app.sync_source("dateien")
    assert report.added == 5 and report.errors == []

    # ben is in Vertrieb (allowed) and Azubis (denied by an explicit NTFS deny entry).
    assert found(app, "Rabattgrenze Preisliste", "ben") == set()
    assert found(app, "Rabattgrenze Preisliste", "anna") == {"Vertrieb/Preise_intern.txt"}
    assert app.answerer.ask("Wie hoch ist die Rabattgrenze?", "ben").citations == []
    # carla reads Personal/ through HR-Leitung ⊂ Personal (nested groups).
    assert found(app, "Gehaltsbänder Entgeltgruppen", "carla") == {"Personal/Gehaelter.txt"}
    assert found(app, "Gehaltsbänder Entgeltgruppen", "anna") == set()

    # dora leaves Vertrieb in AD: after the permission refresh she no longer finds its files.
    assert found(app, "Angebot Kranich", "dora") == {"Vertrieb/Angebot.txt"}
    samba_ad.samba_tool("group", "removemembers", "Vertrieb", "dora")
    try:
        assert found(app, "Angebot Kranich", "dora") == {"Vertrieb/Angebot.txt"}  # not yet
        app.sync_directory()
        refreshed = app.refresh_permissions("dateien")
        assert refreshed.kind == "permissions"
        assert found(app, "Angebot Kranich", "dora") == set()
        assert found(app, "Angebot Kranich", "anna") == {"Vertrieb/Angebot.txt"}
    finally:
        samba_ad.samba_tool("group", "addmembers", "Vertrieb", "dora")


def test_a_deleted_file_leaves_the_results_at_the_next_sync(
    app: Wissenswerk, samba_ad: SambaAD
) -> None:
    app.sync_directory()
    samba_ad.put("Allgemein/Aushang_Sommerfest.txt", "Das Sommerfest findet am 4. Juli statt.")
    try:
        assert app.sync_source("dateien").added == 6
        assert found(app, "Sommerfest", "anna") == {"Allgemein/Aushang_Sommerfest.txt"}
    finally:
        samba_ad.smbclient('cd "Allgemein"; del "Aushang_Sommerfest.txt"')
    report = app.sync_source("dateien")
    assert report.deleted == 1 and report.unchanged == 5
    assert found(app, "Sommerfest", "anna") == set()
