"""Scanned pages end to end: sync queues them, the OCR pass (real Tesseract, isolated
worker) recognises them, and search and answers cite the page they are on."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import DATA, make_app


def test_ocr_pages_are_searchable_and_cited_with_page_numbers(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    shutil.copy(DATA / "scan_urlaub.pdf", share / "Urlaubsregelung_Scan.pdf")
    app = make_app(tmp_path / "data", isolate=True)
    app.import_users_csv("user,groups\nanna,mitarbeiter\n")
    acl = tmp_path / "acl.csv"
    acl.write_text("path_prefix,groups\n,mitarbeiter\n", encoding="utf-8")
    app.add_folder_source("share", share, acl)

    report = app.syncer.sync(app.source("share"))
    assert report.ocr_queued == 1 and app.store.count_ocr_pending() == 1
    assert app.search.search("Schlüssel Pförtner", "anna").hits == []  # nothing before OCR

    seen: list[int] = []
    ocr = app.run_ocr(lambda p: seen.append(p.done_pages))
    assert ocr.unavailable is None, ocr.unavailable
    assert (ocr.documents, ocr.pages, ocr.failed) == (1, 2, [])
    assert seen[-1] == 2 and app.store.count_ocr_pending() == 0

    hits = app.search.search("Schlüssel beim Pförtner abgeben", "anna").hits
    assert hits[0].path == "Urlaubsregelung_Scan.pdf" and hits[0].page == 2
    first = app.search.search("Resturlaub verfällt im März", "anna").hits
    assert first[0].page == 1
    answer = app.answerer.ask("Wann verfällt der Resturlaub?", "anna")
    assert answer.found and answer.citations[0].page == 1
    assert "März" in answer.citations[0].quote

    # Unchanged afterwards: neither re-parsed nor queued again.
    again = app.syncer.sync(app.source("share"))
    assert again.unchanged == 1 and app.store.count_ocr_pending() == 0
    app.close()


def test_without_tesseract_files_stay_listed_as_needing_ocr(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    shutil.copy(DATA / "scan_urlaub.pdf", share / "scan.pdf")
    app = make_app(tmp_path / "data")
    app.settings.ocr.tesseract = str(tmp_path / "no-such-tesseract")
    app.add_folder_source("share", share, None)
    app.syncer.sync(app.source("share"))
    ocr = app.run_ocr()
    assert ocr.unavailable and "tesseract" in ocr.unavailable.lower()
    assert app.store.counts()["needs_ocr"] == 1 and app.store.count_ocr_pending() == 0
    [problem] = [p for p in app.store.problems() if p.status == "warning"]
    assert problem.path == "scan.pdf" and "needs OCR" in problem.reason
    app.close()
