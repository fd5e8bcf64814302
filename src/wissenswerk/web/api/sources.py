"""Sources: list them (admins and editors), add a folder source, remove one.

The same rules as the administration pages: the role must allow "admin.sources" (admins and
editors), the token must hold the "sources" scope.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from wissenswerk.audit.kinds import Kind
from wissenswerk.core.errors import SyncBusyError
from wissenswerk.core.models import SourceConfig
from wissenswerk.sources.acl_map import parse_acl_map
from wissenswerk.web.api.auth import ApiCaller, audit, caller
from wissenswerk.web.api.errors import COMMON_ERRORS, ApiError, ApiRoute, error_doc
from wissenswerk.web.api.models import NAME, FolderSourceIn, SourceOut
from wissenswerk.web.api.sync import run_out
from wissenswerk.web.context import web_context
from wissenswerk.web.routes.admin.sync_runner import sync_runner

router = APIRouter(route_class=ApiRoute, tags=["sources"], responses=COMMON_ERRORS)
Manager = Annotated[ApiCaller, Depends(caller("sources", role_action="admin.sources"))]
SOURCE_NOT_FOUND = error_doc("No source of that name.")
SourceParam = Annotated[str, Path(min_length=1, max_length=100, pattern=NAME)]


def source_out(request: Request, config: SourceConfig) -> SourceOut:
    runs = web_context(request).ww.store.runs(config.name, limit=1)
    return SourceOut(
        name=config.name,
        kind=config.kind,
        location=config.location,
        acl_mode=config.acl_mode,
        sync_every_minutes=config.sync_every_minutes,
        permissions_every_minutes=config.permissions_every_minutes,
        last_run=run_out(request, runs[0]) if runs else None,
    )


def existing_source(request: Request, name: str) -> SourceConfig:
    config = web_context(request).ww.store.get_source(name)
    if config is None:
        raise ApiError(
            404, "source_not_found", f"There is no source {name!r}; GET /api/v1/sources lists them."
        )
    return config


@router.get("/sources", response_model=list[SourceOut], summary="List the sources")
def list_sources(request: Request, who: Manager) -> list[SourceOut]:
    return [source_out(request, c) for c in web_context(request).ww.store.list_sources()]


@router.post(
    "/sources",
    response_model=SourceOut,
    status_code=201,
    summary="Add a folder source",
    responses={409: error_doc("A source of that name exists already.")},
)
def add_folder_source(request: Request, body: FolderSourceIn, who: Manager) -> SourceOut:
    ww = web_context(request).ww
    name = body.name.strip()
    if ww.store.get_source(name) is not None:
        raise ApiError(
            409,
            "source_exists",
            f"A source {name!r} exists already; remove it first or choose another name.",
        )
    if body.acl_map:
        parse_acl_map(body.acl_map, origin="The ACL map")  # its errors name the line
    with tempfile.TemporaryDirectory(prefix="wissenswerk-acl-") as tmp:
        acl_path = None
        if body.acl_map:
            acl_path = FsPath(tmp) / "acl_map.csv"
            acl_path.write_text(body.acl_map, encoding="utf-8")
        config = ww.add_source(name, "folder", body.folder, acl_map=acl_path)
    audit(
        request,
        who,
        Kind.ADMIN_SOURCE_ADDED,
        object=f"source:{config.name}",
        kind=config.kind,
        location=config.location,
        acl_mode=config.acl_mode,
        acl_rules=len(config.acl_map),
        sync_every_minutes=config.sync_every_minutes,
    )
    return source_out(request, config)


@router.delete(
    "/sources/{name}",
    status_code=204,
    response_class=Response,
    summary="Remove a source and its documents from the index",
    responses={404: SOURCE_NOT_FOUND, 409: error_doc("The source is being synced.")},
)
def remove_source(request: Request, name: SourceParam, who: Manager) -> Response:
    ww = web_context(request).ww
    config = existing_source(request, name)
    runner = sync_runner(request)
    job = runner.job(name)
    busy = ApiError(
        409, "sync_busy", f"Source {name!r} is being synced; remove it when the sync is done."
    )
    if job is not None and job.running:
        raise busy
    try:
        # Holding the source lock: no sync (here or on the command line) writes meanwhile.
        with ww.store.lock_source(name):
            ww.store.remove_source(name)
    except SyncBusyError:
        raise busy from None
    runner.forget(name)
    audit(
        request,
        who,
        Kind.ADMIN_SOURCE_REMOVED,
        object=f"source:{name}",
        kind=config.kind,
        location=config.location,
    )
    return Response(status_code=204)
