from __future__ import annotations

import pytest

from wissenswerk.core.documents import BlockKind
from wissenswerk.parsing.tables import looks_like_header, render_row, split_header, table_blocks


def test_render_row_names_every_value():
    assert render_row(["Artikel", "Preis"], ["Schraube M8", "0,12"]) == (
        "Artikel: Schraube M8 | Preis: 0,12"
    )
    assert render_row(["Artikel", "", "Preis"], ["Mutter", "x", ""]) == "Artikel: Mutter | x"
    assert render_row(None, ["a", " b\nc "]) == "a | b c"
    assert render_row(["A"], ["1", "2"]) == "A: 1 | 2"  # more cells than headers


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["Artikel", "Preis"], True),
        (["4711", "12,50"], False),
        (["Name", "2024"], False),
        (["", ""], False),
    ],
)
def test_looks_like_header(row, expected):
    assert looks_like_header(row) is expected


def test_split_header_needs_data_rows():
    assert split_header([["Name"]]) == (None, [["Name"]])
    assert split_header([["Name"], ["Weber"]]) == (["Name"], [["Weber"]])


def test_table_blocks_split_and_repeat_the_header():
    rows = [[f"Teil {i}", str(i)] for i in range(5)] + [["", ""]]

    blocks = table_blocks(rows, header=["Teil", "Nr"], heading_path=("Lager",), rows_per_block=2)

    assert [b.text.count("\n") + 1 for b in blocks] == [2, 2, 1]
    assert all(b.kind is BlockKind.TABLE for b in blocks)
    assert {(b.header, b.heading_path) for b in blocks} == {("Teil | Nr", ("Lager",))}
    assert blocks[2].text == "Teil: Teil 4 | Nr: 4"
