"""API tokens per user: list, create (the plaintext is shown once, on the answer to the
form, and stored only as a hash), revoke. Admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from wissenswerk.accounts import SCOPES
from wissenswerk.audit import Kind
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.routes.admin.common import Admin, local_time, page, record, see_other

router = APIRouter(prefix="/admin", include_in_schema=False)

OneLine = Annotated[str, Form(max_length=300)]


@router.get("/tokens")
def tokens_page(request: Request, user: Admin, owner: str = "") -> Response:
    return _tokens_page(request, owner)


def _tokens_page(request: Request, owner: str, status_code: int = 200, **ctx: Any) -> Response:
    accounts = web_context(request).accounts
    known = {a.name for a in accounts.list()}
    owner = owner if owner in known else ""
    tokens = accounts.list_api_tokens(owner or None)
    rows = [
        {
            "token": token,
            "scopes": ", ".join(sorted(token.scopes)),
            "created": local_time(token.created_at),
            "last_used": local_time(token.last_used_at),
            "revoked": local_time(token.revoked_at),
            "expires": local_time(token.expires_at),
        }
        for token in tokens
    ]
    form = ctx.pop("form", {"owner": owner, "label": "", "scopes": ["search", "ask"]})
    return page(
        request,
        "tokens.html",
        "tokens",
        status_code,
        tokens=rows,
        owner=owner,
        owners=[a for a in accounts.list() if a.active],
        scopes=[(s, _scope_label(request, s)) for s in SCOPES],
        form=form,
        **ctx,
    )


def _scope_label(request: Request, scope: str) -> str:
    t = translator(request)
    return t(f"admin.tokens.scope.{scope}") if t.has(f"admin.tokens.scope.{scope}") else scope


@router.post("/tokens")
def create_token(
    request: Request,
    user: Admin,
    owner: OneLine = "",
    label: OneLine = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    web = web_context(request)
    t = translator(request)
    chosen = scopes or []
    form = {"owner": owner, "label": label, "scopes": chosen}
    if web.accounts.get(owner) is None:
        error = t("admin.tokens.error.owner_missing")
        return _tokens_page(request, owner, 400, error=error, form=form)
    try:
        plaintext, token = web.accounts.create_api_token(owner, label, chosen)
    except WissenswerkError as exc:
        return _tokens_page(request, owner, 400, error=t.error(exc), form=form)
    record(
        request,
        Kind.ADMIN_TOKEN_CREATED,
        user,
        f"token:{token.prefix}",
        owner=owner,
        label=token.label,
        scopes=sorted(token.scopes),
    )
    # The only time the plaintext exists outside the caller: this one answer.
    return _tokens_page(request, owner, created=token, plaintext=plaintext)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, user: Admin, owner: OneLine = "") -> Response:
    web = web_context(request)
    token = web.ww.store.get_api_token(token_id)
    if token is None:
        raise HTTPException(404, "not_found")
    if token.revoked_at is None:
        web.accounts.revoke_api_token(token_id, by=user.name)
        record(
            request,
            Kind.ADMIN_TOKEN_REVOKED,
            user,
            f"token:{token.prefix}",
            owner=token.user,
            label=token.label,
        )
    query = {"notice": "token_revoked"}
    if owner:
        query["owner"] = owner
    return see_other("/admin/tokens", **query)
