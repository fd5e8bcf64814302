from __future__ import annotations

import io
import zipfile

import pytest

from wissenswerk.core.documents import BlockKind
from wissenswerk.core.errors import ParseError


def test_slides_are_pages_with_title_headings(parse_sample):
    doc = parse_sample("schulung.pptx")

    assert doc.title == "Schulung Arbeitssicherheit 2024"
    assert doc.metadata["slides"] == "4"
    headings = [(b.page, b.text) for b in doc.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        (1, "Schulung Arbeitssicherheit"),
        (2, "Persönliche Schutzausrüstung"),
        (3, "Prüffristen"),
    ]
    bullets = next(b for b in doc.blocks if b.text.startswith("Sicherheitsschuhe"))
    assert bullets.page == 2
    assert bullets.heading_path == ("Persönliche Schutzausrüstung",)
    assert bullets.text.splitlines()[2] == "Gehörschutz ab 85 dB(A)"


def test_speaker_notes_are_marked(parse_sample):
    doc = parse_sample("schulung.pptx")

    notes = [b for b in doc.blocks if b.heading_path[-1:] == ("Notizen",)]
    assert [(b.page, b.heading_path) for b in notes] == [
        (1, ("Schulung Arbeitssicherheit", "Notizen")),
        (2, ("Persönliche Schutzausrüstung", "Notizen")),
    ]
    assert "kostenlos an der Ausgabe im Lager" in notes[1].text


def test_tables_and_grouped_shapes(parse_sample):
    doc = parse_sample("schulung.pptx")

    (table,) = [b for b in doc.blocks if b.kind is BlockKind.TABLE]
    assert table.page == 3
    assert table.header == "Gerät | Prüffrist"
    assert (
        table.text
        == "Gerät: Leiter | Prüffrist: jährlich\nGerät: Feuerlöscher | Prüffrist: alle 2 Jahre"
    )
    grouped = [b for b in doc.blocks if b.page == 4]
    assert [b.text for b in grouped] == ["Notruf: 112 – Ersthelfer: Halle 3"]
    assert grouped[0].heading_path == ()


def test_broken_presentation_is_a_clear_error(registry):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")  # broken XML
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")

    with pytest.raises(ParseError, match=r"folien\.pptx: not a valid PPTX"):
        registry.parse_bytes(buffer.getvalue(), "folien.pptx")
