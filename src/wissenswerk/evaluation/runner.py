"""``wissenswerk eval``: index a BEIR directory with the normal pipeline, then measure.

Documents go through the same chunker, analyser, store and embedder as company files;
a document's rank is the rank of its best chunk. Index time covers chunking, analysis,
writing and embedding; query latency is one search end to end (query embedding included)
as a single user would see it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from wissenswerk.config.settings import Settings
from wissenswerk.core.acl import EVERYONE
from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.models import SourceConfig
from wissenswerk.evaluation.beir import BeirSet, load_beir
from wissenswerk.evaluation.metrics import mrr_at, ndcg_at, percentile, recall_at
from wissenswerk.indexing.sync import chunk_records
from wissenswerk.store.base import DocumentRecord

if TYPE_CHECKING:
    from wissenswerk.app import Wissenswerk

EVAL_USER = "eval"
EVAL_SOURCE = "beir"


@dataclass(slots=True)
class EvalReport:
    dataset: str
    ndcg10: float
    recall10: float
    recall100: float
    mrr10: float
    index_seconds: float
    embed_seconds: float
    query_ms_p50: float
    query_ms_p95: float
    docs: int
    chunks: int
    queries: int

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "dataset": self.dataset,
            "ndcg@10": round(self.ndcg10, 4),
            "recall@10": round(self.recall10, 4),
            "recall@100": round(self.recall100, 4),
            "mrr@10": round(self.mrr10, 4),
            "index_seconds": round(self.index_seconds, 2),
            "embed_seconds": round(self.embed_seconds, 2),
            "query_ms_p50": round(self.query_ms_p50, 2),
            "query_ms_p95": round(self.query_ms_p95, 2),
            "docs": self.docs,
            "chunks": self.chunks,
            "queries": self.queries,
        }


def _progress(console: Console | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=console is None or not console.is_terminal,
    )


def run_beir(
    directory: Path,
    settings: Settings,
    max_queries: int | None = None,
    progress: Console | None = None,
    index_dir: Path | None = None,
) -> EvalReport:
    """Evaluate in a throw-away data directory, or in ``index_dir``, which keeps the index
    and vectors so a re-run (e.g. with other fusion weights) skips indexing and embedding."""
    from wissenswerk.app import Wissenswerk

    data = load_beir(directory, max_queries=max_queries)
    with tempfile.TemporaryDirectory(prefix="wissenswerk-eval-") as tmp:
        run_settings = settings.model_copy(update={"data_dir": index_dir or Path(tmp)})
        app = Wissenswerk.from_settings(run_settings)
        try:
            return _evaluate(app, data, progress)
        finally:
            app.close()


def _evaluate(app: Wissenswerk, data: BeirSet, console: Console | None) -> EvalReport:
    store = app.store
    store.upsert_user(EVAL_USER, [])
    store.add_source(SourceConfig(name=EVAL_SOURCE, kind="beir", location=data.name))
    indexed = store.document_states(EVAL_SOURCE)
    acl = frozenset({EVERYONE})
    now = datetime.now(tz=UTC)
    started = time.perf_counter()
    chunks = 0
    with _progress(console) as bar:
        task = bar.add_task(f"Index {data.name}", total=len(data.docs))
        for doc_id, (title, text) in data.docs.items():
            if doc_id in indexed:
                bar.advance(task)
                continue
            parsed = ParsedDocument(blocks=[Block(text=text)], title=title or None)
            language = app.analyzer.detect_language(f"{title}\n{text}"[:5000])
            records = chunk_records(app.chunker.chunk(parsed), app.analyzer, language)
            chunks += len(records)
            store.write_document(
                DocumentRecord(
                    source=EVAL_SOURCE,
                    path=doc_id,
                    size=len(text),
                    mtime_ns=0,
                    content_hash=doc_id,
                    acl=acl,
                    title=title or None,
                    modified=now,
                    language=language,
                    status="indexed",
                    parser="beir",
                    chunks=records,
                )
            )
            bar.advance(task)
    lexical_seconds = time.perf_counter() - started
    embed_seconds = 0.0
    if app.embedders:
        with _progress(console) as bar:
            task = bar.add_task("Embed", total=None)
            done = app.embed_missing(
                on_progress=lambda p: bar.update(task, total=p.total, completed=p.done),
            )
        embed_seconds = done.seconds
    search = app.search
    search.search("warm up", EVAL_USER, limit=1)
    ndcg, r10, r100, mrr, latencies = [], [], [], [], []
    # Fusion normalises over each retriever's usual candidates; all fused passages are
    # returned so a document ranking of 100 can be read off for Recall@100.
    limit = 3 * app.settings.search.candidates
    with _progress(console) as bar:
        task = bar.add_task("Queries", total=len(data.queries))
        for qid, query in data.queries.items():
            t0 = time.perf_counter()
            result = search.search(
                query, EVAL_USER, limit=limit, candidates=app.settings.search.candidates
            )
            latencies.append((time.perf_counter() - t0) * 1000)
            ranked = list(dict.fromkeys(h.path for h in result.hits))
            rels = data.qrels[qid]
            ndcg.append(ndcg_at(ranked, rels, 10))
            r10.append(recall_at(ranked, rels, 10))
            r100.append(recall_at(ranked, rels, 100))
            mrr.append(mrr_at(ranked, rels, 10))
            bar.advance(task)
    return EvalReport(
        dataset=data.name,
        ndcg10=statistics.fmean(ndcg) if ndcg else 0.0,
        recall10=statistics.fmean(r10) if r10 else 0.0,
        recall100=statistics.fmean(r100) if r100 else 0.0,
        mrr10=statistics.fmean(mrr) if mrr else 0.0,
        index_seconds=lexical_seconds + embed_seconds,
        embed_seconds=embed_seconds,
        query_ms_p50=percentile(latencies, 50),
        query_ms_p95=percentile(latencies, 95),
        docs=len(data.docs),
        chunks=store.counts()["chunks"],
        queries=len(data.queries),
    )
