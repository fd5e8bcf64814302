"""The web app: FastAPI, server-rendered German/English pages, REST API /api/v1."""

from wissenswerk.web.app import create_app

__all__ = ["create_app"]
