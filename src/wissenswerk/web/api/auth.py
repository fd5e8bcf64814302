"""Who calls the API: the bearer token, its scopes and its owner's role.

``Depends(caller("search"))`` gives the ``ApiCaller`` when the token is valid and holds the
scope; ``caller("users", role_action="admin.users")`` also needs the owner's role to allow
the action (accounts.roles). Refusals are audited like the web app's (permission.denied).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from wissenswerk.accounts import roles
from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.store.accounts import Account
from wissenswerk.web.api.errors import ApiError
from wissenswerk.web.context import web_context
from wissenswerk.web.sessions import client_ip

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    bearerFormat="ww_…",
    description="An API token of wissenswerk: 'Authorization: Bearer ww_…'.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True, slots=True)
class ApiCaller:
    account: Account
    scopes: frozenset[str]
    ip: str | None

    @property
    def name(self) -> str:
        return self.account.name


def authenticated(request: Request, credentials: Credentials) -> ApiCaller:
    """The token's owner and the scopes its role still allows (cached per request)."""
    if credentials is None:
        raise ApiError(
            401,
            "invalid_token",
            "Use the Bearer scheme: 'Authorization: Bearer ww_…'.",
            UNAUTHORIZED,
        )
    web = web_context(request)
    verified = web.accounts.verify_api_token(credentials.credentials)
    if verified is None:
        raise ApiError(
            401,
            "invalid_token",
            "The API token is unknown, revoked or expired, or its user is deactivated. "
            "Create a new token.",
            UNAUTHORIZED,
        )
    account, scopes = verified
    return ApiCaller(account, scopes, client_ip(request, web.settings))


Authenticated = Annotated[ApiCaller, Depends(authenticated)]


def caller(scope: str | None, role_action: str | None = None) -> Callable[..., ApiCaller]:
    """Dependency: the caller, if the token holds ``scope`` (None: any valid token) and the
    owner's role may take ``role_action`` (one of accounts.roles.ACTIONS, or None)."""
    if role_action is not None:
        roles.may(roles.ADMIN, role_action)  # fails at import time on a typo

    def dependency(request: Request, who: Authenticated) -> ApiCaller:
        if scope is not None and scope not in who.scopes:
            deny(request, who, "scope", scope)
            raise ApiError(
                403,
                "insufficient_scope",
                f"This token lacks the scope {scope!r}. Use a token with it; tokens can "
                "hold only scopes their owner's role allows.",
            )
        if role_action is not None and not roles.may(who.account.role, role_action):
            deny(request, who, "role", role_action)
            raise ApiError(
                403,
                "forbidden",
                f"Your role {who.account.role!r} does not allow this operation "
                f"({role_action}). Ask an administrator.",
            )
        return who

    return dependency


def deny(request: Request, who: ApiCaller, reason: str, needed: str) -> None:
    audit(
        request,
        who,
        Kind.PERMISSION_DENIED,
        object=f"{request.method} {request.url.path}",
        outcome=Outcome.DENIED,
        reason=reason,
        needed=needed,
    )


def audit(
    request: Request,
    who: ApiCaller,
    kind: str,
    /,
    *,
    object: str | None = None,
    outcome: str = Outcome.SUCCESS,
    **details: object,
) -> None:
    """Record an audit event as the web app does, marked as coming through the API."""
    web_context(request).ww.audit.record(
        kind, who.name, object=object, outcome=outcome, ip=who.ip, via="api", **details
    )
