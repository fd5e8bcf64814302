"""Translations of the web pages.

One flat JSON catalog per language in ``locales/`` (key → text with ``{name}`` placeholders).
German is the reference catalog; tests check that every language has the same keys and that
every key the templates and routes use exists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

LANGUAGES: tuple[str, ...] = ("de", "en")
LANGUAGE_NAMES: Mapping[str, str] = {"de": "Deutsch", "en": "English"}


@cache
def catalog(language: str) -> Mapping[str, str]:
    """The messages of one language (read once per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}; choose one of {', '.join(LANGUAGES)}.")
    text = (
        resources.files("wissenswerk.web")
        .joinpath(f"locales/{language}.json")
        .read_text(encoding="utf-8")
    )
    messages: dict[str, str] = json.loads(text)
    return messages


class Translator:
    """``t("login.title")`` or ``t("login.locked", minutes=5)`` in the language of a request.
    A key missing from the catalog shows as the key itself, so a gap is visible, never a crash."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = catalog(language)

    def __call__(self, key: str, **params: object) -> str:
        text = self._messages.get(key)
        if text is None:
            return key
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._messages

    def error(self, exc: BaseException, **params: object) -> str:
        """The translated message of a domain error that carries a ``code``
        (e.g. ``password_too_short`` → key ``error.password_too_short``); its own text else.
        ``params`` fill placeholders such as ``{min_length}``."""
        code = getattr(exc, "code", None)
        if isinstance(code, str) and self.has(f"error.{code}"):
            return self(f"error.{code}", **params)
        return str(exc)
