"""Rank the configurations in results.json by their worst margin over the targets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGETS = {
    "de-pool": 0.87,
    "mlqa-de-dev": 0.78,
    "xquad-r-de-sent": 0.87,
    "xquad-de2en": 0.86,
    "scifact": 0.70,
}


def main() -> None:
    rows = json.loads((Path(__file__).resolve().parent / "results.json").read_text())
    sets = [s for s in TARGETS if len(sys.argv) < 2 or s in sys.argv[1].split(",")]
    grep = sys.argv[2] if len(sys.argv) > 2 else ""
    out = []
    for cfg, res in rows.items():
        if grep not in cfg or not all(s in res for s in sets):
            continue
        vals = [res[s]["nDCG@10"] for s in sets]
        margins = [v - TARGETS[s] for v, s in zip(vals, sets, strict=True)]
        out.append((min(margins), sum(margins) / len(margins), cfg, vals))
    out.sort(reverse=True)
    print(f"{'min':>7} {'mean':>7}  " + " ".join(f"{s[:10]:>10}" for s in sets))
    for mn, mean, cfg, vals in out[:25]:
        print(f"{mn:7.4f} {mean:7.4f}  " + " ".join(f"{v:10.4f}" for v in vals) + f"  {cfg}")


if __name__ == "__main__":
    main()
