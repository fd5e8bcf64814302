"""`wissenswerk eval` on a small BEIR directory: the JSON contract and sane numbers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wissenswerk.cli.main import cli

DOCS = {
    "d1": ("Wartung", "Das Wartungsintervall der Getriebe beträgt 2.000 Betriebsstunden."),
    "d2": ("Urlaub", "Urlaubsanträge werden zwei Wochen vorher im Portal gestellt."),
    "d3": ("Reisen", "Die Kilometerpauschale beträgt 0,35 Euro je Kilometer."),
    "d4": ("Kantine", "Die Kantine öffnet um halb zwölf und schließt um vierzehn Uhr."),
}
QUERIES = {
    "q1": ("Wie lang ist das Intervall der Wartung?", "d1"),
    "q2": ("Wann stelle ich einen Urlaubsantrag?", "d2"),
    "q3": ("Kilometerpauschale Dienstreise", "d3"),
}


def make_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    with (root / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for doc_id, (title, text) in DOCS.items():
            f.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (root / "queries.jsonl").open("w", encoding="utf-8") as f:
        for qid, (text, _) in QUERIES.items():
            f.write(json.dumps({"_id": qid, "text": text}) + "\n")
    lines = ["query-id\tcorpus-id\tscore"] + [f"{q}\t{d}\t1" for q, (_, d) in QUERIES.items()]
    (root / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_eval_json_contract_and_perfect_easy_set(tmp_path: Path) -> None:
    beir = make_beir(tmp_path / "mini")
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "unused"), "eval", str(beir), "--json", "--lexical-only"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {
        "ndcg@10",
        "recall@10",
        "recall@100",
        "mrr@10",
        "index_seconds",
        "query_ms_p50",
        "query_ms_p95",
        "docs",
        "queries",
    } <= set(report)
    assert report["docs"] == 4 and report["queries"] == 3
    assert report["ndcg@10"] == 1.0 and report["mrr@10"] == 1.0
    assert not (tmp_path / "unused").exists()  # eval never touches the real data directory


def test_eval_reports_a_broken_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["eval", str(tmp_path), "--json"])
    assert result.exit_code == 2
    assert "corpus.jsonl is missing" in result.stdout
