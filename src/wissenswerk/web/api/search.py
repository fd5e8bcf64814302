"""GET /api/v1/search: passages the caller may read, with filters on source, type and date."""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.core.models import Hit
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiRoute
from wissenswerk.web.api.models import NO_CONTROL, SearchHit, SearchResponse
from wissenswerk.web.context import web_context

router = APIRouter(route_class=ApiRoute, tags=["search"], responses=COMMON_ERRORS)
# With filters, more candidates are fetched so that enough remain after filtering.
FILTER_CANDIDATES = 200


def file_type(path: str) -> str:
    return PurePosixPath(path).suffix.lstrip(".").lower()


def matches(
    hit: Hit, source: str | None, type_: str | None, since: date | None, until: date | None
) -> bool:
    if source is not None and hit.source != source:
        return False
    if type_ is not None and file_type(hit.path) != type_.lstrip(".").lower():
        return False
    if since is not None or until is not None:
        if hit.modified is None:
            return False
        day = hit.modified.date()
        if (since is not None and day < since) or (until is not None and day > until):
            return False
    return True


def hit_out(hit: Hit) -> SearchHit:
    return SearchHit(
        document_id=hit.document_id,
        source=hit.source,
        path=hit.path,
        member=hit.member,
        page=hit.page,
        title=hit.title,
        type=file_type(hit.path),
        modified=hit.modified,
        score=hit.score,
        text=hit.text,
        hidden_text=hit.hidden_text,
    )


@router.get("/search", response_model=SearchResponse, summary="Search the documents")
def search(
    request: Request,
    who: Annotated[ApiCaller, Depends(caller("search"))],
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    source: Annotated[
        str | None, Query(max_length=100, pattern=NO_CONTROL, description="Only this source.")
    ] = None,
    type: Annotated[
        str | None,
        Query(max_length=20, pattern=r"^\.?[A-Za-z0-9]+$", description='File type, e.g. "pdf".'),
    ] = None,
    modified_from: Annotated[date | None, Query(description="Modified on or after.")] = None,
    modified_to: Annotated[date | None, Query(description="Modified on or before.")] = None,
) -> SearchResponse:
    ww = web_context(request).ww
    filtered = any(v is not None for v in (source, type, modified_from, modified_to))
    fetch = max(limit, FILTER_CANDIDATES) if filtered else limit
    result = ww.search.search(q, who.name, fetch)
    hits = [h for h in result.hits if matches(h, source, type, modified_from, modified_to)]
    hits = hits[:limit]
    filters = {
        "source": source,
        "type": type,
        "modified_from": modified_from.isoformat() if modified_from else None,
        "modified_to": modified_to.isoformat() if modified_to else None,
    }
    audit(
        request,
        who,
        Kind.SEARCH_PERFORMED,
        outcome=Outcome.SUCCESS,
        query=q,
        results=len(hits),
        filters={k: v for k, v in filters.items() if v is not None},
    )
    return SearchResponse(query=q, hits=[hit_out(h) for h in hits], total=result.total)
