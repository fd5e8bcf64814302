"""IsolatedParsers with real worker processes: limits, crashes, restarts, parallelism, cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parsing import worker_tasks
from tests.parsing.conftest import DATA
from wissenswerk.core.errors import ConfigError, LimitExceededError, ParseError
from wissenswerk.parsing import ParseLimits, ParserRegistry
from wissenswerk.parsing.isolation import InProcessParsers, IsolatedParsers

LIMITS = ParseLimits()


@pytest.fixture(scope="module")
def isolated() -> Iterator[IsolatedParsers]:
    with IsolatedParsers(
        worker_tasks.registry_with_test_parsers, LIMITS, workers=2, timeout_s=1.5, memory_mb=768
    ) as parsers:
        yield parsers


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody has reaped yet (state Z)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _wait_gone(pids: list[int], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _outcome(parsers: IsolatedParsers | InProcessParsers, path: Path) -> object:
    try:
        return parsers.parse(path.read_bytes(), path.name)
    except ParseError as exc:
        return (type(exc), exc.name, exc.reason)


def test_samples_parse_identically_isolated_and_in_process(isolated):
    in_process = InProcessParsers(ParserRegistry(), LIMITS)
    samples = sorted(DATA.iterdir())
    assert len(samples) > 10

    for path in samples:
        assert _outcome(isolated, path) == _outcome(in_process, path), path.name


def test_parse_errors_keep_their_type_and_reason(isolated):
    with pytest.raises(LimitExceededError) as bomb:
        isolated.parse((DATA / "bombe.zip").read_bytes(), "bombe.zip")
    assert "rejected as a possible zip bomb" in bomb.value.reason

    with pytest.raises(ParseError) as encrypted:
        isolated.parse((DATA / "verschluesselt.pdf").read_bytes(), "verschluesselt.pdf")
    assert type(encrypted.value) is ParseError
    assert encrypted.value.name == "verschluesselt.pdf"
    assert encrypted.value.reason == "encrypted PDF, password required"


@pytest.fixture
def single() -> Iterator[IsolatedParsers]:
    """One worker, so a test knows which process a call ran in."""
    with IsolatedParsers(
        worker_tasks.registry_with_test_parsers, LIMITS, workers=1, timeout_s=1.5, memory_mb=768
    ) as parsers:
        yield parsers


def test_a_hanging_parser_is_killed_and_the_worker_replaced(single):
    hanging = single.run(worker_tasks.pid)
    started = time.monotonic()
    with pytest.raises(LimitExceededError) as error:
        single.parse(b"60", "endlos.slow")

    assert time.monotonic() - started < 5
    assert error.value.name == "endlos.slow"
    assert error.value.reason == (
        "parsing took longer than 1.5 s (setting parsing.timeout_s); it was stopped"
    )
    assert _gone(hanging)
    assert single.parse(b"0", "kurz.slow").text == "woke up"
    assert single.run(worker_tasks.pid) != hanging


def test_run_timeout_can_be_set_per_call(isolated):
    with pytest.raises(LimitExceededError) as error:
        isolated.run(worker_tasks.sleep, 30, name="scan.pdf, Seite 3", timeout_s=0.3)

    assert str(error.value) == "scan.pdf, Seite 3: the task took longer than 0.3 s; it was stopped"
    assert isolated.run(worker_tasks.sleep, 0) > 0


def test_memory_limit_stops_the_parser_not_the_pool(isolated):
    with pytest.raises(LimitExceededError) as error:
        isolated.parse(b"2000", "riesig.hungry")
    assert error.value.reason == (
        "the parser needed more than 768 MB of memory (setting parsing.memory_mb)"
    )

    with pytest.raises(LimitExceededError, match="the worker needed more than 768 MB"):
        isolated.run(worker_tasks.allocate, 2000, name="ocr")
    # Below the limit is fine, in a fresh worker.
    assert isolated.parse(b"100", "normal.hungry").text == f"{100 * 1024 * 1024} bytes"


def test_a_crashing_worker_is_reported_and_replaced(single):
    crashed = single.run(worker_tasks.pid)
    with pytest.raises(ParseError) as crash:
        single.run(worker_tasks.segfault, name="kaputt.pdf")
    assert str(crash.value) == "kaputt.pdf: the worker process crashed (signal 11, SIGSEGV)"
    assert _gone(crashed)

    with pytest.raises(ParseError, match=r"exited unexpectedly \(exit code 3\)"):
        single.run(worker_tasks.exit_with, 3)
    assert single.parse(b"<p>Hallo</p>", "seite.html").text == "Hallo"


def test_exceptions_of_run_come_back(isolated):
    with pytest.raises(KeyError, match="no such page") as error:
        isolated.run(worker_tasks.raise_key_error)
    assert "raised in a parser worker process" in error.value.__notes__[0]

    # An exception that cannot travel back is described instead.
    with pytest.raises(ParseError) as described:
        isolated.run(worker_tasks.raise_unpicklable, name="task")
    assert described.value.reason == "worker failed: UnpicklableError: one and two"


def test_two_threads_run_in_parallel_on_two_workers(isolated):
    isolated.start()  # a worker starting up in one thread would skew the overlap
    assert len(isolated.worker_pids()) == 2
    spans: list[tuple[int, float, float]] = []

    def work() -> None:
        spans.append(isolated.run(worker_tasks.sleep_span, 0.5))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    (pid_a, start_a, end_a), (pid_b, start_b, end_b) = spans
    assert pid_a != pid_b
    assert max(start_a, start_b) < min(end_a, end_b), "the two calls did not overlap"


def test_close_stops_every_worker_and_refuses_further_calls():
    parsers = IsolatedParsers(ParserRegistry, LIMITS, workers=2, timeout_s=10, memory_mb=768)
    threads = [threading.Thread(target=parsers.run, args=(worker_tasks.pid,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pids = parsers.worker_pids()
    assert len(pids) == 2

    parsers.close()

    assert _wait_gone(pids)
    assert parsers.worker_pids() == []
    with pytest.raises(RuntimeError, match="closed"):
        parsers.parse(b"x", "a.txt")


def test_workers_exit_when_the_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import threading, time
            from wissenswerk.parsing import ParseLimits, ParserRegistry
            from wissenswerk.parsing.isolation import IsolatedParsers

            if __name__ == "__main__":
                parsers = IsolatedParsers(ParserRegistry, ParseLimits(), workers=2, memory_mb=768)
                for _ in range(2):  # both workers busy: a watchdog must notice mid-parse
                    threading.Thread(target=parsers.run, args=(time.sleep, 60), daemon=True).start()
                while len(parsers.worker_pids()) < 2:
                    time.sleep(0.05)
                time.sleep(0.3)
                print(*parsers.worker_pids(), flush=True)
                time.sleep(60)
            """
        )
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and not any(_gone(pid) for pid in pids)
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout:
            parent.stdout.close()

    assert _wait_gone(pids), "parser workers outlived their parent"


def test_in_process_parsers_offer_the_same_interface():
    with InProcessParsers(worker_tasks.registry_with_test_parsers(), LIMITS) as parsers:
        assert parsers.parse(b"<p>Hallo</p>", "seite.html").text == "Hallo"
        assert parsers.run(worker_tasks.pid) == os.getpid()
        with pytest.raises(LimitExceededError, match=r"bombe\.zip: member"):
            parsers.parse((DATA / "bombe.zip").read_bytes(), "bombe.zip")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workers": 0}, "parsing.workers must be at least 1"),
        ({"timeout_s": 0}, "parsing.timeout_s must be positive"),
        ({"memory_mb": 100}, "parsing.memory_mb must be at least 512"),
    ],
)
def test_bad_settings_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        IsolatedParsers(ParserRegistry, LIMITS, **options)


def test_a_registry_that_cannot_be_built_is_reported():
    parsers = IsolatedParsers(worker_tasks.broken_registry, LIMITS, memory_mb=768)
    with parsers, pytest.raises(RuntimeError, match="plugin 'acme-parsers' is not installed"):
        parsers.parse(b"x", "a.txt")


def test_oversized_files_are_refused_before_reaching_a_worker():
    small = ParseLimits(max_file_bytes=10)
    with IsolatedParsers(ParserRegistry, small, memory_mb=768) as parsers:
        with pytest.raises(LimitExceededError, match="file is 11 bytes, the limit is 10"):
            parsers.parse(b"x" * 11, "a.txt")
        assert parsers.worker_pids() == []
