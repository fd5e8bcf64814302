"""Contract tests for the conversations part of the store; every backend must pass them."""

from __future__ import annotations

import pytest

from wissenswerk.core.errors import ConfigError, UnknownUserError
from wissenswerk.store.base import Store


class ConversationsContract:
    """Mixed into each backend's test class, which provides the `store` fixture."""

    def test_conversation_roundtrip_with_citations_and_feedback(self, store: Store) -> None:
        store.upsert_user("anna", ["technik"])
        cid = store.create_conversation("anna", "Wie lang ist das   Wartungsintervall?")
        store.add_message(cid, "user", "Wie lang ist das Wartungsintervall?")
        citation = {"number": 1, "path": "Technik/Wartung.md", "page": None, "quote": "2.000 h"}
        answer = store.add_message(cid, "assistant", "2.000 Betriebsstunden [1]", True, [citation])
        assert store.set_feedback(answer, "anna", -1, "  veraltet ")
        assert store.set_feedback(answer, "anna", 1, None)  # replaces the earlier feedback
        conv = store.conversation(cid, "anna")
        assert conv is not None and conv.title == "Wie lang ist das Wartungsintervall?"
        assert [m.role for m in conv.messages] == ["user", "assistant"]
        assert conv.messages[1].citations == [citation] and conv.messages[1].found is True
        assert (conv.messages[1].rating, conv.messages[1].comment) == (1, None)
        assert [c.id for c in store.conversations("anna")] == [cid]

    def test_only_the_owner_sees_or_rates_a_conversation(self, store: Store) -> None:
        store.upsert_user("anna", [])
        store.upsert_user("tom", [])
        cid = store.create_conversation("anna", "Gehalt?")
        question = store.add_message(cid, "user", "Gehalt?")
        answer = store.add_message(cid, "assistant", "Nichts gefunden.", False)
        assert store.conversation(cid, "tom") is None
        assert store.conversations("tom") == []
        assert not store.set_feedback(answer, "tom", 1, None)
        assert not store.set_feedback(question, "anna", 1, None)  # only answers are rated
        assert not store.delete_conversation(cid, "tom")
        assert store.delete_conversation(cid, "anna") and store.conversation(cid, "anna") is None

    def test_bad_input_is_a_clear_error(self, store: Store) -> None:
        with pytest.raises(UnknownUserError):
            store.create_conversation("niemand", "x")
        store.upsert_user("anna", [])
        cid = store.create_conversation("anna", "x" * 500)
        assert len(store.conversations("anna")[0].title) == 120
        with pytest.raises(ConfigError):
            store.add_message(cid, "system", "x")
        answer = store.add_message(cid, "assistant", "x")
        with pytest.raises(ConfigError):
            store.set_feedback(answer, "anna", 5, None)
