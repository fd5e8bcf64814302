"""Asking a question and rating the answer.

``POST /ask`` answers in one of two ways. The page's script asks for ``text/event-stream``
and gets Server-Sent Events: status lines (rewriting a follow-up, searching, writing), the
conversation, the answer's text as the answerer streams it (``delta``: pieces already checked,
never taken back), its lines with linked citations, the citations, and finally the message
as the page renders it (with its feedback form). Follow-ups are answered with the
conversation's latest turns. Without JavaScript the form posts normally and the
browser is sent to the conversation page, which shows the answer (post/redirect/get, so a
reload does not ask again).

Every question and answer is stored in the user's conversation and recorded in the audit log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from wissenswerk.answering.events import AnswerEvent
from wissenswerk.answering.llm.base import ChatMessage
from wissenswerk.audit.kinds import Kind
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.core.models import Answer
from wissenswerk.store.accounts import Account
from wissenswerk.store.conversations import ConversationRecord
from wissenswerk.web.activity import document_object, record
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.conversation_view import (
    CitationLink,
    Translate,
    answer_lines,
    link_citations,
    message_view,
)
from wissenswerk.web.deps import CurrentUser
from wissenswerk.web.routes.home import ask_page, own_conversation
from wissenswerk.web.templating import form_csrf_token

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

EVENT_STREAM = "text/event-stream"
Question = Annotated[str, Form(max_length=2000)]
ConversationId = Annotated[int | None, Form()]
RATINGS = {"up": 1, "down": -1}
HISTORY_MESSAGES = 10  # earlier questions and answers a follow-up is read with
# What the answerer is doing, as the page says it.
STATUS_KEYS = {
    "rewriting": "ask.rewriting",
    "searching": "ask.searching",
    "generating": "ask.generating",
    "fallback": "ask.fallback",
}


@dataclass(frozen=True, slots=True)
class Answered:
    message_id: int
    answer: Answer
    citations: list[CitationLink]


def _conversation_for(
    request: Request, user: Account, question: str, conversation_id: int | None
) -> tuple[int, bool]:
    """The conversation to add the question to (a new one without id) and whether it is new;
    the question is stored and recorded."""
    store = web_context(request).ww.store
    new = conversation_id is None
    if conversation_id is None:
        conversation_id = store.create_conversation(user.name, question)
    else:
        own_conversation(request, user, conversation_id)
    store.add_message(conversation_id, "user", question)
    record(
        request,
        Kind.QUESTION_ASKED,
        user.name,
        object=f"conversation:{conversation_id}",
        question=question,
        conversation=conversation_id,
    )
    return conversation_id, new


def _history(conversation: ConversationRecord) -> list[ChatMessage]:
    """The conversation before the question just added (its latest turns), so a follow-up
    ("Und 2024?") can be rewritten into a question that stands alone."""
    messages = conversation.messages[:-1]
    return [
        ChatMessage("user" if m.role == "user" else "assistant", m.text)
        for m in messages[-HISTORY_MESSAGES:]
    ]


def _answer_events(
    request: Request, user: Account, question: str, conversation: ConversationRecord
) -> Iterator[AnswerEvent | Answered]:
    """The answerer's events as they come, then the answer as stored and audited.
    ``conversation`` is the user's, loaded after the question was added to it."""
    ww = web_context(request).ww
    conversation_id = conversation.id
    answer: Answer | None = None
    for event in ww.answerer.stream(question, user.name, _history(conversation)):
        if event.kind == "done":
            answer = event.answer
        else:
            yield event
    if answer is None:
        raise WissenswerkError(f"The answerer ended without an answer to {question!r}.")
    citations = link_citations(ww.search, user.name, question, answer.citations)
    message_id = ww.store.add_message(
        conversation_id,
        "assistant",
        answer.answer,
        found=answer.found,
        citations=[c.as_record() for c in citations],
        notes=list(answer.notes),
    )
    record(
        request,
        Kind.ANSWER_GIVEN,
        user.name,
        object=f"conversation:{conversation_id}",
        found=answer.found,
        cited=[document_object(c.source, c.path) for c in citations],
        mode=answer.mode,
        model=answer.model,
        usage=answer.usage,
        conversation=conversation_id,
        message=message_id,
    )
    yield Answered(message_id, answer, citations)


def _answer(
    request: Request, user: Account, question: str, conversation: ConversationRecord
) -> Answered:
    for item in _answer_events(request, user, question, conversation):
        if isinstance(item, Answered):
            return item
    raise AssertionError("_answer_events always ends with the answer")  # pragma: no cover


def _wants(request: Request, media_type: str) -> bool:
    return media_type in request.headers.get("accept", "")


@router.post("/ask")
def ask(
    request: Request,
    user: CurrentUser,
    question: Question,
    conversation_id: ConversationId = None,
) -> Response:
    question = question.strip()
    if not question:
        raise HTTPException(400, "invalid_form")
    conversation_id, new = _conversation_for(request, user, question, conversation_id)
    if _wants(request, EVENT_STREAM):
        csrf_token, _fresh = form_csrf_token(request)
        return StreamingResponse(
            _stream(request, user, question, conversation_id, new, csrf_token),
            media_type=EVENT_STREAM,
            headers={"X-Accel-Buffering": "no"},  # proxies must pass each event on at once
        )
    conversation = own_conversation(request, user, conversation_id)
    try:
        answered = _answer(request, user, question, conversation)
    except WissenswerkError:
        log.exception("Answering %r for %s failed", question, user.name)
        return ask_page(
            request, user, conversation, status_code=503, error=translator(request)("ask.failed")
        )
    return RedirectResponse(
        f"/conversations/{conversation_id}#m{answered.message_id}", status_code=303
    )


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _citation_data(citation: CitationLink, t: Translate) -> dict[str, Any]:
    return {
        "number": citation.number,
        "label": citation.label(t),
        "href": citation.href,
        "source": citation.source,
        "quote": citation.quote,
    }


def _stream(
    request: Request,
    user: Account,
    question: str,
    conversation_id: int,
    new: bool,
    csrf_token: str | None,
) -> Iterator[str]:
    web = web_context(request)
    t = translator(request)
    yield _event("status", {"text": t("ask.searching")})
    conversation = own_conversation(request, user, conversation_id)
    yield _event(
        "conversation",
        {
            "id": conversation_id,
            "url": f"/conversations/{conversation_id}",
            "title": conversation.title,
            "new": new,
        },
    )
    answered: Answered | None = None
    shown = "ask.searching"  # the status the page shows
    try:
        for item in _answer_events(request, user, question, conversation):
            if isinstance(item, Answered):
                answered = item
            elif item.kind == "status" and STATUS_KEYS.get(item.text, shown) != shown:
                shown = STATUS_KEYS[item.text]
                yield _event("status", {"text": t(shown)})
            elif item.kind == "delta" and item.text:
                # Checked before it was sent (answering.events): shown as it comes.
                yield _event("delta", {"text": item.text})
    except Exception:  # the response has started: the page gets a message, the log the trace
        log.exception("Answering %r for %s failed", question, user.name)
        yield _event("error", {"text": t("ask.failed")})
        return
    if answered is None:  # pragma: no cover - _answer_events ends with the answer or raises
        return
    for line in answer_lines(answered.answer.answer, answered.citations):
        segments = [
            {"text": s.text} | (_citation_data(s.citation, t) if s.citation is not None else {})
            for s in line
        ]
        yield _event("line", {"segments": segments})
    for citation in answered.citations:
        yield _event("citation", _citation_data(citation, t))
    stored = own_conversation(request, user, conversation_id)
    message = next(m for m in stored.messages if m.id == answered.message_id)
    html = web.templates.get_template("_conversation_message.html").render(
        t=t,
        csrf_token=csrf_token,
        message=message_view(message, web.ww.settings.llm.allowed_link_hosts),
        conversation_id=conversation_id,
    )
    yield _event("done", {"message_id": answered.message_id, "html": html})


@router.post("/messages/{message_id}/feedback")
def feedback(
    request: Request,
    user: CurrentUser,
    message_id: int,
    rating: Annotated[str, Form(max_length=10)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    conversation_id: ConversationId = None,
) -> Response:
    """Thumbs up or down, with an optional comment, on an answer in the user's own
    conversation; 404 for any other message."""
    value = RATINGS.get(rating)
    if value is None:
        raise HTTPException(400, "invalid_form")
    store = web_context(request).ww.store
    if not store.set_feedback(message_id, user.name, value, comment.strip() or None):
        raise HTTPException(404)
    if _wants(request, "application/json"):
        t = translator(request)
        return JSONResponse({"rating": rating, "message": t("ask.feedback_saved")})
    target = f"/conversations/{conversation_id}#m{message_id}" if conversation_id else "/"
    return RedirectResponse(target, status_code=303)
