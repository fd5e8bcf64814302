"""An OpenAI-compatible API, so chat front-ends (Open WebUI, LibreChat, ...) and the ``openai``
client libraries can talk to the knowledge base as if it were a model named "wissenswerk".

- ``GET /v1/models`` (and ``/v1/models/wissenswerk``): the one model.
- ``POST /v1/chat/completions``, as one JSON object or streamed (``"stream": true``:
  server-sent ``chat.completion.chunk`` events ending with ``data: [DONE]``). The last
  message is the question (role "user"); the user and assistant messages before it are the
  conversation, passed to the answerer for follow-up questions (its latest 10). System
  messages are ignored: the answerer keeps its own instructions.

The API key is a wissenswerk API token with the scope "ask" (``Authorization: Bearer ww_…``);
every answer comes from the documents the token's owner may read. The sources are appended to
the answer as footnotes (``[1] Technik/Wartung.md, S. 3``, in the web app's default language;
a source whose document may hide text from its reader ends with `` ⚠ versteckter Text:
<reasons>``) and returned in the extra field ``sources`` (on the response; when streaming, on
the chunk with ``finish_reason``; each with ``hidden_text``, "" when nothing was found), next
to ``x_wissenswerk`` (``found``, ``mode``, ``notes``, ``model``). ``usage`` counts the tokens
of the language model that wrote the answer; extractive answers use none (all 0). Sampling
parameters (temperature, max_tokens, ...) are ignored: the server's settings apply. A
streamed answer arrives when it is checked (see ``_stream``). Questions and answers are
audited with ``"via": "openai-api"``.

Errors use OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from wissenswerk.answering.llm.base import ChatMessage
from wissenswerk.audit.kinds import Kind, Outcome
from wissenswerk.core.errors import WissenswerkError
from wissenswerk.web.answer_turn import AnswerTurn, TurnResult, TurnText, footnotes
from wissenswerk.web.api.auth import ApiCaller
from wissenswerk.web.context import web_context
from wissenswerk.web.conversation_view import CitationLink
from wissenswerk.web.sessions import client_ip

MODEL_ID = "wissenswerk"
VIA = "openai-api"
SCOPE = "ask"
MAX_QUESTION_CHARS = 2000  # as on the ask page and in the REST API
MAX_MESSAGE_CHARS = 100_000
HISTORY_MESSAGES = 10  # the conversation passed on: its latest user/assistant messages
EVENT_STREAM = "text/event-stream"
ERROR_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    503: "server_error",
}
MISSING_TOKEN = (
    "This API needs a wissenswerk API token as its key: 'Authorization: Bearer ww_…' (in a "
    "chat front-end: the API key of the OpenAI connection). Tokens are created in the web "
    "app's administration (API tokens), with the scope 'ask'."
)
_CREATED = int(time.time())  # when this process started: the model's "created" date


class OpenAIError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers or {}


def error_body(code: str, message: str, status: int, param: str | None = None) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_response(exc: OpenAIError) -> JSONResponse:
    return JSONResponse(
        error_body(exc.code, exc.message, exc.status, exc.param),
        status_code=exc.status,
        headers=exc.headers,
    )


def _invalid(exc: RequestValidationError) -> OpenAIError:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = str(first.get("msg", "invalid value"))
    return OpenAIError(
        400,
        "invalid_request",
        f"The request is invalid at {where or 'its body'}: {message}. "
        "Send a chat completion request as the OpenAI API describes it.",
        param=where or None,
    )


class OpenAIRoute(APIRoute):
    """Errors of these routes in OpenAI's shape, including those of the app-wide
    dependencies (first-run gate, CSRF), which would otherwise answer with a page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if "authorization" not in request.headers:
                # Before the CSRF check, which would refuse a token-less POST with a page.
                return error_response(
                    OpenAIError(401, "missing_token", MISSING_TOKEN, headers=BEARER)
                )
            if not web_context(request).setup_done and web_context(request).accounts.needs_setup():
                # Before the first-run gate, which would redirect to the setup page.
                return error_response(
                    OpenAIError(
                        503,
                        "setup_required",
                        "wissenswerk is not set up yet: create the administrator account in "
                        "the browser first.",
                    )
                )
            try:
                return await handle(request)
            except OpenAIError as exc:
                return error_response(exc)
            except RequestValidationError as exc:
                return error_response(_invalid(exc))
            except StarletteHTTPException as exc:
                return error_response(
                    OpenAIError(exc.status_code, str(exc.detail), str(exc.detail))
                )
            except WissenswerkError as exc:
                return error_response(
                    OpenAIError(503, "answer_failed", f"No answer could be given: {exc}")
                )

        return handler


BEARER = {"WWW-Authenticate": "Bearer"}
bearer = HTTPBearer(auto_error=False)
router = APIRouter(prefix="/v1", route_class=OpenAIRoute, include_in_schema=False)


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiCaller:
    """The token's owner, if the token is valid and holds the scope "ask"."""
    web = web_context(request)
    verified = web.accounts.verify_api_token(credentials.credentials) if credentials else None
    if verified is None:
        raise OpenAIError(
            401,
            "invalid_token",
            "The API key is not a valid wissenswerk API token (unknown, revoked or expired, "
            "or its user is deactivated). Create a new token with the scope 'ask'.",
            headers=BEARER,
        )
    account, scopes = verified
    who = ApiCaller(account, scopes, client_ip(request, web.settings))
    if SCOPE not in scopes:
        web.ww.audit.record(
            Kind.PERMISSION_DENIED,
            who.name,
            object=f"{request.method} {request.url.path}",
            outcome=Outcome.DENIED,
            ip=who.ip,
            via=VIA,
            reason="scope",
            needed=SCOPE,
        )
        raise OpenAIError(
            403,
            "insufficient_scope",
            f"This token lacks the scope {SCOPE!r}. Use a token with it.",
        )
    return who


Caller = Annotated[ApiCaller, Depends(caller)]


# --- request ----------------------------------------------------------------------------
class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str | None = None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if self.content is None or isinstance(self.content, str):
            return self.content or ""
        if any(part.type != "text" for part in self.content):
            raise OpenAIError(
                400,
                "unsupported_content",
                "wissenswerk answers text questions only; leave images, audio and files out "
                "of the messages.",
                param="messages",
            )
        return "\n".join(part.text or "" for part in self.content)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # sampling parameters: the server decides
    model: str = Field(max_length=200)
    messages: list[MessageIn] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: StreamOptions | None = None


def conversation(request: ChatRequest) -> tuple[str, list[ChatMessage]]:
    """The question (the last message, from the user) and the conversation before it."""
    if request.model != MODEL_ID:
        raise OpenAIError(
            404,
            "model_not_found",
            f"There is no model {request.model!r}; this server offers {MODEL_ID!r}.",
            param="model",
        )
    last = request.messages[-1]
    question = last.text().strip()
    if last.role != "user" or not question:
        raise OpenAIError(
            400,
            "no_question",
            "The last message must be the user's question (role 'user', not empty).",
            param="messages",
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise OpenAIError(
            400,
            "question_too_long",
            f"The question has {len(question)} characters; ask in at most {MAX_QUESTION_CHARS}.",
            param="messages",
        )
    history = [
        ChatMessage(m.role, text[:MAX_MESSAGE_CHARS])
        for m in request.messages[:-1]
        if m.role in ("user", "assistant") and (text := m.text().strip())
    ]
    return question, history[-HISTORY_MESSAGES:]


# --- response ---------------------------------------------------------------------------
def source_out(citation: CitationLink, base_url: str) -> dict[str, Any]:
    href = citation.href
    return {
        "number": citation.number,
        "source": citation.source,
        "path": citation.path,
        "member": citation.member,
        "page": citation.page,
        "quote": citation.quote,
        "document_id": citation.document_id,
        "url": base_url.rstrip("/") + href if href else None,
        "hidden_text": citation.hidden_text,
    }


class Completion:
    """What one request answers: its id, and the parts of the body OpenAI defines and ours."""

    def __init__(self, request: Request) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.base_url = str(request.base_url)
        web = web_context(request)
        self.t = web.translator(web.settings.default_language)

    def content(self, result: TurnResult) -> str:
        notes = footnotes(result.citations, self.t)
        return f"{result.answer.answer}\n\n{notes}" if notes else result.answer.answer

    def extras(self, result: TurnResult) -> dict[str, Any]:
        answer = result.answer
        return {
            "sources": [source_out(c, self.base_url) for c in result.citations],
            "x_wissenswerk": {
                "found": answer.found,
                "mode": answer.mode,
                "notes": list(answer.notes),
                "model": answer.model,
            },
        }

    @staticmethod
    def usage(result: TurnResult) -> dict[str, int]:
        u = result.usage
        return {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "total_tokens": u.total_tokens,
        }

    def body(self, result: TurnResult) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.content(result)},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": self.usage(result),
            **self.extras(result),
        }

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> str:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL_ID,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
            **extra,
        }
        return sse(body)


def sse(data: object) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


# --- routes -----------------------------------------------------------------------------
def model_out() -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": _CREATED, "owned_by": "wissenswerk"}


@router.get("/models")
def models(who: Caller) -> dict[str, Any]:
    return {"object": "list", "data": [model_out()]}


@router.get("/models/{model}")
def model(model: str, who: Caller) -> dict[str, Any]:
    if model != MODEL_ID:
        raise OpenAIError(404, "model_not_found", f"There is no model {model!r}.", "model")
    return model_out()


@router.post("/chat/completions", response_model=None)
def chat_completions(
    request: Request, body: ChatRequest, who: Caller
) -> StreamingResponse | dict[str, Any]:
    question, history = conversation(body)
    turn = AnswerTurn(web_context(request).ww, who, VIA)
    completion = Completion(request)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _stream(turn, completion, question, history, include_usage),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
    return completion.body(turn.answer(question, history, stream=False))


def _stream(
    turn: AnswerTurn,
    completion: Completion,
    question: str,
    history: list[ChatMessage],
    include_usage: bool,
) -> Iterator[str]:
    """The answer as chat.completion.chunk events, as it is written.

    A chat front-end renders every piece it gets and cannot take one back, so the answerer
    streams only pieces that are already checked (citations validated, links and images
    removed: answering.checked_stream); the footnotes with the sources follow the answer.
    """
    yield completion.chunk({"role": "assistant", "content": ""})
    streamed = ""
    try:
        for item in turn.run(question, history, stream=True):
            if isinstance(item, TurnText):
                streamed += item.text
                yield completion.chunk({"content": item.text})
                continue
            yield from (completion.chunk({"content": c}) for c in _rest(completion, item, streamed))
            yield completion.chunk({}, "stop", **completion.extras(item))
            if include_usage:
                yield sse(
                    {
                        "id": completion.id,
                        "object": "chat.completion.chunk",
                        "created": completion.created,
                        "model": MODEL_ID,
                        "choices": [],
                        "usage": completion.usage(item),
                    }
                )
    except WissenswerkError as exc:
        # The first chunk is sent already; OpenAI's clients raise on an "error" event.
        yield sse(error_body("answer_failed", f"No answer could be given: {exc}", 503))
    yield "data: [DONE]\n\n"


def _rest(completion: Completion, result: TurnResult, streamed: str) -> list[str]:
    """What the client still needs after the streamed pieces: the footnotes, or the whole
    answer if nothing was streamed."""
    full = completion.content(result)
    if not streamed.strip():
        return full.splitlines(keepends=True)
    notes = footnotes(result.citations, completion.t)
    gap = "\n\n"[len(streamed) - len(streamed.rstrip("\n")) :]  # a blank line before them
    return [gap + notes] if notes else []


@router.api_route(
    "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], response_model=None
)
def unknown(rest: str) -> None:
    raise OpenAIError(
        404,
        "unknown_url",
        f"wissenswerk offers /v1/models and /v1/chat/completions, not /v1/{rest}.",
    )
