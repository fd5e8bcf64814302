"""Module-level functions and parsers the isolation tests run inside parser workers.

They live in their own module because a worker imports them by name: functions defined in a
test module would drag pytest and the fixtures into every worker.
"""

from __future__ import annotations

import os
import signal
import time

from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.parsing import ParseContext, ParserRegistry


def pid() -> int:
    return os.getpid()


def sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def allocate(megabytes: int) -> int:
    buffer = bytearray(megabytes * 1024 * 1024)
    return len(buffer)


def segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def exit_with(code: int) -> None:
    os._exit(code)


def raise_key_error() -> None:
    raise KeyError("no such page")


class UnpicklableError(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} and {second}")  # args do not match __init__: no unpickling


def raise_unpicklable() -> None:
    raise UnpicklableError("one", "two")


class SleepyParser:
    """Hangs on ".slow" files: a parser stuck in a loop."""

    name = "sleepy"
    extensions = (".slow",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        time.sleep(float(data or b"60"))
        return ParsedDocument(blocks=[Block("woke up")])


class HungryParser:
    """Allocates the number of megabytes in the file (".hungry"): a decompression bomb."""

    name = "hungry"
    extensions = (".hungry",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        buffer = bytearray(int(data) * 1024 * 1024)
        return ParsedDocument(blocks=[Block(f"{len(buffer)} bytes")])


def registry_with_test_parsers() -> ParserRegistry:
    registry = ParserRegistry()
    registry.register(SleepyParser())
    registry.register(HungryParser())
    return registry


def broken_registry() -> ParserRegistry:
    raise ImportError("plugin 'acme-parsers' is not installed")


def sleep_span(seconds: float) -> tuple[int, float, float]:
    """(worker pid, start, end) in wall-clock time, comparable across processes."""
    start = time.time()
    time.sleep(seconds)
    return os.getpid(), start, time.time()
