"""``create_app(ww)``: the FastAPI application on one Wissenswerk object.

Order of defences on every request: security headers (outermost, also on errors and static
files) → first-run gate (everything leads to /setup until an admin exists) → CSRF check on
every state-changing request → the route's own ``current_user`` / ``require_role``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from wissenswerk import __version__
from wissenswerk.accounts.service import Accounts
from wissenswerk.app import Wissenswerk
from wissenswerk.web import api, mcp_server, openai_api
from wissenswerk.web.context import WebContext, is_api, translator
from wissenswerk.web.deps import Redirect, csrf_protect, render, setup_gate
from wissenswerk.web.routes import admin, ask, auth, documents, home, search
from wissenswerk.web.security import SecurityHeadersMiddleware
from wissenswerk.web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"


def build_accounts(ww: Wissenswerk) -> Accounts:
    """The accounts service of ``ww`` (``Wissenswerk.accounts`` once the app object has it)."""
    existing = getattr(ww, "accounts", None)
    if isinstance(existing, Accounts):
        return existing
    return Accounts(ww.store, ww.settings.accounts, directory=ww.directory)


def create_app(ww: Wissenswerk, accounts: Accounts | None = None) -> FastAPI:
    app = FastAPI(
        title="wissenswerk",
        version=__version__,
        # The interactive docs pages load scripts from a CDN; the REST API brings its own.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        dependencies=[Depends(setup_gate), Depends(csrf_protect)],
    )
    app.state.web = WebContext(
        ww=ww,
        accounts=accounts or build_accounts(ww),
        settings=ww.settings.web,
        templates=make_templates(),
    )
    app.add_middleware(
        SecurityHeadersMiddleware, settings=ww.settings.web, error_page=server_error_page
    )
    app.add_exception_handler(Redirect, _redirect)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth.router)
    app.include_router(home.router)
    app.include_router(ask.router)
    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(admin.router)
    app.include_router(api.router)
    app.include_router(openai_api.router)  # /v1: OpenAI-compatible chat API
    app.include_router(mcp_server.http_router())  # /mcp, with the lifespan it needs
    return app


def _redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.url, status_code=303)


def error_response(request: Request, status: int, detail: str | None = None) -> Response:
    """A JSON error under /api/, else the error page, in the request's language. ``detail``
    is a catalog key below ``error.`` (e.g. "csrf"); other details show the status text."""
    t = translator(request) if not is_api(request) else request.app.state.web.translator("en")
    key = f"error.{detail}" if detail and t.has(f"error.{detail}") else None
    title = t(f"status.{status}") if t.has(f"status.{status}") else t("status.other")
    message = t(key) if key else t("error.page_default")
    if is_api(request):
        code = detail if key and detail else "server_error" if status == 500 else f"http_{status}"
        return api.errors.error_response(status, code, t(key) if key else title)
    return render(
        request, "error.html", status_code=status, status=status, title=title, message=message
    )


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if is_api(request):  # one error shape for the whole REST API, unknown paths included
        return api.errors.http_exception_response(exc)
    response = error_response(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def validation_error(request: Request, exc: Exception) -> Response:
    """A form or query the pages never send (missing or oversized field); the API gets the
    field errors."""
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return api.errors.validation_error_response(exc)
    return error_response(request, 400, "invalid_form")


def server_error_page(request: Request) -> Response:
    try:
        return error_response(request, 500, "server")
    except Exception:  # the page itself failed (e.g. the database is gone): plain text
        return Response("500 Internal Server Error", status_code=500, media_type="text/plain")
