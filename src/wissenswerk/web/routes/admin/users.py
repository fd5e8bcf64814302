"""Users and groups: list, create local users, import the ``user,groups`` CSV, change role,
profile and groups, set a password, reset MFA, deactivate and reactivate. Admins only."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from wissenswerk.accounts import ROLES
from wissenswerk.audit import Kind
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.store.accounts import Account
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.routes.admin.common import Admin, page, record, see_other, split_groups
from wissenswerk.web.sessions import session_token

router = APIRouter(prefix="/admin", include_in_schema=False)

MAX_CSV_BYTES = 2 * 1024 * 1024
OneLine = Annotated[str, Form(max_length=300)]
Secret = Annotated[str, Form(max_length=1024)]
LongText = Annotated[str, Form(max_length=10_000)]
CsvText = Annotated[str, Form(max_length=MAX_CSV_BYTES)]


def user_path(name: str) -> str:
    return f"/admin/users/{quote(name, safe='')}"


def _min_length(request: Request) -> int:
    return web_context(request).accounts.settings.password_min_length


@router.get("/users")
def users_page(request: Request, user: Admin) -> Response:
    return _users_page(request)


def _users_page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    accounts = web_context(request).accounts.list()
    form = ctx.pop("form", {"role": "member"})
    return page(
        request,
        "users.html",
        "users",
        status_code,
        accounts=accounts,
        roles=ROLES,
        form=form,
        min_length=_min_length(request),
        user_path=user_path,
        **ctx,
    )


@router.post("/users")
def create_user(
    request: Request,
    user: Admin,
    name: OneLine = "",
    display_name: OneLine = "",
    email: OneLine = "",
    password: Secret = "",
    role: OneLine = "member",
    groups: LongText = "",
) -> Response:
    web = web_context(request)
    t = translator(request)
    form = {
        "name": name,
        "display_name": display_name,
        "email": email,
        "role": role,
        "groups": groups,
    }
    if not password:
        return _users_page(request, 400, error=t("admin.users.error.password_missing"), form=form)
    group_list = split_groups(groups)
    try:
        account = web.accounts.create_user(
            name,
            password,
            role=role,
            groups=group_list,
            display_name=display_name.strip() or None,
            email=email.strip() or None,
        )
    except WissenswerkError as exc:
        error = t.error(exc, min_length=_min_length(request))
        return _users_page(request, 400, error=error, form=form)
    record(
        request,
        Kind.ADMIN_USER_CREATED,
        user,
        f"user:{account.name}",
        role=account.role,
        groups=list(account.groups),
        origin="local",
    )
    return see_other(user_path(account.name), notice="user_created")


@router.post("/users/import")
def import_users(
    request: Request,
    user: Admin,
    csv_text: CsvText = "",
    csv_file: UploadFile | None = None,
) -> Response:
    """The ``user,groups`` list the command line imports (groups ``;``-separated)."""
    web = web_context(request)
    t = translator(request)
    text = csv_text
    if csv_file is not None and csv_file.filename:
        data = csv_file.file.read(MAX_CSV_BYTES + 1)
        if len(data) > MAX_CSV_BYTES:
            return _users_page(request, 400, import_error=t("admin.users.error.csv_too_large"))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _users_page(request, 400, import_error=t("admin.users.error.csv_encoding"))
    existing = {a.name for a in web.accounts.list()}
    try:
        imported = web.ww.import_users_csv(text.lstrip("\ufeff"), origin="CSV")
    except WissenswerkError as exc:
        error = t("admin.users.error.import_failed", detail=str(exc))
        return _users_page(request, 400, import_error=error, csv_text=csv_text)
    rows = []
    for entry in imported:
        created = entry.name not in existing
        record(
            request,
            Kind.ADMIN_USER_CREATED if created else Kind.ADMIN_USER_UPDATED,
            user,
            f"user:{entry.name}",
            groups=list(entry.groups),
            via="csv_import",
        )
        rows.append({"user": entry, "created": created})
    return _users_page(request, imported=rows)


# --- one user -----------------------------------------------------------------------------
def _account(request: Request, name: str) -> Account:
    account = web_context(request).accounts.get(name)
    if account is None:
        raise HTTPException(404, "not_found")
    return account


def _user_page(request: Request, account: Account, status_code: int = 200, **ctx: Any) -> Response:
    tokens = web_context(request).accounts.list_api_tokens(account.name)
    return page(
        request,
        "user.html",
        "users",
        status_code,
        account=account,
        roles=ROLES,
        tokens=tokens,
        min_length=_min_length(request),
        path=user_path(account.name),
        **ctx,
    )


@router.get("/users/{name:path}")
def user_page(request: Request, name: str, user: Admin) -> Response:
    return _user_page(request, _account(request, name))


@router.post("/users/{name:path}/role")
def change_role(request: Request, name: str, user: Admin, role: OneLine = "") -> Response:
    account = _account(request, name)
    if role == account.role:
        return see_other(user_path(name))
    try:
        web_context(request).accounts.set_role(name, role)
    except WissenswerkError as exc:
        return _user_page(request, account, 400, error=translator(request).error(exc))
    record(request, Kind.ADMIN_ROLE_CHANGED, user, f"user:{name}", old=account.role, new=role)
    return see_other(user_path(name), notice="role_changed")


@router.post("/users/{name:path}/profile")
def change_profile(
    request: Request,
    name: str,
    user: Admin,
    display_name: OneLine = "",
    email: OneLine = "",
    groups: LongText = "",
) -> Response:
    """Display name and e-mail; the groups too for local accounts (the directory owns the
    groups of directory accounts and would overwrite them at its next sync)."""
    web = web_context(request)
    account = _account(request, name)
    try:
        web.accounts.set_profile(name, display_name.strip() or None, email.strip() or None)
    except WissenswerkError as exc:
        return _user_page(request, account, 400, error=translator(request).error(exc))
    changes: dict[str, object] = {"display_name": display_name.strip(), "email": email.strip()}
    if account.origin == "local":
        new_groups = split_groups(groups)
        if tuple(new_groups) != tuple(sorted(account.groups)):
            web.ww.store.upsert_user(name, new_groups, account.active, account.origin)
            changes["groups"] = new_groups
    record(request, Kind.ADMIN_USER_UPDATED, user, f"user:{name}", **changes)
    return see_other(user_path(name), notice="user_updated")


@router.post("/users/{name:path}/password")
def set_password(
    request: Request,
    name: str,
    user: Admin,
    password: Secret = "",
    password_repeat: Secret = "",
) -> Response:
    web = web_context(request)
    t = translator(request)
    account = _account(request, name)
    if password != password_repeat:
        return _user_page(request, account, 400, error=t("admin.users.error.passwords_differ"))
    # Changing one's own password keeps this session; every other session of the user ends.
    keep = session_token(request, web.settings) if name == user.name else None
    try:
        web.accounts.set_password(name, password, keep_session=keep)
    except WissenswerkError as exc:
        error = t.error(exc, min_length=_min_length(request))
        return _user_page(request, account, 400, error=error)
    record(request, Kind.ADMIN_USER_UPDATED, user, f"user:{name}", change="password")
    return see_other(user_path(name), notice="password_set")


@router.post("/users/{name:path}/mfa-reset")
def reset_mfa(request: Request, name: str, user: Admin) -> Response:
    account = _account(request, name)
    web_context(request).accounts.reset_mfa(name)
    record(request, Kind.MFA_RESET, user, f"user:{name}", had_mfa=account.mfa_enabled)
    return see_other(user_path(name), notice="mfa_reset")


@router.post("/users/{name:path}/deactivate")
def deactivate(request: Request, name: str, user: Admin) -> Response:
    account = _account(request, name)
    t = translator(request)
    if name == user.name:
        return _user_page(request, account, 400, error=t("admin.users.error.self_deactivate"))
    try:
        web_context(request).accounts.deactivate(name)
    except WissenswerkError as exc:
        return _user_page(request, account, 400, error=t.error(exc))
    record(request, Kind.ADMIN_USER_DEACTIVATED, user, f"user:{name}")
    return see_other(user_path(name), notice="user_deactivated")


@router.post("/users/{name:path}/activate")
def activate(request: Request, name: str, user: Admin) -> Response:
    _account(request, name)
    web_context(request).accounts.activate(name)
    record(request, Kind.ADMIN_USER_UPDATED, user, f"user:{name}", change="activated")
    return see_other(user_path(name), notice="user_activated")
