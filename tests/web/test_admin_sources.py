"""Sources in the administration: add a folder with an ACL map, sync it in the background
and follow the progress, see the per-file errors, retry, remove."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ACL_MAP, DATA, USERS, write_share
from tests.web.conftest import Web, csrf_of
from wissenswerk.audit import AuditFilter

BROKEN_PDF = "Technik/kaputt.pdf"
UNREADABLE = "Technik/speicher.txt"


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """The company share plus a corrupt PDF and a file whose read fails (EIO)."""
    root = write_share(tmp_path / "share")
    shutil.copy(DATA / "kaputt.pdf", root / BROKEN_PDF)
    # Reading /proc/self/mem from offset 0 fails with an I/O error, even for root: a real
    # failed read, like a share that drops the connection.
    (root / UNREADABLE).symlink_to("/proc/self/mem")
    return root


def add_source(client: TestClient, name: str, folder: str, **fields: Any) -> Any:
    token = csrf_of(client.get("/admin/sources").text)
    files = fields.pop("files", None)
    data = {"csrf_token": token, "name": name, "folder": folder, "schedule": "60", **fields}
    return client.post("/admin/sources", data=data, files=files)


def post(client: TestClient, page: str, action: str) -> Any:
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).text)})


def wait_for_sync(client: TestClient, name: str, timeout_s: float = 30.0) -> dict[str, Any]:
    """Poll the progress endpoint as the page's script does, until the sync has ended."""
    deadline = time.monotonic() + timeout_s
    seen_states = set()
    while time.monotonic() < deadline:
        progress = client.get(f"/admin/sources/{name}/progress")
        assert progress.status_code == 200
        data: dict[str, Any] = progress.json()
        seen_states.add(data["state"])
        if not data["running"]:
            return data
        time.sleep(0.05)
    raise AssertionError(f"the sync of {name} did not finish in {timeout_s} s ({seen_states})")


def admin_records(web: Web, kind: str) -> list[Any]:
    return web.ww.audit.events(AuditFilter(kind=kind))


def test_add_a_folder_source_with_a_pasted_acl_map(
    web: Web, admin_client: TestClient, share: Path
) -> None:
    response = add_source(admin_client, "share", str(share), acl_map_text=ACL_MAP)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sources/share?notice=source_added"
    config = web.ww.store.get_source("share")
    assert config is not None and config.acl_mode == "acl_map"
    assert dict(config.acl_map)["Personal"] == ("group:personal",)
    page = admin_client.get(response.headers["location"]).text
    assert "Die Quelle wurde hinzugefügt" in page and "3 Regeln" in page
    [added] = admin_records(web, "admin.source.added")
    assert (added.actor, added.object, added.ip) == ("admin", "source:share", "testclient")
    assert added.payload["acl_rules"] == 3 and added.payload["location"] == str(share)
    listing = admin_client.get("/admin/sources").text
    assert "Rechtezuordnung (CSV)" in listing and "alle 60 Min." in listing
    assert "noch nie synchronisiert" in listing


def test_the_acl_map_can_be_uploaded_as_a_file(
    web: Web, admin_client: TestClient, share: Path
) -> None:
    upload = {"acl_map_file": ("acl.csv", ("\ufeff" + ACL_MAP).encode(), "text/csv")}
    response = add_source(admin_client, "hochgeladen", str(share), files=upload)
    assert response.status_code == 303, response.text
    config = web.ww.store.get_source("hochgeladen")
    assert config is not None and len(config.acl_map) == 3
    # A browser sends an empty file field when no file was chosen: the folder's rights apply.
    empty = {"acl_map_file": ("", b"", "application/octet-stream")}
    response = add_source(admin_client, "ohne", str(share), files=empty, schedule="0")
    assert response.status_code == 303, response.text
    plain = web.ww.store.get_source("ohne")
    assert plain is not None and plain.acl_mode == "posix" and plain.sync_every_minutes == 0


INVALID: list[tuple[str, str, dict[str, Any], str]] = [
    ("", "{share}", {}, "Bitte geben Sie der Quelle einen Namen."),
    ("a/b", "{share}", {}, "weder „/“ noch Steuerzeichen"),
    ("neu", "", {}, "Bitte geben Sie den Ordner an."),
    ("neu", "share", {}, "vollständigen Pfad"),
    ("neu", "{share}/gibtsnicht", {}, "gibt es auf dem Server nicht"),
    ("neu", "{share}", {"schedule": "jede Stunde"}, "ganze Zahl von 0 bis 10080"),
    ("neu", "{share}", {"acl_map_text": "ordner;gruppen\nx;y\n"}, "Rechtezuordnung ist"),
    (
        "neu",
        "{share}",
        {"files": {"acl_map_file": ("acl.csv", b"\xff\xfe\x00p", "text/csv")}},
        "kein UTF-8-Text",
    ),
]


def test_invalid_sources_are_refused_with_a_german_message(
    web: Web, admin_client: TestClient, share: Path
) -> None:
    for name, folder, fields, message in INVALID:
        response = add_source(admin_client, name, folder.format(share=share), **dict(fields))
        assert response.status_code == 400, (name, folder, fields)
        assert message in response.text, (name, folder, fields)
        # What was typed stays in the form.
        assert f'value="{folder.format(share=share)}"' in response.text
    assert web.ww.store.list_sources() == []
    assert admin_records(web, "admin.source.added") == []
    # A taken name: the existing source is not replaced.
    assert add_source(admin_client, "share", str(share)).status_code == 303
    again = add_source(admin_client, "share", str(share / "Technik"))
    assert again.status_code == 400 and "„share“ gibt es bereits" in again.text
    config = web.ww.store.get_source("share")
    assert config is not None and config.location == str(share.resolve())


def test_sync_runs_in_the_background_and_reports_progress_and_errors(
    web: Web, admin_client: TestClient, share: Path
) -> None:
    add_source(admin_client, "share", str(share), acl_map_text=ACL_MAP)
    idle = admin_client.get("/admin/sources/share/progress").json()
    assert idle["state"] == "idle" and idle["running"] is False

    started = post(admin_client, "/admin/sources/share", "/admin/sources/share/sync")
    assert started.headers["location"] == "/admin/sources/share?notice=sync_started"
    final = wait_for_sync(admin_client, "share")
    assert final["state"] == "completed", final
    assert final["done"] == final["total"] == 8
    assert final["counts"]["added"] == 6 and final["counts"]["retry_scheduled"] == 1
    assert final["summary"] == "8 von 8 Dateien" and "neu: 6" in final["counts_text"]

    [record] = admin_records(web, "admin.sync.started")
    assert (record.actor, record.object) == ("admin", "source:share")
    assert admin_records(web, "sync.completed")

    # The ACL map decides who finds what.
    web.ww.import_users_csv(USERS)
    assert web.ww.search.search("Gehaltsband Ingenieure", "anna", 5).hits == []
    [hit, *_] = web.ww.search.search("Gehaltsband Ingenieure", "mia", 5).hits
    assert hit.path == "Personal/Gehaltsbaender.md"

    page = admin_client.get("/admin/sources/share").text
    assert "abgeschlossen" in page
    assert BROKEN_PDF in page and "not a valid PDF" in page  # the parser's reason
    assert UNREADABLE in page and "Input/output error" in page
    assert "Fehlgeschlagene erneut versuchen" in page
    listing = admin_client.get("/admin/sources").text
    assert 'badge-completed">abgeschlossen' in listing

    # The texts follow the language of the page.
    token = csrf_of(listing)
    admin_client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    english = admin_client.get("/admin/sources/share/progress").json()
    assert english["status_label"] == "completed" and english["summary"] == "8 of 8 files"
    page = admin_client.get("/admin/sources/share").text
    assert "Retry failed files" in page and "Sync now" in page


def test_retry_failed_resets_the_failures_and_syncs_again(
    web: Web, admin_client: TestClient, share: Path
) -> None:
    add_source(admin_client, "share", str(share))
    post(admin_client, "/admin/sources/share", "/admin/sources/share/sync")
    wait_for_sync(admin_client, "share")
    [failed] = web.ww.store.failed_items("share")
    assert failed.path == UNREADABLE and failed.retry_at is not None

    # The admin repairs the share, then asks for a retry now instead of after the backoff.
    (share / UNREADABLE).unlink()
    (share / UNREADABLE).write_text("Der Speicher ist wieder lesbar.", encoding="utf-8")
    response = post(admin_client, "/admin/sources/share", "/admin/sources/share/retry")
    assert response.headers["location"] == "/admin/sources/share?notice=sync_started"
    final = wait_for_sync(admin_client, "share")
    assert final["state"] == "completed"
    assert web.ww.store.failed_items("share") == []
    retry = admin_records(web, "admin.sync.started")[0]  # newest first
    assert retry.payload == {"retry_failed": True, "reset": 1}
    assert "Fehlgeschlagene erneut versuchen" not in admin_client.get("/admin/sources/share").text


def test_a_busy_source_gets_a_friendly_message(
    web: Web, admin_client: TestClient, share: Path
) -> None:
    add_source(admin_client, "share", str(share))
    # Another process (the command line, say) holds the source's sync lock.
    with web.ww.store.lock_source("share"):
        response = post(admin_client, "/admin/sources/share", "/admin/sources/share/sync")
        assert response.headers["location"] == "/admin/sources/share?error=sync_busy"
        page = admin_client.get(response.headers["location"]).text
        assert "wird gerade synchronisiert" in page
        removal = post(admin_client, "/admin/sources/share", "/admin/sources/share/remove")
        assert removal.headers["location"] == "/admin/sources/share?error=sync_busy"
    assert admin_records(web, "admin.sync.started") == []
    assert web.ww.store.get_source("share") is not None


def test_remove_a_source(web: Web, admin_client: TestClient, share: Path) -> None:
    add_source(admin_client, "share", str(share))
    page = admin_client.get("/admin/sources/share").text
    assert 'data-confirm="Die Quelle „share“ und ihr gesamter Index' in page
    response = post(admin_client, "/admin/sources/share", "/admin/sources/share/remove")
    assert response.headers["location"] == "/admin/sources?notice=source_removed"
    assert web.ww.store.get_source("share") is None
    assert (
        "Die Quelle und ihr Index wurden entfernt."
        in admin_client.get(response.headers["location"]).text
    )
    [removed] = admin_records(web, "admin.source.removed")
    assert (removed.actor, removed.object) == ("admin", "source:share")
    assert admin_client.get("/admin/sources/share").status_code == 404
    assert admin_client.get("/admin/sources/share/progress").status_code == 404
