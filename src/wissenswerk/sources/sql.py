"""SQL databases (ERP, CRM): each row of one read-only query becomes a Markdown document.

Options (``SourceConfig.options``; ``location`` may hold the URL instead of ``url``)::

    url               SQLAlchemy URL without the password:
                        postgresql://leser@db.firma.local/crm      (driver pg8000)
                        mysql://leser@erp.firma.local/erp          (driver PyMySQL; MariaDB too)
                        mssql://leser@sql.firma.local:1433/CRM     (driver python-tds,
                                                                    extra "mssql")
                        sqlite:////srv/daten/crm.sqlite3
    password          or password_env / password_file (kept out of the URL and listings)
    query             one SELECT (or WITH ... SELECT)
    id_column         the row key: the item path is "<folder>/<id>.md"
    title_template    "{firma} ({ort})"            the document title, rendered as "# ..."
    text_template     "Ansprechpartner: {kontakt}\\n\\n{notizen}"; default: every column
    updated_column    a timestamp column: the document's modification time
    permission_column principals or group names separated by ';' (e.g. "vertrieb;gf")
    readers           principals added to every row (e.g. ["group:geschaeftsfuehrung"])
    url_template      "https://crm.firma.local/kunden/{id}": where users open the row
    folder            a path prefix for the items (for ACL maps), default none

Rows have no permissions of their own, so the source needs permission_column, readers or
an ACL map; a row without any reader is readable by nobody (the sync reports it).

Read-only is enforced three times: the query must be a single SELECT, it runs in a
read-only transaction where the database offers one (PostgreSQL, MySQL/MariaDB; SQLite
with ``PRAGMA query_only``) and the transaction is rolled back. SQL Server has no read-only
transaction: give the source a login that is only in ``db_datareader``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from wissenswerk.core.acl import principal_for_group_token
from wissenswerk.core.errors import ConfigError, SourceError
from wissenswerk.core.models import SourceConfig, SourceItem
from wissenswerk.sources.acl_map import acl_for, normalise_path
from wissenswerk.sources.base import SourceContext, option_problems, secret
from wissenswerk.sources.sql_query import (
    RowTemplate,
    check_select,
    default_template,
    resolve_column,
)
from wissenswerk.sources.sql_state import RowState

log = logging.getLogger(__name__)

# SQLAlchemy's default drivers (psycopg2, mysqlclient, pyodbc) need C libraries; these need
# none and are what wissenswerk installs.
_DEFAULT_DRIVERS = {"postgresql": "pg8000", "mysql": "pymysql", "mariadb": "pymysql"}
_MSSQL_DRIVER = "pytds"
_PRINCIPAL_SEPARATORS = re.compile(r"[;,\n]")


class SqlOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    password: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    query: str
    id_column: str
    title_template: str | None = None
    text_template: str | None = None
    updated_column: str | None = None
    permission_column: str | None = None
    readers: list[str] = Field(default_factory=list)
    url_template: str | None = None
    folder: str = ""
    batch_size: int = Field(1000, ge=1)
    query_timeout_s: float = Field(600.0, gt=0)


def parse_options(config: SourceConfig) -> SqlOptions:
    try:
        return SqlOptions.model_validate(config.options)
    except ValidationError as exc:
        problems = option_problems(exc)
        raise ConfigError(f"Source {config.name!r}: invalid SQL options ({problems}).") from exc


class SqlSource:
    def __init__(self, config: SourceConfig, context: SourceContext) -> None:
        self.name = config.name
        self.config = config
        self.listing_errors: list[tuple[str, str]] = []
        options = parse_options(config)
        self.options = options
        self.query = check_select(options.query, config.name)
        self.readers = frozenset(principal_for_group_token(r) for r in options.readers if r)
        if not (options.permission_column or self.readers or config.acl_mode == "acl_map"):
            raise ConfigError(
                f"Source {config.name!r}: database rows have no permissions of their own; set "
                "permission_column (a column with groups, ';'-separated), readers (e.g. "
                "['group:vertrieb']) or an ACL map. Without them nobody could find the rows."
            )
        self.title = (
            RowTemplate(options.title_template, "title_template", config.name)
            if options.title_template
            else None
        )
        self.text = (
            RowTemplate(options.text_template, "text_template", config.name)
            if options.text_template
            else None
        )
        self.link = (
            RowTemplate(options.url_template, "url_template", config.name)
            if options.url_template
            else None
        )
        self.folder = normalise_path(options.folder)
        self.url = _database_url(config, options)
        self._timeouts = (context.timeout_s, options.query_timeout_s)
        self._engine: Engine | None = None
        self._state_file = context.data_dir / "sources" / config.name / "rows.sqlite3"
        self._state: RowState | None = None
        self.engine  # noqa: B018 - a wrong URL or a missing driver fails when the source is added

    # -- connection ----------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = create_engine(
                    self.url,
                    poolclass=NullPool,
                    connect_args=_connect_args(self.url, *self._timeouts),
                )
            except (ArgumentError, NoSuchModuleError, ImportError) as exc:
                raise ConfigError(
                    f"Source {self.name!r}: cannot use the database URL "
                    f"{self.url.render_as_string(hide_password=True)} ({exc}). For SQL Server "
                    "install the extra: pip install 'wissenswerk[mssql]'."
                ) from exc
        return self._engine

    @property
    def state(self) -> RowState:
        if self._state is None:
            self._state = RowState(self._state_file)
        return self._state

    @contextmanager
    def _read_only(self) -> Iterator[Connection]:
        """A connection in a read-only transaction that is always rolled back."""
        shown = self.url.render_as_string(hide_password=True)
        try:
            connection = self.engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            raise SourceError(
                f"Source {self.name!r}: cannot connect to {shown}: {_reason(exc)}. Check the "
                "URL, the user and its password (password_env), and that the server accepts "
                "connections from this host."
            ) from exc
        try:
            dialect = connection.dialect.name
            if dialect == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            elif dialect in ("mysql", "mariadb"):
                connection.exec_driver_sql("START TRANSACTION READ ONLY")
            elif dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA query_only = ON")
            yield connection
        except SQLAlchemyError as exc:
            raise SourceError(
                f"Source {self.name!r}: the query failed on {shown}: {_reason(exc)}. The "
                "source only reads: the query must not write, and runs in a read-only "
                "transaction."
            ) from exc
        finally:
            try:
                connection.rollback()
            finally:
                connection.close()

    # -- listing -------------------------------------------------------------------------

    def list_items(self) -> Iterator[SourceItem]:
        self.listing_errors = []
        state = self.state
        listing_done = False
        with self._read_only() as connection:
            result = connection.execution_options(
                stream_results=True, yield_per=self.options.batch_size
            ).execute(text(self.query))
            renderer = _Renderer(self, list(result.keys()))
            state.begin_listing(renderer.id_column)
            try:
                seen: set[str] = set()
                for row in result.mappings():
                    item = self._item(renderer, row, seen)
                    if item is not None:
                        yield item
                listing_done = True
            finally:
                result.close()
                if listing_done:
                    state.finish_listing()
                else:
                    state.abort_listing()

    def _item(self, renderer: _Renderer, row: Any, seen: set[str]) -> SourceItem | None:
        row_id = row[renderer.id_column]
        if row_id is None:
            log.warning("Source %s: a row without %s was skipped", self.name, renderer.id_column)
            return None
        path = self._path(row_id)
        if path in seen:
            self.listing_errors.append(
                (path, f"{renderer.id_column}={row_id} appears twice in the query result")
            )
            return None
        seen.add(path)
        body, title = renderer.document(row)
        text_hash = hashlib.sha256(body).hexdigest()
        version = f"sha256:{text_hash[:32]}"
        modified = renderer.updated(row)
        self.state.saw(path, text_hash, _json_id(row_id), version, body)
        return SourceItem(
            path=path,
            size=len(body),
            mtime_ns=int(modified.timestamp() * 1_000_000_000) if modified else 0,
            acl=self._acl(path, renderer.principals(row)),
            modified=modified,
            # The text only: a permission change is applied by the sync without re-reading.
            version=version,
            url=renderer.link(row),
            title=title,
        )

    def _path(self, row_id: Any) -> str:
        # The id must stay one path segment: '%', '/' and '\\' are percent-encoded.
        name = str(row_id).replace("%", "%25").replace("/", "%2F").replace("\\", "%5C")
        name = "%2E" + name[1:] if name.startswith(".") else name
        name += ".md"
        return f"{self.folder}/{name}" if self.folder else name

    def _acl(self, path: str, principals: frozenset[str]) -> frozenset[str]:
        acl = principals | self.readers
        if self.config.acl_mode == "acl_map":
            acl |= acl_for(path, self.config.acl_map)
        return acl

    # -- reading -------------------------------------------------------------------------

    def read(self, item: SourceItem) -> bytes:
        cached = self.state.body(item.path, item.version)
        if cached is not None:
            return cached
        known = self.state.row_id(item.path)
        if known is None:
            raise SourceError(
                f"Source {self.name!r}: {item.path} was not in the last listing; the next "
                "sync lists it again."
            )
        column, row_id = known
        with self._read_only() as connection:
            quoted = connection.dialect.identifier_preparer.quote(column)
            statement = text(
                f"SELECT * FROM ({self.query}) AS wissenswerk_row "
                f"WHERE wissenswerk_row.{quoted} = :row_id"
            )
            result = connection.execute(statement, {"row_id": row_id})
            renderer = _Renderer(self, list(result.keys()))
            row = result.mappings().first()
        if row is None:
            raise SourceError(
                f"Source {self.name!r}: the row {column}={row_id} no longer exists; the next "
                "sync removes it."
            )
        body, _ = renderer.document(row)
        return body

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._state is not None:
            self._state.close()
            self._state = None


class _Renderer:
    """Templates bound to the columns of one query result."""

    def __init__(self, source: SqlSource, columns: list[str]) -> None:
        options = source.options
        self.source = source
        self.id_column = _column(source.name, "id_column", options.id_column, columns)
        self.updated_column = (
            _column(source.name, "updated_column", options.updated_column, columns)
            if options.updated_column
            else None
        )
        self.permission_column = (
            _column(source.name, "permission_column", options.permission_column, columns)
            if options.permission_column
            else None
        )
        text_template = source.text or RowTemplate(
            default_template(columns, [self.id_column]), "text_template", source.name
        )
        self.text = (text_template, text_template.bind(columns))
        self.title = (source.title, source.title.bind(columns)) if source.title else None
        self.url = (source.link, source.link.bind(columns)) if source.link else None

    def document(self, row: Any) -> tuple[bytes, str | None]:
        template, binding = self.text
        body = template.render(row, binding).strip()
        title = None
        if self.title:
            title = " ".join(self.title[0].render(row, self.title[1]).split()) or None
        markdown = f"# {title}\n\n{body}\n" if title else f"{body}\n"
        return markdown.encode("utf-8"), title

    def updated(self, row: Any) -> datetime | None:
        if self.updated_column is None:
            return None
        value = row[self.updated_column]
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        return None

    def principals(self, row: Any) -> frozenset[str]:
        if self.permission_column is None:
            return frozenset()
        value = row[self.permission_column]
        if value is None:
            return frozenset()
        tokens = (
            value if isinstance(value, list | tuple) else _PRINCIPAL_SEPARATORS.split(str(value))
        )
        return frozenset(principal_for_group_token(str(t)) for t in tokens if str(t).strip())

    def link(self, row: Any) -> str | None:
        if self.url is None:
            return None
        return self.url[0].render(row, self.url[1]) or None


def _column(source: str, option: str, name: str, columns: list[str]) -> str:
    column = resolve_column(name, columns)
    if column is None:
        raise ConfigError(
            f"Source {source!r}: option {option} names the column {name!r}, which the query "
            f"does not return. Columns of the query: {', '.join(columns)}."
        )
    return column


def _database_url(config: SourceConfig, options: SqlOptions) -> URL:
    raw = options.url or config.location
    if not raw:
        raise ConfigError(
            f"Source {config.name!r} needs a database URL (option url or the location), e.g. "
            "postgresql://leser@db.firma.local/crm."
        )
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"Source {config.name!r}: {raw!r} is not a database URL; write it like "
            "postgresql://leser@db.firma.local/crm."
        ) from exc
    if url.password:
        raise ConfigError(
            f"Source {config.name!r}: the database URL contains a password, which would be "
            "shown in listings and stored in plain text. Remove it from the URL and give it "
            "as password_env (or password_file)."
        )
    backend, _, driver = url.drivername.partition("+")
    if not driver:
        driver = _DEFAULT_DRIVERS.get(backend, _MSSQL_DRIVER if backend == "mssql" else "")
        if driver:
            url = url.set(drivername=f"{backend}+{driver}")
    password = secret(config.options, "password", config.name, required=False)
    return url.set(password=password) if password else url


def _connect_args(url: URL, connect_s: float, query_s: float) -> dict[str, Any]:
    """Timeouts in each driver's own spelling: a dead server must not hang the sync."""
    driver = url.get_driver_name()
    if driver == "pg8000":
        return {"timeout": max(connect_s, query_s)}
    if driver == "pymysql":
        return {"connect_timeout": int(connect_s), "read_timeout": int(query_s)}
    if driver == "pytds":
        return {"login_timeout": int(connect_s), "timeout": int(query_s)}
    return {}


def _json_id(value: Any) -> Any:
    """The id as JSON can keep it, to query the row again by it."""
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    message = " ".join(str(original).split())
    return message[:500] or type(original).__name__


def create(config: SourceConfig, context: SourceContext) -> SqlSource:
    """The factory registered as source kind ``sql``."""
    return SqlSource(config, context)


__all__ = ["SqlOptions", "SqlSource", "create"]
