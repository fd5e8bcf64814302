"""Session and form cookies.

The session cookie carries the random session token; the database keeps only its hash
(accounts). Cookies are HttpOnly and SameSite=Lax always, and Secure whenever the request
came over TLS: directly, or through a reverse proxy that ``web.trust_proxy`` vouches for.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from wissenswerk.config.settings import WebSettings


def is_secure(conn: HTTPConnection, settings: WebSettings) -> bool:
    """True when the browser talks TLS to us. X-Forwarded-Proto is a client-controlled header,
    so it counts only when the operator says a proxy in front sets it."""
    if conn.url.scheme in ("https", "wss"):
        return True
    if settings.trust_proxy:
        proto = conn.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False


def client_ip(conn: HTTPConnection, settings: WebSettings) -> str | None:
    """The browser's address for throttling and the audit log (the proxy's one unless trusted)."""
    if settings.trust_proxy:
        forwarded = conn.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return conn.client.host if conn.client else None


def session_token(conn: HTTPConnection, settings: WebSettings) -> str | None:
    return conn.cookies.get(settings.session_cookie) or None


def set_cookie(
    response: Response,
    conn: HTTPConnection,
    settings: WebSettings,
    name: str,
    value: str,
    max_age: int | None = None,
) -> None:
    """Without ``max_age`` a browser-session cookie: the server decides when a session ends."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=is_secure(conn, settings),
        path="/",
    )


def clear_cookie(
    response: Response, conn: HTTPConnection, settings: WebSettings, name: str
) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="lax", secure=is_secure(conn, settings)
    )


def set_session_cookie(
    response: Response, conn: HTTPConnection, settings: WebSettings, token: str
) -> None:
    set_cookie(response, conn, settings, settings.session_cookie, token)


def clear_session_cookie(response: Response, conn: HTTPConnection, settings: WebSettings) -> None:
    clear_cookie(response, conn, settings, settings.session_cookie)
