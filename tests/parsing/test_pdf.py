from __future__ import annotations

import pytest

from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.pdf import _needs_ocr, _paragraphs


def test_text_per_page_with_page_numbers(parse_sample):
    doc = parse_sample("bericht.pdf")

    assert doc.title == "Wartungsbericht Fräsmaschine FM-200"
    assert doc.metadata["pages"] == "3"
    assert {b.page for b in doc.blocks} == {1, 2, 3}
    page_one = "\n".join(b.text for b in doc.blocks if b.page == 1)
    assert "Das Wartungsintervall für die Spindel beträgt 500 Betriebsstunden." in page_one
    assert "Größe, Übergabe, Maßnahme" in page_one
    page_three = [b.text for b in doc.blocks if b.page == 3]
    assert any("0,30 Euro je gefahrenem Kilometer" in text for text in page_three)
    assert doc.needs_ocr_pages == []


def test_paragraphs_are_split_at_wide_line_gaps(parse_sample):
    doc = parse_sample("bericht.pdf")

    page_one = [b.text for b in doc.blocks if b.page == 1]
    assert page_one == [
        "Wartungsbericht Fräsmaschine FM-200\nMüller Maschinenbau GmbH, Werk Heilbronn",
        "Das Wartungsintervall für die Spindel beträgt 500 Betriebsstunden.\n"
        "Bei Dauerbetrieb im Dreischichtsystem ist die Wartung monatlich fällig.",
        "Größe, Übergabe, Maßnahme: alle Arbeiten werden im Wartungsbuch\n"
        "mit Datum und Unterschrift dokumentiert.",
    ]
    # Two lines with a blank line between them: no other line pitch to compare with.
    assert next(b.text for b in doc.blocks if b.page == 3) == (
        "Seite 3: Reisekosten für Serviceeinsätze"
    )


def test_scanned_page_is_listed_for_ocr_and_blank_page_is_not(parse_sample):
    doc = parse_sample("scan.pdf")

    assert doc.needs_ocr_pages == [2]  # page 3 is blank: nothing to recognise
    assert doc.needs_ocr
    assert {b.page for b in doc.blocks} == {1}
    assert "Lieferschein 4711" in doc.text


def test_encrypted_pdf_is_a_clear_error(registry, sample_bytes):
    with pytest.raises(ParseError) as error:
        registry.parse_bytes(sample_bytes("verschluesselt.pdf"), "gehaelter.pdf")

    assert error.value.reason == "encrypted PDF, password required"
    assert "gehaelter.pdf" in str(error.value)


def test_corrupt_pdf_is_a_clear_error(parse_sample):
    with pytest.raises(ParseError, match=r"kaputt\.pdf: not a valid PDF \(truncated or corrupt\)"):
        parse_sample("kaputt.pdf")


def test_truncated_pdf_is_a_clear_error(registry, sample_bytes):
    data = sample_bytes("bericht.pdf")

    with pytest.raises(ParseError, match="not a valid PDF"):
        registry.parse_bytes(data[: len(data) // 2], "halb.pdf")


def test_paragraph_fallback_when_geometry_does_not_match_text():
    assert _paragraphs("eins\nzwei\ndrei", [(700.0, 10.0)]) == ["eins\nzwei\ndrei"]
    assert _paragraphs(" \n ", []) == []


@pytest.mark.parametrize(
    ("text", "has_images", "expected"),
    [
        ("", False, False),  # blank page
        ("", True, True),  # scan
        ("Seite 3", True, True),  # a stamped page number on a scan
        ("Ein ganzer Absatz mit echtem Text auf der Seite.", True, False),  # text with a logo
        ("\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd ab", False, True),  # unmapped glyphs
    ],
)
def test_needs_ocr_rules(text, has_images, expected):
    assert _needs_ocr([text] if text else [], has_images) is expected
