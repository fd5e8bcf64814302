"""Follow-up questions ("und für Dienstwagen?") rewritten into standalone search queries.

Retrieval sees one query, so a follow-up must carry what it refers to. A short prompt asks the
model for the standalone question; when the model fails or answers with something that is not
a plausible question (empty, several lines, far longer than the conversation warrants), the
previous question and the follow-up are simply concatenated, which keeps BM25 and the dense
retriever on topic at the cost of some noise.
"""

from __future__ import annotations

from collections.abc import Sequence

from wissenswerk.answering.citations import strip_markers
from wissenswerk.answering.llm.base import ChatMessage

MAX_TURNS = 4  # most recent messages shown to the model
MAX_TURN_CHARS = 400  # an earlier answer is cut to this; its start says what it was about
REWRITE_MAX_TOKENS = 96

_SYSTEM = {
    "de": (
        "Formuliere die letzte Frage des Nutzers so um, dass sie ohne das Gespräch "
        "verständlich ist: ersetze Bezüge wie „das“, „dort“ oder „und für …?“ durch das "
        "Gemeinte. Behalte die Sprache der Frage. Antworte nur mit der umformulierten Frage, "
        "ohne Erklärung und ohne sie zu beantworten."
    ),
    "en": (
        "Rewrite the user's last question so that it can be understood without the "
        "conversation: replace references such as 'it', 'there' or 'and for ...?' by what they "
        "refer to. Keep the language of the question. Reply with the rewritten question only, "
        "without explanation and without answering it."
    ),
}
_LABELS = {
    "de": ("Gespräch", "Nutzer", "Assistent", "Letzte Frage", "Eigenständige Frage"),
    "en": ("Conversation", "User", "Assistant", "Last question", "Standalone question"),
}
_PREFIXES = ("eigenständige frage:", "standalone question:", "frage:", "question:")


def rewrite_messages(
    question: str, history: Sequence[ChatMessage], language: str
) -> list[ChatMessage]:
    """The prompt asking for a standalone version of ``question``."""
    conversation, user, assistant, last, standalone = _LABELS[language]
    lines = []
    for message in list(history)[-MAX_TURNS:]:
        who = user if message.role == "user" else assistant
        text = " ".join(strip_markers(message.content).split())
        if len(text) > MAX_TURN_CHARS:
            text = text[:MAX_TURN_CHARS].rsplit(" ", 1)[0] + " …"
        lines.append(f"{who}: {text}")
    body = f"{conversation}:\n" + "\n".join(lines) + f"\n\n{last}: {question}\n\n{standalone}:"
    return [ChatMessage("system", _SYSTEM[language]), ChatMessage("user", body)]


def concatenated_query(question: str, history: Sequence[ChatMessage]) -> str:
    """The fallback: the previous user question, then the follow-up."""
    previous = [m.content for m in history if m.role == "user" and m.content.strip()]
    return f"{previous[-1].strip()} {question.strip()}" if previous else question.strip()


def clean_rewrite(output: str, question: str, history: Sequence[ChatMessage]) -> str | None:
    """The model's rewrite if it looks like a question for retrieval, else None."""
    text = output.strip().strip("\"'„“”»«").strip()
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :].strip().strip("\"'„“”»«").strip()
    if not text or "\n" in text:
        return None
    # The rewrite may add what the follow-up refers to, not an essay.
    limit = len(concatenated_query(question, history)) + 80
    return text if len(text) <= limit else None
