"""Append-only embedding cache: key = sha1(model, role, text), rows in .npy shards.

Layout: ``/work/main/.cache/emb/<model>/<shard>.npy`` plus ``<shard>.keys`` (one hex key a
line). Shards are written every ``flush`` texts, so a killed background run keeps its work.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path("/work/main/.cache/emb")


def key(model: str, role: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x00{role}\x00{text}".encode()).hexdigest()


class EmbCache:
    def __init__(self, model: str) -> None:
        self.model = model
        self.dir = ROOT / model
        self.dir.mkdir(parents=True, exist_ok=True)
        self.rows: dict[str, np.ndarray] = {}
        self.reload()

    def reload(self) -> None:
        for keys_file in sorted(self.dir.glob("*.keys")):
            npy = keys_file.with_suffix(".npy")
            if not npy.exists():
                continue
            keys = keys_file.read_text().split()
            mat = np.load(npy)
            if len(keys) != len(mat):
                continue
            self.rows.update(zip(keys, mat, strict=True))

    def missing(self, role: str, texts: Sequence[str]) -> list[str]:
        seen: set[str] = set()
        out = []
        for t in texts:
            k = key(self.model, role, t)
            if k not in self.rows and k not in seen:
                seen.add(k)
                out.append(t)
        return out

    def get(self, role: str, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 matrix; raises KeyError when a text is not cached yet."""
        mat = np.stack([self.rows[key(self.model, role, t)] for t in texts]).astype(np.float32)
        mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        return mat

    def fill(
        self,
        role: str,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        batch: int = 16,
        flush: int = 256,
        label: str = "",
    ) -> None:
        todo = self.missing(role, texts)
        t0 = time.perf_counter()
        done = 0
        buf_keys: list[str] = []
        buf_rows: list[np.ndarray] = []
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            emb = np.asarray(encode(part), dtype=np.float32)
            for t, e in zip(part, emb, strict=True):
                k = key(self.model, role, t)
                self.rows[k] = e
                buf_keys.append(k)
                buf_rows.append(e)
            done += len(part)
            if len(buf_keys) >= flush or done == len(todo):
                self._write(buf_keys, buf_rows)
                buf_keys, buf_rows = [], []
                dt = time.perf_counter() - t0
                print(
                    f"[{self.model}/{role}] {label} {done}/{len(todo)} {dt:.0f}s "
                    f"({done / dt:.2f}/s)",
                    flush=True,
                )

    def _write(self, keys: list[str], rows: list[np.ndarray]) -> None:
        if not keys:
            return
        stem = f"{time.time_ns()}-{os.getpid()}"
        np.save(self.dir / f"{stem}.npy", np.stack(rows))
        # keys last: a shard counts only once both files exist
        (self.dir / f"{stem}.keys").write_text("\n".join(keys) + "\n")
