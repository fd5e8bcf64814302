"""The exception tree of wissenswerk.

    WissenswerkError
    ├── ConfigError (ValueError)          bad setting, bad CLI argument, bad CSV
    ├── NotFoundError (LookupError)
    │   ├── UnknownUserError              a user name that does not exist
    │   └── UnknownSourceError            a source name that does not exist
    ├── PermissionDeniedError (PermissionError)
    ├── ParseError (ValueError)           one file could not be parsed
    │   ├── UnsupportedFormatError        no parser for this file type
    │   └── LimitExceededError            size / ratio / depth limits (zip bombs)
    ├── SourceError (OSError)             a source could not be read at all
    ├── EmbeddingError (RuntimeError)     an embedder failed or is misconfigured
    └── StoreError (RuntimeError)         the data directory is unusable

Each error also subclasses the fitting builtin so callers can catch either. Messages say
what failed, for which file/user/source, and what to do next.
"""

from __future__ import annotations


class WissenswerkError(Exception):
    """Base class of all errors raised on purpose by wissenswerk."""


class ConfigError(WissenswerkError, ValueError):
    pass


class NotFoundError(WissenswerkError, LookupError):
    pass


class UnknownUserError(NotFoundError):
    def __init__(self, user: str) -> None:
        super().__init__(
            f"Unknown user {user!r}. Create it with 'wissenswerk users add' or import a CSV "
            "with 'wissenswerk users import FILE.csv'."
        )
        self.user = user


class UnknownSourceError(NotFoundError):
    def __init__(self, source: str) -> None:
        super().__init__(
            f"Unknown source {source!r}. List sources with 'wissenswerk sources list' or add one "
            "with 'wissenswerk sources add NAME --folder PATH'."
        )
        self.source = source


class PermissionDeniedError(WissenswerkError, PermissionError):
    pass


class ParseError(WissenswerkError, ValueError):
    """A file could not be parsed. ``reason`` is short and user-facing."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class UnsupportedFormatError(ParseError):
    pass


class LimitExceededError(ParseError):
    pass


class SourceError(WissenswerkError, OSError):
    pass


class SyncBusyError(WissenswerkError, RuntimeError):
    """Another process is syncing the same source right now."""


class DirectoryError(WissenswerkError, OSError):
    """The directory (LDAP/AD) could not be reached or refused the service account."""


class EmbeddingError(WissenswerkError, RuntimeError):
    pass


class StoreError(WissenswerkError, RuntimeError):
    pass
