"""What an answerer streams: progress, answer text as it comes, the sources, the result.

Every answerer (extractive or generated) yields the same events, so the CLI, the web UI and
the APIs stream either the same way. The text of the ``delta`` events is final: each piece
is checked before it is sent (citations validated, Markdown sanitised; see
``checked_stream``), and the ``done`` event's answer is the pieces joined. A front-end can
show the pieces as they come and never has to take one back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from wissenswerk.core.models import Answer, Citation

if TYPE_CHECKING:
    from wissenswerk.answering.llm.base import Usage

EventKind = Literal["status", "delta", "citations", "done"]


@dataclass(frozen=True, slots=True)
class AnswerEvent:
    kind: EventKind
    # status: what happens now ("rewriting" a follow-up, "searching", "generating");
    # delta: the next piece of the answer
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    answer: Answer | None = None  # only on "done"
    usage: Usage | None = None  # only on "done", when a model answered (all its calls)


def final_answer(events: Iterable[AnswerEvent]) -> Answer:
    """The answer of a stream of events (its ``done`` event)."""
    for event in events:
        if event.kind == "done" and event.answer is not None:
            return event.answer
    raise AssertionError("An answer stream ended without its done event.")  # pragma: no cover
