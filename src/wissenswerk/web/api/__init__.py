"""The REST API under /api/v1, described by /api/v1/openapi.json and shown at /api/v1/docs.

Every operation needs an API token (``Authorization: Bearer ww_…``) with the operation's
scope; administration also needs the owner's role. Errors are JSON:
``{"error": {"code": "...", "message": "..."}}``. The permission rules are those of the web
pages: a document the caller may not read is a 404, exactly like one that does not exist.
Calls are audited like the pages' actions, with the detail ``"via": "api"``.
"""

from fastapi import APIRouter

from wissenswerk.web.api import ask, docs, documents, search, sources, sync, tokens, users
from wissenswerk.web.api.errors import ApiError
from wissenswerk.web.api.models import ErrorResponse

PREFIX = "/api/v1"

router = APIRouter()
for _module in (ask, search, documents, sources, sync, users, tokens):
    router.include_router(_module.router, prefix=PREFIX)
router.include_router(docs.router)

__all__ = ["PREFIX", "ApiError", "ErrorResponse", "router"]
