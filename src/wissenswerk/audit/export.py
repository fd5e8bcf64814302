"""CSV export of the audit log, streamed line by line, ready for (German) Excel.

Defaults fit German Excel: ``;`` between cells (the comma is the decimal separator there) and a
UTF-8 byte order mark so umlauts are not read as Latin-1. Cells that a spreadsheet would run as
a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) get a leading apostrophe: an actor
name or a question text must never execute on the auditor's machine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from wissenswerk.store.audit import AuditFilter, AuditRecord, AuditStore, format_at

HEADER = ("id", "time", "actor", "kind", "object", "outcome", "ip", "details", "hash")
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet shows instead of evaluating."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def record_row(record: AuditRecord) -> list[str]:
    details = json.dumps(record.payload, ensure_ascii=False, sort_keys=True, default=str)
    cells = [
        format_at(record.at),
        record.actor or "",
        record.kind,
        record.object or "",
        record.outcome or "",
        record.ip or "",
        details,
        record.hash or "",
    ]
    return [str(record.id), *(neutralise(c) for c in cells)]


def export_csv(
    store: AuditStore,
    filter: AuditFilter | None = None,
    *,
    delimiter: str = ";",
    bom: bool = True,
) -> Iterator[str]:
    """Yield the CSV text of the matching records, oldest first: the header line first (with
    the BOM in front when ``bom``), then one line per record. Encode each piece as UTF-8."""
    if len(delimiter) != 1 or delimiter in "\"'\r\n" or delimiter.isalnum():
        raise ValueError(
            f"The CSV delimiter must be one punctuation character such as ';' or ',', "
            f"got {delimiter!r}."
        )
    return _lines(store, filter, delimiter, bom)


def _lines(
    store: AuditStore, filter: AuditFilter | None, delimiter: str, bom: bool
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

    def line(cells: list[str] | tuple[str, ...]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield (BOM if bom else "") + line(HEADER)
    for record in store.iter_audit_events(filter):
        yield line(record_row(record))
