"""What every request handler needs, built once per app by ``create_app`` and kept on
``app.state.web``: the Wissenswerk object, the accounts service, the web settings, templates."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection

from wissenswerk.accounts.service import Accounts
from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import WebSettings
from wissenswerk.web.i18n import LANGUAGES, Translator


@dataclass
class WebContext:
    ww: Wissenswerk
    accounts: Accounts
    settings: WebSettings
    templates: Jinja2Templates
    # Once an admin exists, setup never comes back; remembering it saves a query per request.
    setup_done: bool = False
    translators: dict[str, Translator] = field(default_factory=dict)

    def translator(self, language: str) -> Translator:
        if language not in self.translators:
            self.translators[language] = Translator(language)
        return self.translators[language]


def web_context(conn: HTTPConnection) -> WebContext:
    web: WebContext = conn.app.state.web
    return web


def language_of(conn: HTTPConnection) -> str:
    web = web_context(conn)
    chosen = conn.cookies.get(web.settings.language_cookie, "")
    return chosen if chosen in LANGUAGES else web.settings.default_language


def translator(conn: HTTPConnection) -> Translator:
    return web_context(conn).translator(language_of(conn))


def is_api(conn: HTTPConnection) -> bool:
    return conn.url.path.startswith("/api/")
