"""The one application object. The CLI (and later the web app) build it from settings;
it is the only place that picks concrete backends. Heavy parts (the embedding model) load
on first use, so commands that do not need them stay fast."""

from __future__ import annotations

import csv
import functools
import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from wissenswerk.accounts import Accounts
from wissenswerk.analysis import Analyzer
from wissenswerk.answering import ExtractiveAnswerer
from wissenswerk.answering.base import Answerer
from wissenswerk.answering.fallback import FallbackAnswerer
from wissenswerk.answering.generative import GroundedAnswerer
from wissenswerk.answering.llm.base import ChatModel
from wissenswerk.answering.llm.registry import build_chat_model
from wissenswerk.audit import AuditLog
from wissenswerk.chunking import StructuredChunker
from wissenswerk.config.settings import Settings
from wissenswerk.core.directory import Directory
from wissenswerk.core.errors import ConfigError, SyncBusyError, WissenswerkError
from wissenswerk.core.models import SourceConfig, User
from wissenswerk.embeddings import Embedder
from wissenswerk.indexing import EmbedProgress, Syncer, embed_missing
from wissenswerk.indexing.ocr import OcrPass, OcrProgress, OcrReport
from wissenswerk.indexing.schedule import due_jobs
from wissenswerk.indexing.sync import (
    SyncPolicy,
    SyncProgress,
    SyncReport,
)
from wissenswerk.parsing import ParserRegistry
from wissenswerk.parsing.base import ParseLimits
from wissenswerk.parsing.isolation import InProcessParsers, IsolatedParsers, Parsers
from wissenswerk.plugins import Plugins
from wissenswerk.search.service import DenseRetriever, SearchService
from wissenswerk.sources.acl_map import load_acl_map
from wissenswerk.sources.base import Source, SourceContext
from wissenswerk.store.sqlite.store import SQLiteStore
from wissenswerk.viewer.service import DocumentViewer

MB = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(slots=True)
class DirectorySyncReport:
    users: int = 0
    added: int = 0
    changed: int = 0
    deactivated: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "users": self.users,
            "added": self.added,
            "changed": self.changed,
            "deactivated": self.deactivated,
        }


def _same_registry(registry: ParserRegistry) -> ParserRegistry:
    return registry


class Wissenswerk:
    def __init__(self, settings: Settings, plugins: Plugins | None = None) -> None:
        self.settings = settings
        self.plugins = plugins or Plugins()
        self.store = SQLiteStore(settings.data_dir)

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, plugins: Plugins | None = None
    ) -> Wissenswerk:
        return cls(settings or Settings(), plugins)

    def close(self) -> None:
        if "parse_backend" in self.__dict__:
            self.parse_backend.close()
        self.store.close()

    # --- components ------------------------------------------------------------------
    @cached_property
    def analyzer(self) -> Analyzer:
        return Analyzer(language=self.settings.language)

    @cached_property
    def parse_limits(self) -> ParseLimits:
        p = self.settings.parsing
        return ParseLimits(
            max_file_bytes=p.max_file_mb * MB,
            max_member_bytes=p.max_member_mb * MB,
            max_total_unpacked_bytes=p.max_total_unpacked_mb * MB,
            max_compression_ratio=p.max_compression_ratio,
            max_depth=p.max_depth,
        )

    @cached_property
    def parsers(self) -> ParserRegistry:
        return self.plugins.parser_registry()

    @cached_property
    def chunker(self) -> StructuredChunker:
        c = self.settings.chunking
        return StructuredChunker(c.target_words, c.max_words, c.overlap_sentences)

    @cached_property
    def embedder(self) -> Embedder | None:
        """The main dense embedder (None when dense search is off)."""
        return self.plugins.build_embedder(self.settings.embeddings)

    @cached_property
    def embedders(self) -> list[Embedder]:
        """Every configured dense embedder, main first; each needs its vectors."""
        out = [self.embedder] if self.embedder is not None else []
        secondary = self.settings.embeddings.secondary_provider
        if secondary != "none":
            settings = self.settings.embeddings.model_copy(update={"provider": secondary})
            built = self.plugins.build_embedder(settings)
            if built is not None:
                out.append(built)
        return out

    @cached_property
    def parse_backend(self) -> Parsers:
        """Isolated worker processes by default (time and memory limits per file)."""
        p = self.settings.parsing
        if not p.isolate:
            return InProcessParsers(self.parsers, self.parse_limits)
        return IsolatedParsers(
            # The registry travels to each worker by pickle (parsers are referenced by
            # class), so plugins registered in this process parse there too.
            functools.partial(_same_registry, self.parsers),
            self.parse_limits,
            workers=max(1, p.workers),
            timeout_s=p.timeout_s,
            memory_mb=p.memory_mb,
        )

    @cached_property
    def ocr_pass(self) -> OcrPass:
        return OcrPass(
            self.syncer,
            self.parse_backend,
            self.settings.ocr,
            self.source,
            workers=max(1, self.settings.parsing.workers),
        )

    def run_ocr(self, on_progress: Callable[[OcrProgress], None] | None = None) -> OcrReport:
        """OCR every page the syncs queued; resumable, one document per transaction."""
        report = self.ocr_pass.run(on_progress)
        if report.documents or report.failed:
            self.emit("ocr.completed", None, report.as_dict())
        return report

    @cached_property
    def syncer(self) -> Syncer:
        s = self.settings
        policy = SyncPolicy(
            max_attempts=s.sync.max_attempts,
            retry_base_s=s.sync.retry_base_minutes * 60,
            workers=max(1, s.parsing.workers),
            ocr=s.ocr.enabled,
        )
        return Syncer(
            self.store, self.parse_backend, self.chunker, self.analyzer, self.parse_limits, policy
        )

    @cached_property
    def search(self) -> SearchService:
        s = self.settings.search
        weights = [s.dense_weight, s.secondary_weight]
        dense = [DenseRetriever(e, w) for e, w in zip(self.embedders, weights, strict=False)]
        return SearchService(self.store, self.analyzer, dense, s)

    @cached_property
    def accounts(self) -> Accounts:
        """Users, logins, MFA, sessions and API tokens (web app and REST API)."""
        return Accounts(self.store, self.settings.accounts, directory=self.directory)

    @cached_property
    def viewer(self) -> DocumentViewer:
        return DocumentViewer(self.store, self.source)

    @cached_property
    def chat_model(self) -> ChatModel | None:
        """The configured language model; None keeps answers extractive (the default)."""
        return build_chat_model(self.settings.llm, data_dir=self.settings.data_dir)

    @cached_property
    def answerer(self) -> Answerer:
        model = self.chat_model
        extractive = ExtractiveAnswerer(self.search, self.analyzer, self.settings.answering)
        if model is None:
            return extractive
        generated = GroundedAnswerer(
            self.search, self.analyzer, model, self.settings.llm, self.settings.answering
        )
        # A model server that is down still leaves users with quoted answers.
        return FallbackAnswerer(generated, extractive, self.analyzer)

    def embed_missing(
        self, on_progress: Callable[[EmbedProgress], None] | None = None
    ) -> EmbedProgress:
        """Compute the vectors every configured embedder still lacks; resumable."""
        total = EmbedProgress(total=0)
        for embedder in self.embedders:
            done_before, seconds_before = total.done, total.seconds

            def forward(
                p: EmbedProgress, base: int = done_before, sec: float = seconds_before
            ) -> None:
                if on_progress:
                    on_progress(
                        EmbedProgress(
                            total=base + p.total, done=base + p.done, seconds=sec + p.seconds
                        )
                    )

            part = embed_missing(
                self.store, embedder, self.settings.embeddings.batch_size, on_progress=forward
            )
            total = EmbedProgress(
                total=total.total + part.total,
                done=total.done + part.done,
                seconds=total.seconds + part.seconds,
            )
        return total

    # --- administration --------------------------------------------------------------
    def import_users(self, path: Path) -> list[User]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"Cannot read the user list {path}: {exc.strerror}.") from exc
        return self.import_users_csv(text, origin=str(path))

    def import_users_csv(self, text: str, origin: str = "user list") -> list[User]:
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        if not rows or [c.strip().lower() for c in rows[0][:2]] != ["user", "groups"]:
            raise ConfigError(f"{origin}: first line must be the header 'user,groups'.")
        users = []
        for line_no, row in enumerate(rows[1:], start=2):
            name = row[0].strip()
            if not name:
                raise ConfigError(f"{origin}, line {line_no}: the user name is empty.")
            groups = row[1].split(";") if len(row) > 1 else []
            users.append(self.store.upsert_user(name, groups))
        return users

    def add_source(
        self,
        name: str,
        kind: str,
        location: str,
        options: dict[str, Any] | None = None,
        acl_map: Path | None = None,
        sync_every_minutes: int = 60,
        permissions_every_minutes: int = 15,
    ) -> SourceConfig:
        """Add (or replace) a source of any connector kind. The connector validates its
        options now, so a typo fails here and not at 3 a.m. during the scheduled sync."""
        name = name.strip()
        if not name:
            raise ConfigError("A source needs a name.")
        if kind == "folder":
            folder = Path(location).expanduser().resolve()
            if not folder.is_dir():
                raise ConfigError(f"Folder {folder} does not exist or is not a directory.")
            location = str(folder)
        rules = load_acl_map(acl_map) if acl_map else ()
        acl_mode = "acl_map" if rules else ("posix" if kind == "folder" else "source")
        config = SourceConfig(
            name=name,
            kind=kind,
            location=location,
            acl_mode=acl_mode,
            acl_map=rules,
            options=dict(options or {}),
            sync_every_minutes=sync_every_minutes,
            permissions_every_minutes=permissions_every_minutes,
        )
        self.plugins.build_source(config, self.source_context()).close()
        self.store.add_source(config)
        self.emit("source.added", None, {"source": name, "kind": kind, "location": location})
        return config

    def add_folder_source(self, name: str, folder: Path, acl_map: Path | None) -> SourceConfig:
        return self.add_source(name, "folder", str(folder), acl_map=acl_map)

    @cached_property
    def directory(self) -> Directory | None:
        """The LDAP/AD directory, when configured (settings.directory.url)."""
        if not self.settings.directory.url:
            return None
        from wissenswerk.directory.ldap import LdapDirectory

        return LdapDirectory(self.settings.directory)

    def source_context(self) -> SourceContext:
        return SourceContext(
            data_dir=self.settings.data_dir,
            directory=self.directory,
            timeout_s=self.settings.sync.timeout_s,
        )

    def source(self, name: str) -> Source:
        config = self.store.get_source(name)
        if config is None:
            from wissenswerk.core.errors import UnknownSourceError

            raise UnknownSourceError(name)
        return self.plugins.build_source(config, self.source_context())

    # --- sync ------------------------------------------------------------------------
    def sync_source(
        self, name: str, on_progress: Callable[[SyncProgress], None] | None = None
    ) -> SyncReport:
        report = self.syncer.sync(self.source(name), on_progress)
        self.emit("sync.completed", None, report.counts() | {"source": name})
        return report

    def refresh_permissions(
        self, name: str, on_progress: Callable[[SyncProgress], None] | None = None
    ) -> SyncReport:
        report = self.syncer.refresh_permissions(self.source(name), on_progress)
        self.emit("permissions.refreshed", None, report.counts() | {"source": name})
        return report

    def sync_directory(self) -> DirectorySyncReport:
        """Take users and their (nested) groups from LDAP/AD. Users that vanished from the
        directory or were disabled there are deactivated; an unreachable directory raises
        DirectoryError and changes nothing."""
        if self.directory is None:
            raise ConfigError(
                "No directory configured: set WISSENSWERK_DIRECTORY__URL (e.g. "
                "ldaps://dc1.firma.local), __BIND_DN, __BIND_PASSWORD and __BASE_DN."
            )
        report = DirectorySyncReport()
        users = list(self.directory.users())
        for entry in users:
            before = self.store.get_user(entry.name)
            after = self.store.upsert_user(entry.name, entry.groups, entry.active, "directory")
            report.users += 1
            if before is None:
                report.added += 1
            elif (before.groups, before.active) != (after.groups, after.active):
                report.changed += 1
        report.deactivated = self.store.deactivate_users("directory", [u.name for u in users])
        self.emit("directory.synced", None, report.as_dict())
        return report

    def run_due(self, on_report: Callable[[SyncReport], None] | None = None) -> list[SyncReport]:
        """One round of the scheduler: run every due content sync and permission refresh,
        then catch up on vectors. A busy or failing source never stops the others."""
        jobs = due_jobs(self.store, self.store.list_sources())
        reports: list[SyncReport] = []
        if jobs and self.directory is not None:
            try:
                self.sync_directory()
            except WissenswerkError as exc:
                log.warning("Directory sync failed: %s", exc)
                self.emit("directory.failed", None, {"error": str(exc)})
        for job in jobs:
            try:
                if job.kind == "content":
                    report = self.sync_source(job.source)
                else:
                    report = self.refresh_permissions(job.source)
            except SyncBusyError:
                continue
            except WissenswerkError as exc:
                log.warning("Scheduled %s sync of %s failed: %s", job.kind, job.source, exc)
                self.emit("sync.failed", None, {"source": job.source, "error": str(exc)})
                continue
            reports.append(report)
            if on_report:
                on_report(report)
        if any(r.kind == "content" and (r.added or r.updated) for r in reports):
            if self.settings.ocr.enabled:
                self.run_ocr()
            self.embed_missing()
        return reports

    def run_scheduler(self, stop: threading.Event, poll_s: float = 30.0) -> None:
        """Run due syncs until ``stop`` is set: `serve` runs this on a background thread,
        so sources follow their schedules while the web app answers questions."""
        while not stop.is_set():
            try:
                self.run_due()
            except Exception:  # the scheduler must outlive any one failure; it is logged
                log.exception("Scheduled sync round failed")
            stop.wait(poll_s)

    # --- domain events ---------------------------------------------------------------
    @cached_property
    def audit(self) -> AuditLog:
        """The audit log; writes go through emit() so plugins hear every record."""
        return AuditLog(self.store, emit=self.emit)

    def emit(
        self,
        kind: str,
        actor: str | None,
        payload: dict[str, Any],
        *,
        object: str | None = None,
        outcome: str | None = None,
        ip: str | None = None,
    ) -> int:
        """Record a domain event in the audit log and tell plugins about it; return its id."""
        event_id = self.store.add_event(kind, actor, payload, object=object, outcome=outcome, ip=ip)
        self.plugins.hook.track_event(kind=kind, actor=actor, payload=payload)
        return event_id
