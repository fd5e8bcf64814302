"""The source protocol every connector implements, and what connectors get to build one.

A connector lists items cheaply (path, size, mtime, change token, ACL) and reads one item's
bytes on demand. The sync engine (``indexing``) decides what to read, parse and delete; a
connector never touches the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from wissenswerk.core.directory import Directory
from wissenswerk.core.errors import ConfigError
from wissenswerk.core.models import SourceItem


class Source(Protocol):
    name: str
    # (path prefix, reason) of subtrees that could not be listed in the last listing; the
    # sync never deletes indexed documents below them ("" = the whole source).
    listing_errors: list[tuple[str, str]]

    def list_items(self) -> Iterator[SourceItem]:
        """Every readable item with size, mtime, version and ACL; raises SourceError if the
        source as a whole is unreachable (then nothing may be deleted from the index)."""
        ...

    def read(self, item: SourceItem) -> bytes:
        """The item's bytes; raises SourceError (the sync retries it later with backoff)."""
        ...

    def close(self) -> None:
        """Release connections; the sync calls it when done."""
        ...


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What a connector factory may use besides the source's own configuration."""

    data_dir: Path  # a connector may keep small state below data_dir / "sources" / name
    directory: Directory | None = None  # LDAP/AD, when configured (SID and group lookup)
    timeout_s: float = 30.0  # network timeout per request


def secret(options: Mapping[str, Any], key: str, source: str, required: bool = True) -> str:
    """A secret option given directly (``key``), as an environment variable (``key_env``)
    or as a file (``key_file``, e.g. a Docker/systemd credential). Only the indirect forms
    keep the secret out of the database."""
    if options.get(f"{key}_env"):
        var = str(options[f"{key}_env"])
        value = os.environ.get(var)
        if value is None:
            raise ConfigError(
                f"Source {source!r}: the environment variable {var} (option {key}_env) is "
                "not set in the environment of wissenswerk."
            )
        return value
    if options.get(f"{key}_file"):
        path = Path(str(options[f"{key}_file"]))
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"Source {source!r}: cannot read {key} from {path} ({exc.strerror})."
            ) from exc
    if options.get(key) not in (None, ""):
        return str(options[key])
    if required:
        raise ConfigError(f"Source {source!r} needs the option {key} (or {key}_env / {key}_file).")
    return ""


def option_problems(exc: ValidationError) -> str:
    """A connector's invalid options as "field: message; …", for its ConfigError."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors()
    )


SECRET_WORDS = ("password", "secret", "token", "api_key", "client_secret")


def redacted(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options safe to show in listings and logs: secrets replaced by ***."""

    def is_secret(key: str) -> bool:
        key = key.lower()
        return any(w in key for w in SECRET_WORDS) and not key.endswith(("_env", "_file"))

    return {k: ("***" if is_secret(k) else v) for k, v in options.items()}
