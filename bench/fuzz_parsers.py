"""Fuzz every parser with mutated sample files, in isolated workers, for a fixed time.

Seeds are the real samples in tests/data/ (grouped by the parser their extension selects).
Hypothesis draws the mutation plans: bit flips, byte overwrites, truncation, inserted or
repeated chunks, splices with other samples, and for ZIP-based files (DOCX, XLSX, PPTX, ZIP)
corruption of one member's content inside an otherwise valid archive, which reaches the XML
readers instead of stopping at a CRC error. Every input is parsed through IsolatedParsers,
exactly as in production, and classified:

    ok / parse error   the parser coped: a document, or a ParseError with a reason
    exception          a ParseError the registry made from an unexpected exception
                       ("pdf parser failed: IndexError: ..."): a parser bug, unclear message
    crash              the worker process died (segfault, abort, exit)
    hang               the time limit was hit
    memory             the memory limit was hit

Reproducers of exceptions, crashes, hangs and memory hits land in bench/out/fuzz/<parser>/
(one per distinct message, with a .txt holding the reason). Exits 1 if any exception, crash
or hang was found, unless --no-fail.

    python bench/fuzz_parsers.py [--seconds 60] [--parsers pdf,docx] [--workers 2]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from wissenswerk.core.errors import LimitExceededError, ParseError
from wissenswerk.parsing import ParseLimits, ParserRegistry
from wissenswerk.parsing.isolation import IsolatedParsers

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
OUT = ROOT / "bench" / "out" / "fuzz"
BATCH = 64  # plans drawn per Hypothesis run; parsed in parallel afterwards
REPRODUCERS_PER_SIGNATURE = 3
FINDINGS = ("exception", "crash", "hang", "memory")
FAILING = ("exception", "crash", "hang")
# "docx parser failed: KeyError: ..." is how the registry wraps an unexpected exception.
_UNEXPECTED = re.compile(r"^[\w-]+ parser failed: (\w+)")
_DIGITS = re.compile(r"\d+")

Op = tuple[Any, ...]


@dataclass
class Tally:
    executions: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    signatures: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


# --- mutation plans (Hypothesis) -----------------------------------------------------------

_position = st.integers(min_value=0, max_value=2**31)  # taken modulo the input length
_chunk = st.binary(min_size=1, max_size=64) | st.sampled_from(
    [b"\x00" * 8, b"\xff" * 8, b"<", b">", b"<!--", b"]]>", b"&#0;", b"\r\n", b'"', b"%PDF-"]
)
_byte_ops = st.one_of(
    st.tuples(st.just("flip"), _position, st.integers(0, 7)),
    st.tuples(st.just("byte"), _position, st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, 0x20])),
    st.tuples(st.just("truncate"), _position),
    st.tuples(st.just("insert"), _position, _chunk),
    st.tuples(st.just("delete"), _position, st.integers(1, 256)),
    st.tuples(st.just("repeat"), _position, st.integers(1, 64), st.integers(2, 200)),
    st.tuples(st.just("splice"), st.integers(0, 1000), _position, _position),
)
_ops = st.one_of(
    _byte_ops,
    st.tuples(st.just("member"), st.integers(0, 1000), st.lists(_byte_ops, min_size=1, max_size=4)),
    st.tuples(st.just("drop-member"), st.integers(0, 1000)),
)
PLANS = st.tuples(st.integers(0, 1000), st.lists(_ops, min_size=1, max_size=5))


def draw_plans(count: int, batch_seed: int) -> list[tuple[int, list[Op]]]:
    plans: list[tuple[int, list[Op]]] = []

    @seed(batch_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(PLANS)
    def collect(plan: tuple[int, list[Op]]) -> None:
        plans.append(plan)

    collect()
    return plans


# --- applying a plan -------------------------------------------------------------------------


def mutate(data: bytes, ops: list[Op], corpus: list[bytes]) -> bytes:
    for op in ops:
        data = _apply(data, op, corpus)
    return data


def _apply(data: bytes, op: Op, corpus: list[bytes]) -> bytes:
    kind = op[0]
    size = max(len(data), 1)
    if kind == "flip":
        if not data:
            return data
        at = op[1] % size
        return data[:at] + bytes([data[at] ^ (1 << op[2])]) + data[at + 1 :]
    if kind == "byte":
        at = op[1] % size
        return data[:at] + bytes([op[2]]) + data[at + 1 :]
    if kind == "truncate":
        return data[: op[1] % size]
    if kind == "insert":
        at = op[1] % (len(data) + 1)
        return data[:at] + op[2] + data[at:]
    if kind == "delete":
        at = op[1] % size
        return data[:at] + data[at + op[2] :]
    if kind == "repeat":
        at = op[1] % size
        chunk = data[at : at + op[2]]
        return data[:at] + chunk * op[3] + data[at:]
    if kind == "splice":
        other = corpus[op[1] % len(corpus)]
        cut = op[2] % size
        start = op[3] % max(len(other), 1)
        return data[:cut] + other[start:]
    if kind in ("member", "drop-member"):
        return _mutate_member(data, op, corpus)
    raise ValueError(f"unknown mutation {kind!r}")


def _mutate_member(data: bytes, op: Op, corpus: list[bytes]) -> bytes:
    members = _zip_members(data)
    if not members:
        return data
    names = list(members)
    name = names[op[1] % len(names)]
    if op[0] == "drop-member":
        del members[name]
    else:
        method, content = members[name]
        members[name] = (method, mutate(content, op[2], corpus))
    return _zip_bytes(members)


@lru_cache(maxsize=64)
def _zip_members_cached(data: bytes) -> tuple[tuple[str, int, bytes], ...]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return tuple(
                (info.filename, info.compress_type, archive.read(info))
                for info in archive.infolist()
            )
    except Exception:  # any damage: not a zip we can rewrite
        return ()


def _zip_members(data: bytes) -> dict[str, tuple[int, bytes]]:
    return {name: (method, content) for name, method, content in _zip_members_cached(data)}


def _zip_bytes(members: dict[str, tuple[int, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (method, content) in members.items():
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


# --- running -----------------------------------------------------------------------------------


def classify(parse: Callable[[], object]) -> tuple[str, str]:
    """(outcome, reason) of one parse."""
    try:
        parse()
    except LimitExceededError as exc:
        if "setting parsing.timeout_s" in exc.reason:
            return "hang", exc.reason
        if "setting parsing.memory_mb" in exc.reason:
            return "memory", exc.reason
        return "parse error", exc.reason
    except ParseError as exc:
        if _UNEXPECTED.match(exc.reason):
            return "exception", exc.reason
        if "process crashed" in exc.reason or "exited unexpectedly" in exc.reason:
            return "crash", exc.reason
        if "process was killed" in exc.reason:
            return "crash", exc.reason
        return "parse error", exc.reason
    except Exception as exc:  # escaped the registry: the caller would see a raw exception
        return "exception", f"uncaught {type(exc).__name__}: {exc}"
    return "ok", ""


def signature(reason: str) -> str:
    """Reasons that differ only in numbers are the same finding."""
    return _DIGITS.sub("N", reason)[:160]


def seeds_by_parser(registry: ParserRegistry) -> dict[str, tuple[list[str], list[bytes]]]:
    """parser name -> (its extensions, sample files of those extensions)."""
    extensions: dict[str, list[str]] = defaultdict(list)
    for extension in registry.supported_extensions():
        extensions[registry.parser_for(b"", "x" + extension).name].append(extension)
    samples: dict[str, list[bytes]] = defaultdict(list)
    for path in sorted(DATA.iterdir()):
        if path.is_file() and path.suffix.lower() in registry.supported_extensions():
            samples[registry.parser_for(b"", path.name).name].append(path.read_bytes())
    everything = [data for group in samples.values() for data in group]
    # A parser without a sample of its own gets the others: mislabelled files are input too.
    return {name: (exts, samples.get(name) or everything) for name, exts in extensions.items()}


def fuzz_parser(
    name: str,
    extensions: list[str],
    corpus: list[bytes],
    parsers: IsolatedParsers,
    seconds: float,
    base_seed: int,
    workers: int,
) -> Tally:
    tally = Tally()
    out = OUT / name
    started = time.monotonic()
    batch_number = 0

    def run_one(item: tuple[int, tuple[int, list[Op]]]) -> tuple[str, str, float, bytes, str]:
        index, (seed_index, ops) = item
        data = mutate(corpus[seed_index % len(corpus)], ops, corpus)
        filename = f"fuzz{index}{extensions[index % len(extensions)]}"
        began = time.monotonic()
        outcome, reason = classify(lambda: parsers.parse(data, filename))
        return outcome, reason, time.monotonic() - began, data, filename

    with ThreadPoolExecutor(max_workers=workers) as pool:
        while time.monotonic() - started < seconds:
            plans = draw_plans(BATCH, base_seed + batch_number)
            batch_number += 1
            for outcome, reason, took, data, filename in pool.map(run_one, enumerate(plans)):
                tally.executions += 1
                tally.outcomes[outcome] += 1
                tally.slowest = max(tally.slowest, took)
                if outcome in FINDINGS:
                    key = signature(reason)
                    tally.signatures[outcome][key] += 1
                    if tally.signatures[outcome][key] <= REPRODUCERS_PER_SIGNATURE:
                        _save(out, outcome, key, data, filename, reason)
    tally.seconds = time.monotonic() - started
    return tally


def _save(out: Path, outcome: str, key: str, data: bytes, filename: str, reason: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:12]
    stem = f"{outcome}-{hashlib.sha1(key.encode()).hexdigest()[:8]}-{digest}"
    suffix = Path(filename).suffix
    (out / f"{stem}{suffix}").write_bytes(data)
    (out / f"{stem}.txt").write_text(f"{filename}\n{reason}\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="total time, split evenly")
    parser.add_argument("--parsers", default="", help="comma-separated parser names (all)")
    parser.add_argument("--workers", type=int, default=2, help="parser worker processes")
    parser.add_argument("--timeout-s", type=float, default=10.0, help="hang threshold per file")
    parser.add_argument("--memory-mb", type=int, default=1024, help="memory limit per worker")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutation plans")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even with findings")
    args = parser.parse_args()

    registry = ParserRegistry()
    seeds = seeds_by_parser(registry)
    chosen = [name.strip() for name in args.parsers.split(",") if name.strip()] or sorted(seeds)
    unknown = sorted(set(chosen) - set(seeds))
    if unknown:
        parser.error(f"unknown parsers {unknown}; known: {', '.join(sorted(seeds))}")
    limits = ParseLimits()
    tallies: dict[str, Tally] = {}
    with IsolatedParsers(
        ParserRegistry, limits, args.workers, args.timeout_s, args.memory_mb
    ) as parsers:
        parsers.start()
        for number, name in enumerate(chosen):
            extensions, corpus = seeds[name]
            print(f"fuzzing {name} ({', '.join(extensions)}; {len(corpus)} seeds) ...", flush=True)
            tallies[name] = fuzz_parser(
                name,
                extensions,
                corpus,
                parsers,
                args.seconds / len(chosen),
                args.seed + 1_000_000 * number,
                args.workers,
            )
    _report(tallies)
    failing = sum(t.outcomes[kind] for t in tallies.values() for kind in FAILING)
    return 1 if failing and not args.no_fail else 0


def _report(tallies: dict[str, Tally]) -> None:
    header = f"{'parser':10} {'execs':>7} {'exec/s':>7} {'ok':>6} {'error':>6} "
    header += " ".join(f"{kind:>9}" for kind in FINDINGS) + f" {'slowest':>8}"
    print()
    print(header)
    print("-" * len(header))
    for name, t in tallies.items():
        rate = t.executions / t.seconds if t.seconds else 0.0
        row = f"{name:10} {t.executions:7} {rate:7.1f} {t.outcomes['ok']:6} "
        row += f"{t.outcomes['parse error']:6} "
        row += " ".join(f"{t.outcomes[kind]:9}" for kind in FINDINGS) + f" {t.slowest:7.2f}s"
        print(row)
    total = sum(t.executions for t in tallies.values())
    seconds = sum(t.seconds for t in tallies.values())
    print(f"\n{total} executions in {seconds:.0f} s ({total / max(seconds, 1e-9):.1f}/s)")
    for name, t in tallies.items():
        for kind, found in t.signatures.items():
            for key, count in found.most_common():
                print(f"  {name:9} {kind:9} ×{count:<4} {key}")
    if any(t.signatures for t in tallies.values()):
        print(f"\nreproducers: {OUT.relative_to(ROOT)}/<parser>/")


if __name__ == "__main__":
    sys.exit(main())
