"""The sync engine: change tokens, retries with backoff, dead letters, locks, progress."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_app
from wissenswerk.app import Wissenswerk
from wissenswerk.core.errors import SourceError, StoreError, SyncBusyError
from wissenswerk.core.models import SourceItem
from wissenswerk.indexing.schedule import Job, due_jobs
from wissenswerk.indexing.sync import SyncPolicy, SyncProgress
from wissenswerk.sources.folder import FolderSource


class FlakySource(FolderSource):
    """The real folder source whose reads fail for chosen paths, like a share that drops
    the connection; counts reads so tests can prove what was (not) read."""

    def __init__(self, inner: FolderSource, broken: set[str]) -> None:
        self.__dict__.update(inner.__dict__)
        self.broken = broken
        self.reads: list[str] = []
        self.versions: dict[str, str] = {}

    def list_items(self) -> Iterator[SourceItem]:
        for item in super().list_items():
            yield dataclasses.replace(item, version=self.versions.get(item.path, ""))

    def read(self, item: SourceItem) -> bytes:
        self.reads.append(item.path)
        if item.path in self.broken:
            raise SourceError(f"Source 'share': connection reset while reading {item.path}.")
        return super().read(item)


@pytest.fixture
def ww(tmp_path: Path, share: Path, acl_map: Path, users_csv: Path) -> Iterator[Wissenswerk]:
    app = make_app(tmp_path / "data")
    app.import_users(users_csv)
    app.add_folder_source("share", share, acl_map)
    yield app
    app.close()


def flaky(app: Wissenswerk, *broken: str) -> FlakySource:
    inner = app.source("share")
    assert isinstance(inner, FolderSource)
    return FlakySource(inner, set(broken))


def paths_found(app: Wissenswerk, query: str, user: str = "anna") -> set[str]:
    return {h.path for h in app.search.search(query, user, limit=20).hits}


def test_failed_read_is_retried_with_backoff_then_dead_lettered(ww: Wissenswerk) -> None:
    ww.syncer.policy = SyncPolicy(max_attempts=3, retry_base_s=3600)
    source = flaky(ww, "Technik/Wartung.md")
    first = ww.syncer.sync(source)
    assert first.retry_scheduled == 1 and first.added == len(first.errors) + 4
    assert "attempt 1 of 3" in dict(first.errors)["Technik/Wartung.md"]
    assert "Wartungsintervall" not in str(paths_found(ww, "Wartungsintervall"))

    # Not due yet: the next sync does not hammer the share with the same read.
    source.reads.clear()
    second = ww.syncer.sync(source)
    assert second.waiting == 1 and source.reads == []

    # Backoff elapsed (1 h, then 2 h): tried again; the third failure is dead-lettered.
    ww.syncer.clock = lambda: time.time() + 3601
    assert ww.syncer.sync(source).retry_scheduled == 1
    assert ww.syncer.sync(source).waiting == 1  # the second delay is twice as long
    ww.syncer.clock = lambda: time.time() + 3601 + 7201
    third = ww.syncer.sync(source)
    assert (
        third.dead == 1 and "gave up after 3 attempts" in dict(third.errors)["Technik/Wartung.md"]
    )
    [failed] = ww.store.failed_items("share")
    assert (failed.path, failed.failures) == ("Technik/Wartung.md", 3)
    source.reads.clear()
    assert ww.syncer.sync(source).dead == 1 and source.reads == []

    # The admin fixes the share and asks for a retry: it is indexed at the next sync.
    source.broken.clear()
    assert ww.store.reset_failures("share") == 1
    fixed = ww.syncer.sync(source)
    assert fixed.added == 1 and ww.store.failed_items() == []
    assert paths_found(ww, "Wartungsintervall") == {"Technik/Wartung.md"}


def test_failed_read_of_changed_file_keeps_the_old_version_searchable(
    ww: Wissenswerk, share: Path
) -> None:
    ww.syncer.sync(ww.source("share"))
    path = share / "Technik" / "Wartung.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNeu: Filter tauschen.\n", "utf-8")
    report = ww.syncer.sync(flaky(ww, "Technik/Wartung.md"))
    assert report.retry_scheduled == 1
    assert paths_found(ww, "Wartungsintervall Getriebe") >= {"Technik/Wartung.md"}
    assert ww.syncer.sync(ww.source("share")).waiting == 1  # backoff: not read again yet
    # A file that changes again is tried at once, whatever the backoff said.
    path.write_text(path.read_text(encoding="utf-8") + "Und Dichtungen prüfen.\n", "utf-8")
    assert ww.syncer.sync(ww.source("share")).updated == 1
    assert paths_found(ww, "Filter tauschen") == {"Technik/Wartung.md"}


def test_change_token_alone_triggers_a_read(ww: Wissenswerk) -> None:
    source = flaky(ww)
    ww.syncer.sync(source)
    source.reads.clear()
    assert ww.syncer.sync(source).unchanged == 6 and source.reads == []
    # Same size and mtime, new ETag (e.g. WebDAV): read, hash equal, so not re-parsed.
    source.versions["Technik/notizen.txt"] = '"etag-2"'
    report = ww.syncer.sync(source)
    assert source.reads == ["Technik/notizen.txt"]
    assert report.unchanged == 6 and report.updated == 0
    assert ww.store.document_states("share")["Technik/notizen.txt"].version == '"etag-2"'


def test_permission_refresh_reads_nothing(ww: Wissenswerk, tmp_path: Path) -> None:
    ww.syncer.sync(ww.source("share"))
    assert paths_found(ww, "Gehaltsband Ingenieure", "anna") == set()
    acl = tmp_path / "acl.csv"
    acl.write_text("path_prefix,groups\n,mitarbeiter\n", encoding="utf-8")
    ww.add_folder_source("share", tmp_path / "share", acl)
    source = flaky(ww)
    report = ww.syncer.refresh_permissions(source)
    assert report.kind == "permissions" and report.permissions_changed == 2
    assert source.reads == []
    assert paths_found(ww, "Gehaltsband Ingenieure", "anna") == {"Personal/Gehaltsbaender.md"}
    assert [r.kind for r in ww.store.runs("share")][:2] == ["permissions", "content"]


def test_progress_is_reported_and_recorded(ww: Wissenswerk) -> None:
    seen: list[tuple[str, int, int]] = []

    def on_progress(p: SyncProgress) -> None:
        seen.append((p.phase, p.done, p.total))

    ww.syncer.sync(ww.source("share"), on_progress)
    assert seen[0] == ("listing", 0, 0)
    assert seen[-1] == ("indexing", 6, 6)
    [run] = ww.store.runs("share")
    assert run.status == "completed" and run.counts["added"] == 6 and run.error is None


def test_one_sync_per_source_at_a_time(ww: Wissenswerk) -> None:
    with ww.store.lock_source("share"), pytest.raises(SyncBusyError, match="another process"):
        ww.syncer.sync(ww.source("share"))
    assert ww.syncer.sync(ww.source("share")).added == 6


def test_lock_of_a_killed_process_is_released_and_its_run_marked(tmp_path: Path) -> None:
    app = make_app(tmp_path / "data")
    app.add_source("share", "folder", str(tmp_path))
    run_id = app.store.start_run("share")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from wissenswerk.store.sqlite.store import SQLiteStore\n"
            "s = SQLiteStore(Path(sys.argv[1]))\n"
            "with s.lock_source('share'):\n"
            "    print('locked', flush=True); time.sleep(60)\n",
            str(tmp_path / "data"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(SyncBusyError, match=f"pid {holder.pid}"), app.store.lock_source("share"):
        pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    with app.store.lock_source("share"):
        app.store.start_run("share")
    assert {r.id: r.status for r in app.store.runs("share")}[run_id] == "interrupted"
    app.close()


def test_disk_full_stops_with_a_clear_error_and_the_rerun_resumes(
    ww: Wissenswerk, share: Path
) -> None:
    for i in range(30):
        words = " ".join(f"Begriff{i}x{j}" for j in range(400))
        (share / "Archiv").mkdir(exist_ok=True)
        (share / "Archiv" / f"protokoll_{i:02}.txt").write_text(words, encoding="utf-8")
    pages = ww.store._conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own "database or disk is full" condition, as on a full disk.
    ww.store._conn.execute(f"PRAGMA max_page_count = {pages + 40}")
    with pytest.raises(StoreError, match=r"disk or database is full.*resumes"):
        ww.syncer.sync(ww.source("share"))
    assert ww.store.runs("share")[0].status == "failed"
    ww.store._conn.execute("PRAGMA max_page_count = 1073741823")
    written_before = ww.store.counts()["documents"]
    assert 0 < written_before < 36
    report = ww.syncer.sync(ww.source("share"))
    assert report.added == 36 - written_before and report.unchanged == written_before
    assert ww.store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert paths_found(ww, "Wartungsintervall") == {"Technik/Wartung.md"}


def test_schedule_runs_content_then_permissions(ww: Wissenswerk) -> None:
    [config] = ww.store.list_sources()
    assert due_jobs(ww.store, [config]) == [Job("share", "content")]
    ww.syncer.sync(ww.source("share"))
    now = time.time()
    assert due_jobs(ww.store, [config], now) == []
    assert due_jobs(ww.store, [config], now + 16 * 60) == [Job("share", "permissions")]
    assert due_jobs(ww.store, [config], now + 61 * 60) == [Job("share", "content")]
    manual = dataclasses.replace(config, sync_every_minutes=0, permissions_every_minutes=0)
    assert due_jobs(ww.store, [manual], now + 10**6) == []


def test_run_due_syncs_and_skips_busy_sources(ww: Wissenswerk) -> None:
    with ww.store.lock_source("share"):
        assert ww.run_due() == []
    [report] = ww.run_due()
    assert report.added == 6
    assert ww.run_due() == []
