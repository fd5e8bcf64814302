"""The ask page and the conversation history: ``/`` starts a new conversation,
``/conversations/{id}`` opens one of the user's own (any other id is 404), and a POST
deletes one. Asking itself is in ``routes/ask.py``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from wissenswerk.config.settings import LlmSettings
from wissenswerk.store.accounts import Account
from wissenswerk.store.conversations import ConversationRecord
from wissenswerk.web.context import web_context
from wissenswerk.web.conversation_view import message_view
from wissenswerk.web.deps import CurrentUser, render

router = APIRouter(include_in_schema=False)

HISTORY_LIMIT = 50


def ask_page(
    request: Request,
    user: Account,
    conversation: ConversationRecord | None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    """The ask page with the user's history and, if given, one conversation's messages."""
    ww = web_context(request).ww
    store, hosts = ww.store, ww.settings.llm.allowed_link_hosts
    return render(
        request,
        "home.html",
        status_code=status_code,
        conversations=store.conversations(user.name, limit=HISTORY_LIMIT),
        conversation=conversation,
        messages=[message_view(m, hosts) for m in conversation.messages] if conversation else [],
        error=error,
        model_name=_model_name(ww.settings.llm),
    )


def _model_name(llm: LlmSettings) -> str | None:
    """The configured model's name for the page (from the settings: asking the server or
    loading the model would slow every page down); None without a model."""
    if llm.provider == "none":
        return None
    return llm.model or (llm.model_path.stem if llm.model_path else llm.provider)


def own_conversation(request: Request, user: Account, conversation_id: int) -> ConversationRecord:
    """The conversation if ``user`` owns it; 404 otherwise (ids of others reveal nothing)."""
    record = web_context(request).ww.store.conversation(conversation_id, user.name)
    if record is None:
        raise HTTPException(404)
    return record


@router.get("/")
def home(request: Request, user: CurrentUser) -> Response:
    return ask_page(request, user, None)


@router.get("/conversations/{conversation_id}")
def conversation(request: Request, user: CurrentUser, conversation_id: int) -> Response:
    return ask_page(request, user, own_conversation(request, user, conversation_id))


@router.post("/conversations/{conversation_id}/delete")
def delete_conversation(request: Request, user: CurrentUser, conversation_id: int) -> Response:
    if not web_context(request).ww.store.delete_conversation(conversation_id, user.name):
        raise HTTPException(404)
    return RedirectResponse("/", status_code=303)
