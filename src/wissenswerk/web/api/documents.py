"""Documents the caller may read: metadata, the text (with a quote marked) and the original.

A document the caller may not read answers exactly like one that does not exist (404), so
ids reveal nothing; the refusal is audited (permission.denied) all the same.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.core.errors import NotFoundError, SourceError
from wissenswerk.store.documents import DocumentInfo
from wissenswerk.viewer.service import DocumentChangedError, DocumentNotFoundError
from wissenswerk.web.activity import document_object
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiError, ApiRoute, error_doc
from wissenswerk.web.api.models import (
    MAX_ID,
    DocumentOut,
    DocumentSection,
    DocumentText,
    TextSegment,
)
from wissenswerk.web.api.search import file_type
from wissenswerk.web.context import web_context
from wissenswerk.web.routes.documents import content_disposition

NOT_FOUND = error_doc("No such document, or you may not read it.")
router = APIRouter(
    route_class=ApiRoute, tags=["documents"], responses={**COMMON_ERRORS, 404: NOT_FOUND}
)
DocumentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Reader = Annotated[ApiCaller, Depends(caller("documents"))]


def document_out(info: DocumentInfo) -> DocumentOut:
    return DocumentOut(
        id=info.id,
        source=info.source,
        path=info.path,
        title=info.title,
        type=file_type(info.path),
        modified=info.modified,
        size=info.size,
        parser=info.parser,
        language=info.language,
        status=info.status,
        url=info.url,
        warnings=list(info.warnings),
        hidden_text=info.hidden_text,
    )


def not_found(request: Request, who: ApiCaller, document_id: int, action: str) -> ApiError:
    """The 404 for a missing or unreadable document; an existing one is a denial to audit."""
    info = web_context(request).ww.store.document(document_id)
    if info is not None:
        audit(
            request,
            who,
            Kind.PERMISSION_DENIED,
            object=document_object(info.source, info.path),
            outcome=Outcome.DENIED,
            document_id=document_id,
            action=action,
        )
    return ApiError(
        404,
        "document_not_found",
        f"Document {document_id} does not exist or you may not read it.",
    )


@router.get("/documents/{document_id}", response_model=DocumentOut, summary="Document metadata")
def document(request: Request, document_id: DocumentId, who: Reader) -> DocumentOut:
    ww = web_context(request).ww
    info = ww.store.document(document_id) if ww.viewer.may_read(who.name, document_id) else None
    if info is None:
        raise not_found(request, who, document_id, "metadata")
    return document_out(info)


@router.get(
    "/documents/{document_id}/text",
    response_model=DocumentText,
    summary="The document's text, with a quote marked",
)
def document_text(
    request: Request,
    document_id: DocumentId,
    who: Reader,
    quote: Annotated[
        str | None, Query(max_length=2000, description="A citation's quote to mark.")
    ] = None,
) -> DocumentText:
    ww = web_context(request).ww
    try:
        view = ww.viewer.view(who.name, document_id, quote or None)
    except DocumentNotFoundError:
        raise not_found(request, who, document_id, "view") from None
    audit(
        request,
        who,
        Kind.CITATION_OPENED if quote else Kind.DOCUMENT_VIEWED,
        object=document_object(view.info.source, view.info.path),
        document_id=document_id,
        quote_found=view.quote_found if quote else None,
    )
    sections = [
        DocumentSection(
            page=s.page,
            member=s.member,
            heading_path=list(s.heading_path),
            paragraphs=[[TextSegment(text=t, marked=m) for t, m in p] for p in s.paragraphs],
        )
        for s in view.sections
    ]
    return DocumentText(
        document=document_out(view.info),
        quote_found=view.quote_found,
        sections=sections,
    )


@router.get(
    "/documents/{document_id}/original",
    response_class=Response,
    summary="Download the original file",
    responses={
        200: {
            "description": "The file as it is in the source.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        },
        409: error_doc("The file changed in the source since it was indexed."),
        503: error_doc("The source cannot be read right now."),
    },
)
def download(request: Request, document_id: DocumentId, who: Reader) -> Response:
    try:
        info, data = web_context(request).ww.viewer.original(who.name, document_id)
    except DocumentNotFoundError:
        raise not_found(request, who, document_id, "download") from None
    except DocumentChangedError as exc:
        raise ApiError(409, "document_changed", str(exc)) from None
    except NotFoundError:  # the source was removed since indexing
        raise ApiError(404, "document_not_found", f"Document {document_id} is gone.") from None
    except SourceError as exc:
        raise ApiError(
            503,
            "source_unavailable",
            f"The source cannot be read right now ({exc}); try again later.",
            {"Retry-After": "60"},
        ) from None
    audit(
        request,
        who,
        Kind.DOCUMENT_DOWNLOADED,
        object=document_object(info.source, info.path),
        document_id=document_id,
        bytes=len(data),
    )
    name = PurePosixPath(info.path).name or "document"
    # Set as a header: Starlette's media_type would add "charset=utf-8" to text types,
    # which a file in another encoding is not.
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(
        data,
        headers={"Content-Type": media_type, "Content-Disposition": content_disposition(name)},
    )
