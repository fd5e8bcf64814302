"""The worker side of IsolatedParsers: the loop that runs in each parser process.

The parent sends ``("parse", data, filename)``, ``("call", func, args)`` or ``None`` (stop);
the worker answers with one tuple per request:

    ("ok", result) | ("parse_error", type, name, reason) | ("memory",)
    | ("exception", exception or None, type name, message, traceback text)

A ParseError does not survive pickling (its __init__ takes two arguments), hence the parts.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import resource
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from wissenswerk.core.errors import ParseError
from wissenswerk.parsing.base import ParseLimits
from wissenswerk.parsing.registry import ParserRegistry

_WATCHDOG_STACK_BYTES = 256 * 1024


def worker_main(
    conn: Connection,
    factory: Callable[[], ParserRegistry],
    limits: ParseLimits,
    memory_mb: int,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the parent to handle
    _exit_with_parent()
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        registry = factory()
    except BaseException as exc:  # reported to the parent, which raises it there
        conn.send(("init_error", f"{type(exc).__name__}: {exc}", isinstance(exc, MemoryError)))
        return
    conn.send(("ready",))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe
        if request is None:
            return
        reply = _handle(registry, limits, request)
        try:
            conn.send(reply)
        except MemoryError:
            reply = None
            conn.send(("memory",))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send(("exception", None, type(exc).__name__, f"result cannot be sent: {exc}", ""))


def _handle(registry: ParserRegistry, limits: ParseLimits, request: tuple[Any, ...]) -> Any:
    try:
        if request[0] == "parse":
            _kind, data, filename = request
            return ("ok", registry.parse_bytes(data, filename, limits))
        _kind, func, args = request
        return ("ok", func(*args))
    except ParseError as exc:
        return ("parse_error", type(exc), exc.name, exc.reason)
    except MemoryError:
        return ("memory",)
    except Exception as exc:
        remote = traceback.format_exc()
        portable: Exception | None = exc
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            portable = None  # e.g. an exception whose __init__ takes other arguments
        return ("exception", portable, type(exc).__name__, str(exc), remote)


def _exit_with_parent() -> None:
    """Exit as soon as the parent process is gone, even in the middle of a parse.

    multiprocessing hands every child a pipe end whose other end only the parent holds;
    reading it returns end-of-file when the parent exits, however it died.
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    fd = parent.sentinel

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 4096):
                pass
        os._exit(1)

    # A small stack: the address-space limit counts the default 8 MB of every thread.
    previous = threading.stack_size(_WATCHDOG_STACK_BYTES)
    try:
        threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
    finally:
        threading.stack_size(previous)
