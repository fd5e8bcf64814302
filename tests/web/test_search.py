"""The search page: results the user may read, snippets with the query terms marked, and the
filters for source, file type and modification date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.employees import OLD_FILE, PUBLIC_PDF, RESTRICTED_MD, Office, open_office
from wissenswerk.store.audit import AuditFilter

RESULT_PATH = re.compile(r'<span class="result-path">([^<]+)</span>')


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    office = open_office(tmp_path)
    archive = tmp_path / "archiv"
    archive.mkdir()
    (archive / "Kilometer_alt.md").write_text(
        "# Archiv\n\nFrüher betrug die Kilometerpauschale 0,25 € je Kilometer.\n",
        encoding="utf-8",
    )
    office.web.ww.add_folder_source("archiv", archive, tmp_path / "acl.csv")
    office.web.ww.syncer.sync(office.web.ww.source("archiv"))
    yield office
    office.web.ww.close()


def paths(client: TestClient, query: str) -> list[str]:
    response = client.get(f"/search?{query}")
    assert response.status_code == 200, response.text
    return RESULT_PATH.findall(response.text)


def test_results_are_the_readable_documents_with_terms_marked(office: Office) -> None:
    anna, mia = office.client("anna"), office.client("mia")
    page = anna.get("/search", params={"q": "Kilometerpauschale"}).text
    found = RESULT_PATH.findall(page)
    assert "Allgemein/Reisekostenrichtlinie_2025.md" in found
    assert "Kilometer_alt.md" in found and PUBLIC_PDF in found
    assert RESTRICTED_MD not in found and "Personal/" not in page
    assert "<mark>Kilometerpauschale</mark>" in page
    newest = office.document_id("Allgemein/Reisekostenrichtlinie_2025.md")
    assert f'href="/documents/{newest}"' in page
    # Each document once, with its best passage.
    assert len(found) == len(set(found))
    # Someone in the group personal finds the restricted document too.
    assert RESTRICTED_MD in paths(mia, "q=Kilometerpauschale")


def test_compound_parts_are_marked(office: Office) -> None:
    page = office.client("anna").get("/search", params={"q": "Pauschale"}).text
    assert "<mark>Kilometerpauschale</mark>" in page


def test_filter_by_source_and_file_type(office: Office) -> None:
    anna = office.client("anna")
    assert paths(anna, "q=Kilometerpauschale&source=archiv") == ["Kilometer_alt.md"]
    share_only = paths(anna, "q=Kilometerpauschale&source=share")
    assert share_only and "Kilometer_alt.md" not in share_only
    assert paths(anna, "q=Kilometerpauschale&type=pdf") == [PUBLIC_PDF]
    texts = paths(anna, "q=Kilometerpauschale&type=text")
    assert texts and all(p.endswith((".md", ".txt")) for p in texts)
    assert paths(anna, "q=Kilometerpauschale&type=excel") == []
    # An unknown source or type is no filter at all.
    assert set(paths(anna, "q=Kilometerpauschale&source=gibtsnicht&type=exe")) == set(
        paths(anna, "q=Kilometerpauschale")
    )


def test_filter_by_modification_date(office: Office) -> None:
    anna = office.client("anna")
    everything = paths(anna, "q=Wartungsintervall")
    assert OLD_FILE in everything and PUBLIC_PDF in everything
    assert paths(anna, "q=Wartungsintervall&to=2024-12-31") == [OLD_FILE]
    newer = paths(anna, "q=Wartungsintervall&from=2025-01-01")
    assert PUBLIC_PDF in newer and OLD_FILE not in newer
    assert paths(anna, "q=Wartungsintervall&from=2024-03-01&to=2024-03-01") == [OLD_FILE]
    # A date that is no date is named and ignored.
    page = anna.get("/search", params={"q": "Wartungsintervall", "from": "gestern"}).text
    assert "„Geändert ab“ ist kein gültiges Datum" in page
    assert set(RESULT_PATH.findall(page)) == set(everything)


def test_searches_are_audited(office: Office) -> None:
    anna = office.client("anna")
    anna.get("/search")  # the empty form searches nothing
    anna.get("/search", params={"q": "Kilometerpauschale", "type": "pdf"})
    records = office.web.ww.audit.events(AuditFilter(kind="search.performed", actor="anna"))
    assert len(records) == 1
    assert records[0].payload == {
        "query": "Kilometerpauschale",
        "filters": {"type": "pdf"},
        "results": 1,
    }


def test_the_form_keeps_the_chosen_filters(office: Office) -> None:
    page = office.client("anna").get(
        "/search",
        params={"q": "Kilometer", "source": "archiv", "type": "text", "from": "2020-01-02"},
    )
    assert '<option value="archiv" selected>' in page.text
    assert '<option value="text" selected>' in page.text
    assert 'value="2020-01-02"' in page.text
    assert 'href="/search?q=Kilometer"' in page.text  # clear the filters
