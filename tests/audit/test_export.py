"""CSV export: German Excel defaults, formula guard, umlauts, streaming in id order."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from wissenswerk.audit import AuditFilter, export_csv
from wissenswerk.audit.export import HEADER
from wissenswerk.store.sqlite.store import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path)
    yield s
    s.close()


def as_bytes(lines: Iterator[str]) -> bytes:
    return "".join(lines).encode("utf-8")


def parse(data: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_defaults_suit_german_excel(store: SQLiteStore) -> None:
    event_id = store.add_event(
        "question.asked",
        "jürgen",
        {"question": "Wie hoch ist die Übernachtungspauschale; in €?"},
        object="conversation:7",
        outcome="success",
        ip="192.168.0.5",
    )
    data = as_bytes(export_csv(store))
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM tells Excel it is UTF-8
    header, row = parse(data)
    assert header == list(HEADER)
    assert (
        data.split(b"\r\n")[0] == b"\xef\xbb\xbfid;time;actor;kind;object;outcome;ip;details;hash"
    )
    (record,) = store.audit_events()
    assert row == [
        str(event_id),
        row[1],
        "jürgen",
        "question.asked",
        "conversation:7",
        "success",
        "192.168.0.5",
        '{"question": "Wie hoch ist die Übernachtungspauschale; in €?"}',
        record.hash,
    ]
    assert row[1].endswith("Z")
    assert (
        row[1] == record.at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{record.at.microsecond // 1000:03d}Z"
    )


def test_comma_and_no_bom_on_request(store: SQLiteStore) -> None:
    store.add_event("logout", "anna", {"a": 1, "b": 2})
    data = as_bytes(export_csv(store, delimiter=",", bom=False))
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.startswith(b"id,time,actor,")
    rows = parse(data, ",")
    assert rows[1][7] == '{"a": 1, "b": 2}'


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_cells_that_look_like_formulas_are_defused(store: SQLiteStore, evil: str) -> None:
    store.add_event("login.failure", evil, {}, object=evil, ip=evil)
    _, row = parse(as_bytes(export_csv(store)))
    assert row[2] == row[4] == row[6] == "'" + evil
    assert row[3] == "login.failure"


def test_filter_applies_and_rows_are_oldest_first(store: SQLiteStore) -> None:
    for i in range(7):
        store.add_event("login.success" if i % 2 else "question.asked", "anna", {"n": i})
    rows = parse(as_bytes(export_csv(store, AuditFilter(kind="login."))))[1:]
    assert [r[7] for r in rows] == ['{"n": 1}', '{"n": 3}', '{"n": 5}']
    assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)


def test_export_streams_one_line_per_record(store: SQLiteStore) -> None:
    for i in range(1200):  # more than one batch of the store's iterator
        store.add_event("search.performed", "anna", {"n": i})
    lines = export_csv(store)
    header = next(lines)
    assert header.startswith("\ufeffid;")
    first = next(lines)
    assert first.endswith("\r\n") and first.count("\r\n") == 1
    rest = list(lines)
    assert len(rest) == 1199
    assert '{""n"": 1199}' in rest[-1]


@pytest.mark.parametrize("delimiter", ["", ";;", "a", '"', "\n"])
def test_unusable_delimiters_are_refused(store: SQLiteStore, delimiter: str) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        export_csv(store, delimiter=delimiter)
