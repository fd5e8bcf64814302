"""What every admin page shares: the role guards, the section tabs, short notices after a
redirect, times in the server's zone, and the audit record of each admin action."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from wissenswerk.audit import Outcome
from wissenswerk.store.accounts import Account
from wissenswerk.web import activity
from wissenswerk.web.context import translator
from wissenswerk.web.deps import render, require_role
from wissenswerk.web.identity import optional_user

# Editors manage sources and syncs; everything else is for admins (accounts.roles).
SOURCE_ROLES = ("admin", "editor")
ADMIN_ROLES = ("admin",)

SourceManager = Annotated[Account, Depends(require_role(*SOURCE_ROLES))]
Admin = Annotated[Account, Depends(require_role(*ADMIN_ROLES))]

# (section, catalog key, path, roles): the tabs of the administration.
SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("sources", "admin.nav.sources", "/admin/sources", SOURCE_ROLES),
    ("users", "admin.nav.users", "/admin/users", ADMIN_ROLES),
    ("tokens", "admin.nav.tokens", "/admin/tokens", ADMIN_ROLES),
    ("settings", "admin.nav.settings", "/admin/settings", ADMIN_ROLES),
    ("audit", "admin.nav.audit", "/admin/audit", ADMIN_ROLES),
)


def page(
    request: Request, template: str, section: str, status_code: int = 200, **ctx: Any
) -> Response:
    """An admin page with the tabs this user may open and the notice of a redirect."""
    user = optional_user(request)
    tabs = [
        {"key": key, "path": path, "current": name == section}
        for name, key, path, roles in SECTIONS
        if user is not None and user.role in roles
    ]
    t = translator(request)
    notices = []
    for kind in ("notice", "error"):
        code = request.query_params.get(kind, "")
        # Only catalog keys: a crafted link cannot put its own text on the page.
        if code and t.has(f"admin.{kind}.{code}"):
            notices.append((kind, t(f"admin.{kind}.{code}")))
    return render(
        request,
        f"admin/{template}",
        status_code=status_code,
        admin_tabs=tabs,
        notices=notices,
        **ctx,
    )


def see_other(path: str, **query: str) -> RedirectResponse:
    """Back to a page after a form, with ``notice=``/``error=`` codes for ``page``."""
    target = f"{path}?{urlencode(query)}" if query else path
    return RedirectResponse(target, status_code=303)


def record(
    request: Request,
    kind: str,
    actor: Account,
    object: str | None,
    /,
    **details: object,
) -> None:
    """One audit record for a completed admin action: who, on what, from where."""
    activity.record(request, kind, actor.name, object=object, outcome=Outcome.SUCCESS, **details)


def local_time(moment: datetime | float | str | None) -> str:
    """A time for the tables, in the server's time zone (where the company sits)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    elif isinstance(moment, int | float):
        when = datetime.fromtimestamp(moment, UTC)
    else:
        when = moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def split_groups(text: str) -> list[str]:
    """Groups as typed into a form: separated by ``;``, ``,`` or new lines."""
    for separator in (",", "\n", "\r"):
        text = text.replace(separator, ";")
    return sorted({g.strip() for g in text.split(";") if g.strip()})
