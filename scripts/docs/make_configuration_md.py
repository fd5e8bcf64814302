"""Write docs/configuration.md from the settings model (tests/test_docs.py checks it is current).

python scripts/docs/make_configuration_md.py
"""

from __future__ import annotations

import os
from pathlib import Path

from wissenswerk.cli.output import settings_rows
from wissenswerk.config.settings import Settings

TARGET = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
HEADER = """# Configuration

Every setting has a default. Override with an environment variable `WISSENSWERK_<KEY>` where
nested keys are joined with `__` (e.g. `WISSENSWERK_SEARCH__BM25_K1=1.5`), or for the data
directory with `--data-dir`. `wissenswerk config show` prints the values in effect and where
each came from. Secrets (API keys) are never printed.

| key | environment variable | default | meaning |
|---|---|---|---|
"""


def render() -> str:
    # Defaults only: ignore whatever WISSENSWERK_* variables this shell has set.
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("WISSENSWERK_")}
    try:
        rows = settings_rows(Settings(), explicit_data_dir=None)
    finally:
        os.environ.update(saved)
    lines = []
    for r in rows:
        env = "WISSENSWERK_" + r["key"].upper().replace(".", "__")
        lines.append(f"| `{r['key']}` | `{env}` | `{r['value']}` | {r['description']} |")
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
