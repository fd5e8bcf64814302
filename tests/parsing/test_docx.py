from __future__ import annotations

import io
import zipfile

import docx
import pytest

from wissenswerk.core.documents import BlockKind
from wissenswerk.core.errors import ParseError


def test_title_from_core_properties(parse_sample):
    assert parse_sample("handbuch.docx").title == "Betriebshandbuch Fräsmaschine FM-200"


def test_headings_with_levels_in_document_order(parse_sample):
    doc = parse_sample("handbuch.docx")

    headings = [(b.level, b.text) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        (1, "Betriebshandbuch FM-200"),  # "Title" style
        (1, "Wartung"),  # "Heading 1"
        (2, "Wartungsintervall"),  # "Heading 2"
        (1, "Urlaubsantrag und Schichtplanung"),  # custom style based on "Heading 1"
        (2, "Fristen"),  # style named "Überschrift 2"
    ]


def test_blocks_carry_their_heading_path(parse_sample):
    doc = parse_sample("handbuch.docx")
    by_text = {b.text: b for b in doc.blocks}

    interval = next(b for b in doc.blocks if b.text.startswith("Das Wartungsintervall"))
    assert interval.heading_path == ("Wartung", "Wartungsintervall")
    assert by_text["Wartungsintervall"].heading_path == ("Wartung",)
    deadline = by_text["Anträge für den Sommer bis zum 31. März einreichen."]
    assert deadline.heading_path == ("Urlaubsantrag und Schichtplanung", "Fristen")


def test_table_rows_carry_the_header(parse_sample):
    doc = parse_sample("handbuch.docx")

    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    assert table.header == "Bauteil | Intervall | Verantwortlich"
    assert table.heading_path == ("Wartung", "Wartungsintervall")
    assert table.text.splitlines() == [
        "Bauteil: Spindellager | Intervall: 500 Betriebsstunden | Verantwortlich: Instandhaltung",
        "Bauteil: Kühlmittelfilter | Intervall: wöchentlich | Verantwortlich: Maschinenbediener",
        "Bauteil: Führungsbahnen | Intervall: monatlich | Verantwortlich: Instandhaltung",
        # one cell merged across the row: its text once, not three times
        "Bauteil: Elektrische Prüfung nach DGUV V3: jährlich",
    ]


def test_truncated_docx_is_a_clear_error(parse_sample):
    with pytest.raises(ParseError, match=r"abgeschnitten\.docx: not a valid DOCX \(truncated"):
        parse_sample("abgeschnitten.docx")


def test_zip_that_is_not_a_word_document(registry):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/readme.txt", "kein Dokument")

    with pytest.raises(ParseError, match="not a valid DOCX"):
        registry.parse_bytes(buffer.getvalue(), "leer.docx")


def test_document_without_core_title_uses_title_paragraph(registry):
    document = docx.Document()
    document.core_properties.title = ""
    document.add_paragraph("Protokoll der Betriebsversammlung", style="Title")
    document.add_paragraph("Beginn 14:00 Uhr.")
    buffer = io.BytesIO()
    document.save(buffer)

    doc = registry.parse_bytes(buffer.getvalue(), "protokoll.docx")

    assert doc.title == "Protokoll der Betriebsversammlung"
    assert doc.blocks[-1].heading_path == ("Protokoll der Betriebsversammlung",)
