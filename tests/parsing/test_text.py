from __future__ import annotations

import codecs

import pytest

from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.text import decode_text, split_paragraphs

GERMAN = "Größe, Übergabe, Maßnahme"
EXPECTED_PARAGRAPHS = [
    "Notiz zur Übergabe der Fräsmaschine FM-200",
    "Größe, Übergabe, Maßnahme: Die Übergabe an die Spätschicht erfolgt um 14:00 Uhr.\n"
    "Offene Maßnahmen stehen im Schichtbuch.",
    "Rückfragen an Jörg Weber (Durchwahl 12).",
]


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("notiz_utf8.txt", "utf-8"),
        ("notiz_utf16.txt", "utf-16-le"),
        ("notiz_cp1252.txt", "cp1252"),
    ],
)
def test_sample_files_in_three_encodings(parse_sample, name, encoding):
    doc = parse_sample(name)

    assert doc.metadata["encoding"] == encoding
    assert [b.text for b in doc.blocks] == EXPECTED_PARAGRAPHS


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (GERMAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + GERMAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + GERMAN.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + GERMAN.encode("utf-16-be"), "utf-16-be"),
        (GERMAN.encode("utf-16-le"), "utf-16-le"),  # no BOM
        (GERMAN.encode("utf-16-be"), "utf-16-be"),
        (GERMAN.encode("cp1252"), "cp1252"),
        (GERMAN.encode("cp850"), "cp850"),  # DOS / ERP exports
        ("Preis: 12 €".encode("cp1252"), "cp1252"),
    ],
)
def test_decode_text(data, encoding):
    text, detected = decode_text(data)

    assert detected == encoding
    assert text.startswith(GERMAN[:5]) or text == "Preis: 12 €"
    assert "\ufeff" not in text


def test_non_german_single_byte_text_falls_back_to_the_detector():
    russian = "Привет, это обычный текст на русском языке для проверки.".encode("cp1251")

    text, encoding = decode_text(russian)

    assert text.startswith("Привет")
    assert encoding == "cp1251"


def test_paragraphs_split_at_blank_lines_with_any_line_endings():
    assert split_paragraphs("eins\r\nzwei\r\n\r\n \r\ndrei\rvier") == ["eins\nzwei", "drei\nvier"]


def test_binary_data_named_txt_is_rejected(registry):
    with pytest.raises(ParseError, match=r"bild\.txt: binary content, not a text file"):
        registry.parse_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(1, 31)) * 10, "bild.txt")


def test_empty_text_file_has_no_blocks(registry):
    assert registry.parse_bytes(b"", "leer.txt").blocks == []
