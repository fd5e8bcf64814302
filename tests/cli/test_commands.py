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


def test_connector_sources_are_added_with_checked_options(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = "http://127.0.0.1:9/intranet/"  # never contacted: adding only validates
    run(
        "sources", "add", "intranet", "--kind", "web", "--location", url,
        "--option", 'readers=["everyone"]', "--option", "username=crawler",
        "--option", "password=geheim", "--every", "120", "--permissions-every", "0",
    )  # fmt: skip
    [listed] = json.loads(run("sources", "list", "--json"))["sources"]
    assert listed["kind"] == "web" and listed["location"] == url
    assert listed["options"]["password"] == "***" and listed["options"]["username"] == "crawler"
    assert (listed["sync_every_minutes"], listed["permissions_every_minutes"]) == (120, 0)

    options = tmp_path / "imap.json"
    options.write_text(json.dumps({"host": "127.0.0.1", "folderz": ["INBOX"]}), "utf-8")
    bad = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path / "data"), "sources", "add", "post", "--kind", "imap",
         "--location", "imaps://127.0.0.1", "--options-file", str(options)],
    )  # fmt: skip
    assert bad.exit_code == 2 and "folderz" in bad.output
    unknown = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "data"), "sources", "add", "x", "--kind", "ftp",
              "--location", "ftp://x"],
    )  # fmt: skip
    assert unknown.exit_code == 2 and "known: " in unknown.output
    assert [s["name"] for s in json.loads(run("sources", "list", "--json"))["sources"]] == [
        "intranet"
    ]


def test_failed_list_and_retry(synced, share: Path) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(synced("failed", "--json")) == {"failed": [], "reset": 0}
    status = json.loads(synced("status", "--json"))
    [run_info] = status["runs"]
    assert run_info["status"] == "completed" and run_info["counts"]["added"] == 6


def test_sync_watch_runs_due_sources_until_interrupted(
    share: Path, acl_map: Path, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    data = tmp_path / "watch"
    env = {**os.environ, "WISSENSWERK_EMBEDDINGS__PROVIDER": "none"}
    base = [sys.executable, "-m", "wissenswerk.cli.main", "--data-dir", str(data)]
    add = [*base, "sources", "add", "share", "--folder", str(share), "--acl-map", str(acl_map)]
    subprocess.run(add, check=True, env=env, capture_output=True)
    proc = subprocess.Popen([*base, "sync", "--watch"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    status: dict[str, object] = {}
    while time.monotonic() < deadline:
        out = subprocess.run(
            [*base, "status", "--json"], env=env, capture_output=True, text=True, check=True
        )
        status = json.loads(out.stdout)
        if status["counts"]["documents"] == 6 and status["runs"][0]["status"] == "completed":  # type: ignore[index]
            break
        time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert status["counts"]["documents"] == 6, stderr  # type: ignore[index]
    assert proc.returncode == 0 and "Beendet." in stderr
