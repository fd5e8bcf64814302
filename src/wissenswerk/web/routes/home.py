"""The start page. For now a welcome; the ask page replaces it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from wissenswerk.web.deps import CurrentUser, render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user: CurrentUser) -> Response:
    return render(request, "home.html")
