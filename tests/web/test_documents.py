"""The document viewer, PDF page images and downloads; a user without rights never sees a
restricted document anywhere; the employee pages keep the strict CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.web.conftest import csrf_of
from tests.web.employees import PUBLIC_PDF, RESTRICTED_MD, RESTRICTED_PDF, Office, open_office
from tests.web.test_security_headers import assert_security_headers
from wissenswerk.store.audit import AuditFilter, AuditRecord

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "wissenswerk" / "web" / "templates"
PNG = b"\x89PNG\r\n\x1a\n"
PAGE_2_QUOTE = "Lichtschranken und Not-Halt-Taster werden vierteljährlich geprüft."


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = open_office(tmp_path)
    yield office
    office.web.ww.close()


def records(office: Office, kind: str, actor: str) -> list[AuditRecord]:
    return office.web.ww.audit.events(AuditFilter(kind=kind, actor=actor), limit=100)


def test_the_viewer_shows_the_text_by_page_with_the_quote_marked(office: Office) -> None:
    anna = office.client("anna")
    pdf = office.document_id(PUBLIC_PDF)
    page = anna.get(f"/documents/{pdf}", params={"quote": PAGE_2_QUOTE, "page": "2", "cite": "1"})
    assert page.status_code == 200
    html = page.text
    for n in (1, 2, 3):
        assert f'id="page-{n}"' in html
        assert f'src="/documents/{pdf}/pages/{n}.png"' in html  # "Seite als Bild"
    assert f'<mark id="quote">{PAGE_2_QUOTE}</mark>' in html
    assert html.count("<mark") == 1
    assert html.index('id="page-2"') < html.index("<mark") < html.index('id="page-3"')
    assert 'data-page="2"' in html and 'src="/static/viewer.js' in html
    # Metadata and the download.
    assert "Wartungsbericht Fräsmaschine FM-200" in html
    assert PUBLIC_PDF in html and "share" in html
    assert f'href="/documents/{pdf}/download"' in html
    [opened] = records(office, "citation.opened", "anna")
    assert opened.object == f"share:{PUBLIC_PDF}" and opened.payload["quote_found"] is True
    # Opened without citing: document.viewed; a quote that is not there is said so.
    plain = anna.get(f"/documents/{pdf}", params={"quote": "Das steht nirgends."}).text
    assert "<mark" not in plain and "nicht wörtlich gefunden" in plain
    [viewed] = records(office, "document.viewed", "anna")
    assert viewed.payload["quote_found"] is False


def test_a_pdf_page_as_image(office: Office) -> None:
    anna = office.client("anna")
    pdf = office.document_id(PUBLIC_PDF)
    image = anna.get(f"/documents/{pdf}/pages/2.png")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png" and image.content.startswith(PNG)
    assert anna.get(f"/documents/{pdf}/pages/9.png").status_code == 404
    # A text file has no page images; that is no permission problem.
    text = office.document_id("Technik/Wartung.md")
    assert anna.get(f"/documents/{text}/pages/1.png").status_code == 404
    assert records(office, "permission.denied", "anna") == []


def test_download_gives_the_exact_original(office: Office) -> None:
    anna = office.client("anna")
    pdf = office.document_id(PUBLIC_PDF)
    response = anna.get(f"/documents/{pdf}/download")
    assert response.status_code == 200
    assert response.content == (DATA / "bericht.pdf").read_bytes()
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Wartungsbericht.pdf"')
    # Non-ASCII names survive (RFC 5987) and text keeps its own encoding (no charset added).
    umlaut = office.share / "Technik" / "Prüfplan.txt"
    umlaut.write_bytes("Prüfung der Spindel\n".encode("cp1252"))
    office.web.ww.syncer.sync(office.web.ww.source("share"))
    text = anna.get(f"/documents/{office.document_id('Technik/Prüfplan.txt')}/download")
    assert text.content == umlaut.read_bytes()
    assert text.headers["content-type"] == "text/plain"
    assert "filename*=UTF-8''Pr%C3%BCfplan.txt" in text.headers["content-disposition"]
    [first, second] = records(office, "document.downloaded", "anna")[::-1]
    assert first.object == f"share:{PUBLIC_PDF}" and first.payload["bytes"] == len(response.content)
    assert second.object == "share:Technik/Prüfplan.txt"


def test_a_file_changed_since_indexing_gives_a_friendly_409(office: Office) -> None:
    anna = office.client("anna")
    pdf = office.document_id(PUBLIC_PDF)
    (office.share / PUBLIC_PDF).write_bytes(b"%PDF-1.4 replaced")
    for url in (f"/documents/{pdf}/download", f"/documents/{pdf}/pages/1.png"):
        response = anna.get(url)
        assert response.status_code == 409
        assert "Dokument geändert" in response.text and "nächsten Synchronisierung" in response.text
    assert records(office, "document.downloaded", "anna") == []
    # The indexed text is still there to read.
    assert anna.get(f"/documents/{pdf}").status_code == 200


def test_a_user_without_rights_never_sees_a_restricted_document(office: Office) -> None:
    anna, mia = office.client("anna"), office.client("mia")
    salary, pdf = office.document_id(RESTRICTED_MD), office.document_id(RESTRICTED_PDF)
    guessed = [
        f"/documents/{salary}",
        f"/documents/{salary}?quote=Das+Band&cite=1",
        f"/documents/{salary}/download",
        f"/documents/{pdf}",
        f"/documents/{pdf}/pages/1.png",
        f"/documents/{pdf}/download",
    ]
    # Whoever may read them gets them ...
    for url in guessed:
        assert mia.get(url).status_code == 200, url
    # ... anna gets the same 404 as for a document that does not exist, and each attempt
    # is recorded as a permission denial.
    missing = anna.get("/documents/9999")
    assert missing.status_code == 404
    for url in guessed:
        response = anna.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == missing.headers["content-type"]
        assert "Seite nicht gefunden" in response.text
        for secret in ("Gehaltsb", "Personal", "58.000", "Wartungsbericht"):
            assert secret not in response.text, (url, secret)
    denied = records(office, "permission.denied", "anna")
    assert len(denied) == len(guessed)
    assert {r.outcome for r in denied} == {"denied"}
    assert {r.object for r in denied} == {f"share:{RESTRICTED_MD}", f"share:{RESTRICTED_PDF}"}
    assert {r.payload["action"] for r in denied} == {"view", "page_image", "download"}
    assert records(office, "permission.denied", "mia") == []
    # A document that does not exist is no denial.
    assert all(r.payload["document_id"] in (salary, pdf) for r in denied)
    # Nor do search results or answers show it.
    search = anna.get("/search", params={"q": "Gehaltsband Ingenieure Kilometerpauschale"}).text
    assert "Personal/" not in search and f"/documents/{salary}" not in search
    answer = anna.post(
        "/ask",
        data={"csrf_token": csrf_of(anna.get("/").text), "question": "Gehaltsband Ingenieure?"},
        headers={"accept": "text/event-stream"},
    ).text
    assert "Personal/" not in answer and "58.000" not in answer


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def test_employee_pages_have_no_inline_scripts_or_styles(office: Office) -> None:
    anna = office.client("anna")
    token = csrf_of(anna.get("/").text)
    anna.post("/ask", data={"csrf_token": token, "question": "Wann öffnet die Kantine?"})
    conversation = office.web.ww.store.conversations("anna")[0]
    pdf = office.document_id(PUBLIC_PDF)
    pages = [
        anna.get("/"),
        anna.get(f"/conversations/{conversation.id}"),
        anna.get("/search", params={"q": "Kantine", "type": "text"}),
        anna.get(f"/documents/{pdf}", params={"quote": PAGE_2_QUOTE, "page": "2"}),
        anna.get(f"/documents/{office.document_id(RESTRICTED_MD)}"),
        anna.get("/static/pages.css"),
        anna.get("/static/ask.js"),
        anna.get("/static/viewer.js"),
    ]
    assert [p.status_code for p in pages] == [200, 200, 200, 200, 404, 200, 200, 200]
    for page in pages:
        assert_security_headers(page)
        if page.headers["content-type"].startswith("text/html"):
            assert not INLINE_SCRIPT.search(page.text), page.url
            assert not INLINE_STYLE.search(page.text), page.url
    for name in ("home.html", "_conversation_message.html", "search.html", "document.html"):
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(source) and not INLINE_STYLE.search(source), name
