"""Users (administrators only, token scope "users"): list, create, deactivate.

Deactivating keeps the account (the audit log names it) but ends its sessions and revokes
its API tokens.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from wissenswerk.audit.kinds import Kind
from wissenswerk.store.accounts import Account
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiError, ApiRoute, error_doc
from wissenswerk.web.api.models import NAME, UserIn, UserOut
from wissenswerk.web.context import web_context

router = APIRouter(route_class=ApiRoute, tags=["users"], responses=COMMON_ERRORS)
Admin = Annotated[ApiCaller, Depends(caller("users", role_action="admin.users"))]
UserName = Annotated[str, Path(min_length=1, max_length=128, pattern=NAME)]


def user_out(account: Account) -> UserOut:
    return UserOut(
        name=account.name,
        role=account.role,
        groups=list(account.groups),
        active=account.active,
        origin=account.origin,
        display_name=account.display_name,
        email=account.email,
        mfa_enabled=account.mfa_enabled,
    )


@router.get("/users", response_model=list[UserOut], summary="List the users")
def list_users(request: Request, who: Admin) -> list[UserOut]:
    return [user_out(a) for a in web_context(request).accounts.list()]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    summary="Create a local user",
    responses={409: error_doc("A user of that name exists already.")},
)
def create_user(request: Request, body: UserIn, who: Admin) -> UserOut:
    account = web_context(request).accounts.create_user(
        body.name,
        body.password,
        role=body.role,
        groups=body.groups,
        display_name=body.display_name,
        email=body.email,
    )
    audit(
        request,
        who,
        Kind.ADMIN_USER_CREATED,
        object=f"user:{account.name}",
        role=account.role,
        groups=list(account.groups),
        origin="local",
    )
    return user_out(account)


@router.post(
    "/users/{name}/deactivate",
    response_model=UserOut,
    summary="Deactivate a user (sessions end, API tokens are revoked)",
    responses={
        404: error_doc("No user of that name."),
        409: error_doc("The user is the last administrator."),
    },
)
def deactivate_user(request: Request, name: UserName, who: Admin) -> UserOut:
    accounts = web_context(request).accounts
    if accounts.get(name) is None:
        raise ApiError(404, "unknown_user", f"There is no user {name!r}; GET /api/v1/users.")
    accounts.deactivate(name)
    audit(request, who, Kind.ADMIN_USER_DEACTIVATED, object=f"user:{name}")
    account = accounts.get(name)
    assert account is not None  # deactivated, not deleted
    return user_out(account)
