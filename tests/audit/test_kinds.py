"""Every event kind and outcome has a German and an English label."""

from __future__ import annotations

import pytest

from wissenswerk.audit import CATEGORY_LABELS, KIND_LABELS, OUTCOME_LABELS, Kind, Outcome
from wissenswerk.audit.kinds import kind_label, outcome_label


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_kind_and_outcome_has_a_label(language: str) -> None:
    assert set(KIND_LABELS[language]) == {k.value for k in Kind}
    assert set(OUTCOME_LABELS[language]) == {o.value for o in Outcome}
    assert all(label.strip() for label in KIND_LABELS[language].values())


def test_labels_are_distinct_within_each_language() -> None:
    for language in ("de", "en"):
        labels = list(KIND_LABELS[language].values())
        assert len(set(labels)) == len(labels), f"two kinds share a {language} label"
    assert kind_label("login.failure") == "Anmeldung fehlgeschlagen"
    assert kind_label("login.failure", "en") == "Login failed"
    assert outcome_label("denied") == "verweigert"


def test_unknown_kinds_and_languages_fall_back() -> None:
    assert kind_label("plugin.something", "en") == "plugin.something"
    assert kind_label("logout", "fr") == "Abmeldung"
    assert outcome_label(None) == ""


def test_every_category_is_a_prefix_of_some_kind() -> None:
    assert set(CATEGORY_LABELS["de"]) == set(CATEGORY_LABELS["en"])
    for prefix in CATEGORY_LABELS["de"]:
        assert prefix.endswith(".")
        assert any(k.startswith(prefix) for k in Kind), prefix


def test_kinds_are_dotted_lowercase() -> None:
    for kind in Kind:
        assert kind == kind.lower().strip()
        assert " " not in kind
