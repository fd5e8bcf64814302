"""Rendering pages: the template context every page gets, the form token, the navigation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.routing import iter_route_contexts
from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse

from wissenswerk import __version__
from wissenswerk.store.accounts import Account
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.i18n import LANGUAGE_NAMES
from wissenswerk.web.identity import current_session, optional_user
from wissenswerk.web.security import new_csrf_token
from wissenswerk.web.sessions import set_cookie

TEMPLATES_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class NavItem:
    label_key: str  # catalog key
    path: str
    roles: tuple[str, ...] = ()  # empty: every signed-in user


# The main navigation. An item shows once a route serves its path, so the areas that later
# engineers add (search, administration) appear without touching this foundation again.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("nav.ask", "/"),
    NavItem("nav.search", "/search"),
    NavItem("nav.admin", "/admin", roles=("admin", "editor")),
)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals["version"] = __version__
    return templates


def form_csrf_token(conn: HTTPConnection, issue: bool = True) -> tuple[str | None, bool]:
    """The token forms must send back: the session's, or before login the one in the form
    cookie (double submit). With ``issue`` a missing form cookie gets a fresh token, which
    ``render`` then sets; returns (token, is_fresh)."""
    session = current_session(conn)
    if session is not None:
        return session.csrf_token, False
    web = web_context(conn)
    existing = conn.cookies.get(web.settings.csrf_cookie)
    if existing or not issue:
        return existing, False
    fresh: str | None = getattr(conn.state, "fresh_csrf", None)
    if fresh is None:
        fresh = new_csrf_token()
        conn.state.fresh_csrf = fresh
    return fresh, True


def navigation(conn: HTTPConnection, user: Account | None) -> list[dict[str, Any]]:
    if user is None:
        return []
    served = {r.path for r in iter_route_contexts(conn.app.routes) if "GET" in (r.methods or ())}
    here = conn.url.path
    items = []
    for item in NAVIGATION:
        if item.path not in served or (item.roles and user.role not in item.roles):
            continue
        current = here == item.path or (item.path != "/" and here.startswith(item.path + "/"))
        items.append({"label_key": item.label_key, "path": item.path, "current": current})
    return items


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(c in target for c in "\r\n"):
        return default
    return target


def render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """A page in the request's language. Templates get ``t`` (translate), ``lang``,
    ``languages``, ``user`` (None before login), ``csrf_token`` (put it into every form as
    ``<input type="hidden" name="csrf_token">``), ``nav`` and ``here`` (path and query)."""
    web = web_context(request)
    t = translator(request)
    token, fresh = form_csrf_token(request)
    user = optional_user(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context: dict[str, Any] = {
        "t": t,
        "lang": t.language,
        "languages": LANGUAGE_NAMES,
        "user": user,
        "csrf_token": token,
        "nav": navigation(request, user),
        "here": here,
    }
    context.update(ctx)
    response = web.templates.TemplateResponse(request, template, context, status_code=status_code)
    if fresh and token:
        set_cookie(response, request, web.settings, web.settings.csrf_cookie, token)
    return response
