"""The document viewer: the text by page or attachment with the quoted passage marked, PDF
pages as images, and the original file for download.

A document the user may not read answers exactly like one that does not exist (404), so
ids reveal nothing; the attempt is recorded as ``permission.denied``. An original that
changed in the source since it was indexed is not served (its permissions are known only
for the indexed version): a 409 page says so.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated
from urllib.parse import quote as url_quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.core.errors import NotFoundError, SourceError
from wissenswerk.store.accounts import Account
from wissenswerk.viewer.service import DocumentChangedError, DocumentNotFoundError, Section
from wissenswerk.web.activity import document_object, record
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.deps import CurrentUser, render

router = APIRouter(include_in_schema=False)

DATE_FORMATS = {"de": "%d.%m.%Y, %H:%M", "en": "%Y-%m-%d %H:%M"}


@dataclass(frozen=True, slots=True)
class SectionView:
    section: Section
    anchor: str | None  # "page-3" on the first section of each page


def _refuse(request: Request, user: Account, document_id: int, action: str) -> HTTPException:
    """The 404 for a document that is missing or not readable; a document that exists but
    is not readable for ``user`` is recorded as a permission denial."""
    ww = web_context(request).ww
    info = ww.store.document(document_id)
    if info is not None and not ww.viewer.may_read(user.name, document_id):
        record(
            request,
            Kind.PERMISSION_DENIED,
            user.name,
            object=document_object(info.source, info.path),
            outcome=Outcome.DENIED,
            document_id=document_id,
            action=action,
        )
    return HTTPException(404)


def _source_problem(request: Request, exc: SourceError) -> Response:
    """409 when the file changed since indexing, 503 when the source cannot be read."""
    t = translator(request)
    changed = isinstance(exc, DocumentChangedError)
    status = 409 if changed else 503
    key = "doc.changed" if changed else "doc.unavailable"
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=t(f"{key}_title"),
        message=t(f"{key}_message"),
    )


def _anchored(sections: list[Section]) -> list[SectionView]:
    seen: set[int] = set()
    out = []
    for section in sections:
        anchor = None
        if section.page is not None and section.page not in seen:
            seen.add(section.page)
            anchor = f"page-{section.page}"
        out.append(SectionView(section, anchor))
    return out


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _when(value: datetime | None, language: str) -> str:
    return value.strftime(DATE_FORMATS.get(language, DATE_FORMATS["de"])) if value else ""


@router.get("/documents/{document_id}")
def document_page(
    request: Request,
    user: CurrentUser,
    document_id: int,
    quote: Annotated[str, Query(max_length=2000)] = "",
    page: Annotated[int | None, Query(ge=1)] = None,
    cite: bool = False,
) -> Response:
    ww = web_context(request).ww
    t = translator(request)
    try:
        view = ww.viewer.view(user.name, document_id, quote or None)
    except DocumentNotFoundError:
        raise _refuse(request, user, document_id, "view") from None
    info = view.info
    record(
        request,
        Kind.CITATION_OPENED if cite else Kind.DOCUMENT_VIEWED,
        user.name,
        object=document_object(info.source, info.path),
        document_id=document_id,
        page=page,
        quote_found=view.quote_found if quote else None,
    )
    name = PurePosixPath(info.path).name
    return render(
        request,
        "document.html",
        view=view,
        info=info,
        name=name,
        sections=_anchored(view.sections),
        quote=quote,
        page=page,
        is_pdf=info.parser == "pdf",
        modified=_when(info.modified, t.language),
        size=_size(info.size),
    )


@router.get("/documents/{document_id}/pages/{page}.png")
def page_image(request: Request, user: CurrentUser, document_id: int, page: int) -> Response:
    ww = web_context(request).ww
    try:
        png = ww.viewer.page_png(user.name, document_id, page)
    except DocumentNotFoundError:
        raise _refuse(request, user, document_id, "page_image") from None
    except NotFoundError:  # no such page
        raise HTTPException(404) from None
    except SourceError as exc:
        return _source_problem(request, exc)
    return Response(png, media_type="image/png")


def content_disposition(name: str) -> str:
    """``attachment`` with the file name, readable by old browsers (ASCII) and new (UTF-8)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{url_quote(name, safe='')}"


@router.get("/documents/{document_id}/download")
def download(request: Request, user: CurrentUser, document_id: int) -> Response:
    ww = web_context(request).ww
    try:
        info, data = ww.viewer.original(user.name, document_id)
    except DocumentNotFoundError:
        raise _refuse(request, user, document_id, "download") from None
    except NotFoundError:  # the source was removed since indexing
        raise HTTPException(404) from None
    except SourceError as exc:
        return _source_problem(request, exc)
    name = PurePosixPath(info.path).name
    record(
        request,
        Kind.DOCUMENT_DOWNLOADED,
        user.name,
        object=document_object(info.source, info.path),
        document_id=document_id,
        bytes=len(data),
    )
    # The content type is set as a header, not as media_type: Starlette would add
    # "charset=utf-8" to text types, which a file in another encoding is not.
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(
        data,
        headers={"Content-Type": media_type, "Content-Disposition": content_disposition(name)},
    )
