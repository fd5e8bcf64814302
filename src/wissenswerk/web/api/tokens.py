"""The caller's own API tokens: list, create, revoke.

Any valid token may manage its owner's tokens, but a new token gets at most the scopes of
the token that creates it, so a narrow token cannot mint a broader one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from wissenswerk.audit.kinds import Kind
from wissenswerk.store.accounts import ApiToken
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiError, ApiRoute, error_doc
from wissenswerk.web.api.models import MAX_ID, TokenCreated, TokenIn, TokenOut
from wissenswerk.web.context import web_context

router = APIRouter(route_class=ApiRoute, tags=["tokens"], responses=COMMON_ERRORS)
Owner = Annotated[ApiCaller, Depends(caller(None))]


def _time(moment: float | None) -> datetime | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC)


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        label=token.label,
        prefix=token.prefix,
        scopes=sorted(token.scopes),
        created_at=datetime.fromtimestamp(token.created_at, UTC),
        expires_at=_time(token.expires_at),
        last_used_at=_time(token.last_used_at),
        revoked_at=_time(token.revoked_at),
        active=token.valid_at(datetime.now(UTC).timestamp()),
    )


@router.get("/tokens", response_model=list[TokenOut], summary="Your API tokens")
def list_tokens(request: Request, who: Owner) -> list[TokenOut]:
    return [token_out(t) for t in web_context(request).accounts.list_api_tokens(who.name)]


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=201,
    summary="Create an API token for yourself (shown once)",
)
def create_token(request: Request, body: TokenIn, who: Owner) -> TokenCreated:
    wanted = set(body.scopes)
    beyond = sorted(wanted - who.scopes)
    if beyond:
        raise ApiError(
            403,
            "insufficient_scope",
            f"This token cannot create a token with the scope {', '.join(beyond)}: a new "
            "token gets at most the scopes of the token that creates it.",
        )
    expires = body.expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    plaintext, token = web_context(request).accounts.create_api_token(
        who.name, body.label, wanted, expires.timestamp() if expires else None
    )
    audit(
        request,
        who,
        Kind.ADMIN_TOKEN_CREATED,
        object=f"token:{token.prefix}",
        owner=who.name,
        label=token.label,
        scopes=sorted(token.scopes),
    )
    return TokenCreated(token=plaintext, info=token_out(token))


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    summary="Revoke one of your API tokens",
    responses={404: error_doc("You have no token with this id.")},
)
def revoke_token(
    request: Request, token_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Owner
) -> Response:
    accounts = web_context(request).accounts
    token = next((t for t in accounts.list_api_tokens(who.name) if t.id == token_id), None)
    if token is None:  # someone else's token answers the same: ids reveal nothing
        raise ApiError(404, "unknown_token", f"You have no API token with id {token_id}.")
    if token.revoked_at is None:
        accounts.revoke_api_token(token_id, by=who.name)
        audit(
            request,
            who,
            Kind.ADMIN_TOKEN_REVOKED,
            object=f"token:{token.prefix}",
            owner=who.name,
            label=token.label,
        )
    return Response(status_code=204)
