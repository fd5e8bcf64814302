"""The scripting interface as admins and our evaluation use it (README "Interface")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wissenswerk.cli.main import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WISSENSWERK_EMBEDDINGS__PROVIDER", "none")
    data = tmp_path / "data"

    def invoke(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(cli, ["--data-dir", str(data), *args])
        assert result.exit_code == code, (result.output, result.exception)
        return result.stdout

    return invoke


@pytest.fixture
def synced(run, share: Path, acl_map: Path, users_csv: Path):  # type: ignore[no-untyped-def]
    run("users", "import", str(users_csv))
    run("sources", "add", "share", "--folder", str(share), "--acl-map", str(acl_map))
    report = json.loads(run("sync", "--json"))
    assert report["sources"][0]["added"] == 6
    return run


def test_search_json_shape(synced) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(synced("search", "Wartungsintervall", "--user", "anna", "--json"))
    assert set(out) == {"results", "total"}
    first = out["results"][0]
    assert set(first) == {"source", "path", "member", "page", "text", "score"}
    assert first["path"] == "Technik/Wartung.md" and first["source"] == "share"
    assert first["member"] is None
    limited = json.loads(synced("search", "die", "--user", "anna", "--json", "--limit", "1"))
    assert len(limited["results"]) <= 1


def test_ask_json_shape_and_citation(synced) -> None:  # type: ignore[no-untyped-def]
    out = json.loads(
        synced(
            "ask",
            "Wie lang ist das Intervall der Wartung für HX-Getriebe?",
            "--user",
            "anna",
            "--json",
        )
    )
    assert out["found"] is True
    citation = out["citations"][0]
    assert set(citation) >= {"source", "path", "member", "page", "quote"}
    assert citation["path"] == "Technik/Wartung.md"
    assert "2.000 Betriebsstunden" in citation["quote"]


def test_ask_batch_one_line_per_input(synced, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        "\n".join(
            json.dumps(q, ensure_ascii=False)
            for q in [
                {"id": "1", "question": "Wie hoch ist die Kilometerpauschale?", "user": "anna"},
                {"id": "2", "question": "Projekt Falke?", "user": "anna"},
                {"id": "3", "question": "Kilometerpauschale?", "user": "eve"},
            ]
        ),
        encoding="utf-8",
    )
    lines = [
        json.loads(line) for line in synced("ask", "--batch", str(batch), "--json").splitlines()
    ]
    assert [line["id"] for line in lines] == ["1", "2", "3"]
    assert lines[0]["found"] is True
    assert "0,35" in lines[0]["citations"][0]["quote"]  # newer policy preferred
    assert lines[1]["found"] is False and lines[1]["citations"] == []
    assert "Unknown user 'eve'" in lines[2]["error"]


def test_unknown_user_gets_clear_error_and_no_results(synced) -> None:  # type: ignore[no-untyped-def]
    out = synced("search", "Getriebe", "--user", "eve", "--json", code=2)
    assert json.loads(out) == {"error": json.loads(out)["error"]}
    assert "Unknown user 'eve'" in out


def test_sync_is_incremental_and_reports_deletions(synced, share: Path) -> None:  # type: ignore[no-untyped-def]
    report = json.loads(synced("sync", "--json"))["sources"][0]
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 6)
    (share / "Technik" / "notizen.txt").unlink()
    report = json.loads(synced("sync", "--json"))["sources"][0]
    assert report["deleted"] == 1
    assert json.loads(synced("search", "Kantine", "--user", "anna", "--json"))["results"] == []


def test_unknown_source_is_fatal(run) -> None:  # type: ignore[no-untyped-def]
    run("sync", "nirgends", code=2)


def test_config_show_lists_every_setting(run) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(run("config", "show", "--json"))["settings"]
    keys = {r["key"] for r in rows}
    assert {"data_dir", "embeddings.provider", "search.bm25_k1"} <= keys
    assert all(r["description"] for r in rows)
    provider = next(r for r in rows if r["key"] == "embeddings.provider")
    assert provider["origin"] == "env WISSENSWERK_EMBEDDINGS__PROVIDER"
