"""The search page: a query with filters for source, file type and modification date.

``ww.search`` only returns passages the user may read; the filters narrow those down
afterwards, so with a filter set the page asks for more candidates first. Each document
appears once, with its best passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from wissenswerk.audit.kinds import Kind
from wissenswerk.core.models import Hit
from wissenswerk.web.activity import record
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.conversation_view import viewer_href
from wissenswerk.web.deps import CurrentUser, render
from wissenswerk.web.snippets import Snippet, snippet

router = APIRouter(include_in_schema=False)

RESULTS = 20
CANDIDATES_WITH_FILTERS = 50

# File types as people name them; the extension of the file (or of the archive member).
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "pdf": ("pdf",),
    "word": ("doc", "docx", "odt", "rtf"),
    "excel": ("xls", "xlsx", "ods", "csv"),
    "powerpoint": ("ppt", "pptx", "odp"),
    "email": ("eml", "msg"),
    "text": ("txt", "md"),
    "html": ("html", "htm"),
    "image": ("png", "jpg", "jpeg", "tif", "tiff"),
}

Param = Annotated[str, Query(max_length=500)]


@dataclass(frozen=True, slots=True)
class Filters:
    source: str = ""
    file_type: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.source or self.file_type or self.date_from or self.date_to)

    def admits(self, hit: Hit) -> bool:
        if self.source and hit.source != self.source:
            return False
        if self.file_type and extension(hit) not in FILE_TYPES.get(self.file_type, ()):
            return False
        if self.date_from or self.date_to:
            if hit.modified is None:
                return False
            day = hit.modified.date()
            if self.date_from and day < self.date_from:
                return False
            if self.date_to and day > self.date_to:
                return False
        return True

    def as_dict(self) -> dict[str, str]:
        out = {"source": self.source, "type": self.file_type}
        out["from"] = self.date_from.isoformat() if self.date_from else ""
        out["to"] = self.date_to.isoformat() if self.date_to else ""
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True, slots=True)
class Result:
    hit: Hit
    href: str
    snippet: Snippet
    file_type: str


@dataclass(slots=True)
class Page:
    query: str = ""
    filters: Filters = field(default_factory=Filters)
    results: list[Result] = field(default_factory=list)
    searched: bool = False
    errors: list[str] = field(default_factory=list)


def extension(hit: Hit) -> str:
    return PurePosixPath(hit.member or hit.path).suffix.lower().lstrip(".")


def _date(value: str, errors: list[str], message: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(message)
        return None


@router.get("/search")
def search_page(
    request: Request,
    user: CurrentUser,
    q: Param = "",
    source: Param = "",
    file_type: Annotated[str, Query(alias="type", max_length=20)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=20)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=20)] = "",
) -> Response:
    web = web_context(request)
    t = translator(request)
    page = Page(query=q.strip())
    sources = sorted(s.name for s in web.ww.store.list_sources())
    page.filters = Filters(
        source=source if source in sources else "",
        file_type=file_type if file_type in FILE_TYPES else "",
        date_from=_date(date_from, page.errors, t("search.invalid_date", field=t("search.from"))),
        date_to=_date(date_to, page.errors, t("search.invalid_date", field=t("search.to"))),
    )
    if page.query:
        page.searched = True
        limit = CANDIDATES_WITH_FILTERS if page.filters.active else RESULTS
        result = web.ww.search.search(page.query, user.name, limit=limit)
        seen: set[int] = set()
        for hit in result.hits:
            if hit.document_id in seen or not page.filters.admits(hit):
                continue
            seen.add(hit.document_id)
            page.results.append(
                Result(
                    hit=hit,
                    href=viewer_href(hit.document_id, page=hit.page),
                    snippet=snippet(hit.text, result.query_terms, web.ww.analyzer),
                    file_type=extension(hit).upper(),
                )
            )
            if len(page.results) >= RESULTS:
                break
        record(
            request,
            Kind.SEARCH_PERFORMED,
            user.name,
            query=page.query,
            filters=page.filters.as_dict(),
            results=len(page.results),
        )
    return render(
        request,
        "search.html",
        page=page,
        sources=sources,
        file_types=[(key, t(f"search.type_{key}")) for key in FILE_TYPES],
    )
