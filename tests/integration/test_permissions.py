"""No chunk of a restricted document ever reaches a user without rights: not in results,
not in counts, not in snippets, not in answers, and not even through BM25 statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARE_FILES, make_app, write_share
from wissenswerk.app import Wissenswerk
from wissenswerk.core.errors import UnknownUserError

RESTRICTED_WORDS = ["Gehaltsband", "Ingenieure", "Projekt Falke", "Kranich", "Übernahme"]
QUERIES = [
    *RESTRICTED_WORDS,
    "Kilometerpauschale",
    "Getriebe HX",
    "Wie hoch ist das Gehalt eines Ingenieurs?",
    "Welche Firma soll übernommen werden?",
    "brutto im Jahr",
]


@pytest.mark.parametrize("query", QUERIES)
def test_employee_never_sees_restricted_chunks(app: Wissenswerk, query: str) -> None:
    result = app.search.search(query, "anna", limit=50)
    for hit in result.hits:
        assert not hit.path.startswith(("Personal/", "Geschäftsführung/"))
        for word in ("Gehaltsband", "Kranich", "Falke"):
            assert word not in hit.text
    answer = app.answerer.ask(query, "anna")
    for citation in answer.citations:
        assert not citation.path.startswith(("Personal/", "Geschäftsführung/"))
    for word in ("Gehaltsband", "Kranich", "Falke"):
        assert word not in answer.answer


def test_counts_only_cover_readable_chunks(app: Wissenswerk) -> None:
    assert app.search.search("Kranich", "anna").total == 0
    assert app.search.search("Kranich", "chef").total == 1
    # "Kilometerpauschale" is in two public policies and the HR file.
    assert app.search.search("Kilometerpauschale", "anna").total == 2
    assert app.search.search("Kilometerpauschale", "mia").total == 3


def test_authorised_users_find_what_they_may_read(app: Wissenswerk) -> None:
    hits = app.search.search("Gehaltsband Ingenieure", "mia").hits
    assert hits and hits[0].path == "Personal/Gehaltsbaender.md"
    hits = app.search.search("Projekt Falke", "chef").hits
    assert hits and hits[0].path == "Geschäftsführung/Strategie.md"
    assert app.search.search("Projekt Falke", "mia").hits == []


def test_scores_do_not_depend_on_unreadable_documents(
    tmp_path: Path, app: Wissenswerk, acl_map: Path
) -> None:
    """BM25 statistics over readable chunks only: removing every restricted file changes
    nothing in a user's scores."""
    public = {k: v for k, v in SHARE_FILES.items() if not k.startswith(("Personal", "Gesch"))}
    other = make_app(tmp_path / "public-only")
    other.import_users_csv("user,groups\nanna,mitarbeiter;technik\n")
    other.add_folder_source("share", write_share(tmp_path / "public", public), acl_map)
    other.syncer.sync(other.source("share"))
    for query in ["Kilometerpauschale", "Getriebe HX Wartung", "Übernachtungen erstattet"]:
        full = [(h.path, round(h.score, 5)) for h in app.search.search(query, "anna").hits]
        only = [(h.path, round(h.score, 5)) for h in other.search.search(query, "anna").hits]
        assert full, query
        assert full == only, query
    other.close()


def test_unknown_user_gets_an_error_not_results(app: Wissenswerk) -> None:
    with pytest.raises(UnknownUserError, match="Unknown user 'eve'"):
        app.search.search("Kilometerpauschale", "eve")
    with pytest.raises(UnknownUserError):
        app.answerer.ask("Kilometerpauschale?", "eve")


def test_permission_change_applies_at_next_sync(app: Wissenswerk, acl_map: Path) -> None:
    assert app.search.search("Kranich", "anna").total == 0
    config = app.store.get_source("share")
    assert config is not None
    acl_map.write_text("path_prefix,groups\n,mitarbeiter\nPersonal,personal\n", encoding="utf-8")
    app.add_folder_source("share", Path(config.location), acl_map)
    report = app.syncer.sync(app.source("share"))
    assert report.permissions_changed == 1 and report.updated == 0
    assert app.search.search("Kranich", "anna").total == 1
