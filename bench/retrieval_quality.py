"""Retrieval quality of the default configuration on the public sets, against our targets.

Runs the same code as `wissenswerk eval` on every set in ../shared/bench/data and prints
nDCG@10 and friends next to the best baseline measured (../shared/bench/results/ALL.md).

    python bench/retrieval_quality.py [--sets de-pool,scifact] [--max-queries N] [--json F]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import SHARED

from wissenswerk.config.settings import Settings
from wissenswerk.evaluation.runner import run_beir

# set -> (target nDCG@10, best baseline nDCG@10)
TARGETS = {
    "de-pool": (0.87, 0.866),
    "mlqa-de-dev": (0.78, 0.772),
    "xquad-r-de-sent": (0.87, 0.860),
    "xquad-de2en": (0.86, 0.850),
    "scifact": (0.70, 0.689),
    "xquad-de": (None, 0.967),
    "xquad-en": (None, 0.961),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", default="xquad-de2en,mlqa-de-dev,xquad-r-de-sent,de-pool,scifact")
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--lexical-only", action="store_true")
    args = parser.parse_args()
    rows = []
    for name in args.sets.split(","):
        settings = Settings()
        if args.lexical_only:
            settings.embeddings.provider = "none"
        t0 = time.perf_counter()
        report = run_beir(SHARED / name, settings, max_queries=args.max_queries)
        row = report.as_dict()
        row["wall_seconds"] = round(time.perf_counter() - t0, 1)
        target, baseline = TARGETS.get(name, (None, None))
        row["target"], row["baseline"] = target, baseline
        rows.append(row)
        verdict = "" if target is None else ("PASS" if row["ndcg@10"] >= target else "MISS")
        print(
            f"{name:16} nDCG@10 {row['ndcg@10']:.4f} (target {target}, baseline {baseline}) "
            f"{verdict}  R@10 {row['recall@10']:.3f}  R@100 {row['recall@100']:.3f}  "
            f"MRR@10 {row['mrr@10']:.3f}  index {row['index_seconds']:.0f} s "
            f"(embed {row['embed_seconds']:.0f} s)  p50 {row['query_ms_p50']:.1f} ms  "
            f"p95 {row['query_ms_p95']:.1f} ms",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
