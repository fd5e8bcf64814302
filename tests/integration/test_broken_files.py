"""One broken file is one recorded error with a clear reason; the rest of the batch is indexed
and the sync still exits 0."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import DATA, write_share
from wissenswerk.cli.main import cli


def test_corrupt_files_are_reported_and_the_batch_goes_on(tmp_path: Path, users_csv: Path) -> None:
    share = write_share(tmp_path / "share")
    broken = share / "Kaputt"
    broken.mkdir()
    for name in ("kaputt.pdf", "abgeschnitten.docx", "verschluesselt.pdf", "bombe.zip", "scan.pdf"):
        shutil.copy(DATA / name, broken / name)
    (broken / "leer.xlsx").write_bytes(b"")
    acl = tmp_path / "acl.csv"
    acl.write_text("path_prefix,groups\n,mitarbeiter\n", encoding="utf-8")
    runner = CliRunner(env={"WISSENSWERK_EMBEDDINGS__PROVIDER": "none"})
    base = ["--data-dir", str(tmp_path / "data")]
    assert runner.invoke(cli, [*base, "users", "import", str(users_csv)]).exit_code == 0
    add = [*base, "sources", "add", "s", "--folder", str(share), "--acl-map", str(acl)]
    assert runner.invoke(cli, add).exit_code == 0

    result = runner.invoke(cli, [*base, "sync", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)["sources"][0]
    # The scanned page was queued and recognised by the OCR pass of the same command.
    assert json.loads(result.stdout)["ocr"]["documents"] == 1
    errors = {e["path"]: e["reason"] for e in report["errors"]}
    assert set(errors) == {
        "Kaputt/kaputt.pdf",
        "Kaputt/abgeschnitten.docx",
        "Kaputt/verschluesselt.pdf",
        "Kaputt/bombe.zip",
        "Kaputt/leer.xlsx",
    }
    assert all(reason.strip() for reason in errors.values())
    assert "encrypt" in errors["Kaputt/verschluesselt.pdf"].lower()
    # scan.pdf: page 1 has a text layer (indexed), page 2 is a scan (reported for OCR).
    assert report["needs_ocr"] == ["Kaputt/scan.pdf"]
    assert report["added"] == 7  # the six good files of the share and scan.pdf

    found = runner.invoke(cli, [*base, "search", "Wartungsintervall", "--user", "anna", "--json"])
    assert json.loads(found.stdout)["results"][0]["path"] == "Technik/Wartung.md"

    status = json.loads(runner.invoke(cli, [*base, "status", "--json"]).stdout)
    assert status["counts"]["errors"] == 5
    assert status["counts"]["ocr_pending"] == 0
    assert not any("queued for OCR" in p["reason"] for p in status["problems"])

    # A re-run does not retry unchanged broken files.
    again = json.loads(runner.invoke(cli, [*base, "sync", "--json"]).stdout)["sources"][0]
    assert again["unchanged"] == 12 and again["errors"] == []
