"""Recording what employees do (questions, answers, searches, opened documents, denials) in
the audit log, with the client address of the request."""

from __future__ import annotations

from starlette.requests import Request

from wissenswerk.audit.kinds import Outcome
from wissenswerk.web.context import web_context
from wissenswerk.web.sessions import client_ip


def record(
    request: Request,
    kind: str,
    actor: str | None,
    /,
    *,
    object: str | None = None,
    outcome: str = Outcome.SUCCESS,
    **details: object,
) -> int:
    """Append one audit record for ``actor`` and return its id."""
    web = web_context(request)
    return web.ww.audit.record(
        kind,
        actor,
        object=object,
        outcome=outcome,
        ip=client_ip(request, web.settings),
        **details,
    )


def document_object(source: str, path: str) -> str:
    """How audit records name a document: ``source:path``."""
    return f"{source}:{path}"
