"""Parsing in separate worker processes, under a time and a memory limit.

Parsers are big C libraries (PDFium, libxml2) and Python code fed with whatever lies on a
share. A file that makes one of them hang, crash or eat all memory must cost that one file a
clear error, never the batch or the server:

    with IsolatedParsers(ParserRegistry, limits, workers=2, timeout_s=120, memory_mb=2048) as p:
        doc = p.parse(data, "Handbuch.docx")      # ParseError with a reason on failure
        text = p.run(ocr_page, png, name="scan.pdf, page 3")

Workers are long-lived (starting one costs 0.3 to 1 s of imports), one file at a time
each; ``parse`` blocks until a worker is idle, so N threads parse in parallel on N workers.
A worker that timed out, ran out of memory or crashed is killed and replaced on the next call.

* Time: the caller waits at most ``timeout_s``, then SIGKILLs the worker; nothing a parser
  does (a C loop included) can outlast that.
* Memory: ``RLIMIT_AS`` caps the worker's address space, so an allocation beyond it fails with
  MemoryError (or kills a C library) inside the worker, not the server's memory.
* Orphans: a worker exits when its parent process is gone (a thread watches the pipe that the
  parent holds open), even while it is busy; SIGINT (Ctrl+C) is left to the parent.

``InProcessParsers`` offers the same interface without processes (``parsing.isolate = false``,
tests, single-file CLI commands): no time or memory limit then, but the same error types.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from wissenswerk.core.documents import ParsedDocument
from wissenswerk.core.errors import ConfigError, LimitExceededError, ParseError
from wissenswerk.parsing.base import ParseLimits
from wissenswerk.parsing.registry import ParserRegistry
from wissenswerk.parsing.worker_process import worker_main

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Python with the parser libraries loaded maps about 250 MB of address space before it reads a
# single file; below this the workers could not even start.
MIN_MEMORY_MB = 512
# Starting a worker (interpreter, imports, registry) is not part of a file's time budget.
STARTUP_TIMEOUT_S = 60.0
_STOP_GRACE_S = 2.0


class Parsers(Protocol):
    """What the sync engine needs: parse a file, run a function, close. Both classes fit."""

    def parse(self, data: bytes, filename: str) -> ParsedDocument: ...

    def run(
        self,
        func: Callable[..., T],
        *args: Any,
        name: str | None = None,
        timeout_s: float | None = None,
    ) -> T: ...

    def close(self) -> None: ...


class InProcessParsers:
    """The ``Parsers`` interface in the calling process: no isolation, no time/memory limit."""

    def __init__(self, registry: ParserRegistry, limits: ParseLimits) -> None:
        self.registry = registry
        self.limits = limits

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        try:
            return self.registry.parse_bytes(data, filename, self.limits)
        except MemoryError as exc:
            raise LimitExceededError(filename, "parsing ran out of memory") from exc

    def run(
        self,
        func: Callable[..., T],
        *args: Any,
        name: str | None = None,
        timeout_s: float | None = None,
    ) -> T:
        try:
            return func(*args)
        except MemoryError as exc:
            raise LimitExceededError(name or _qualname(func), "ran out of memory") from exc

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class IsolatedParsers:
    """A pool of parser worker processes with a time and a memory limit per call.

    ``registry_factory`` must be picklable (a module-level function or class, or a
    ``functools.partial`` of one): it runs once in every worker to build its registry.
    Thread-safe; workers start on first use.
    """

    def __init__(
        self,
        registry_factory: Callable[[], ParserRegistry],
        limits: ParseLimits,
        workers: int = 2,
        timeout_s: float = 120.0,
        memory_mb: int = 2048,
        *,
        start_method: str | None = None,
    ) -> None:
        if workers < 1:
            raise ConfigError(f"parsing.workers must be at least 1, got {workers}")
        if timeout_s <= 0:
            raise ConfigError(f"parsing.timeout_s must be positive, got {timeout_s}")
        if memory_mb < MIN_MEMORY_MB:
            raise ConfigError(
                f"parsing.memory_mb must be at least {MIN_MEMORY_MB} (the parser libraries alone "
                f"need about 250 MB of address space), got {memory_mb}"
            )
        self.limits = limits
        self.workers = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._factory = registry_factory
        self._context = multiprocessing.get_context(start_method or _default_start_method())
        self._changed = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._free_slots = workers  # workers that may still be started
        self._closed = False

    # --- public API ----------------------------------------------------------------------

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        """Parse one file in a worker; raises ParseError (or a subclass) with a clear reason."""
        if len(data) > self.limits.max_file_bytes:  # not worth shipping to a worker
            raise LimitExceededError(
                filename, f"file is {len(data)} bytes, the limit is {self.limits.max_file_bytes}"
            )
        result = self._call(("parse", data, filename), filename, None, "parser")
        if not isinstance(result, ParsedDocument):
            raise TypeError(f"parser worker returned {type(result).__name__}, not a document")
        return result

    def run(
        self,
        func: Callable[..., T],
        *args: Any,
        name: str | None = None,
        timeout_s: float | None = None,
    ) -> T:
        """Run ``func(*args)`` in a worker under the same limits and return its result.

        ``func`` and the arguments must be picklable. ``name`` (default: the function's name)
        starts the messages of the errors raised for a timeout, a memory overrun or a crash,
        e.g. ``"scan.pdf, page 3"``. Exceptions raised by ``func`` come back as they are
        when they can be pickled, otherwise as ParseError.
        """
        label = name or _qualname(func)
        return self._call(("call", func, args), label, timeout_s, "worker")

    def start(self) -> None:
        """Start all workers now rather than on first use (e.g. when a server starts)."""
        while True:
            with self._changed:
                self._raise_if_closed()
                if not self._free_slots:
                    return
                self._free_slots -= 1
            worker = self._start_worker()
            self._checkin(worker, reusable=True)

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for diagnostics and tests)."""
        with self._changed:
            workers = [*self._idle, *self._busy]
        return [w.pid for w in workers if w.pid is not None]

    def close(self) -> None:
        """Stop all workers; calls still running in other threads fail with RuntimeError."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            self._changed.notify_all()
        for worker in busy:
            worker.kill()
        for worker in idle:
            worker.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- worker checkout -----------------------------------------------------------------

    def _call(self, request: tuple[Any, ...], name: str, timeout_s: float | None, what: str) -> Any:
        """Run one request on a worker; ``what`` ("parser" or "worker") words the errors."""
        worker = self._checkout()
        reusable = False
        try:
            timeout = self.timeout_s if timeout_s is None else timeout_s
            try:
                reply = worker.call(request, timeout)
            except _WorkerTimeoutError:
                worker.kill()
                hint = " (setting parsing.timeout_s)" if timeout_s is None else ""
                doing = "parsing" if what == "parser" else "the task"
                raise LimitExceededError(
                    name, f"{doing} took longer than {timeout:g} s{hint}; it was stopped"
                ) from None
            except _WorkerDiedError as died:
                self._raise_if_closed()
                raise ParseError(name, died.describe(what)) from None
            # After a memory overrun a library may be left in a broken state: start afresh.
            reusable = reply[0] != "memory"
            return self._unpack(reply, name, what)
        finally:
            self._checkin(worker, reusable)

    def _unpack(self, reply: tuple[Any, ...], name: str, what: str) -> Any:
        """The result the worker sent, or the error it reported, raised here."""
        kind = reply[0]
        if kind == "ok":
            return reply[1]
        if kind == "parse_error":
            _kind, error_type, error_name, reason = reply
            raise _rebuild_parse_error(error_type, error_name, reason)
        if kind == "memory":
            raise LimitExceededError(
                name,
                f"the {what} needed more than {self.memory_mb} MB of memory "
                "(setting parsing.memory_mb)",
            )
        if kind == "exception":
            _kind, error, type_name, message, remote_traceback = reply
            if error is None:
                raise ParseError(name, f"{what} failed: {type_name}: {message}")
            error.add_note(f"raised in a parser worker process:\n{remote_traceback}")
            raise error
        raise RuntimeError(f"parser worker sent an unknown reply {kind!r}")

    def _checkout(self) -> _Worker:
        with self._changed:
            while True:
                self._raise_if_closed()
                if self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        self._busy.add(worker)
                        return worker
                    worker.kill()  # died while idle (e.g. killed from outside): replace it
                    self._free_slots += 1
                    continue
                if self._free_slots:
                    self._free_slots -= 1
                    break
                self._changed.wait()
        worker = self._start_worker()
        with self._changed:
            self._busy.add(worker)
        return worker

    def _start_worker(self) -> _Worker:
        """Start a worker for a slot already taken from ``_free_slots``."""
        try:
            worker = _Worker.start(self._context, self._factory, self.limits, self.memory_mb)
        except BaseException:
            with self._changed:
                self._free_slots += 1
                self._changed.notify()
            raise
        with self._changed:
            if self._closed:
                worker.kill()
                self._free_slots += 1
                self._raise_if_closed()
        return worker

    def _checkin(self, worker: _Worker, reusable: bool) -> None:
        with self._changed:
            self._busy.discard(worker)
            if reusable and not self._closed and worker.alive():
                self._idle.append(worker)
            else:
                worker.kill()
                self._free_slots += 1
            self._changed.notify()

    def _raise_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("the parser workers were closed; create a new IsolatedParsers")


class _WorkerTimeoutError(Exception):
    pass


class _WorkerDiedError(Exception):
    def __init__(self, exitcode: int | None) -> None:
        super().__init__(exitcode)
        self.exitcode = exitcode

    def describe(self, what: str) -> str:
        code = self.exitcode
        if code is not None and code < 0:
            number = -code
            try:
                signame = signal.Signals(number).name
            except ValueError:
                signame = "unknown signal"
            if number == signal.SIGKILL:
                # Not sent by us (a timeout is reported as such): the kernel's OOM killer.
                return (
                    f"the {what} process was killed ({signame}), probably because the system "
                    "ran out of memory; lower parsing.workers or parsing.memory_mb"
                )
            return f"the {what} process crashed (signal {number}, {signame})"
        return f"the {what} process exited unexpectedly (exit code {code})"


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.pid = process.pid
        self._released = False

    @classmethod
    def start(
        cls,
        context: BaseContext,
        factory: Callable[[], ParserRegistry],
        limits: ParseLimits,
        memory_mb: int,
    ) -> _Worker:
        parent_conn, child_conn = context.Pipe(duplex=True)
        process = context.Process(  # type: ignore[attr-defined]
            target=worker_main,
            args=(child_conn, factory, limits, memory_mb),
            name="wissenswerk-parser",
            daemon=True,  # terminated by multiprocessing's atexit handler as a last resort
        )
        process.start()
        child_conn.close()
        worker = cls(process, parent_conn)
        try:
            reply = worker._receive(STARTUP_TIMEOUT_S)
        except (_WorkerTimeoutError, _WorkerDiedError) as exc:
            worker.kill()
            raise RuntimeError(f"parser worker did not start ({type(exc).__name__})") from exc
        if reply[0] == "init_error":
            worker.kill()
            message = f"parser worker could not build its parser registry: {reply[1]}"
            if reply[2]:  # MemoryError
                raise ConfigError(f"{message}; raise parsing.memory_mb (now {memory_mb})")
            raise RuntimeError(message)
        logger.debug("parser worker %s started", worker.pid)
        return worker

    def alive(self) -> bool:
        return not self._released and self.process.is_alive()

    def call(self, request: tuple[Any, ...], timeout_s: float) -> tuple[Any, ...]:
        try:
            self.conn.send(request)  # pickles first: an unpicklable request raises here
        except (BrokenPipeError, ConnectionResetError, EOFError):
            raise self._died() from None
        return self._receive(timeout_s)

    def _receive(self, timeout_s: float) -> tuple[Any, ...]:
        ready = multiprocessing.connection.wait([self.conn, self.process.sentinel], timeout_s)
        if not ready:
            raise _WorkerTimeoutError
        if self.conn in ready:
            try:
                reply: tuple[Any, ...] = self.conn.recv()
                return reply
            except (EOFError, OSError):
                pass  # died while sending, or before: report the death below
        raise self._died()

    def _died(self) -> _WorkerDiedError:
        self.process.join(_STOP_GRACE_S)
        return _WorkerDiedError(self.process.exitcode)

    def stop(self) -> None:
        """Ask the worker to exit; kill it if it does not."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(_STOP_GRACE_S)
        self.kill()

    def kill(self) -> None:
        if self._released:
            return
        self._released = True
        if self.process.exitcode is None:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.join(_STOP_GRACE_S)
        self.conn.close()
        with contextlib.suppress(ValueError):  # still running: nothing more we can do
            self.process.close()


def _default_start_method() -> str:
    # Never plain fork: the server has threads (web, sync pool), and a forked child inherits
    # their locks in whatever state they were. The fork server is a clean, single-threaded
    # process, so workers start without re-importing Python; spawn is the portable fallback.
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def _qualname(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)


def _rebuild_parse_error(error_type: type[ParseError], name: str, reason: str) -> ParseError:
    """The worker's ParseError with its type, name and reason; __init__ may differ in subclasses."""
    if not (isinstance(error_type, type) and issubclass(error_type, ParseError)):
        error_type = ParseError
    error = error_type.__new__(error_type)
    Exception.__init__(error, f"{name}: {reason}")
    error.name = name
    error.reason = reason
    return error
