"""The document viewer: text with the quote marked, originals and PDF pages, and the same
'not found' for missing and forbidden documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DATA, make_app
from wissenswerk.app import Wissenswerk
from wissenswerk.viewer.service import DocumentChangedError, DocumentNotFoundError, mark


def test_view_marks_the_quote_and_keeps_reading_order(app: Wissenswerk) -> None:
    hit = app.search.search("Wartungsintervall Getriebe", "anna").hits[0]
    view = app.viewer.view("anna", hit.document_id, "Das Wartungsintervall für Getriebe der "
                           "Baureihe HX beträgt 2.000 Betriebsstunden.")  # fmt: skip
    assert view.info.path == "Technik/Wartung.md" and view.quote_found
    marked = [text for s in view.sections for p in s.paragraphs for text, on in p if on]
    assert marked == ["Das Wartungsintervall für Getriebe der Baureihe HX beträgt 2.000 "
                      "Betriebsstunden."]  # fmt: skip
    assert app.viewer.original("anna", hit.document_id)[1].startswith(b"# Wartungsanleitung")


def test_forbidden_and_missing_documents_look_the_same(app: Wissenswerk) -> None:
    secret = app.search.search("Gehaltsband Ingenieure", "mia").hits[0]
    assert secret.path == "Personal/Gehaltsbaender.md"
    for user, document in (("anna", secret.document_id), ("anna", 99999), ("nobody", 1)):
        with pytest.raises(DocumentNotFoundError) as raised:
            app.viewer.view(user, document)
        assert "does not exist or you may not read it" in str(raised.value)
        with pytest.raises(DocumentNotFoundError):
            app.viewer.original(user, document)
    assert not app.viewer.may_read("anna", secret.document_id)
    assert app.viewer.may_read("mia", secret.document_id)


def test_changed_file_is_not_served_until_synced(app: Wissenswerk, share: Path) -> None:
    hit = app.search.search("Kantine", "anna").hits[0]
    (share / "Technik" / "notizen.txt").write_text("Neu.", encoding="utf-8")
    with pytest.raises(DocumentChangedError, match="next sync"):
        app.viewer.original("anna", hit.document_id)


def test_pdf_page_is_rendered_as_png(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    shutil.copy(DATA / "scan.pdf", share / "scan.pdf")
    ww = make_app(tmp_path / "data")
    ww.import_users_csv("user,groups\nanna,\n")
    acl = tmp_path / "acl.csv"
    acl.write_text("path_prefix,groups\n,alle\n", encoding="utf-8")
    ww.add_folder_source("s", share, acl)
    ww.syncer.sync(ww.source("s"))
    [hit] = ww.search.search("Eingangsstempel Wareneingang", "anna").hits[:1]
    png = ww.viewer.page_png("anna", hit.document_id, 2)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 500
    ww.close()


def test_mark_ignores_whitespace_differences() -> None:
    segments, found = mark("Vor allen Arbeiten die\nAnlage spannungsfrei schalten.", "die Anlage")
    assert found and segments == [
        ("Vor allen Arbeiten ", False), ("die\nAnlage", True), (" spannungsfrei schalten.", False)
    ]  # fmt: skip
    assert mark("Text", "fehlt") == ([("Text", False)], False)
