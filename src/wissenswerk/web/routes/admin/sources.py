"""Sources: list, add a folder source with an ACL map, start a sync and follow it live,
the per-file error list with "retry failed", remove. Admins and editors."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response

from wissenswerk.app import Wissenswerk
from wissenswerk.audit import Kind
from wissenswerk.core.errors import SyncBusyError, WissenswerkError
from wissenswerk.core.models import SourceConfig
from wissenswerk.sources.acl_map import parse_acl_map
from wissenswerk.store.base import RunRecord
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.i18n import Translator
from wissenswerk.web.routes.admin.common import SourceManager, local_time, page, record, see_other
from wissenswerk.web.routes.admin.sync_runner import SyncJob, sync_runner

router = APIRouter(prefix="/admin", include_in_schema=False)

MAX_NAME_LENGTH = 100
MAX_ACL_BYTES = 1024 * 1024
MAX_SCHEDULE_MINUTES = 7 * 24 * 60
OneLine = Annotated[str, Form(max_length=1000)]
CsvText = Annotated[str, Form(max_length=MAX_ACL_BYTES)]
# Counts of a sync report shown to people, in this order.
SHOWN_COUNTS = ("added", "updated", "unchanged", "deleted", "retry_scheduled", "dead")


@router.get("")
def admin_home(user: SourceManager) -> Response:
    return RedirectResponse("/admin/sources", status_code=303)


# --- list and add -------------------------------------------------------------------------
@router.get("/sources")
def sources_page(request: Request, user: SourceManager) -> Response:
    return _sources_page(request)


def _sources_page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    web = web_context(request)
    t = translator(request)
    rows = []
    for source in web.ww.store.list_sources():
        runs = web.ww.store.runs(source.name, limit=1)
        rows.append(
            {
                "config": source,
                "schedule": _schedule_text(t, source.sync_every_minutes),
                "acl": t(f"admin.sources.acl_mode.{source.acl_mode}")
                if t.has(f"admin.sources.acl_mode.{source.acl_mode}")
                else source.acl_mode,
                "last_run": _run_summary(t, runs[0]) if runs else None,
                "running": _is_running(request, source.name, runs),
            }
        )
    form = ctx.pop("form", {"schedule": "60"})
    return page(request, "sources.html", "sources", status_code, sources=rows, form=form, **ctx)


@router.post("/sources")
def add_source(
    request: Request,
    user: SourceManager,
    name: OneLine = "",
    folder: OneLine = "",
    schedule: OneLine = "60",
    acl_map_text: CsvText = "",
    acl_map_file: UploadFile | None = None,
) -> Response:
    web = web_context(request)
    t = translator(request)
    form = {"name": name, "folder": folder, "schedule": schedule, "acl_map_text": acl_map_text}
    try:
        new = _validated(web.ww, t, name, folder, schedule, acl_map_text, acl_map_file)
    except _FormError as error:
        return _sources_page(request, 400, error=error.message, form=form)
    try:
        with tempfile.TemporaryDirectory(prefix="wissenswerk-acl-") as tmp:
            acl_path = None
            if new.acl_text:
                acl_path = Path(tmp) / "acl_map.csv"
                acl_path.write_text(new.acl_text, encoding="utf-8")
            config = web.ww.add_source(
                new.name,
                "folder",
                str(new.folder),
                acl_map=acl_path,
                sync_every_minutes=new.schedule,
            )
    except WissenswerkError as exc:
        message = t("admin.sources.error.add_failed", detail=str(exc))
        return _sources_page(request, 400, error=message, form=form)
    record(
        request,
        Kind.ADMIN_SOURCE_ADDED,
        user,
        f"source:{config.name}",
        kind=config.kind,
        location=config.location,
        acl_mode=config.acl_mode,
        acl_rules=len(config.acl_map),
        sync_every_minutes=config.sync_every_minutes,
    )
    return see_other(_source_path(config.name), notice="source_added")


@dataclass(frozen=True, slots=True)
class _NewSource:
    name: str
    folder: Path
    schedule: int
    acl_text: str


class _FormError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _validated(
    ww: Wissenswerk,
    t: Translator,
    name: str,
    folder: str,
    schedule: str,
    acl_text: str,
    acl_file: UploadFile | None,
) -> _NewSource:
    """The form's values, or _FormError with a message that says what to fix."""
    name = name.strip()
    if not name:
        raise _FormError(t("admin.sources.error.name_missing"))
    if len(name) > MAX_NAME_LENGTH or "/" in name or any(ord(c) < 32 for c in name):
        raise _FormError(t("admin.sources.error.name_invalid", max=MAX_NAME_LENGTH))
    if ww.store.get_source(name) is not None:
        raise _FormError(t("admin.sources.error.name_taken", name=name))
    folder = folder.strip()
    if not folder:
        raise _FormError(t("admin.sources.error.folder_missing"))
    path = Path(folder).expanduser()
    if not path.is_absolute():
        raise _FormError(t("admin.sources.error.folder_relative"))
    if not path.is_dir():
        raise _FormError(t("admin.sources.error.folder_not_found", folder=folder))
    if not os.access(path, os.R_OK | os.X_OK):
        raise _FormError(t("admin.sources.error.folder_unreadable", folder=folder))
    try:
        minutes = int(schedule.strip() or "0")
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= MAX_SCHEDULE_MINUTES:
        raise _FormError(t("admin.sources.error.schedule_invalid", max=MAX_SCHEDULE_MINUTES))
    text = _acl_text(t, acl_text, acl_file)
    if text.strip():
        try:
            parse_acl_map(text, origin="ACL map")
        except WissenswerkError as exc:
            raise _FormError(t("admin.sources.error.acl_invalid", detail=str(exc))) from None
    return _NewSource(name, path.resolve(), minutes, text if text.strip() else "")


def _acl_text(t: Translator, pasted: str, upload: UploadFile | None) -> str:
    """The ACL map from the uploaded file if one was chosen, else the pasted text."""
    if upload is None or not upload.filename:
        return pasted
    data = upload.file.read(MAX_ACL_BYTES + 1)
    if len(data) > MAX_ACL_BYTES:
        raise _FormError(t("admin.sources.error.acl_too_large"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FormError(t("admin.sources.error.acl_encoding")) from None


# --- one source ---------------------------------------------------------------------------
@router.get("/sources/{name}")
def source_page(request: Request, name: str, user: SourceManager) -> Response:
    web = web_context(request)
    t = translator(request)
    config = _source(request, name)
    store = web.ww.store
    runs = store.runs(name, limit=10)
    failed = store.failed_items(name)
    return page(
        request,
        "source.html",
        "sources",
        source=config,
        schedule=_schedule_text(t, config.sync_every_minutes),
        acl=t(f"admin.sources.acl_mode.{config.acl_mode}"),
        runs=[_run_summary(t, run) for run in runs],
        running=_is_running(request, name, runs),
        progress=progress_of(request, name),
        problems=[
            {"problem": p, "status": _label(t, "admin.problem", p.status)}
            for p in store.problems(name)
        ],
        failed=[
            {"item": item, "retry_at": local_time(item.retry_at) if item.retry_at else ""}
            for item in failed
        ],
        path=_source_path(name),
    )


@router.get("/sources/{name}/progress")
def source_progress(request: Request, name: str, user: SourceManager) -> JSONResponse:
    _source(request, name)
    return JSONResponse(progress_of(request, name), headers={"Cache-Control": "no-store"})


@router.post("/sources/{name}/sync")
def start_sync(request: Request, name: str, user: SourceManager) -> Response:
    _source(request, name)
    return _start(request, name, user)


@router.post("/sources/{name}/retry")
def retry_failed(request: Request, name: str, user: SourceManager) -> Response:
    """Forget the failures (and the dead-letter state) of the source's files and sync again."""
    _source(request, name)
    job = sync_runner(request).job(name)
    if job is not None and job.running:
        return see_other(_source_path(name), error="sync_busy")
    reset = web_context(request).ww.store.reset_failures(name)
    return _start(request, name, user, retry_failed=True, reset=reset)


def _start(request: Request, name: str, user: SourceManager, **details: object) -> Response:
    try:
        sync_runner(request).start(name, user.name)
    except SyncBusyError:
        return see_other(_source_path(name), error="sync_busy")
    record(request, Kind.ADMIN_SYNC_STARTED, user, f"source:{name}", **details)
    return see_other(_source_path(name), notice="sync_started")


@router.post("/sources/{name}/remove")
def remove_source(request: Request, name: str, user: SourceManager) -> Response:
    web = web_context(request)
    config = _source(request, name)
    runner = sync_runner(request)
    job = runner.job(name)
    if job is not None and job.running:
        return see_other(_source_path(name), error="sync_busy")
    try:
        # Holding the source lock: no sync (here or on the command line) writes meanwhile.
        with web.ww.store.lock_source(name):
            web.ww.store.remove_source(name)
    except SyncBusyError:
        return see_other(_source_path(name), error="sync_busy")
    runner.forget(name)
    record(
        request,
        Kind.ADMIN_SOURCE_REMOVED,
        user,
        f"source:{name}",
        kind=config.kind,
        location=config.location,
    )
    return see_other("/admin/sources", notice="source_removed")


# --- helpers ------------------------------------------------------------------------------
def _source(request: Request, name: str) -> SourceConfig:
    config = web_context(request).ww.store.get_source(name)
    if config is None:
        raise HTTPException(404, "not_found")
    return config


def _source_path(name: str) -> str:
    return f"/admin/sources/{quote(name, safe='')}"


def _schedule_text(t: Translator, minutes: int) -> str:
    if minutes <= 0:
        return t("admin.sources.schedule_manual")
    return t("admin.sources.schedule_every", minutes=minutes)


def _is_running(request: Request, name: str, latest: list[RunRecord]) -> bool:
    job = sync_runner(request).job(name)
    if job is not None:
        return job.running
    return bool(latest) and latest[0].status == "running"


def _run_summary(t: Translator, run: RunRecord) -> dict[str, Any]:
    return {
        "run": run,
        "status": _label(t, "admin.status", run.status),
        "kind": _label(t, "admin.run_kind", run.kind),
        "started": local_time(run.started_at),
        "finished": local_time(run.finished_at),
        "counts": _counts_text(t, run.counts),
    }


def _label(t: Translator, prefix: str, value: str) -> str:
    return t(f"{prefix}.{value}") if t.has(f"{prefix}.{value}") else value


def _counts_text(t: Translator, counts: dict[str, int]) -> str:
    parts = [t(f"admin.count.{key}", n=counts[key]) for key in SHOWN_COUNTS if counts.get(key)]
    return " · ".join(parts)


def _eta_text(t: Translator, seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 90:
        return t("admin.progress.eta_seconds", seconds=max(1, round(seconds)))
    return t("admin.progress.eta_minutes", minutes=round(seconds / 60))


def _started_epoch(run: RunRecord) -> float | None:
    try:
        return datetime.fromisoformat(run.started_at.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def progress_of(request: Request, name: str) -> dict[str, Any]:
    """The JSON the page polls: the sync this process runs, else the latest stored run
    (also one the command line runs), with texts in the page's language."""
    t = translator(request)
    job = sync_runner(request).job(name)
    if job is None:
        runs = web_context(request).ww.store.runs(name, limit=1)
        job = _job_from_run(runs[0]) if runs else None
    if job is None:
        return {
            "source": name,
            "state": "idle",
            "running": False,
            "status_label": t("admin.status.idle"),
            "phase": "",
            "phase_label": "",
            "done": 0,
            "total": 0,
            "percent": None,
            "counts": {},
            "counts_text": "",
            "summary": "",
            "eta_seconds": None,
            "eta_text": "",
            "error": None,
        }
    state = "running" if job.status == "starting" else job.status
    percent = round(100 * job.done / job.total) if job.total else None
    return {
        "source": name,
        "state": state,
        "running": job.running,
        "status_label": _label(t, "admin.status", state),
        "phase": job.phase,
        "phase_label": _label(t, "admin.phase", job.phase) if job.running else "",
        "done": job.done,
        "total": job.total,
        "percent": percent,
        "counts": job.counts,
        "counts_text": _counts_text(t, job.counts),
        "summary": t("admin.progress.summary", done=job.done, total=job.total) if job.total else "",
        "eta_seconds": job.eta_seconds,
        "eta_text": _eta_text(t, job.eta_seconds) if job.running else "",
        "error": job.error,
    }


def _job_from_run(run: RunRecord) -> SyncJob:
    """A stored run as a job; a running one gets an ETA from its average pace so far."""
    started = _started_epoch(run) or time.time()
    eta = None
    if run.status == "running" and run.done and run.total:
        eta = (time.time() - started) / run.done * (run.total - run.done)
    return SyncJob(
        source=run.source,
        actor=None,
        started_at=started,
        status=run.status,
        phase=run.phase if run.status == "running" else "done",
        done=run.done,
        total=run.total,
        counts=dict(run.counts),
        eta_seconds=eta,
        error=run.error,
    )
