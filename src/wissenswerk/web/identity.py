"""Who is asking: the session of the cookie and the account behind it, looked up once per
request and cached on ``request.state``."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from wissenswerk.store.accounts import Account, Session
from wissenswerk.web.context import web_context
from wissenswerk.web.sessions import session_token


def current_session(conn: HTTPConnection) -> Session | None:
    """The session of the cookie, also one that still waits for its second factor;
    looked up once per request."""
    if hasattr(conn.state, "session"):
        cached: Session | None = conn.state.session
        return cached
    web = web_context(conn)
    token = session_token(conn, web.settings)
    session = web.accounts.get_session(token) if token else None
    conn.state.session = session
    return session


def optional_user(conn: HTTPConnection) -> Account | None:
    """The account behind a complete (password and, if on, MFA) session of an active user."""
    if hasattr(conn.state, "user"):
        cached: Account | None = conn.state.user
        return cached
    session = current_session(conn)
    account = None
    if session is not None and session.mfa_passed:
        found = web_context(conn).accounts.get(session.user)
        if found is not None and found.active:
            account = found
    conn.state.user = account
    return account


def second_factor_url(conn: HTTPConnection, session: Session) -> str:
    """Where a half signed-in session goes: the code prompt, or enrolment when the admins
    require MFA and this account has none yet."""
    account = web_context(conn).accounts.get(session.user)
    return "/login/mfa" if account is not None and account.mfa_enabled else "/mfa/enrol"
