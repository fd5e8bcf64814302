"""CSV and TSV files: rows rendered with their column headers, like spreadsheet sheets.

German Excel writes CSV with ";" because "," is the decimal separator, so "0,12" must not be
split. csv.Sniffer guesses wrong on exactly such files; instead every candidate delimiter is
tried and the one that gives the most consistent column count wins.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.tables import split_header, table_blocks
from wissenswerk.parsing.text import decode_text, looks_binary

_DELIMITERS = (";", ",", "\t", "|")  # ties go to the earlier one
_SAMPLE_LINES = 50


def detect_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:_SAMPLE_LINES])
    best = (0.0, 0, _DELIMITERS[0])
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        if not counts:
            continue
        columns, frequency = Counter(counts).most_common(1)[0]
        if columns < 2:
            continue
        score = (frequency / len(counts), columns, delimiter)
        if score[:2] > best[:2]:
            best = score
    return best[2]


class CsvParser:
    name: str = "csv"
    extensions: tuple[str, ...] = (".csv", ".tsv")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        text, encoding = decode_text(data)
        if looks_binary(text):
            raise ParseError(filename, "binary content, not a CSV file")
        try:
            delimiter = "\t" if filename.lower().endswith(".tsv") else detect_delimiter(text)
            rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(row)]
        except csv.Error as exc:
            if "field limit" in str(exc):
                # Typically an unclosed quote that swallows the rest of the file.
                raise ParseError(
                    filename,
                    f"a CSV field is longer than {csv.field_size_limit()} characters "
                    "(an unclosed quote?); not a regular CSV file",
                ) from exc
            raise ParseError(filename, f"malformed CSV: {exc}") from exc
        header, body = split_header(rows)
        return ParsedDocument(
            blocks=table_blocks(body, header=header),
            metadata={"encoding": encoding, "delimiter": delimiter},
        )
