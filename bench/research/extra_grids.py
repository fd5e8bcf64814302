"""Extra grids behind the ``kb …``, ``zwin …`` and no-title rows of results.json.

.venv/bin/python bench/research/extra_grids.py kb,zwin,notitle de-pool,mlqa-de-dev
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fusion import Analyzer, Recorder, bm25_matrix, dense_matrix, normalise, prepare


def main() -> None:
    what, sets = sys.argv[1].split(","), sys.argv[2].split(",")
    rec = Recorder()
    for name in sets:
        p = prepare(name)
        a = Analyzer()
        dense = dense_matrix(p, "e5small")
        if "kb" in what:  # BM25 k1/b inside the fused system
            e, u = normalise(dense, "z"), normalise(dense_matrix(p, "use"), "z")
            for k1, b in ((0.9, 0.5), (0.9, 0.75), (1.2, 0.5), (1.2, 0.75), (1.5, 0.75)):
                lex = normalise(bm25_matrix(p, a.index_terms, a.query_terms, k1, b, "kb"), "z")
                for wl, wu in ((0.3, 0.0), (0.25, 0.1), (0.35, 0.0)):
                    rec.add(
                        f"kb convex-z L={wl} E={1 - wl - wu:.2f} U={wu} bm25(k1={k1},b={b})",
                        p,
                        wl * lex + (1 - wl - wu) * e + wu * u,
                    )
        if "zwin" in what:  # z-score statistics over the top-N of each list
            lex = bm25_matrix(p, a.index_terms, a.query_terms, 1.2, 0.75)
            for win in (20, 50, 200, 1000):
                nl, ne = normalise(lex, "z", win), normalise(dense, "z", win)
                for wl in (0.25, 0.3, 0.35):
                    rec.add(
                        f"zwin convex-z(top{win}) L={wl} E={1 - wl:.2f}", p, wl * nl + (1 - wl) * ne
                    )
        if "notitle" in what:  # chunks without the document title (needs embed.py --no-title)
            pn = prepare(name, with_title=False)
            lex = bm25_matrix(p, a.index_terms, a.query_terms, 1.2, 0.75)
            en = dense_matrix(pn, "e5small")
            rec.add("dense e5small (chunks without title)", p, en)
            rec.add(
                "fuse convex-z L=0.3 E=0.70 U=0.0 (e5 chunks without title)",
                p,
                0.3 * normalise(lex, "z") + 0.7 * normalise(en, "z"),
            )
            lexn = bm25_matrix(pn, a.index_terms, a.query_terms, 1.2, 0.75)
            rec.add("bm25 ours:stem+decomp (k1=1.2,b=0.75) no title", p, lexn)


if __name__ == "__main__":
    main()
