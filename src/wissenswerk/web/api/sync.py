"""Syncs: start one in the background (202 with the run), poll the run's progress.

Syncs started here run in the same background runner as those started from the
administration pages, so both show the same live progress and one sync per source.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from wissenswerk.audit.kinds import Kind
from wissenswerk.store.base import RunRecord
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiError, ApiRoute, error_doc
from wissenswerk.web.api.models import MAX_ID, RunOut, SyncRequest, SyncStarted
from wissenswerk.web.context import web_context
from wissenswerk.web.routes.admin.sync_runner import sync_runner

router = APIRouter(route_class=ApiRoute, tags=["sync"], responses=COMMON_ERRORS)
Syncer = Annotated[ApiCaller, Depends(caller("sync", role_action="sync"))]
# Runs are looked up among the latest ones (the store lists runs newest first).
RUNS_SEARCHED = 1000


def run_out(request: Request, run: RunRecord) -> RunOut:
    return RunOut(
        id=run.id,
        source=run.source,
        kind=run.kind,
        status=run.status,
        phase=run.phase,
        done=run.done,
        total=run.total,
        counts=dict(run.counts),
        started_at=run.started_at,
        finished_at=run.finished_at,
        eta_seconds=_eta(run) if run.status == "running" else None,
        error=run.error,
    )


def _eta(run: RunRecord) -> float | None:
    """Seconds left at the pace so far (listing included, so a little pessimistic)."""
    if run.done <= 0 or run.total <= run.done:
        return None
    try:
        started = datetime.fromisoformat(run.started_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    elapsed = (datetime.now(UTC) - started).total_seconds()
    return round(max(0.0, elapsed) / run.done * (run.total - run.done), 1)


def progress_url(run_id: int) -> str:
    return f"/api/v1/sync/runs/{run_id}"


@router.post(
    "/sync",
    response_model=SyncStarted,
    status_code=202,
    summary="Start a sync of a source in the background",
    responses={
        404: error_doc("No source of that name."),
        409: error_doc("The source is being synced already, or the sync could not start."),
    },
)
def start_sync(request: Request, body: SyncRequest, who: Syncer) -> SyncStarted:
    ww = web_context(request).ww
    name = body.source
    if ww.store.get_source(name) is None:
        raise ApiError(
            404, "source_not_found", f"There is no source {name!r}; GET /api/v1/sources lists them."
        )
    before = ww.store.runs(name, limit=1)
    job = sync_runner(request).start(name, who.name)  # SyncBusyError → 409
    latest = ww.store.runs(name, limit=1)
    if not latest or (before and latest[0].id == before[0].id):
        # The thread ended before it began a run: the source could not even be opened.
        raise ApiError(
            409, "sync_failed", f"The sync of {name!r} could not start: {job.error or 'unknown'}."
        )
    run = latest[0]
    audit(request, who, Kind.ADMIN_SYNC_STARTED, object=f"source:{name}", run=run.id)
    return SyncStarted(run=run_out(request, run), progress_url=progress_url(run.id))


@router.get(
    "/sync/runs/{run_id}",
    response_model=RunOut,
    summary="Progress of a sync run",
    responses={404: error_doc("No such run among the latest ones.")},
)
def sync_run(
    request: Request, run_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Syncer
) -> RunOut:
    for run in web_context(request).ww.store.runs(None, limit=RUNS_SEARCHED):
        if run.id == run_id:
            return run_out(request, run)
    raise ApiError(
        404,
        "run_not_found",
        f"There is no run {run_id} among the latest {RUNS_SEARCHED} runs.",
    )
