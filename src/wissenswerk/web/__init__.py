"""The web app: FastAPI, server-rendered German/English pages, REST API /api/v1."""
