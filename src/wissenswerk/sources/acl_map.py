"""ACL maps: a CSV ``path_prefix,groups`` assigning readers to folders; longest prefix wins.

Prefixes are relative to the source root with ``/`` separators and match whole path
segments: ``Personal`` covers ``Personal/a.docx`` but not ``Personalplanung.docx``. An
empty prefix (or ``/``) is the root. Groups are ``;``-separated; ``*``/``everyone``/``alle``
means every user, ``user:NAME`` a single user. A path no rule covers gets an empty ACL:
nobody may read it (the sync reports how many such files there are).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from wissenswerk.core.acl import principal_for_group_token
from wissenswerk.core.errors import ConfigError

AclRules = tuple[tuple[str, tuple[str, ...]], ...]


def normalise_path(path: str) -> str:
    """NFC, forward slashes, no leading './' or '/' — the form stored and matched."""
    path = unicodedata.normalize("NFC", path.replace("\\", "/"))
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


def parse_acl_map(text: str, origin: str = "ACL map") -> AclRules:
    reader = csv.reader(io.StringIO(text))
    rows = [row for row in reader if row and any(cell.strip() for cell in row)]
    if not rows:
        raise ConfigError(f"{origin} is empty; expected a header 'path_prefix,groups'.")
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:2] != ["path_prefix", "groups"]:
        raise ConfigError(
            f"{origin}: first line must be the header 'path_prefix,groups', found {rows[0]!r}."
        )
    rules: dict[str, tuple[str, ...]] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) < 2:
            raise ConfigError(f"{origin}, line {line_no}: expected 'path_prefix,groups'.")
        prefix = normalise_path(row[0].strip())
        tokens = [t for t in row[1].split(";") if t.strip()]
        principals = tuple(sorted({principal_for_group_token(t) for t in tokens}))
        if prefix in rules:
            raise ConfigError(f"{origin}, line {line_no}: prefix {row[0]!r} is listed twice.")
        rules[prefix] = principals
    return tuple(sorted(rules.items()))


def load_acl_map(path: Path) -> AclRules:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"Cannot read the ACL map {path}: {exc.strerror}.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"The ACL map {path} is not UTF-8 text; save it as UTF-8.") from exc
    return parse_acl_map(text, origin=str(path))


def acl_for(path: str, rules: AclRules) -> frozenset[str]:
    """Principals of the longest matching prefix, or an empty set if none matches."""
    best: tuple[str, ...] | None = None
    best_len = -1
    for prefix, principals in rules:
        matches = prefix == "" or path == prefix or path.startswith(prefix + "/")
        if matches and len(prefix) > best_len:
            best, best_len = principals, len(prefix)
    return frozenset(best or ())
