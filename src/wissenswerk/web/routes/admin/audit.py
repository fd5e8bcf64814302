"""The audit log for admins: filter, page through, verify the hash chain, export the
filtered view as CSV (the export is itself recorded). Admins only."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from wissenswerk.audit import (
    CATEGORY_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    AuditFilter,
    kind_label,
    outcome_label,
)
from wissenswerk.web.context import translator, web_context
from wissenswerk.web.i18n import Translator
from wissenswerk.web.routes.admin.common import Admin, local_time, page
from wissenswerk.web.sessions import client_ip

router = APIRouter(prefix="/admin", include_in_schema=False)

PAGE_SIZE = 50
MAX_FIELD = 200
FILTER_FIELDS = ("actor", "kind", "outcome", "object", "since", "until")


@dataclass(frozen=True, slots=True)
class _Query:
    values: dict[str, str]  # the form's fields as typed (to show them again)
    filter: AuditFilter
    error: str | None


def _query(request: Request, t: Translator) -> _Query:
    """The filter of the query string; a date that cannot be read is reported, not used."""
    values = {f: request.query_params.get(f, "").strip()[:MAX_FIELD] for f in FILTER_FIELDS}
    error = None
    since = until = None
    try:
        first = date.fromisoformat(values["since"]) if values["since"] else None
        last = date.fromisoformat(values["until"]) if values["until"] else None
    except ValueError:
        error = t("admin.audit.error.date")
        first = last = None
    if first and last and first > last:
        error = t("admin.audit.error.range")
        first = last = None
    if first:
        since = _start_of(first)
    if last:
        # The "until" day counts in full: the filter runs up to the next midnight.
        until = _start_of(last + timedelta(days=1))
    audit_filter = AuditFilter(
        actor=values["actor"] or None,
        kind=values["kind"] or None,
        outcome=values["outcome"] or None,
        object=values["object"] or None,
        since=since,
        until=until,
    )
    return _Query(values, audit_filter, error)


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the server's time zone, the one the tables show."""
    return datetime.combine(day, time()).astimezone()


@router.get("/audit")
def audit_page(
    request: Request,
    user: Admin,
    page_no: Annotated[int, Query(alias="page")] = 1,
    verify: str = "",
) -> Response:
    web = web_context(request)
    t = translator(request)
    lang = t.language
    query = _query(request, t)
    total = web.ww.audit.count(query.filter)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    current = min(max(1, page_no), pages)
    records = web.ww.audit.events(query.filter, limit=PAGE_SIZE, offset=(current - 1) * PAGE_SIZE)
    rows = [
        {
            "record": r,
            "time": local_time(r.at),
            "kind": kind_label(r.kind, lang),
            "outcome": outcome_label(r.outcome, lang),
            "details": json.dumps(r.payload, ensure_ascii=False, sort_keys=True, default=str)
            if r.payload
            else "",
        }
        for r in records
    ]
    filters = {k: v for k, v in query.values.items() if v}
    return page(
        request,
        "audit.html",
        "audit",
        rows=rows,
        total=total,
        page_no=current,
        pages=pages,
        values=query.values,
        filter_error=query.error,
        categories=_options(CATEGORY_LABELS, lang),
        kinds=_options(KIND_LABELS, lang),
        outcomes=_options(OUTCOME_LABELS, lang),
        page_link=lambda n: "/admin/audit?" + urlencode({**filters, "page": n}),
        export_link="/admin/audit/export.csv" + ("?" + urlencode(filters) if filters else ""),
        chain=web.ww.audit.verify() if verify else None,
    )


def _options(labels: dict[str, dict[str, str]], lang: str) -> list[tuple[str, str]]:
    chosen = labels.get(lang) or labels["de"]
    return [(str(key), label) for key, label in chosen.items()]


@router.get("/audit/export.csv")
def export_audit(request: Request, user: Admin) -> Response:
    """The filtered view as CSV for German Excel (``;``, UTF-8 with BOM), streamed."""
    web = web_context(request)
    query = _query(request, translator(request))
    lines = web.ww.audit.export_csv(
        query.filter, actor=user.name, ip=client_ip(request, web.settings)
    )
    stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M")
    headers = {
        "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(
        (line.encode("utf-8") for line in lines),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )
