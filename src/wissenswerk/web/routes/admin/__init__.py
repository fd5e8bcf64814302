"""The administration under /admin: sources and syncs (admins and editors), users, API
tokens, settings and the audit log (admins). Every change is recorded in the audit log."""

from fastapi import APIRouter

from wissenswerk.web.routes.admin import audit, settings, sources, tokens, users

router = APIRouter(include_in_schema=False)
for _area in (sources, users, tokens, settings, audit):
    router.include_router(_area.router)

__all__ = ["router"]
