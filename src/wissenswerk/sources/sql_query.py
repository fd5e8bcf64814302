"""The SQL source's query and templates: one read-only SELECT, rows rendered as Markdown.

The query check is a first line of defence that gives the admin a clear error at
configuration time; it is not what keeps the database safe. That is the read-only
transaction the source runs the query in (PostgreSQL, MySQL/MariaDB, SQLite), the rollback
after it, and above all a database account that may only SELECT.

Templates are ``str.format`` templates over the row's columns (``{kunde}``, ``{umsatz:,.2f}``);
attribute and index access (``{kunde.__class__}``) is refused, NULL renders as an empty string.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from wissenswerk.core.errors import ConfigError

# Words that only a statement that writes, locks or changes the session would contain.
_WRITE_WORDS = frozenset(
    {
        "insert", "update", "delete", "merge", "truncate", "drop", "alter", "create",
        "grant", "revoke", "copy", "call", "exec", "execute", "into", "lock", "vacuum",
        "reindex", "attach", "detach", "pragma", "outfile", "dumpfile",
    }
)  # fmt: skip
_QUOTED = re.compile(
    r"""--[^\n]*            # line comment
      | /\*.*?\*/           # block comment
      | '(?:[^']|'')*'      # string literal
      | "(?:[^"]|"")*"      # quoted identifier
      | `[^`]*`             # MySQL identifier
      | \[[^\]]*\]          # SQL Server identifier
      | \$(\w*)\$.*?\$\1\$  # PostgreSQL dollar quoting
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_]+")


def check_select(query: str, source: str) -> str:
    """The query without a trailing ';' if it is one SELECT (or WITH ... SELECT) that does
    not write; ConfigError otherwise."""
    stripped = query.strip().rstrip(";").strip()
    bare = _QUOTED.sub(" ", stripped)
    if "'" in bare or "/*" in bare:
        raise ConfigError(f"Source {source!r}: the query has an unterminated string or comment.")
    words = [w.lower() for w in _WORD.findall(bare)]
    if not words or words[0] not in ("select", "with"):
        raise ConfigError(
            f"Source {source!r}: the query must be a single SELECT (or WITH ... SELECT) "
            "statement; the SQL source only reads."
        )
    if ";" in bare:
        raise ConfigError(
            f"Source {source!r}: the query contains several statements (';'); give exactly "
            "one SELECT."
        )
    writes = sorted({w for w in words if w in _WRITE_WORDS})
    if writes:
        raise ConfigError(
            f"Source {source!r}: the query contains {', '.join(w.upper() for w in writes)}; "
            'only reading queries are allowed. Quote a column of that name, e.g. "update".'
        )
    return stripped


class RowTemplate:
    """A ``str.format`` template over row columns, checked against the result's columns."""

    def __init__(self, template: str, option: str, source: str) -> None:
        self.template = template
        self.option = option
        self.source = source
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ConfigError(f"Source {source!r}: option {option} is not valid ({exc}).") from exc
        self.fields: list[str] = []
        for _, name, _, _ in parsed:
            if name is None:
                continue
            if name == "" or name.isdigit() or any(c in name for c in ".[]"):
                raise ConfigError(
                    f"Source {source!r}: option {option} may only name columns, like "
                    f"{{kunde}}; {{{name}}} is not allowed."
                )
            self.fields.append(name)

    def bind(self, columns: Sequence[str]) -> dict[str, str]:
        """Field → result column (exact name, else the one that differs only in case);
        ConfigError naming the missing columns."""
        binding: dict[str, str] = {}
        missing: list[str] = []
        for name in self.fields:
            column = resolve_column(name, columns)
            if column is None:
                missing.append(name)
            else:
                binding[name] = column
        if missing:
            raise ConfigError(
                f"Source {self.source!r}: option {self.option} names "
                f"{', '.join(sorted(set(missing)))}, which the query does not return. "
                f"Columns of the query: {', '.join(columns)}."
            )
        return binding

    def render(self, row: Mapping[str, Any], binding: Mapping[str, str]) -> str:
        values = {name: row[column] for name, column in binding.items()}
        try:
            return _NullFormatter().vformat(self.template, (), values)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"Source {self.source!r}: option {self.option} cannot format this row "
                f"({exc}); check the format specs such as {{umsatz:,.2f}} against the "
                "column types."
            ) from exc


class _NullFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return ""
        if format_spec:
            return format(value, format_spec)
        return plain(value)


def plain(value: Any) -> str:
    """A column value as a reader expects to see it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes | bytearray | memoryview):
        return ""
    return str(value)


def resolve_column(name: str, columns: Iterable[str]) -> str | None:
    columns = list(columns)
    if name in columns:
        return name
    folded = [c for c in columns if c.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def default_template(columns: Sequence[str], skip: Iterable[str]) -> str:
    """A Markdown list of every column, for sources configured without text_template."""
    hidden = set(skip)
    return "\n".join(f"- **{c}**: {{{c}}}" for c in columns if c not in hidden and _formattable(c))


def _formattable(column: str) -> bool:
    return bool(column) and not any(ch in column for ch in "{}.[]:!")
