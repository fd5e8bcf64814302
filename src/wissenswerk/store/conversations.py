"""The conversations part of the store protocol: a user's questions, the answers with their
citations, and feedback on answers. Only the owner ever reads a conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: int
    title: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    role: str  # "user" | "assistant"
    text: str
    found: bool | None
    citations: list[dict[str, Any]]
    created_at: float
    rating: int | None = None  # the owner's feedback on an assistant message
    comment: str | None = None
    notes: list[str] = field(default_factory=list)  # an answer's notes for its reader


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    id: int
    user: str
    title: str
    created_at: float
    updated_at: float
    messages: list[MessageRecord] = field(default_factory=list)


class ConversationsStore(Protocol):
    def create_conversation(self, user: str, title: str) -> int:
        """A new conversation of ``user`` (title: the first question, shortened)."""
        ...

    def add_message(
        self,
        conversation_id: int,
        role: str,
        text: str,
        found: bool | None = None,
        citations: list[dict[str, Any]] | None = None,
        notes: list[str] | None = None,
    ) -> int: ...

    def conversations(self, user: str, limit: int = 50) -> list[ConversationSummary]:
        """The user's conversations, most recently used first."""
        ...

    def conversation(self, conversation_id: int, user: str) -> ConversationRecord | None:
        """The conversation with its messages, or None unless ``user`` owns it."""
        ...

    def delete_conversation(self, conversation_id: int, user: str) -> bool: ...

    def set_feedback(self, message_id: int, user: str, rating: int, comment: str | None) -> bool:
        """Thumbs up (+1) or down (-1) with an optional comment on an answer in one of the
        user's own conversations; replaces earlier feedback. False if no such answer."""
        ...
