"""POST /api/v1/ask: a cited answer from the documents the caller may read, as one JSON
object or streamed as server-sent events (``"stream": true``).

The stream sends, in this order: ``status`` ({"phase": "searching"}; with a language model
also "rewriting" a follow-up, "generating", or "fallback" when the model is down), ``delta``
events ({"text": ...}) with the answer as it is written (each piece checked before it is
sent; joined they are the answer), one ``answer-line`` per line of the final answer, one
``citation`` per citation (the CitationOut object) and ``done`` ({"found", "mode", "notes",
"citations"}); if answering fails after the stream began, an ``error`` event ({"code",
"message"}) ends it instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from wissenswerk.audit.kinds import Kind
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.core.models import Answer
from wissenswerk.web.activity import document_object
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiRoute
from wissenswerk.web.api.models import AnswerResponse, AskRequest, CitationOut
from wissenswerk.web.context import web_context
from wissenswerk.web.conversation_view import CitationLink, link_citations

router = APIRouter(route_class=ApiRoute, tags=["ask"], responses=COMMON_ERRORS)
EVENT_STREAM = "text/event-stream"
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer; with stream=true a text/event-stream (see the summary "
        "of this operation for its events).",
        "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
    }
}


def citation_out(citation: CitationLink) -> CitationOut:
    return CitationOut(
        number=citation.number,
        source=citation.source,
        path=citation.path,
        member=citation.member,
        page=citation.page,
        quote=citation.quote,
        document_id=citation.document_id,
        hidden_text=citation.hidden_text,
    )


def answer_out(question: str, answer: Answer, citations: list[CitationLink]) -> AnswerResponse:
    return AnswerResponse(
        question=question,
        answer=answer.answer,
        found=answer.found,
        mode=answer.mode,
        citations=[citation_out(c) for c in citations],
        notes=list(answer.notes),
    )


def answer(request: Request, who: ApiCaller, question: str) -> tuple[Answer, list[CitationLink]]:
    """The answer with its citations linked to document ids, recorded as the web app does."""
    given = web_context(request).ww.answerer.ask(question, who.name)
    return given, recorded(request, who, question, given)


def recorded(request: Request, who: ApiCaller, question: str, given: Answer) -> list[CitationLink]:
    """The answer's citations linked to document ids; the answer is audited."""
    ww = web_context(request).ww
    citations = link_citations(ww.search, who.name, question, given.citations)
    audit(
        request,
        who,
        Kind.ANSWER_GIVEN,
        found=given.found,
        cited=[document_object(c.source, c.path) for c in citations],
        mode=given.mode,
        model=given.model,
        usage=given.usage,
    )
    return citations


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/ask",
    response_model=AnswerResponse,
    responses=STREAM_DOC,
    summary="Ask a question (JSON, or streamed: status, delta, answer-line, citation, done)",
)
def ask(
    request: Request,
    body: AskRequest,
    who: Annotated[ApiCaller, Depends(caller("ask"))],
) -> Response | AnswerResponse:
    audit(request, who, Kind.QUESTION_ASKED, question=body.question, stream=body.stream)
    if body.stream:
        return StreamingResponse(
            _stream(request, who, body.question),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
    given, citations = answer(request, who, body.question)
    return answer_out(body.question, given, citations)


def _stream(request: Request, who: ApiCaller, question: str) -> Iterator[str]:
    yield sse("status", {"phase": "searching"})
    given: Answer | None = None
    try:
        for event in web_context(request).ww.answerer.stream(question, who.name):
            if event.kind == "status" and event.text != "searching":
                yield sse("status", {"phase": event.text})
            elif event.kind == "delta" and event.text:
                yield sse("delta", {"text": event.text})  # checked before it is sent
            elif event.kind == "done":
                given = event.answer
        if given is None:
            raise WissenswerkError(f"The answerer ended without an answer to {question!r}.")
        citations = recorded(request, who, question, given)
    except WissenswerkError as exc:
        yield sse("error", {"code": "answer_failed", "message": str(exc)})
        return
    for line in given.answer.splitlines():
        yield sse("answer-line", {"text": line})
    for citation in citations:
        yield sse("citation", citation_out(citation).model_dump(mode="json"))
    done = {
        "found": given.found,
        "mode": given.mode,
        "notes": given.notes,
        "citations": len(citations),
    }
    yield sse("done", done)
