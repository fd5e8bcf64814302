"""Write the full results table of results.json (and speed.json) into RESULTS.md.

Replaces the text between the ``<!-- table:start -->``/``<!-- table:end -->`` and
``<!-- speed:start -->``/``<!-- speed:end -->`` markers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ("de-pool", "mlqa-de-dev", "xquad-r-de-sent", "xquad-de2en", "scifact")


def table() -> str:
    rows = json.loads((HERE / "results.json").read_text())
    head = "| configuration | " + " | ".join(SETS) + " |"
    lines = [
        "Cells: nDCG@10 / R@10 / R@100 / MRR@10; '–' = not run on that set.",
        "",
        head,
        "|" + "---|" * (len(SETS) + 1),
    ]
    for cfg in sorted(rows):
        cells = []
        for s in SETS:
            r = rows[cfg].get(s)
            cells.append(
                f"{r['nDCG@10']:.4f} / {r['R@10']:.3f} / {r['R@100']:.3f} / {r['MRR@10']:.3f}"
                if r
                else "–"
            )
        lines.append(f"| {cfg} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def speed() -> str:
    path = HERE / "speed.json"
    if not path.exists():
        return "(not measured)"
    rows = sorted(
        json.loads(path.read_text()), key=lambda r: (r["batch"], r["threads"], r["tokens"])
    )
    lines = [
        "| threads | batch | tokens/passage | passages/s | tokens/s |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['threads']} | {r['batch']} | {r['tokens']} (mean {r['mean_tokens']:.0f}) "
            f"| {r['passages_per_s']:.2f} | {r['tokens_per_s']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    path = HERE / "RESULTS.md"
    text = path.read_text()
    for name, body in (("table", table()), ("speed", speed())):
        text = re.sub(
            rf"<!-- {name}:start -->.*?<!-- {name}:end -->",
            lambda _m, n=name, b=body: f"<!-- {n}:start -->\n{b}\n<!-- {n}:end -->",
            text,
            flags=re.S,
        )
    path.write_text(text)


if __name__ == "__main__":
    main()
