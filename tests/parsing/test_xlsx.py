from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from wissenswerk.core.documents import BlockKind
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.xlsx import format_cell


def test_every_sheet_is_a_heading_path_with_table_blocks(parse_sample):
    doc = parse_sample("preise.xlsx")

    assert doc.title == "Preisliste 2024"
    assert {b.heading_path for b in doc.blocks} == {("Preisliste",), ("Lager",)}
    assert all(b.kind is BlockKind.TABLE for b in doc.blocks)


def test_rows_are_rendered_with_their_column_headers(parse_sample):
    doc = parse_sample("preise.xlsx")

    (prices,) = [b for b in doc.blocks if b.heading_path == ("Preisliste",)]
    assert prices.header == "Artikel | Preis | Menge | Summe"
    assert (
        "Artikel: Schraube M8 | Preis: 0,12 | Menge: 500 | Summe: 60,00" in prices.text.splitlines()
    )


def test_formulas_give_their_cached_values_not_the_formula(parse_sample):
    doc = parse_sample("preise.xlsx")

    assert "Artikel: Gesamt | Summe: 105,00" in doc.text.splitlines()
    assert "SUM" not in doc.text
    assert "=B2" not in doc.text


def test_big_sheet_is_split_into_blocks_that_each_repeat_the_header(parse_sample):
    doc = parse_sample("preise.xlsx")

    stock = [b for b in doc.blocks if b.heading_path == ("Lager",)]
    assert [len(b.text.splitlines()) for b in stock] == [50, 50, 20]
    assert {b.header for b in stock} == {"Lagerplatz | Artikel | Bestand | Letzte Inventur"}
    assert stock[2].text.splitlines()[-1] == (
        "Lagerplatz: R12-F10 | Artikel: Artikel 120 | Bestand: 153 | Letzte Inventur: 30.04.2024"
    )


def test_formula_without_cached_value_does_not_leak_the_formula(registry):
    # openpyxl (and other non-Excel writers) store formulas without a computed value.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Kalkulation"
    sheet.append(["Posten", "Betrag"])
    sheet.append(["Material", 120.5])
    sheet.append(["Summe", "=SUM(B2:B2)"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    doc = registry.parse_bytes(buffer.getvalue(), "kalkulation.xlsx")

    assert doc.blocks[0].text.splitlines() == ["Posten: Material | Betrag: 120,5", "Posten: Summe"]


def test_sheet_without_header_row_renders_plain_values(registry):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([1, 2.5])
    sheet.append([3, 4])
    buffer = io.BytesIO()
    workbook.save(buffer)

    doc = registry.parse_bytes(buffer.getvalue(), "zahlen.xlsx")

    assert doc.blocks[0].header is None
    assert doc.blocks[0].text.splitlines() == ["1 | 2,5", "3 | 4"]


def test_caption_line_above_the_header_is_text_not_a_column_name(registry):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Telefonliste"
    sheet.append(["Telefonliste Werk Heilbronn, Stand 01/2024"])
    sheet.append([])
    sheet.append(["Name", "Durchwahl"])
    sheet.append(["Jörg Weber", 12])
    second = workbook.create_sheet("Nur Kopf")
    second.append(["Name", "Durchwahl"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    doc = registry.parse_bytes(buffer.getvalue(), "telefon.xlsx")

    assert [(b.kind, b.text, b.header) for b in doc.blocks] == [
        (BlockKind.TEXT, "Telefonliste Werk Heilbronn, Stand 01/2024", None),
        (BlockKind.TABLE, "Name: Jörg Weber | Durchwahl: 12", "Name | Durchwahl"),
        (BlockKind.TABLE, "Name | Durchwahl", None),
    ]
    assert doc.blocks[-1].heading_path == ("Nur Kopf",)


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        (None, None, ""),
        (True, None, "WAHR"),
        (42, None, "42"),
        (0.1 + 0.2, "General", "0,3"),
        (1250.5, "#,##0.00", "1.250,50"),
        (4850, '#,##0.00 "€"', "4.850,00 €"),
        (4850.0, "#,##0.00 [$€-407]", "4.850,00 €"),
        (1234567.891, "0.00", "1234567,89"),
        (3.0, "General", "3"),
        (0.19, "0%", "19%"),
        (0.075, "0.0%", "7,5%"),
        (dt.datetime(2024, 12, 31), "dd.mm.yyyy", "31.12.2024"),
        (dt.datetime(2024, 12, 31, 8, 30), None, "31.12.2024 08:30"),
        (dt.date(2024, 2, 29), None, "29.02.2024"),
        (dt.time(7, 45), None, "07:45"),
        ("  Schraube M8 ", None, "Schraube M8"),
    ],
)
def test_cells_look_like_german_excel(value, number_format, expected):
    assert format_cell(value, number_format) == expected


def test_corrupt_workbook_is_a_clear_error(registry, sample_bytes):
    data = sample_bytes("preise.xlsx")

    with pytest.raises(ParseError, match=r"preise\.xlsx: not a valid XLSX"):
        registry.parse_bytes(data[:4000], "preise.xlsx")
