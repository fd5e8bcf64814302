"""What an answerer streams: progress, answer text as it comes, the sources, the result.

Every answerer (extractive or generated) yields the same events, so the CLI, the web UI and
the APIs stream either the same way. The text of the ``delta`` events is provisional: the
``done`` event carries the final answer (citations validated, Markdown sanitised), which
replaces what was streamed.
"""

from __future__ import annotations

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
