"""The SQL source against a real PostgreSQL server (tests/servers/postgres.py) and SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_app
from tests.servers.postgres import PostgresServer, postgres_server
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.base import SourceContext
from wissenswerk.sources.sql import SqlSource, _database_url, parse_options

__all__ = ["postgres_server"]  # the fixture, imported for pytest

CRM_ROWS = [
    (
        1001,
        "Müller Maschinenbau GmbH",
        "Göppingen",
        "Jürgen Weiß",
        "1250000.50",
        "Rahmenvertrag für Getriebe der Baureihe HX verlängert.",
        "vertrieb;geschaeftsfuehrung",
    ),
    (
        1002,
        "Bäckerei Schröder KG",
        "Lüneburg",
        "Anna Öztürk",
        "48000",
        "Will einen Wartungsvertrag.",
        "vertrieb",
    ),
    (
        1003,
        "Kranich GmbH",
        "Köln",
        "Dr. Sören Groß",
        None,
        "Übernahmegespräche (Projekt Falke).",
        "geschaeftsfuehrung",
    ),
    (1004, "Ohne Rechte AG", "Hamm", "Eva Klein", "10", "Niemand darf das lesen.", None),
]

QUERY = (
    "SELECT kundennr, firma, ort, ansprechpartner, umsatz, notizen, berechtigung, geaendert "
    "FROM kunden"
)
TEXT = "Ansprechpartner: {ansprechpartner}\n\nUmsatz: {umsatz:,.2f} €\n\n## Notizen\n\n{notizen}"


@pytest.fixture
def crm(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A fresh ``kunden`` table in the database ``crm``."""
    admin = postgres_server.connect()
    try:
        if not admin.run("SELECT 1 FROM pg_database WHERE datname = 'crm'"):
            admin.run("CREATE DATABASE crm")
    finally:
        admin.close()
    db = postgres_server.connect("crm")
    try:
        db.run("DROP TABLE IF EXISTS kunden")
        db.run("DROP SEQUENCE IF EXISTS zaehler")
        db.run("CREATE SEQUENCE zaehler")
        db.run(
            "CREATE TABLE kunden (kundennr integer PRIMARY KEY, firma text NOT NULL, ort text, "
            "ansprechpartner text, umsatz numeric(12, 2), notizen text, berechtigung text, "
            "geaendert timestamptz NOT NULL DEFAULT '2025-02-03 10:00:00+01')"
        )
        for row in CRM_ROWS:
            db.run(
                "INSERT INTO kunden VALUES (:n, :f, :o, :a, CAST(:u AS numeric), :t, :b)",
                n=row[0], f=row[1], o=row[2], a=row[3], u=row[4], t=row[5], b=row[6],
            )  # fmt: skip
    finally:
        db.close()
    yield postgres_server


def execute(server: PostgresServer, sql: str) -> list[Any]:
    db = server.connect("crm")
    try:
        return list(db.run(sql) or [])
    finally:
        db.close()


def pg_source(
    server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    **options: Any,
) -> SqlSource:
    monkeypatch.setenv("CRM_PASSWORD", server.password)
    opts: dict[str, Any] = {
        "url": f"postgresql://{server.user}@{server.host}:{server.port}/crm",
        "password_env": "CRM_PASSWORD",
        "query": QUERY,
        "id_column": "kundennr",
        "title_template": "{firma} ({ort})",
        "text_template": TEXT,
        "updated_column": "geaendert",
        "permission_column": "berechtigung",
        "readers": ["user:admin"],
        "url_template": "https://crm.firma.local/kunden/{kundennr}",
        "folder": "Kunden",
        **options,
    }
    config = SourceConfig("crm", "sql", "", options=opts)
    return SqlSource(config, SourceContext(data_dir=tmp_path / "data", timeout_s=10))


def listed(source: SqlSource) -> dict[str, SourceItem]:
    return {item.path: item for item in source.list_items()}


def test_rows_become_markdown_documents_with_permissions(
    crm: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = pg_source(crm, tmp_path, monkeypatch)
    items = listed(source)
    assert set(items) == {f"Kunden/{n}.md" for n in (1001, 1002, 1003, 1004)}
    mueller = items["Kunden/1001.md"]
    assert mueller.title == "Müller Maschinenbau GmbH (Göppingen)"
    assert mueller.acl == {"group:vertrieb", "group:geschaeftsfuehrung", "user:admin"}
    assert mueller.url == "https://crm.firma.local/kunden/1001"
    assert mueller.modified is not None and mueller.modified.hour == 9  # 10:00+01 in UTC
    assert mueller.mtime_ns == int(mueller.modified.timestamp()) * 1_000_000_000
    assert source.read(mueller).decode("utf-8") == (
        "# Müller Maschinenbau GmbH (Göppingen)\n\nAnsprechpartner: Jürgen Weiß\n\n"
        "Umsatz: 1,250,000.50 €\n\n## Notizen\n\n"
        "Rahmenvertrag für Getriebe der Baureihe HX verlängert.\n"
    )
    assert mueller.size == len(source.read(mueller))
    # NULL renders as nothing, also under a format spec.
    kranich = source.read(items["Kunden/1003.md"]).decode("utf-8")
    assert "Umsatz:  €" in kranich
    assert items["Kunden/1003.md"].acl == {"group:geschaeftsfuehrung", "user:admin"}
    # A row whose permission cell is empty is readable only by the fixed readers.
    assert items["Kunden/1004.md"].acl == {"user:admin"}
    source.close()


def test_changed_row_new_version_and_deleted_row_gone(
    crm: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = pg_source(crm, tmp_path, monkeypatch)
    before = listed(source)
    execute(
        crm, "UPDATE kunden SET notizen = 'Wartungsvertrag unterschrieben.' WHERE kundennr = 1002"
    )
    execute(crm, "UPDATE kunden SET berechtigung = 'vertrieb' WHERE kundennr = 1001")
    execute(crm, "DELETE FROM kunden WHERE kundennr = 1003")
    after = listed(source)
    assert "Kunden/1003.md" not in after
    assert after["Kunden/1002.md"].version != before["Kunden/1002.md"].version
    assert "unterschrieben" in source.read(after["Kunden/1002.md"]).decode("utf-8")
    # A permission change keeps the version: the sync updates the ACL without reading.
    assert after["Kunden/1001.md"].version == before["Kunden/1001.md"].version
    assert after["Kunden/1001.md"].acl == {"group:vertrieb", "user:admin"}
    assert after["Kunden/1004.md"] == before["Kunden/1004.md"]
    source.close()


def test_unchanged_row_is_queried_again_by_id_when_read(
    crm: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = pg_source(crm, tmp_path, monkeypatch)
    first = listed(source)
    expected = source.read(first["Kunden/1002.md"])
    second = listed(source)  # nothing changed: no bodies kept from this listing
    assert source.state.body("Kunden/1002.md", second["Kunden/1002.md"].version) is None
    assert source.read(second["Kunden/1002.md"]) == expected
    execute(crm, "DELETE FROM kunden WHERE kundennr = 1002")
    with pytest.raises(SourceError, match="no longer exists"):
        source.read(second["Kunden/1002.md"])
    source.close()


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM kunden",
        "SELECT 1 AS kundennr; DROP TABLE kunden",
        "WITH weg AS (DELETE FROM kunden RETURNING *) SELECT * FROM weg",
        "SELECT * INTO kopie FROM kunden",
        "select kundennr from kunden for update",
        "SELECT 'offen",
    ],
)
def test_queries_that_are_not_a_single_read_are_rejected(query: str, tmp_path: Path) -> None:
    config = SourceConfig(
        "crm",
        "sql",
        "sqlite:///crm.db",
        options={"query": query, "id_column": "kundennr", "readers": ["*"]},
    )
    with pytest.raises(ConfigError, match="query"):
        SqlSource(config, SourceContext(data_dir=tmp_path))


def test_words_inside_literals_and_comments_are_not_statements(tmp_path: Path) -> None:
    query = (
        "-- delete nothing\nSELECT kundennr, 'UPDATE; DROP' AS hinweis, \"into\" "
        "FROM kunden /* insert */;"
    )
    config = SourceConfig(
        "crm",
        "sql",
        "sqlite:///crm.db",
        options={"query": query, "id_column": "kundennr", "readers": ["*"]},
    )
    assert SqlSource(config, SourceContext(data_dir=tmp_path)).query == query.rstrip(";")


def test_the_server_refuses_writes_hidden_in_a_select(
    crm: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # nextval() writes although the statement is a SELECT: the read-only transaction stops it.
    source = pg_source(
        crm,
        tmp_path,
        monkeypatch,
        query="SELECT nextval('zaehler') AS kundennr, 'x' AS firma, 'y' AS ort",
        text_template="{firma}",
        updated_column=None,
        permission_column=None,
    )
    with pytest.raises(SourceError, match="read-only transaction"):
        list(source.list_items())
    assert execute(crm, "SELECT last_value, is_called FROM zaehler") == [[1, False]]
    source.close()


def test_wrong_password_is_a_clear_source_error(
    crm: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = pg_source(crm, tmp_path, monkeypatch, password_env=None, password="falsch-und-geheim")
    with pytest.raises(SourceError, match="cannot connect") as raised:
        list(source.list_items())
    assert "password authentication failed" in str(raised.value)
    assert "falsch-und-geheim" not in str(raised.value)
    source.close()


def test_missing_columns_are_named(
    crm: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = pg_source(crm, tmp_path, monkeypatch, title_template="{firmenname} {ort}")
    with pytest.raises(ConfigError, match="title_template names firmenname") as raised:
        list(source.list_items())
    assert "Columns of the query: kundennr, firma" in str(raised.value)
    source.close()


def test_urls_with_passwords_are_refused_and_drivers_default_to_pure_python(
    tmp_path: Path,
) -> None:
    base = {"query": "SELECT 1 AS id", "id_column": "id", "readers": ["*"]}
    config = SourceConfig("crm", "sql", "postgresql://leser:geheim@db/crm", options=base)
    with pytest.raises(ConfigError, match="password_env"):
        SqlSource(config, SourceContext(data_dir=tmp_path))
    drivers = {
        "postgresql://leser@db/crm": "postgresql+pg8000",
        "mysql://leser@erp/erp": "mysql+pymysql",
        "mariadb://leser@erp/erp": "mariadb+pymysql",
        "mssql://leser@sql:1433/CRM": "mssql+pytds",
        "postgresql+psycopg://leser@db/crm": "postgresql+psycopg",
    }
    for url, driver in drivers.items():
        config = SourceConfig("crm", "sql", url, options={**base, "password": "p@ss/wört"})
        built = _database_url(config, parse_options(config))
        assert built.drivername == driver
        assert built.password == "p@ss/wört"
    with pytest.raises(ConfigError, match="no permissions of their own"):
        SqlSource(
            SourceConfig(
                "crm", "sql", "sqlite://", options={"query": "SELECT 1 AS id", "id_column": "id"}
            ),
            SourceContext(data_dir=tmp_path),
        )


def make_sqlite_crm(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE kunden (kundennr TEXT PRIMARY KEY, firma TEXT, notizen TEXT, "
            "berechtigung TEXT)"
        )
        db.executemany(
            "INSERT INTO kunden VALUES (?, ?, ?, ?)",
            [(f"K-{r[0]}", r[1], r[5], r[6]) for r in CRM_ROWS]
            + [("K/9", "Schräg & Co", "Id mit Schrägstrich", "vertrieb")],
        )
    db.close()


def sqlite_source(path: Path, data_dir: Path, **options: Any) -> SqlSource:
    opts: dict[str, Any] = {
        "query": "SELECT * FROM kunden",
        "id_column": "KundenNr",  # matched case-insensitively
        "title_template": "{firma}",
        "text_template": "{notizen}",
        "permission_column": "berechtigung",
        **options,
    }
    config = SourceConfig("crm", "sql", f"sqlite:///{path}", options=opts)
    return SqlSource(config, SourceContext(data_dir=data_dir))


def test_sqlite_rows_with_text_ids_and_fixed_readers(tmp_path: Path) -> None:
    make_sqlite_crm(tmp_path / "crm.sqlite3")
    source = sqlite_source(
        tmp_path / "crm.sqlite3", tmp_path / "data", permission_column=None, readers=["vertrieb"]
    )
    items = listed(source)
    assert set(items) == {"K-1001.md", "K-1002.md", "K-1003.md", "K-1004.md", "K%2F9.md"}
    assert {item.acl for item in items.values()} == {frozenset({"group:vertrieb"})}
    assert source.read(items["K%2F9.md"]) == b"# Schr\xc3\xa4g & Co\n\nId mit Schr\xc3\xa4gstrich\n"
    assert items["K-1001.md"].mtime_ns == 0 and items["K-1001.md"].modified is None
    source.close()


def test_sqlite_default_template_lists_every_column(tmp_path: Path) -> None:
    make_sqlite_crm(tmp_path / "crm.sqlite3")
    source = sqlite_source(
        tmp_path / "crm.sqlite3", tmp_path / "data", title_template=None, text_template=None
    )
    item = listed(source)["K-1002.md"]
    assert source.read(item).decode("utf-8") == (
        "- **firma**: Bäckerei Schröder KG\n- **notizen**: Will einen Wartungsvertrag.\n"
        "- **berechtigung**: vertrieb\n"
    )
    source.close()


def test_sync_indexes_rows_with_row_permissions(tmp_path: Path) -> None:
    make_sqlite_crm(tmp_path / "crm.sqlite3")
    ww = make_app(tmp_path / "app")
    try:
        ww.import_users_csv("user,groups\nvera,vertrieb\ngustav,geschaeftsfuehrung\n")
        source = sqlite_source(tmp_path / "crm.sqlite3", ww.settings.data_dir)
        ww.store.add_source(source.config)  # registering the kind is the plugin's business
        report = ww.syncer.sync(source)
        assert report.added == 5
        assert report.without_readers == ["K-1004.md"]
        assert ww.search.search("Bäckerei Schröder", "vera").hits[0].path == "K-1002.md"
        assert ww.search.search("Bäckerei Schröder", "gustav").total == 0
        assert ww.search.search("Projekt Falke", "gustav").total == 1
        assert ww.search.search("Projekt Falke", "vera").total == 0
        again = ww.syncer.sync(sqlite_source(tmp_path / "crm.sqlite3", ww.settings.data_dir))
        assert again.unchanged == 5 and again.added == again.updated == 0
    finally:
        ww.close()
