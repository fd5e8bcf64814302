"""Shared fixtures: a small company share on disk and an app on a temporary data dir.

A guard refuses network connections beyond loopback, so no test can reach a hub or the
internet by accident.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import EmbeddingSettings, ParsingSettings, Settings

DATA = Path(__file__).parent / "data"

SHARE_FILES = {
    "Allgemein/Reisekostenrichtlinie_2023.md": (
        "# Reisekostenrichtlinie 2023\n\nDie Kilometerpauschale beträgt 0,30 € je Kilometer. "
        "Übernachtungen werden bis 120 € erstattet.\n"
    ),
    "Allgemein/Reisekostenrichtlinie_2025.md": (
        "# Reisekostenrichtlinie 2025\n\nDie Kilometerpauschale beträgt 0,35 € je Kilometer. "
        "Übernachtungen werden bis 140 € erstattet.\n"
    ),
    "Technik/Wartung.md": (
        "# Wartungsanleitung HX-Getriebe\n\n## Intervalle\n\nDas Wartungsintervall für Getriebe "
        "der Baureihe HX beträgt 2.000 Betriebsstunden. Danach ist das Öl zu wechseln.\n\n"
        "## Sicherheit\n\nVor allen Arbeiten die Anlage spannungsfrei schalten.\n"
    ),
    "Technik/notizen.txt": "Die Kantine öffnet um 11:30 Uhr. Das Menü wechselt täglich.\n",
    "Personal/Gehaltsbaender.md": (
        "# Gehaltsbänder 2025\n\nDas Gehaltsband für Ingenieure liegt zwischen 58.000 € und "
        "74.000 € brutto im Jahr. Die Kilometerpauschale für Dienstwagen entfällt.\n"
    ),
    "Geschäftsführung/Strategie.md": (
        "# Projekt Falke\n\nDie geplante Übernahme der Firma Kranich GmbH (Projekt Falke) soll "
        "im dritten Quartal abgeschlossen werden. Getriebe der Baureihe HX werden verlagert.\n"
    ),
}

ACL_MAP = """path_prefix,groups
,mitarbeiter
Personal,personal
Geschäftsführung,geschaeftsfuehrung
"""

USERS = """user,groups
anna,mitarbeiter;technik
mia,mitarbeiter;personal
chef,mitarbeiter;personal;geschaeftsfuehrung
"""


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                raise RuntimeError(f"test tried to reach {address!r} beyond loopback")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def write_share(root: Path, files: dict[str, str] | None = None) -> Path:
    for rel, text in (files or SHARE_FILES).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return write_share(tmp_path / "share")


@pytest.fixture
def acl_map(tmp_path: Path) -> Path:
    path = tmp_path / "acl.csv"
    path.write_text(ACL_MAP, encoding="utf-8")
    return path


@pytest.fixture
def users_csv(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(USERS, encoding="utf-8")
    return path


def make_app(data_dir: Path, provider: str = "none", isolate: bool = False) -> Wissenswerk:
    """An app on data_dir. Parsing runs in-process unless ``isolate``: worker start-up
    would dominate these small tests; the CLI tests and tests/parsing cover isolation."""
    settings = Settings(
        data_dir=data_dir,
        embeddings=EmbeddingSettings(provider=provider),  # type: ignore[arg-type]
        parsing=ParsingSettings(isolate=isolate),
    )
    return Wissenswerk.from_settings(settings)


@pytest.fixture
def app(tmp_path: Path, share: Path, acl_map: Path, users_csv: Path) -> Iterator[Wissenswerk]:
    """Lexical-only app with the share synced."""
    ww = make_app(tmp_path / "data")
    ww.import_users(users_csv)
    ww.add_folder_source("share", share, acl_map)
    ww.syncer.sync(ww.source("share"))
    yield ww
    ww.close()
