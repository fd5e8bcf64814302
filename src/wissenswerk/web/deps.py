"""FastAPI dependencies shared by every area of the web app.

- ``current_user``: the signed-in account; pages redirect to /login, /api/ answers 401 JSON.
- ``require_role("admin")``: 403 (and an audit record) for other roles.
- ``csrf_protect``: runs on every route (installed app-wide by ``create_app``); refuses any
  POST/PUT/PATCH/DELETE without the form's token.
- ``render(request, "page.html", **ctx)``: a page with ``t``, ``user``, ``csrf_token``, ``nav``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from wissenswerk.store.accounts import Account
from wissenswerk.web.context import is_api, web_context
from wissenswerk.web.identity import current_session, optional_user, second_factor_url
from wissenswerk.web.security import csrf_tokens_match
from wissenswerk.web.sessions import client_ip
from wissenswerk.web.templating import form_csrf_token, render

__all__ = [
    "CurrentUser",
    "Redirect",
    "csrf_protect",
    "current_session",
    "current_user",
    "optional_user",
    "render",
    "require_role",
    "setup_gate",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Reachable before the first admin exists: the setup form itself and the language switch.
SETUP_PATHS = frozenset({"/setup", "/language"})


class Redirect(Exception):  # noqa: N818 (control flow, not an error)
    """Raised by a dependency to send the browser elsewhere (303 See Other)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def current_user(request: Request) -> Account:
    account = optional_user(request)
    if account is not None:
        return account
    if is_api(request):
        raise HTTPException(401, "not_signed_in", headers={"WWW-Authenticate": "Bearer"})
    session = current_session(request)
    if session is not None and not session.mfa_passed:
        raise Redirect(second_factor_url(request, session))
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise Redirect("/login" if target == "/" else f"/login?next={quote(target, safe='')}")


CurrentUser = Annotated[Account, Depends(current_user)]
"""Route parameter type for the signed-in account: ``def page(user: CurrentUser)``."""


def require_role(*roles: str) -> Callable[..., Account]:
    """``Depends(require_role("admin"))``: the current user if their role is one of ``roles``."""

    def dependency(request: Request, user: CurrentUser) -> Account:
        if user.role in roles:
            return user
        web = web_context(request)
        web.ww.emit(
            "access.denied",
            user.name,
            {"path": request.url.path, "ip": client_ip(request, web.settings)},
        )
        raise HTTPException(403, "forbidden")

    return dependency


async def csrf_protect(request: Request) -> None:
    """Refuse state-changing requests whose token does not match the session's (or, before
    login, the form cookie's). Requests with an ``Authorization`` header are API calls with a
    token, which a browser never adds on its own to a cross-site request."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    submitted = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if submitted is None and content_type.startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    expected, _fresh = form_csrf_token(request, issue=False)
    if not csrf_tokens_match(expected, submitted):
        raise HTTPException(403, "csrf")


def setup_gate(request: Request) -> None:
    """Until the first admin exists, every page leads to /setup."""
    web = web_context(request)
    if web.setup_done:
        return
    if not web.accounts.needs_setup():
        web.setup_done = True
        return
    if request.url.path in SETUP_PATHS:
        return
    if is_api(request):
        raise HTTPException(503, "setup_required")
    raise Redirect("/setup")
