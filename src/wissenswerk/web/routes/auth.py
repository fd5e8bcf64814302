"""First-run setup, login with password and second factor, MFA enrolment, logout and the
language switch.

Every sign-in step that raises privileges issues a new session token (the old one stops
working), so a token planted in a browser before login is worthless afterwards."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from wissenswerk.audit.kinds import Outcome
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.web import activity
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.deps import render
from wissenswerk.web.i18n import LANGUAGES
from wissenswerk.web.identity import current_session, optional_user, second_factor_url
from wissenswerk.web.sessions import (
    clear_session_cookie,
    client_ip,
    session_token,
    set_cookie,
    set_session_cookie,
)
from wissenswerk.web.templating import local_path

router = APIRouter(include_in_schema=False)

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
OneLine = Annotated[str, Form(max_length=200)]
Secret = Annotated[str, Form(max_length=1024)]
Next = Annotated[str, Form(max_length=2000)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _start_session(request: Request, response: Response, name: str, mfa_passed: bool) -> None:
    """Replace whatever session the browser had with a new one (fixation defence)."""
    web = web_context(request)
    old = session_token(request, web.settings)
    if old:
        web.accounts.end_session(old)
    token, _session = web.accounts.create_session(
        name,
        mfa_passed=mfa_passed,
        ip=client_ip(request, web.settings),
        user_agent=request.headers.get("user-agent", "")[:300],
    )
    set_session_cookie(response, request, web.settings, token)


_FAILED = frozenset({"login.failure", "login.locked"})


def _emit(
    request: Request, kind: str, actor: str | None, object: str | None = None, **details: object
) -> None:
    """Record in the audit log, with outcome, object and address in their own columns."""
    activity.record(
        request,
        kind,
        actor,
        object=object or (f"user:{actor}" if actor else None),
        outcome=Outcome.FAILURE if kind in _FAILED else Outcome.SUCCESS,
        **details,
    )


# --- first run ----------------------------------------------------------------------------
@router.get("/setup")
def setup_form(request: Request) -> Response:
    if not web_context(request).accounts.needs_setup():
        return _see_other("/login")
    return render(request, "setup.html", min_length=_min_length(request))


def _min_length(request: Request) -> int:
    return web_context(request).accounts.settings.password_min_length


@router.post("/setup")
def setup_submit(
    request: Request,
    name: OneLine,
    password: Secret,
    password_repeat: Secret,
) -> Response:
    web = web_context(request)
    t = translator(request)
    if not web.accounts.needs_setup():
        raise HTTPException(403, "setup_done")
    name = name.strip()
    error = None
    if not name:
        error = t("setup.name_missing")
    elif password != password_repeat:
        error = t("setup.passwords_differ")
    else:
        try:
            web.accounts.create_first_admin(name, password)
        except WissenswerkError as exc:
            error = t.error(exc, min_length=_min_length(request))
    if error is not None:
        return render(
            request,
            "setup.html",
            status_code=400,
            error=error,
            name=name,
            min_length=_min_length(request),
        )
    web.setup_done = True
    _emit(request, "account.created", name, object=f"user:{name}", role="admin", first_run=True)
    return _see_other("/login?created=1")


# --- password step ------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if optional_user(request) is not None:
        return _see_other(local_path(next))
    notice = None
    if "created" in request.query_params:
        notice = "login.admin_created"
    elif "logged_out" in request.query_params:
        notice = "login.logged_out"
    return render(request, "login.html", next=local_path(next), notice=notice)


@router.post("/login")
def login_submit(request: Request, name: OneLine, password: Secret, next: Next = "/") -> Response:
    web = web_context(request)
    t = translator(request)
    name = name.strip()
    target = local_path(next)
    result = web.accounts.authenticate(name, password, client_ip(request, web.settings))
    outcome = result.outcome
    if outcome in ("ok", "mfa_required", "mfa_enrolment_required"):
        complete = outcome == "ok"
        if complete:
            response = _see_other(target)
            _emit(request, "login.success", name)
        else:
            step = "/login/mfa" if outcome == "mfa_required" else "/mfa/enrol"
            response = _see_other(step if target == "/" else f"{step}?next={quote(target)}")
        _start_session(request, response, name, mfa_passed=complete)
        return response
    if outcome == "locked":
        minutes = max(1, math.ceil((result.retry_after_s or 60) / 60))
        _emit(request, "login.locked", name, retry_after_s=result.retry_after_s)
        error, status = t("login.locked", minutes=minutes), 429
    elif outcome == "inactive":
        _emit(request, "login.failure", name, reason="inactive")
        error, status = t("login.inactive"), 403
    else:
        # One message for an unknown user and a wrong password: no hint which names exist.
        _emit(request, "login.failure", name, reason="invalid")
        error, status = t("login.invalid"), 401
    return render(request, "login.html", status_code=status, error=error, name=name, next=target)


# --- second factor ------------------------------------------------------------------------
@router.get("/login/mfa")
def mfa_form(request: Request, next: str = "/") -> Response:
    session = current_session(request)
    if session is None:
        return _see_other("/login")
    if session.mfa_passed:
        return _see_other(local_path(next))
    if second_factor_url(request, session) != "/login/mfa":
        return _see_other("/mfa/enrol")
    return render(request, "mfa.html", next=local_path(next))


@router.post("/login/mfa")
def mfa_submit(request: Request, code: OneLine, next: Next = "/") -> Response:
    web = web_context(request)
    session = current_session(request)
    token = session_token(request, web.settings)
    if session is None or token is None:
        return _see_other("/login")
    target = local_path(next)
    if session.mfa_passed:
        return _see_other(target)
    name = session.user
    if not web.accounts.verify_second_factor(name, code.replace(" ", "").strip()):
        _emit(request, "login.failure", name, reason="invalid_code", step="mfa")
        error = translator(request)("mfa.invalid")
        return render(request, "mfa.html", status_code=401, error=error, next=target)
    new_token, _session = web.accounts.upgrade_session(token)
    _emit(request, "login.success", name, mfa=True)
    response = _see_other(target)
    set_session_cookie(response, request, web.settings, new_token)
    return response


# --- MFA enrolment ------------------------------------------------------------------------
def _enrolment_session(request: Request) -> str | None:
    """The account that may enrol now: a signed-in user, or a half signed-in one whose
    admins require MFA before the first login completes."""
    session = current_session(request)
    if session is None:
        return None
    if not session.mfa_passed and second_factor_url(request, session) != "/mfa/enrol":
        return None
    account = web_context(request).accounts.get(session.user)
    return account.name if account is not None and account.active else None


def _enrol_page(request: Request, name: str, status_code: int = 200, **ctx: object) -> Response:
    web = web_context(request)
    account = web.accounts.get(name)
    if account is not None and account.mfa_enabled:
        return render(request, "mfa_enrol.html", already=True)
    enrolment = web.accounts.begin_totp_enrolment(name)
    return render(
        request,
        "mfa_enrol.html",
        status_code=status_code,
        secret=enrolment.secret,
        # The SVG comes from our own QR encoder (paths only, no text or links), so it is
        # embedded as markup; it needs no inline styles, which the CSP forbids.
        qr_svg=Markup(enrolment.qr_svg),
        **ctx,
    )


@router.get("/mfa/enrol")
def enrol_form(request: Request, next: str = "/") -> Response:
    name = _enrolment_session(request)
    if name is None:
        return _see_other("/login")
    return _enrol_page(request, name, next=local_path(next))


@router.post("/mfa/enrol")
def enrol_submit(request: Request, secret: OneLine, code: OneLine, next: Next = "/") -> Response:
    web = web_context(request)
    name = _enrolment_session(request)
    token = session_token(request, web.settings)
    if name is None or token is None:
        return _see_other("/login")
    target = local_path(next)
    try:
        codes = web.accounts.confirm_totp_enrolment(name, secret, code.replace(" ", "").strip())
    except WissenswerkError as exc:
        error = translator(request).error(exc)
        return _enrol_page(request, name, status_code=400, error=error, next=target)
    _emit(request, "mfa.enrolled", name)
    # Privileges changed: a new token, and a half signed-in session is now complete.
    new_token, _session = web.accounts.upgrade_session(token)
    response = render(request, "mfa_recovery.html", codes=codes, next=target)
    set_session_cookie(response, request, web.settings, new_token)
    return response


# --- logout and language ------------------------------------------------------------------
@router.post("/logout")
def logout(request: Request) -> Response:
    web = web_context(request)
    token = session_token(request, web.settings)
    session = current_session(request)
    if token:
        web.accounts.end_session(token)
    if session is not None:
        _emit(request, "logout", session.user)
    response = _see_other("/login?logged_out=1")
    clear_session_cookie(response, request, web.settings)
    return response


@router.post("/language")
def switch_language(request: Request, language: OneLine, next: Next = "/") -> Response:
    web = web_context(request)
    response = _see_other(local_path(next))
    if language in LANGUAGES:
        set_cookie(
            response,
            request,
            web.settings,
            web.settings.language_cookie,
            language,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
        )
    return response
