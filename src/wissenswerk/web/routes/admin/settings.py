"""Settings: the switch "require MFA for everyone", and the effective configuration that
matters to an admin, read-only (it comes from the environment or the config file)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from wissenswerk.audit import Kind
from wissenswerk.parsing.ocr import TesseractOcr
from wissenswerk.web.context import web_context
from wissenswerk.web.routes.admin.common import Admin, page, record, see_other

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("/settings")
def settings_page(request: Request, user: Admin) -> Response:
    web = web_context(request)
    settings = web.ww.settings
    ocr_available, ocr_detail = _tesseract(request)
    embeddings = settings.embeddings
    return page(
        request,
        "settings.html",
        "settings",
        require_mfa=web.accounts.require_mfa(),
        data_dir=str(settings.data_dir),
        embeddings_provider=embeddings.provider,
        embeddings_secondary=embeddings.secondary_provider,
        ocr_enabled=settings.ocr.enabled,
        ocr_available=ocr_available,
        ocr_detail=ocr_detail,
        directory_url=settings.directory.url,
        directory_base=settings.directory.base_dn,
    )


def _tesseract(request: Request) -> tuple[bool, str]:
    """Whether Tesseract runs, and its version or why not (probed on each visit: an admin
    who just installed it wants to see that at once)."""
    try:
        ocr = TesseractOcr(web_context(request).ww.settings.ocr)
    except ValueError as exc:  # an invalid OCR setting
        return False, str(exc)
    if ocr.available():
        return True, ocr.engine
    return False, ocr.unavailable_reason or ""


@router.post("/settings")
def save_settings(
    request: Request, user: Admin, require_mfa: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    accounts = web_context(request).accounts
    before = accounts.require_mfa()
    wanted = require_mfa == "on"
    if wanted != before:
        accounts.set_require_mfa(wanted)
        record(
            request,
            Kind.ADMIN_SETTINGS_CHANGED,
            user,
            "setting:accounts.require_mfa",
            setting="require_mfa",
            old=before,
            new=wanted,
        )
    return see_other("/admin/settings", notice="settings_saved")
