from __future__ import annotations

import pytest

from wissenswerk.core.documents import BlockKind
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.csv import detect_delimiter


def test_german_excel_csv_with_semicolons_and_cp1252(parse_sample):
    doc = parse_sample("reisekosten.csv")

    assert doc.metadata == {"encoding": "cp1252", "delimiter": ";", "parser": "csv"}
    (table,) = doc.blocks
    assert table.kind is BlockKind.TABLE
    assert table.header == "Datum | Mitarbeiter | Reiseziel | Kilometer | Betrag"
    assert table.text.splitlines()[1] == (
        "Datum: 05.03.2024 | Mitarbeiter: Anna Schmidt | Reiseziel: München | Kilometer: 245 "
        "| Betrag: 73,50"
    )


def test_comma_csv_with_quoted_fields(parse_sample):
    doc = parse_sample("kontakte.csv")

    assert doc.metadata["delimiter"] == ","
    assert doc.blocks[0].text.splitlines()[0] == (
        "Name: Jörg Weber | Abteilung: Instandhaltung | Telefon: 07131 4711-12 "
        "| Notiz: Bereitschaft, Wochenende"
    )


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("Artikel;Preis\nSchraube M8;0,12\nMutter M8;0,05\n", ";"),  # decimal commas
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\n1\t2\n", "\t"),
        ("nur eine Spalte\nohne Trenner\n", ";"),
    ],
)
def test_delimiter_detection(sample, expected):
    assert detect_delimiter(sample) == expected


def test_csv_without_header_row(registry):
    doc = registry.parse_bytes(b"4711;12,50\n4712;3,10\n", "export.csv")

    assert doc.blocks[0].header is None
    assert doc.blocks[0].text == "4711 | 12,50\n4712 | 3,10"


def test_binary_file_named_csv_is_rejected(registry):
    with pytest.raises(ParseError, match="binary content"):
        registry.parse_bytes(bytes(range(32)) * 20, "daten.csv")
