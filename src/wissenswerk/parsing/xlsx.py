"""Excel workbooks (XLSX) via openpyxl: every sheet as table rows with their column headers.

Read-only mode streams rows, so large sheets do not build a cell object graph in memory, and
``data_only=True`` returns the values Excel calculated and cached, not the formulas: users
search for "1.234,50", never for "=SUMME(B2:B9)". Numbers and dates are written the way a
German Excel shows them ("0,12", "31.12.2024"), since that is how people type them.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.parsing.base import ParseContext
from wissenswerk.parsing.ooxml import PACKAGE_ERRORS, check_package, corrupt
from wissenswerk.parsing.tables import ROWS_PER_BLOCK, looks_like_header, table_blocks

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

_DECIMALS = re.compile(r"0\.(0+)")
# A currency or unit written after the digits: '"€"', '[$€-407]' or a bare € sign.
_UNIT = re.compile(r'(?:0|#)[^"\[€]*(?:"([^"]+)"|\[\$([^\]-]+)[^\]]*\]|(€))')
# ValueError, TypeError, AttributeError: package parts missing or of the wrong kind;
# ElementTree's ParseError: openpyxl reads some parts with the standard library's XML parser;
# OSError: "File contains no valid workbook part"; IndexError: a cell that points past the
# shared strings table.
_READ_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    IndexError,
    TypeError,
    OSError,
    ElementTree.ParseError,
    *PACKAGE_ERRORS,
)
_LOAD_ERRORS: tuple[type[Exception], ...] = (InvalidFileException, AttributeError, *_READ_ERRORS)


class XlsxParser:
    name: str = "xlsx"
    extensions: tuple[str, ...] = (".xlsx", ".xlsm")

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        check_package(data, filename, ctx, "XLSX")
        # openpyxl warns about features it drops (data validation, conditional formats); they
        # do not matter for text, but the user should see them rather than the log.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            except _LOAD_ERRORS as exc:
                raise corrupt(filename, "XLSX", exc) from exc
            try:
                doc = ParsedDocument(title=(workbook.properties.title or "").strip() or None)
                for sheet in workbook.worksheets:
                    doc.blocks.extend(_sheet_blocks(sheet))
            except _READ_ERRORS as exc:  # sheets are read lazily, row by row
                raise corrupt(filename, "XLSX", exc) from exc
            finally:
                workbook.close()
        doc.warnings.extend(sorted({str(w.message) for w in caught}))
        return doc


def _sheet_blocks(sheet: ReadOnlyWorksheet) -> list[Block]:
    # Some writers store a wrong used range; trusting it would cut rows off or pad millions.
    sheet.reset_dimensions()
    rows = _rows(sheet)
    path = (sheet.title,)
    blocks: list[Block] = []
    first = next(rows, None)
    # Lists often start with a caption line above the header ("Preisliste, Stand 01/2024");
    # it describes the sheet and must not become the column name of the first column.
    while first is not None and _filled(first) == 1:
        following = next(rows, None)
        if following is None or _filled(following) < 2:
            rows = itertools.chain([following] if following else [], rows)
            break
        blocks.append(Block(_text_of(first), heading_path=path))
        first = following
    if first is None:
        return blocks
    header = first if looks_like_header(first) else None
    batch: list[list[str]] = [] if header else [first]
    data_rows = len(batch)
    for row in rows:
        batch.append(row)
        data_rows += 1
        if len(batch) == ROWS_PER_BLOCK:
            blocks.extend(table_blocks(batch, header=header, heading_path=path))
            batch = []
    if batch:
        blocks.extend(table_blocks(batch, header=header, heading_path=path))
    elif not data_rows:
        # A sheet that holds only its header row still shows what the sheet is about.
        blocks.extend(table_blocks([first], header=None, heading_path=path))
    return blocks


def _filled(row: list[str]) -> int:
    return sum(1 for value in row if value)


def _text_of(row: list[str]) -> str:
    return " ".join(value for value in row if value)


def _rows(sheet: ReadOnlyWorksheet) -> Iterator[list[str]]:
    for row in sheet.iter_rows():
        values = [format_cell(cell.value, _number_format(cell)) for cell in row]
        if any(values):
            yield values


def _number_format(cell: Any) -> str | None:
    try:
        return str(cell.number_format)
    except IndexError:  # a style index beyond the workbook's style table: show it plainly
        return None


def format_cell(value: object, number_format: str | None = None) -> str:
    """A cell as German Excel displays it: "4.850,00 €", "19%", "31.12.2024"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "WAHR" if value else "FALSCH"
    if isinstance(value, int | float):
        return _format_number(float(value), number_format or "General")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _format_number(value: float, number_format: str) -> str:
    # Only the positive section matters for display of the value's digits; the format
    # codes use US notation (',' groups thousands, '.' marks decimals).
    section = number_format.split(";")[0]
    percent = "%" in section
    if percent:
        value *= 100
    match = _DECIMALS.search(section)
    if match:
        decimals: int | None = len(match.group(1))
    elif "0" in section:
        decimals = 0  # "0" or "0%": Excel rounds to whole numbers
    else:
        decimals = None  # General
    if decimals is None:
        text = f"{value:.15g}"  # hide binary noise like 0.30000000000000004
        if "e" not in text and float(text).is_integer():
            text = str(int(float(text)))
    elif "#,##" in section or "0,0" in section:
        text = f"{value:,.{decimals}f}"
    else:
        text = f"{value:.{decimals}f}"
    # Swap to German separators: 1,234.5 -> 1.234,5
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    unit = _UNIT.search(section)
    suffix = " " + (unit.group(1) or unit.group(2) or unit.group(3)).strip() if unit else ""
    return text + ("%" if percent else "") + suffix
