"""JSON errors of the REST API: ``{"error": {"code": "...", "message": "..."}}`` for every
4xx, whatever raised it.

Routes of the API use ``ApiRoute``, which turns the exceptions below into that body inside the
route, before the app-wide handlers (which render HTML pages for the browser) see them:

- ``ApiError``: raised by the API itself, with a code and an English message;
- FastAPI's ``RequestValidationError``: 422 ``invalid_request`` with the field errors;
- ``HTTPException`` from shared dependencies (the first-run gate): code = its detail;
- domain errors (``WissenswerkError``): mapped by type to 404/409/422/403.

A request without an ``Authorization`` header is answered 401 before anything else: it would
otherwise meet the app-wide CSRF check (403), which is meant for cookie sessions. The API
ignores cookies, so it has no CSRF exposure.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from wissenswerk.accounts.errors import AccountPermissionError, AccountPolicyError
from wissenswerk.core.errors import (
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    SourceError,
    SyncBusyError,
    WissenswerkError,
)
from wissenswerk.web.api.models import ErrorResponse
from wissenswerk.web.i18n import catalog

# Messages for the codes the shared web dependencies raise as HTTPException details.
SHARED_MESSAGES = {
    "setup_required": "wissenswerk is not set up yet: create the administrator account in the "
    "browser first.",
}
MISSING_TOKEN = (
    "This request needs an API token: send 'Authorization: Bearer ww_…'. Tokens are created "
    "in the web app's administration (API tokens)."
)
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}
PLAIN_MESSAGES = {
    404: "There is nothing at this address; /api/v1/docs lists the operations of the API.",
    405: "This address does not take this HTTP method; /api/v1/docs lists the operations.",
}


class ApiError(Exception):
    """An error answer of the API: HTTP status, a stable machine code and a message that says
    what went wrong and what to do."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    fields: Sequence[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = list(fields)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def http_exception_response(exc: StarletteHTTPException) -> JSONResponse:
    """An ``HTTPException`` (from FastAPI, Starlette or a shared dependency) as an API error.
    Its detail is a code when it is one word ("csrf"), else the message itself."""
    detail = str(exc.detail)
    if detail.isidentifier():
        code = detail
        en = catalog("en")
        message = SHARED_MESSAGES.get(code) or en.get(f"error.{code}") or _status_text(exc)
    else:
        code = STATUS_CODES.get(exc.status_code, "error")
        message = PLAIN_MESSAGES.get(exc.status_code, detail) if _is_phrase(exc) else detail
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


def _is_phrase(exc: StarletteHTTPException) -> bool:
    """True when the detail is only the status phrase ("Not Found"), which says little."""
    try:
        return str(exc.detail) == HTTPStatus(exc.status_code).phrase
    except ValueError:
        return False


def validation_error_response(exc: RequestValidationError) -> JSONResponse:
    fields = [
        {
            "location": [str(part) for part in error.get("loc", ())],
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    where = ", ".join(".".join(f["location"]) for f in fields[:5])
    return error_response(
        422,
        "invalid_request",
        f"The request is invalid ({where}); see 'fields' for what each part must look like."
        if where
        else "The request is invalid; check it against the OpenAPI description.",
        fields=fields,
    )


def domain_error_response(exc: WissenswerkError) -> JSONResponse:
    """Errors of the domain layers; their messages are written for users already."""
    code = str(getattr(exc, "code", "") or "")
    message = str(exc)
    if isinstance(exc, NotFoundError):
        return error_response(404, code or "not_found", message)
    if isinstance(exc, SyncBusyError):
        return error_response(409, code or "sync_busy", message)
    if isinstance(exc, AccountPermissionError) and code in ("last_admin", "inactive"):
        return error_response(409, code, message)
    if isinstance(exc, PermissionDeniedError):
        return error_response(403, code or "forbidden", message)
    if code == "user_exists":
        return error_response(409, code, message)
    if isinstance(exc, AccountPolicyError | ConfigError):
        return error_response(422, code or "invalid_value", message)
    if isinstance(exc, SourceError):
        return error_response(409, code or "source_unavailable", message)
    return error_response(400, code or "bad_request", message)


def _status_text(exc: StarletteHTTPException) -> str:
    return catalog("en").get(f"status.{exc.status_code}", "The request failed.")


class ApiRoute(APIRoute):
    """A route whose errors are answered as API JSON (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if "authorization" not in request.headers:
                # Before the app-wide CSRF check, which would answer 403 to a token-less POST.
                return error_response(
                    401, "missing_token", MISSING_TOKEN, {"WWW-Authenticate": "Bearer"}
                )
            try:
                return await handle(request)
            except ApiError as exc:
                return error_response(exc.status, exc.code, exc.message, exc.headers)
            except RequestValidationError as exc:
                return validation_error_response(exc)
            except StarletteHTTPException as exc:
                return http_exception_response(exc)
            except WissenswerkError as exc:
                return domain_error_response(exc)

        return handler


def error_doc(description: str) -> dict[str, Any]:
    """An entry of a route's ``responses``: the error body's schema with a description."""
    return {"model": ErrorResponse, "description": description}


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_doc("No API token, or an unknown, revoked or expired one."),
    403: error_doc("The token lacks the scope, or its user the role, for this operation."),
    422: error_doc("The request does not match this description (see error.fields)."),
}
