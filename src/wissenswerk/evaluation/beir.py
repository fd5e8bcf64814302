"""Reading BEIR-format directories: corpus.jsonl, queries.jsonl, qrels/test.tsv."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from wissenswerk.core.errors import ConfigError


@dataclass(slots=True)
class BeirSet:
    name: str
    docs: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        raise ConfigError(f"{path} is missing; a BEIR directory needs it.")
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_beir(directory: Path, max_queries: int | None = None, seed: int = 0) -> BeirSet:
    docs = {
        str(d["_id"]): (str(d.get("title") or ""), str(d.get("text") or ""))
        for d in _jsonl(directory / "corpus.jsonl")
    }
    qrels_path = directory / "qrels" / "test.tsv"
    if not qrels_path.is_file():
        raise ConfigError(f"{qrels_path} is missing; a BEIR directory needs it.")
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or not row[2].lstrip("-").isdigit():
                continue  # header or blank
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {
        str(q["_id"]): str(q["text"])
        for q in _jsonl(directory / "queries.jsonl")
        if str(q["_id"]) in qrels
    }
    if max_queries is not None and len(queries) > max_queries:
        keep = sorted(random.Random(seed).sample(sorted(queries), max_queries))
        queries = {q: queries[q] for q in keep}
    return BeirSet(directory.name, docs, queries, {q: qrels[q] for q in queries})
